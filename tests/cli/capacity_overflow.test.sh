# The capacity plan's sums are checked: two institutions of one county and type whose beds add
# up beyond int64 (each accepted: the rule file asks only beds > 0) make the run fail with a
# message, storing nothing and writing no results file — before, the sum wrapped around. Both
# the streaming run and import + run. (tests/fuzz/regressions/fuzz_ddc/capacity-build-shares-
# overflow is the same for a hand-made program's build shares.)
set -u
d=$TMPDIR
die() { echo "$*"; exit 1; }
R=rules/zhengzhou-2021.doudi
pop=tests/fixtures/population-3000
cp $pop/institutions.csv "$d/institutions.csv" || die "copy"
printf 'ZZ-9001,410122,township_home,甲,9000000000000000000,ok\nZZ-9002,410122,township_home,乙,9000000000000000000,ok\n' \
  >>"$d/institutions.csv"
want="the institutions of 410122, township_home: their beds add up beyond the largest number a plan holds"

"$DOUDI" run $R --from $pop/persons.csv --institutions "$d/institutions.csv" --out "$d/r.csv" >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "run --from: expected exit 2"
grep -qF "$want" "$d/err" || { cat "$d/err"; die "run --from: message"; }
[ ! -e "$d/r.csv" ] || die "run --from: a results file was written"

"$DOUDI" import --db "$d/l.db" --rules $R $pop/persons.csv "$d/institutions.csv" >/dev/null 2>&1
[ $? -le 1 ] || die "import"
"$DOUDI" run $R --db "$d/l.db" --out "$d/r2.csv" >/dev/null 2>"$d/err2"
[ $? -eq 2 ] || die "run: expected exit 2"
grep -qF "$want" "$d/err2" || { cat "$d/err2"; die "run: message"; }
[ ! -e "$d/r2.csv" ] || die "run: a results file was written"
[ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM doudi_runs").fetchone()[0])' "$d/l.db")" = 0 ] ||
  die "run: a run was stored"

# one such institution alone fits: the plan is made
head -n -1 "$d/institutions.csv" >"$d/one.csv"
"$DOUDI" run $R --from $pop/persons.csv --institutions "$d/one.csv" --out "$d/r3.csv" >/dev/null 2>"$d/err3" ||
  { cat "$d/err3"; die "one huge institution: the run failed"; }
exit 0
