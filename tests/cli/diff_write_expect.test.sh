# `doudi diff --write-expect FILE`: the approved-changes file a change passes with. Written fresh
# for both worked examples of examples/rule-change, it holds exactly the figures of their
# hand-written approved files (worked out in examples/rule-change/README.md), with the county
# numbers of the capacity plan in bulk (29 > 20) and the 4 county cells of 附件2 one by one;
# over an existing file it keeps the comments and the layout, rewrites only a value that moved,
# removes a figure that no longer changes and appends one that was missing; either way `diff
# --expect` then passes (the round trip). A file with a line that is no figure is not touched.
set -u
die() { echo "$*"; exit 1; }
d=$TMPDIR
old=rules/zhengzhou-2021.doudi
pop=tests/fixtures/population-3000
ex=examples/rule-change
headroom=$ex/zhengzhou-2021-headroom15.doudi
lonely=$ex/zhengzhou-2021-lonely-elderly-40-30-30.doudi
figures() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1" | sort; }

# ---- written fresh: the hand-written files' figures ---------------------------------------------
for case in "headroom $headroom $ex/headroom15.approved" "lonely $lonely $ex/lonely-elderly-40-30-30.approved"; do
  set -- $case
  "$DOUDI" diff $old "$2" --population $pop --write-expect "$d/$1.approved" --limit 0 >"$d/out" 2>"$d/err" ||
    { cat "$d/out" "$d/err"; die "$1: --write-expect failed"; }
  figures "$3" >"$d/want"
  figures "$d/$1.approved" >"$d/got"
  cmp -s "$d/want" "$d/got" || { diff "$d/want" "$d/got"; die "$1: not the hand-written figures"; }
  head -n 1 "$d/$1.approved" | grep -qx "# Approved changes: $old →" || die "$1: no heading comment"
  grep -qx "$d/$1.approved:4: changed: [0-9]* added" "$d/out" || { cat "$d/out"; die "$1: the added lines are not shown"; }
  grep -qx 'every figure is as approved' "$d/out" || die "$1: the report's verdict is not against the file written"
  "$DOUDI" diff $old "$2" --population $pop --expect "$d/$1.approved" --limit 0 >"$d/out" 2>"$d/err" ||
    { cat "$d/out" "$d/err"; die "$1: round trip: --expect fails with the file written"; }
done
grep -qx 'capacity counties: 29' "$d/headroom.approved" || die "headroom: county numbers not in bulk"
grep -qx 'form attachment2 410105 total plan2022: +1' "$d/headroom.approved" || die "headroom: county cells not one by one"

# ---- over an existing file: a value off by one (with a comment of its own), a line missing,
# a stale line; everything else stays byte for byte -------------------------------------------------
sed -e 's/^capacity city village_courtyard required_beds: +27$/capacity city village_courtyard required_beds:  +28   # beds/' \
    -e '/^capacity city township_home required_beds: +5$/d' \
    -e 's/^changed: 0$/changed: 0\ncategory tekun: -3/' $ex/headroom15.approved >"$d/h.approved"
cp "$d/h.approved" "$d/h.before"
line=$(grep -n 'required_beds:  +28' "$d/h.approved" | cut -d: -f1)
[ "$line" = 12 ] || die "sed: the +28 line is $line, not 12"
"$DOUDI" diff $old $headroom --population $pop --write-expect "$d/h.approved" --limit 0 >"$d/out" 2>"$d/err" ||
  { cat "$d/out" "$d/err"; die "existing: --write-expect failed"; }
cat >"$d/want" <<END
$d/h.approved:9: category tekun: -3 removed: the figure no longer changes
$d/h.approved:11: capacity city village_courtyard required_beds: +28 → +27
$d/h.approved:36: capacity city township_home required_beds: +5 added
wrote $d/h.approved: 3 lines changed
END
head -n 4 "$d/out" | cmp -s - "$d/want" || { diff "$d/want" "$d/out"; die "existing: the changes shown"; }
diff "$d/h.before" "$d/h.approved" >"$d/diff"
cat >"$d/want.diff" <<'END'
9d8
< category tekun: -3
12c11
< capacity city village_courtyard required_beds:  +28   # beds
---
> capacity city village_courtyard required_beds:  +27   # beds
36a36
> capacity city township_home required_beds: +5
END
cmp -s "$d/diff" "$d/want.diff" || { diff "$d/want.diff" "$d/diff"; die "existing: more or less changed than the 3 lines"; }
"$DOUDI" diff $old $headroom --population $pop --expect "$d/h.approved" --limit 0 >"$d/out" 2>&1 ||
  { cat "$d/out"; die "existing: round trip: --expect fails"; }

# ---- a file that already passes is not written --------------------------------------------------
cp $ex/lonely-elderly-40-30-30.approved "$d/l.approved"
"$DOUDI" diff $old $lonely --population $pop --write-expect "$d/l.approved" --limit 0 >"$d/out" 2>&1 || die "passing file"
grep -qx "$d/l.approved already approves every figure" "$d/out" || { cat "$d/out"; die "passing file: no message"; }
cmp -s "$d/l.approved" $ex/lonely-elderly-40-30-30.approved || die "passing file: changed"

# ---- a line that is no figure: exit 2, the file untouched; --expect with --write-expect: usage ---
printf 'changed: 4\ncategory nosuch: +1\n' >"$d/bad.approved"
cp "$d/bad.approved" "$d/bad.before"
"$DOUDI" diff $old $lonely --population $pop --write-expect "$d/bad.approved" >"$d/out" 2>"$d/err"
[ $? -eq 2 ] || die "bad line: expected exit 2"
grep -qx "$d/bad.approved:2: no category 'nosuch' in either rule file" "$d/err" || { cat "$d/err"; die "bad line: message"; }
cmp -s "$d/bad.approved" "$d/bad.before" || die "bad line: the file was touched"
"$DOUDI" diff $old $lonely --population $pop --expect "$d/l.approved" --write-expect "$d/x.approved" >/dev/null 2>&1
[ $? -eq 2 ] || die "--expect with --write-expect: expected exit 2"
[ -e "$d/x.approved" ] && die "--expect with --write-expect wrote a file"
exit 0
