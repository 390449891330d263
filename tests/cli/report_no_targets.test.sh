# A population with no target (one person, in no category): run, report and diff work and give
# zeros — but for the plan: every county the rule file declares files its forms, and each, having
# no disability centre, builds one in 2021 (五、(三)), so the city's 附件2 total is 12 (a rule file
# whose forms have no county to list is fuzz_ddc's report-with-no-county: sorting the empty list of
# counties passed a null array to qsort, which UBSan stops under `make SAN=1 test`).
set -u
rules=rules/zhengzhou-2021.doudi
d=$TMPDIR
die() { echo "$*"; exit 1; }

# N1 of tests/fixtures/ledger: 41, not in any category
mkdir "$d/pop"
head -n 1 tests/fixtures/ledger/persons.csv >"$d/pop/persons.csv"
grep '^410122198001011147,' tests/fixtures/ledger/persons.csv >>"$d/pop/persons.csv"
"$DOUDI" import --db "$d/l.db" --rules $rules "$d/pop/persons.csv" >/dev/null || die "import failed"
"$DOUDI" run $rules --db "$d/l.db" >"$d/run" || die "run failed"
grep -q '1 persons, 0 targets' "$d/run" || { cat "$d/run"; die "run: expected 1 person, 0 targets"; }

"$DOUDI" report $rules --db "$d/l.db" --form attachment1 >"$d/a1.txt" || die "report attachment1 failed"
[ "$(sed -n 2p "$d/a1.txt")" = "填表单位：全市（12个区县合计）" ] || die "attachment1: unit line"
grep '^| 合计 ' "$d/a1.txt" | grep -q '^| 合计  *|  *0 |  *0 |  *0 |  *0 |  *0 |  *0 |  *|$' ||
  { cat "$d/a1.txt"; die "attachment1: the total row is not all zeros"; }
"$DOUDI" report $rules --db "$d/l.db" --form attachment2 -o "$d/a2.csv" || die "report attachment2 failed"
[ "$(sed -n 6p "$d/a2.csv")" = "残疾人托养中心,0,0,0,0,0,0,0,0,12,0,0,12" ] || die "attachment2: 12 disability centres to build"
[ "$(sed -n 7p "$d/a2.csv")" = "合计,0,0,0,0,0,0,0,0,12,0,0,12" ] || die "attachment2: the total row is not the 12 centres"

"$DOUDI" diff $rules examples/rule-change/zhengzhou-2021-headroom15.doudi --population "$d/pop" >"$d/diff" ||
  die "diff failed"
grep -q '^changed: 0 persons$' "$d/diff" || die "diff: expected no change"
exit 0
