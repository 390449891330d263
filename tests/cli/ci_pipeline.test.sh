# `doudi ci` and examples/ci: a scratch git repository is made from examples/ci (no CI service
# needed), a base committed, and the example's pipeline script run on changes of the rule file:
#
#   0. nothing changed — passes;
#   1. an approved change (lonely elderly placed 40/30/30: tests/fixtures/ci/*.patch and the
#      hand-written approved file) — exit 0 and every report file;
#   2. then a change that moves a person and cells of both forms without approval (minors under
#      16) — exit 1, and a Markdown report whose counts, Δ, moved cells and person line are the
#      ones worked out by hand in tests/fixtures/ci/minor-age-16.approved and
#      examples/ci/populations/sample/README.md;
#   3. the same change with that approved file — exit 0;
#   4. the comment's size limit; 5. the pre-commit hook; 6. usage errors.
set -u
d=$TMPDIR
die() { echo "$*"; exit 1; }
fx=$(pwd)/tests/fixtures/ci
repo=$d/repo
# fixed names and dates: the same commits, so the same hashes, on every run
g() { GIT_AUTHOR_DATE="2021-04-01T08:00:00+0800" GIT_COMMITTER_DATE="2021-04-01T08:00:00+0800" \
      git -C "$repo" -c user.name="doudi test" -c user.email=test@example.org -c commit.gpgsign=false "$@"; }
ci() { DOUDI=$DOUDI sh "$repo/ci.sh" "$@"; }
has() { grep -qxF -- "$1" "$2" || { echo "missing line in $2:"; echo "  $1"; echo "--- $2:"; cat "$2"; exit 1; }; }
command -v git >/dev/null || die "git is missing"

cp -R examples/ci "$repo" || die "copy"
g init -q && g add -A && g commit -qm "the rules as they are" || die "git: base commit"
base0=$(g rev-parse HEAD)

# ---- 0. nothing changed --------------------------------------------------------------------
ci >"$d/out0" 2>"$d/err0" || { cat "$d/out0" "$d/err0"; die "0: unchanged repository fails"; }
has "diff rules/zhengzhou-2021.doudi: unchanged since HEAD" "$d/out0"
has "tests: 45 passed, 0 failed; full coverage" "$d/out0"

# ---- 1. an approved change ---------------------------------------------------------------------
g apply "$fx/lonely-elderly-40-30-30.patch" || die "1: patch"
mkdir -p "$repo/approved/zhengzhou-2021" && cp "$fx/lonely-elderly-40-30-30.approved" "$repo/approved/zhengzhou-2021/sample.approved"
ci "$base0" >"$d/out1" 2>"$d/err1"
[ $? -eq 0 ] || { cat "$d/out1" "$d/err1"; die "1: the approved change fails the gate"; }
has "check: 1 rule file(s); 0 error(s), 0 warning(s)" "$d/out1"
has "diff rules/zhengzhou-2021.doudi over populations/sample: 2 changed; every figure is as approved" "$d/out1"
has "ci: passed; the reports are in doudi-ci/ (summary.md is the merge-request comment)" "$d/out1"
o=$repo/doudi-ci
for f in summary.md check.txt check.sarif tests.txt tests.xml diff/zhengzhou-2021/sample.md \
         diff/zhengzhou-2021/sample.txt diff/zhengzhou-2021/sample.json base/rules/zhengzhou-2021.doudi; do
  [ -f "$o/$f" ] || die "1: no $f"
done
cmp -s "$o/base/rules/zhengzhou-2021.doudi" examples/ci/rules/zhengzhou-2021.doudi || die "1: base text is not the base"
has "## doudi ci: ✅ passed" "$o/summary.md"
has "**2 people change category, placement or year.** ✅ Every figure is as approved (\`approved/zhengzhou-2021/sample.approved\`, 5 lines)." "$o/summary.md"
has "| 2021 | 5 | 6 | **+1** |" "$o/summary.md"
has "| 2022 | 1 | 1 | 0 |" "$o/summary.md"
has "| 2023 | 1 | 0 | **-1** |" "$o/summary.md"
has "| lonely\\_elderly | 2021 | 1 | 2 | **+1** |" "$o/summary.md"
has "- \`410102********0319\`: year: 2022 → 2021; categories and care unchanged: the schedule's shares or ranking moved the year" "$o/summary.md"
has "- \`410102********0449\`: year: 2023 → 2022; categories and care unchanged: the schedule's shares or ranking moved the year" "$o/summary.md"
has "No cell changes in: \`attachment1\`, \`attachment2\`, the capacity plan." "$o/summary.md"
grep -q '<testsuite name="rules/zhengzhou-2021.doudi" tests="[0-9]*" failures="0" errors="0"' "$o/tests.xml" || die "1: tests.xml"
/usr/bin/python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["runs"][0]["results"] == []' "$o/check.sarif" ||
  die "1: check.sarif"
/usr/bin/python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["changed"] == 2' "$o/diff/zhengzhou-2021/sample.json" ||
  die "1: the diff's JSON"
# no resident id in full in any report a person reads
grep -rlE '(^|[^0-9])[0-9]{17}[0-9X]([^0-9]|$)' "$o/summary.md" "$o/diff" && die "1: an id unmasked"
g add -A && g commit -qm "lonely elderly people: 40%, 30%, 30%" || die "1: commit"
[ -z "$(g status --porcelain)" ] || { g status; die "1: doudi-ci/ is not ignored"; }
base1=$(g rev-parse HEAD)

# ---- 2. a change that moves people, without approval ---------------------------------------------
g apply "$fx/minor-age-16.patch" || die "2: patch"
ci "$base1" >"$d/out2" 2>"$d/err2"
[ $? -eq 1 ] || { cat "$d/out2" "$d/err2"; die "2: the unapproved change does not fail with 1"; }
has "tests: 45 passed, 0 failed; full coverage" "$d/out2"
has "diff rules/zhengzhou-2021.doudi over populations/sample: 1 changed; 30 figures differ from the approved changes" "$d/out2"
has "ci: failed; the reports are in doudi-ci/ (summary.md is the merge-request comment)" "$d/out2"
m=$o/summary.md
has "## doudi ci: ❌ failed" "$m"
has "### rules/zhengzhou-2021.doudi: $base1 → this change, over populations/sample" "$m"
has "**1 person changes category, placement or year.** The approved-changes file approved/zhengzhou-2021/sample.approved is unchanged since $base1: it approves an earlier change, so every change of a figure is unapproved. ❌ **30 figures differ from the approved changes** (\`doudi-ci/diff/zhengzhou-2021/sample.approved\`)." "$m"
has "- \`unapproved change: changed: 1\`" "$m"
has "- \`unapproved change: form attachment1 410122 orphan subtotal: -1 (1 → 0)\`" "$m"
# counts per category (primary and member), placement and year, with Δ
has "| orphan | 1 | 0 | **-1** | 1 | 0 | **-1** |" "$m"
has "| lonely\\_elderly | 3 | 3 | 0 | 3 | 3 | 0 |" "$m"
has "| none | 2 | 3 | **+1** | | | |" "$m"
has "| welfare\\_institution | 1 | 0 | **-1** |" "$m"
has "| township\\_home | 3 | 3 | 0 |" "$m"
has "| 2021 | 6 | 5 | **-1** |" "$m"
has "| none | 3 | 4 | **+1** |" "$m"
has "| orphan | 2021 | 1 | 0 | **-1** |" "$m"
# the move, and the cells that move, the city's and the county's
has "| welfare\\_institution | none | 1 |" "$m"
has "#### Cells of 附件1 郑州市特殊贫困群体兜底保障对象摸底统计表 (\`attachment1\`) that change: 4 county cells" "$m"
for row in "city | orphan | subtotal | 1 | 0" "city | orphan | central | 1 | 0" "city | total | subtotal | 8 | 7" \
           "city | total | central | 7 | 6" "410122 | orphan | subtotal | 1 | 0" "410122 | orphan | central | 1 | 0" \
           "410122 | total | subtotal | 3 | 2" "410122 | total | central | 3 | 2" \
           "city | welfare\\_institution | orphan | 1 | 0" "city | welfare\\_institution | persons | 1 | 0" \
           "city | total | orphan | 1 | 0" "city | total | persons | 7 | 6" \
           "410122 | welfare\\_institution | orphan | 1 | 0" "410122 | welfare\\_institution | persons | 1 | 0" \
           "410122 | total | orphan | 1 | 0" "410122 | total | persons | 3 | 2" \
           "city | welfare\\_institution | demand | 1 | 0"; do
  has "| $row | **-1** |" "$m"
done
has "| 410122 | welfare\\_institution | required\\_beds | 2 | 0 | **-2** |" "$m"
has "#### Numbers of the capacity plan that change: 2 county numbers" "$m"
[ "$(grep -c '^| 410122 | ' "$m")" -eq 10 ] || die "2: not 10 county rows (8 cells, 2 numbers)"
# the person, masked, with the reason in one line
has "#### Changed people: 1" "$m"
has "- \`410122********0284\`: categories dropped: orphan; primary category: orphan → none; care: welfare\\_institution → none; year: 2021 → none" "$m"
grep -q '410122200308200284' "$m" "$o/diff/zhengzhou-2021/sample.txt" && die "2: the id unmasked"
# the full reports are beside it, and the comment names them
has "The full report, with both explanations of every listed person, is in \`doudi-ci/diff/zhengzhou-2021/sample.txt\` (text) and \`doudi-ci/diff/zhengzhou-2021/sample.json\` (JSON). Resident ids are masked." "$m"
grep -q '^    -- explanation by the old rules$' "$o/diff/zhengzhou-2021/sample.txt" || die "2: no explanation in the full report"
[ "$(wc -c <"$m")" -le 60000 ] || die "2: summary.md over 60000 bytes"

# ---- 3. the same change, approved ----------------------------------------------------------------
cp "$fx/minor-age-16.approved" "$repo/approved/zhengzhou-2021/sample.approved"
ci "$base1" >"$d/out3" 2>"$d/err3" || { cat "$d/out3" "$d/err3" "$o/summary.md"; die "3: the approved change fails"; }
has "diff rules/zhengzhou-2021.doudi over populations/sample: 1 changed; every figure is as approved" "$d/out3"
# one approved number off by one: exit 1, the line named
sed 's/^capacity city welfare_institution required_beds: -2$/capacity city welfare_institution required_beds: -1/' \
  "$fx/minor-age-16.approved" >"$repo/approved/zhengzhou-2021/sample.approved"
ci "$base1" >"$d/out3b" 2>&1
[ $? -eq 1 ] || die "3: an approved number off by one passes"
line=$(grep -n 'required_beds: -1$' "$repo/approved/zhengzhou-2021/sample.approved" | cut -d: -f1)
has "- \`approved/zhengzhou-2021/sample.approved:$line: expected -1, actual -2 (capacity city welfare_institution required_beds: 2 → 0)\`" "$m"

# ---- 4. the comment's size limit -----------------------------------------------------------------
rm "$repo/approved/zhengzhou-2021/sample.approved"
(cd "$repo" && "$DOUDI" ci --base "$base1" --out "$d/small" --comment-limit 4000 >/dev/null 2>&1)
[ $? -eq 1 ] || die "4: exit status"
[ "$(wc -c <"$d/small/summary.md")" -le 4000 ] || die "4: summary.md over 4000 bytes"
grep -q "^\*This comment stops at [0-9]* bytes: what is left out is in the full report.\*$" "$d/small/summary.md" ||
  die "4: no note that the comment stops"
[ "$(wc -c <"$d/small/diff/zhengzhou-2021/sample.md")" -le 4000 ] || die "4: the diff's own comment is over the limit"

# ---- 5. the pre-commit hook ----------------------------------------------------------------------
g checkout -q -- rules && g config core.hooksPath hooks || die "5: setup"
printf '\n# a comment\n' >>"$repo/rules/zhengzhou-2021.doudi"
g add rules/zhengzhou-2021.doudi
(cd "$repo" && DOUDI=$DOUDI sh hooks/pre-commit) >"$d/hook" 2>&1 || { cat "$d/hook"; die "5: canonical text refused"; }
sed 's/^param headroom: percent "需求余量" = 10%/param headroom: percent "需求余量" =  10%/' \
  "$repo/rules/zhengzhou-2021.doudi" >"$d/ugly" && cp "$d/ugly" "$repo/rules/zhengzhou-2021.doudi"
g add rules/zhengzhou-2021.doudi
(cd "$repo" && DOUDI=$DOUDI sh hooks/pre-commit) >"$d/hook" 2>&1 && die "5: non-canonical text accepted"
grep -q 'rules/zhengzhou-2021.doudi: not in canonical form' "$d/hook" || { cat "$d/hook"; die "5: message"; }
# the staged text is checked, not the working tree's
g reset -q && g checkout -q -- rules
printf 'category broken when nothing\n' >>"$repo/rules/zhengzhou-2021.doudi"
(cd "$repo" && DOUDI=$DOUDI sh hooks/pre-commit) >"$d/hook" 2>&1 || { cat "$d/hook"; die "5: unstaged text checked"; }
g add rules/zhengzhou-2021.doudi
(cd "$repo" && DOUDI=$DOUDI sh hooks/pre-commit) >"$d/hook" 2>&1 && die "5: a rule error accepted"
grep -q "error: unknown name 'nothing'" "$d/hook" || { cat "$d/hook"; die "5: no diagnostic"; }
g reset -q && g checkout -q -- rules

# ---- 6. usage and input errors: exit 2 -------------------------------------------------------------
(cd "$repo" && "$DOUDI" ci --base no-such-revision --out "$d/x") >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "6: unknown revision"
grep -q "git knows no revision 'no-such-revision'" "$d/err" || die "6: message"
(cd "$d" && "$DOUDI" ci --out "$d/x") >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "6: no rule files"
"$DOUDI" ci --bogus x >/dev/null 2>&1
[ $? -eq 2 ] || die "6: unknown option"
(cd "$repo" && "$DOUDI" ci --comment-limit 100) >/dev/null 2>&1
[ $? -eq 2 ] || die "6: a limit too small"
exit 0
