# `doudi diff` shows people who enter or leave every row of a form. The change: home care no
# longer needs the person not to want central care, so everyone whose home care is met goes
# home. 附件2's rows are the institution types, so the people placed at home are exactly those
# it counts in no row: the sentence's numbers must equal the `placement home` figure of the
# same report (303 → 337), and 合计 persons must fall by as many. 附件1 (a row per category)
# keeps everyone. The reverse change says the same the other way; an unrelated change says
# nothing.
set -u
die() { echo "$*"; exit 1; }
d=$TMPDIR
old=rules/zhengzhou-2021.doudi
pop=tests/fixtures/population-3000
sed 's/when home_care_met and wants_central != yes cite/when home_care_met                         cite/' $old >"$d/home.doudi"
cmp -s $old "$d/home.doudi" && die "sed changed nothing"

"$DOUDI" diff $old "$d/home.doudi" --population $pop --limit 0 >"$d/out" 2>"$d/err" || { cat "$d/err"; die "diff failed"; }
home=$(sed -n 's/^  placement home  *\([0-9]*\) →  *\([0-9]*\) .*/\1 \2/p' "$d/out")
set -- $home
[ $# -eq 2 ] || die "no placement home figure"
b=$1 a=$2
n=$((a - b))
[ "$n" -gt 0 ] || die "nobody went home ($b → $a)"
grep -qx "  $n more persons are counted in no row of 附件2 郑州市特殊贫困群体兜底保障机构建设情况统计表 after the change (outside its rows: $b → $a): 合计 leaves them out" "$d/out" ||
  { grep 'no row' "$d/out"; die "the sentence for 附件2"; }
grep -q "^  form attachment2 city total persons  *[0-9]* →  *[0-9]*  *-$n\$" "$d/out" || die "合计 persons does not fall by $n"
[ "$(grep -c 'no row' "$d/out")" -eq 1 ] || die "附件1 keeps everyone: one sentence only"

# JSON: both forms, before and after
"$DOUDI" diff $old "$d/home.doudi" --population $pop --limit 0 --format json >"$d/json" || die "json"
python3 - "$d/json" "$b" "$a" <<'END' || die "json: outside_rows"
import json, sys
d = json.load(open(sys.argv[1]))
got = {f["form"]: (f["before"], f["after"]) for f in d["outside_rows"]}
assert got == {"attachment1": (0, 0), "attachment2": (int(sys.argv[2]), int(sys.argv[3]))}, got
END

# Markdown: the sentence under the form's cells
"$DOUDI" diff $old "$d/home.doudi" --population $pop --limit 0 --format markdown >"$d/md" || die "markdown"
grep -qF "**$n more persons are counted in no row of 附件2" "$d/md" || die "markdown: no sentence"

# the other way round
"$DOUDI" diff "$d/home.doudi" $old --population $pop --limit 0 >"$d/out" 2>&1 || die "reverse diff failed"
grep -qx "  $n persons counted in no row of 附件2 郑州市特殊贫困群体兜底保障机构建设情况统计表 before the change are in one after it (outside its rows: $a → $b)" "$d/out" ||
  { grep 'no row' "$d/out"; die "reverse: the sentence"; }

# nobody enters or leaves the rows: no sentence
"$DOUDI" diff $old examples/rule-change/zhengzhou-2021-lonely-elderly-40-30-30.doudi --population $pop --limit 0 >"$d/out" 2>&1 ||
  die "lonely diff failed"
grep -q 'no row' "$d/out" && die "a sentence where nobody enters or leaves the rows"
exit 0
