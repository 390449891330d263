# Review entries are keyed by the file, not by how its path was typed: importing ./persons.csv,
# then persons.csv, then the absolute path replaces the file's review entries each time, so the
# ledger holds one set of them (here one bad row), not three.
set -u
R=$(pwd)/rules/zhengzhou-2021.doudi
d=$TMPDIR
die() { echo "review_source: $*"; exit 1; }
"$DOUDI" gen --count 30 --seed 9 --out "$d" >/dev/null || die "gen"
# one bad row: a date that is not one
sed '3s/,[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9],/,not-a-date,/' "$d/persons.csv" >"$d/bad.csv"
cmp -s "$d/persons.csv" "$d/bad.csv" && die "no row was spoiled"
cd "$d" || die "cd"
"$DOUDI" import --db l.db --rules "$R" ./bad.csv >/dev/null 2>&1
"$DOUDI" import --db l.db --rules "$R" bad.csv >/dev/null 2>&1
"$DOUDI" import --db l.db --rules "$R" "$d/bad.csv" >/dev/null 2>&1
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM doudi_review").fetchone()[0])' l.db)
[ "$n" = 1 ] || die "expected 1 review entry after three imports of one file, found $n"
exit 0
