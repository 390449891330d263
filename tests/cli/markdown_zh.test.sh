# The Markdown documents in Chinese: `doudi diff --format markdown` over the worked examples of
# examples/rule-change (tests/fixtures/population-3000; the figures are that README's: 586 → 613
# village-courtyard beds, 29 county numbers of the capacity plan, 4 cells of 附件2; the lonely
# elderly 40/30/30 moves 4 people, 2021 +2, 2023 -2) and `doudi test --format markdown` over a
# rule file with one failing test and one uncovered condition, and `doudi ci`'s summary.md over
# examples/ci with an unapproved change, each run with --lang zh and
# DOUDI_MSG_STRICT=1 (a text not in the catalogue ends the run with 70). The key lines are
# written out by hand; no run of four English words may remain; and the Chinese comment has the
# English one's numbers and lines (only words change).
set -u
d=$TMPDIR
die() { echo "$*"; exit 1; }
has() { grep -qxF -- "$1" "$2" || { echo "missing line in $2:"; echo "  $1"; cat "$2"; exit 1; }; }
english() {   # english FILE: fail on a run of four English words (as tests/cli/messages.test.sh)
  if grep -E '(^|[^A-Za-z_./-])[A-Za-z]+ [A-Za-z]+ [A-Za-z]+ [A-Za-z]+([^A-Za-z_./-]|$)' "$1" >"$d/english"; then
    echo "English in the Chinese $1:"; cat "$d/english"; exit 1
  fi
}
zh() { DOUDI_MSG_STRICT=1 "$DOUDI" --lang zh "$@"; }
# the same numbers on the same lines: each line's digits, in order
same_numbers() {
  sed 's/[^0-9]//g' "$1" >"$d/n1"; sed 's/[^0-9]//g' "$2" >"$d/n2"
  cmp -s "$d/n1" "$d/n2" || { echo "numbers or lines differ between $1 and $2:"; diff "$d/n1" "$d/n2"; exit 1; }
}
old=rules/zhengzhou-2021.doudi
pop=tests/fixtures/population-3000
ex=examples/rule-change
headroom=$ex/zhengzhou-2021-headroom15.doudi
lonely=$ex/zhengzhou-2021-lonely-elderly-40-30-30.doudi
mkdir -p "$d/en" "$d/zh"

# ---- headroom 10% → 15%, approved ----------------------------------------------------------------
zh diff $old $headroom --population $pop --expect $ex/headroom15.approved --format markdown -o "$d/zh/h.md" \
  2>"$d/err" || { cat "$d/err"; die "headroom: exit status"; }
"$DOUDI" --lang en diff $old $headroom --population $pop --expect $ex/headroom15.approved --format markdown \
  -o "$d/en/h.md" || die "headroom in English: exit status"
h=$d/zh/h.md
has "### 规则变更：\`$old\` → \`$headroom\`" "$h"
has "人员数据 \`$pop\`：共 3000 人，基准日期 2021-04-01。" "$h"
has "**0 人的类别、供养形式或年度有变化。** ✅ 每个数字都与核准的一致（\`$ex/headroom15.approved\`，共 18 行）。" "$h"
has "#### 各类别人数" "$h"
has "| 类别 | 主类别人数（变更前） | 主类别人数（变更后） | Δ | 所属人数（变更前） | 所属人数（变更后） | Δ |" "$h"
has "#### 各供养形式人数" "$h"
has "| care | 变更前 | 变更后 | Δ |" "$h"
grep -q '^#### 附件2 .*（`attachment2`）中有变化的格子：区县格子 4 个$' "$h" || die "附件2 heading"
has "| 地区 | 行 | 列 | 变更前 | 变更后 | Δ |" "$h"
has "#### 床位规划中有变化的数字：区县数字 29 个" "$h"
has "| 地区 | 机构类型 | 项目 | 变更前 | 变更后 | Δ |" "$h"
has "| city | village\\_courtyard | required\\_beds | 586 | 613 | **+27** |" "$h"
has "| 410105 | village\\_courtyard | build\\_2022 | 0 | 1 | **+1** |" "$h"
has "以下各项没有格子变化：\`attachment1\`。" "$h"
has "完整报告（含所列每个人按原规则和新规则的两份说明）见 \`$d/zh/h.txt\`（文本）和 \`$d/zh/h.json\`（JSON）。身份证号已隐去中间八位。" "$h"
english "$h"
same_numbers "$d/en/h.md" "$h"
# the full reports beside it are the Chinese text report and the (untranslated) JSON
grep -q '^各项均与批准的一致$' "$d/zh/h.txt" || die "h.txt is not the Chinese text report"
grep -q '"changed": 0' "$d/zh/h.json" || die "h.json"

# ---- the lonely elderly 40/30/30: people, each masked, with a reason in Chinese -------------------
zh diff $old $lonely --population $pop --format markdown --limit 3 >"$d/zh/l.md" 2>"$d/err" ||
  { cat "$d/err"; die "lonely: exit status"; }
"$DOUDI" --lang en diff $old $lonely --population $pop --format markdown --limit 3 >"$d/en/l.md" || die "lonely in English"
l=$d/zh/l.md
has "**4 人的类别、供养形式或年度有变化。** 未核对核准变化文件。" "$l"
has "#### 各年度人数" "$l"
has "| 年度 | 变更前 | 变更后 | Δ |" "$l"
has "| 2021 | 453 | 455 | **+2** |" "$l"
has "| 2023 | 209 | 207 | **-2** |" "$l"
has "#### 有变化的各主类别各年度人数" "$l"
has "| 类别 | 年度 | 变更前 | 变更后 | Δ |" "$l"
has "| lonely\\_elderly | 2021 | 5 | 7 | **+2** |" "$l"
has "以下各项没有格子变化：\`attachment1\`、\`attachment2\`、床位规划。" "$l"
has "#### 有变化的人员：4 人，按身份证号列出前 3 人" "$l"
[ "$(grep -cE '^- `4101[0-9]{2}\*{8}[0-9]{3}[0-9X]`：年度：202[23] → 202[12]；类别和 care 均未变化：是年度安排的比例或排序使年度变动$' "$l")" -eq 3 ] ||
  { cat "$l"; die "lonely: three people lines in Chinese"; }
grep -qE '[0-9]{17}[0-9X]' "$l" && die "lonely: an id unmasked"
has "完整报告（含所列每个人按原规则和新规则的两份说明）可用 \`doudi diff --format text\`（或 \`--format json\`）输出。身份证号已隐去中间八位。" "$l"
english "$l"
same_numbers "$d/en/l.md" "$l"

# ---- a comment cut short says so in Chinese, and stays under its limit ---------------------------
zh diff $old $headroom --population $pop --format markdown --comment-limit 2600 >"$d/c.md" 2>"$d/err" ||
  { cat "$d/err"; die "limit: exit status"; }
[ "$(wc -c <"$d/c.md")" -le 2600 ] || die "limit: over 2600 bytes"
has "*本评论以 2600 字节为限，未列出的内容见完整报告。*" "$d/c.md"
grep -qE '^\*另有 [0-9]+ 行见完整报告。\*$' "$d/c.md" || { cat "$d/c.md"; die "limit: no count of the rows left out"; }
english "$d/c.md"

# ---- doudi test --format markdown: one failing test, one uncovered condition ----------------------
awk '/^test "特困老人能自理：村级幸福大院，2021年安置"/ { t = 1 }
     t && /^    year: +2021$/ { sub(/2021/, "2022"); t = 0 }
     { print }' $old | sed '/^test "有生活来源：不是特困"/,/^}/d' >"$d/broken.doudi"
line=$(grep -n '^test "特困老人能自理：村级幸福大院，2021年安置"' "$d/broken.doudi" | cut -d: -f1)
zh test --format markdown --coverage "$d/broken.doudi" >"$d/zh/t.md" 2>"$d/err"
[ $? -eq 1 ] || { cat "$d/err" "$d/zh/t.md"; die "test: expected exit 1"; }
"$DOUDI" --lang en test --format markdown --coverage "$d/broken.doudi" >"$d/en/t.md"
t=$d/zh/t.md
has "**通过 43 项，未通过 1 项。**" "$t"
has "| 规则文件 | 通过 | 未通过 | 已覆盖的条件结果 | 未覆盖 | 结论 |" "$t"
has "| \`$d/broken.doudi\` | 43 | 1 | 64（共 65 项） | 1 | **未通过** |" "$t"
has "未通过的测试：" "$t"
has "- \`$d/broken.doudi:$line\` **特困老人能自理：村级幸福大院，2021年安置**：year：预期为 2022，实际为 2021" "$t"
has "未覆盖的项目：" "$t"
grep -qE '^- `.*broken\.doudi:[0-9]+:[0-9]+` 条件“not income\\_source”（类别 tekun）从未不成立$' "$t" ||
  { cat "$t"; die "test: the uncovered condition in Chinese"; }
english "$t"
same_numbers "$d/en/t.md" "$t"
# the English stays as it was
has "| rule file | passed | failed | condition outcomes covered | uncovered | verdict |" "$d/en/t.md"
has "| \`$d/broken.doudi\` | 43 | 1 | 64 of 65 | 1 | **fails** |" "$d/en/t.md"

# ---- machine formats stay English in Chinese: JUnit and TAP ---------------------------------------
zh test --format junit --require-full-coverage "$d/broken.doudi" >"$d/t.xml" 2>/dev/null
grep -q 'message="1 items are not covered by the tests."' "$d/t.xml" || die "junit: the coverage message is not English"
zh test --format tap "$d/broken.doudi" >"$d/t.tap" 2>/dev/null
grep -q '^# 43 passed, 1 failed$' "$d/t.tap" || die "tap: the summary is not English"

# ---- doudi ci's summary.md in Chinese: examples/ci with the unapproved change of minors under 16
# (tests/cli/ci_pipeline.test.sh, step 2: one person, 30 figures differ) -----------------------------
command -v git >/dev/null || die "git is missing"
{
  repo=$d/repo
  g() { GIT_AUTHOR_DATE="2021-04-01T08:00:00+0800" GIT_COMMITTER_DATE="2021-04-01T08:00:00+0800" \
        git -C "$repo" -c user.name="doudi test" -c user.email=test@example.org -c commit.gpgsign=false "$@"; }
  cp -R examples/ci "$repo" || die "ci: copy"
  g init -q && g add -A && g commit -qm base || die "ci: git"
  g apply "$(pwd)/tests/fixtures/ci/minor-age-16.patch" || die "ci: patch"
  doudi=$DOUDI
  case $doudi in /*) ;; *) doudi=$(pwd)/$doudi ;; esac
  (cd "$repo" && DOUDI_MSG_STRICT=1 "$doudi" --lang zh ci --base HEAD --out doudi-ci >"$d/ci.out" 2>"$d/ci.err")
  [ $? -eq 1 ] || { cat "$d/ci.out" "$d/ci.err"; die "ci: expected exit 1"; }
  m=$repo/doudi-ci/summary.md
  has "## doudi ci：❌ 未通过" "$m"
  has "✅ **通过 45 项，未通过 0 项。**" "$m"
  has "#### 与核准的变化不符之处" "$m"
  has "| orphan | 1 | 0 | **-1** | 1 | 0 | **-1** |" "$m"
  has "| care（变更前） | care（变更后） | 人数 |" "$m"
  has "| welfare\\_institution | none | 1 |" "$m"
  has "#### 床位规划中有变化的数字：区县数字 2 个" "$m"
  has "#### 有变化的人员：1 人" "$m"
  has "- \`410122********0284\`：不再属于的类别：orphan；主类别：orphan → 无；care：welfare\\_institution → 无；年度：2021 → 无" "$m"
  english "$m"
}
exit 0
