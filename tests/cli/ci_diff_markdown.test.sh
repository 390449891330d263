# `doudi diff --format markdown`: the merge-request comment of the worked examples of
# examples/rule-change over tests/fixtures/population-3000, whose figures that README works out
# by hand (headroom 10% → 15%: 586 → 613 village-courtyard beds, 410105's courtyard in 2022,
# 29 county numbers; lonely elderly 40/30/30: 4 people, year 2021 +2, 2023 -2). The comment
# stays under its limit, says when it stops short, and names the full reports written beside
# it; ids are masked.
set -u
d=$TMPDIR
die() { echo "$*"; exit 1; }
has() { grep -qxF -- "$1" "$2" || { echo "missing line in $2:"; echo "  $1"; cat "$2"; exit 1; }; }
old=rules/zhengzhou-2021.doudi
pop=tests/fixtures/population-3000
ex=examples/rule-change
headroom=$ex/zhengzhou-2021-headroom15.doudi
lonely=$ex/zhengzhou-2021-lonely-elderly-40-30-30.doudi

"$DOUDI" diff $old $headroom --population $pop --expect $ex/headroom15.approved --format markdown -o "$d/h.md" \
  >"$d/stdout" 2>"$d/err" || { cat "$d/err"; die "headroom: exit status"; }
[ -s "$d/stdout" ] && die "with -o, stdout is not empty"
[ -f "$d/h.txt" ] && [ -f "$d/h.json" ] || die "the full reports are not beside the comment"
grep -q '^every figure is as approved$' "$d/h.txt" || die "h.txt is not the text report"
has "**0 people change category, placement or year.** ✅ Every figure is as approved (\`$ex/headroom15.approved\`, 18 lines)." "$d/h.md"
has "| city | village\\_courtyard | required\\_beds | 586 | 613 | **+27** |" "$d/h.md"
has "| 410105 | village\\_courtyard | build\\_2022 | 0 | 1 | **+1** |" "$d/h.md"
has "#### Numbers of the capacity plan that change: 29 county numbers" "$d/h.md"
has "| 410105 | village\\_courtyard | plan2022 | 0 | 1 | **+1** |" "$d/h.md"
grep -q '^#### Cells of 附件2 .*(`attachment2`) that change: 4 county cells$' "$d/h.md" || die "attachment2 heading"
has "No cell changes in: \`attachment1\`." "$d/h.md"
has "The full report, with both explanations of every listed person, is in \`$d/h.txt\` (text) and \`$d/h.json\` (JSON). Resident ids are masked." "$d/h.md"
grep -q 'stops at' "$d/h.md" && die "the full comment says it stops"

# the lonely elderly: people, each a masked key and a one-line reason
"$DOUDI" diff $old $lonely --population $pop --format markdown --limit 3 >"$d/l.md" || die "lonely: exit status"
has "**4 people change category, placement or year.** No approved-changes file was checked." "$d/l.md"
has "| 2021 | 453 | 455 | **+2** |" "$d/l.md"
has "| 2023 | 209 | 207 | **-2** |" "$d/l.md"
has "#### Changed people: 4, the first 3 by key" "$d/l.md"
[ "$(grep -cE '^- `4101[0-9]{2}\*{8}[0-9]{3}[0-9X]`: year: 202[23] → 202[12]; categories and care unchanged: the schedule.s shares or ranking moved the year$' "$d/l.md")" -eq 3 ] ||
  die "lonely: three people lines"
grep -qE '[0-9]{17}[0-9X]' "$d/l.md" && die "lonely: an id unmasked"
"$DOUDI" diff $old $lonely --population $pop --format markdown --show-ids >"$d/ids.md" || die "--show-ids"
grep -qE '^- `4101[0-9]{13}[0-9X]`: ' "$d/ids.md" || die "--show-ids: keys masked"
has "The full report, with both explanations of every listed person, is printed by \`doudi diff --format text\` (or \`--format json\`). Resident ids are shown in full." "$d/ids.md"

# the limit: never exceeded; a comment cut short says so, and keeps its verdict and closing line
full=$(wc -c <"$d/h.md")
for limit in 2000 2600 3500 5000 8000; do
  "$DOUDI" diff $old $headroom --population $pop --expect $ex/headroom15.approved --format markdown \
    --comment-limit $limit >"$d/c.md" || die "limit $limit: exit status"
  n=$(wc -c <"$d/c.md")
  [ "$n" -le $limit ] || die "limit $limit: $n bytes"
  grep -q '✅ Every figure is as approved' "$d/c.md" || die "limit $limit: no verdict"
  tail -n 1 "$d/c.md" | grep -q '^The full report' || die "limit $limit: no closing line"
  if [ "$full" -gt $limit ]; then
    has "*This comment stops at $limit bytes: what is left out is in the full report.*" "$d/c.md"
  fi
done
# a table cut in its middle says how many rows are left out
"$DOUDI" diff $old $headroom --population $pop --format markdown --comment-limit 2600 >"$d/c.md"
grep -qE '^\*[0-9]+ more rows are in the full report\.\*$' "$d/c.md" || die "no count of the rows left out"

# usage
"$DOUDI" diff $old $lonely --population $pop --format markdown --comment-limit 100 >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "--comment-limit 100: expected exit 2"
grep -q 'at least 2000' "$d/err" || die "--comment-limit: message"
exit 0
