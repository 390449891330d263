# What the checker cannot prove of a form, the run verifies person by person: with rows under
# a total row whose conditions are not `primary == X` / placement forms, a target counted by
# the total but by no row, or by two, stops the run — the table, the person (id
# masked) and both conditions with their lines — and nothing of the run is stored. The same
# from a compiled .ddc, which carries what to verify. Fixture: tests/fixtures/edits/ages (甲 59
# male, 乙 60 female, both targets; 丙 61 is none), its expected counts worked out by hand.
set -u
die() { echo "$*"; exit 1; }
d=$TMPDIR
fx=tests/fixtures/edits/ages
runs() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM doudi_runs").fetchone()[0])' "$1"; }

"$DOUDI" import --db "$d/a.db" --rules $fx/ages.doudi $fx/persons.csv >/dev/null || die "import"
"$DOUDI" check $fx/ages.doudi >"$d/out" 2>&1 || { cat "$d/out"; die "the fixture does not check"; }

# the rows and the group count each person once: the run goes through
"$DOUDI" run $fx/ages.doudi --db "$d/a.db" >/dev/null 2>"$d/err" || { cat "$d/err"; die "the fixture's run fails"; }
"$DOUDI" report $fx/ages.doudi --db "$d/a.db" --format csv | sed '1s/^\xEF\xBB\xBF//' | tr -d '\r' >"$d/csv"
cat >"$d/want" <<'END'
,人数,性别（人）/男,性别（人）/女,性别（人）/合计
60岁以下,1,1,0,1
60岁及以上,1,0,1,1
合计,2,1,1,2
END
cmp -s "$d/want" "$d/csv" || { diff "$d/want" "$d/csv"; die "the form's counts"; }
[ "$(runs "$d/a.db")" = 1 ] || die "one run expected"

# expect_stop NAME SED MESSAGE: a copy edited by SED stops the run with MESSAGE; nothing stored
expect_stop() {
  sed "$2" $fx/ages.doudi >"$d/$1.doudi"
  cmp -s $fx/ages.doudi "$d/$1.doudi" && die "$1: sed changed nothing"
  "$DOUDI" check "$d/$1.doudi" >/dev/null 2>&1 || die "$1: the copy should check (only the run can tell)"
  "$DOUDI" run "$d/$1.doudi" --db "$d/a.db" >"$d/out" 2>"$d/err"
  [ $? -eq 2 ] || die "$1: expected exit 2"
  want="doudi run: table t9: person $3"
  [ "$(cat "$d/err")" = "$want" ] || { cat "$d/err"; echo "want: $want"; die "$1: message"; }
  [ "$(runs "$d/a.db")" = 1 ] || die "$1: a run was stored"
}
tail="must count each person once; nothing of the run is stored)"
# 乙 (60) in both rows
expect_stop overlap 's/when age < 60/when age <= 60/' \
  "410122********0017 is counted in two rows, young ($d/overlap.doudi:15: \`age <= 60\`) and old ($d/overlap.doudi:16: \`age >= 60\`) (the rows $tail"
# 乙 (60) in no row
expect_stop gap 's/when age >= 60/when age > 60/' \
  "410122********0017 is counted in its total row total (合计) but in none of its rows: no row's condition holds for them (the rows $tail"
# a group's columns beside a total column are not held to a partition at run time: "of which"
# columns overlap by design — 甲 (59, male) counted in 男 and in 女 (其中) does not stop the run
sed 's/when sex == female/when sex == female or age < 60/' $fx/ages.doudi >"$d/ofwhich.doudi"
cmp -s $fx/ages.doudi "$d/ofwhich.doudi" && die "ofwhich: sed changed nothing"
"$DOUDI" run "$d/ofwhich.doudi" --db "$d/a.db" >/dev/null 2>"$d/err" || { cat "$d/err"; die "ofwhich: the run stopped"; }
[ "$(runs "$d/a.db")" = 2 ] || die "ofwhich: the run was not stored"

# a compiled program carries what to verify
"$DOUDI" compile "$d/overlap.doudi" -o "$d/overlap.ddc" >/dev/null 2>&1 || die "compile"
"$DOUDI" run "$d/overlap.ddc" --db "$d/a.db" >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "ddc: expected exit 2"
grep -qF "person 410122********0017 is counted in two rows, young ($d/overlap.doudi:15: \`age <= 60\`)" "$d/err" ||
  { cat "$d/err"; die "ddc: message"; }
[ "$(runs "$d/a.db")" = 2 ] || die "ddc: a run was stored"
exit 0
