# An import and a run are each one transaction: killed mid-way (kill -9, no cleanup), they
# leave the ledger exactly as it was, and the next one succeeds.
#
# 20,000 generated persons, killed at the 15,000th row of the import and the 15,000th person
# of the run. The ledger starts with a small imported population and one run, so "as it was"
# is not empty. The moment of the kill is a named crash point (DOUDI_CRASH_AT, src/crash.h),
# not a sleep: the test does the same thing on any machine, however fast.
# Tables are compared as (row count, SHA-256 of every row in key order), read with python3's
# sqlite3 module (python3 comes with the Makefile's python3-openpyxl).
set -u
R=rules/zhengzhou-2021.doudi
T=${TMPDIR:-/tmp}/ledger-kill.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
DB=$T/doudi.db
die() { echo "ledger_kill: $*"; exit 1; }

# Each table of the ledger a run or an import writes: name, rows, hash of the rows.
digest() {
  python3 - "$1" <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
for t in ["person", "institution", "doudi_runs", "doudi_results", "doudi_review", "doudi_form_counts", "doudi_capacity_plan",
          "doudi_capacity_years"]:
    if t not in names:
        print(t, "absent")
        continue
    cols = [r[1] for r in db.execute('PRAGMA table_info("%s")' % t)]
    h = hashlib.sha256()
    n = 0
    order = ", ".join('"%s"' % c for c in cols)
    for row in db.execute('SELECT * FROM "%s" ORDER BY %s' % (t, order)):
        h.update(repr(row).encode())
        n += 1
    print(t, n, h.hexdigest())
EOF
}

# Run "$@" with the crash point $1 armed (DOUDI_CRASH_AT, see src/crash.h): the process kills
# itself with SIGKILL at that named moment, as kill -9 would — no sleep, no race.
crash_at() {
  point=$1
  shift
  DOUDI_CRASH_AT=$point "$@" >"$T/killed.out" 2>&1
  status=$?
  [ "$status" -eq 137 ] || die "'$*' with DOUDI_CRASH_AT=$point exited $status, not killed (137): $(cat "$T/killed.out")"
}

"$DOUDI" gen --count 20000 --seed 11 --out "$T/big" || die "gen 20000"
"$DOUDI" gen --count 1000 --seed 12 --out "$T/small" || die "gen 1000"
"$DOUDI" import --db "$DB" --rules $R "$T/small/persons.csv" "$T/small/institutions.csv" >/dev/null ||
  die "import of the small population"
"$DOUDI" run $R --db "$DB" >/dev/null || die "first run"
[ ! -e "$DB-wal" ] || die "a WAL is left after a clean close"

# ---- the import, killed -------------------------------------------------------------------
cp "$DB" "$T/before-import.db"
crash_at import.row:15000 "$DOUDI" import --db "$DB" --rules $R "$T/big/persons.csv"
digest "$T/before-import.db" >"$T/want"
digest "$DB" >"$T/got"
cmp -s "$T/want" "$T/got" || { echo "the killed import changed the ledger:"; diff "$T/want" "$T/got"; exit 1; }
out=$("$DOUDI" import --db "$DB" --rules $R "$T/big/persons.csv") || die "import after the kill: $out"
case $out in
  *"20000 rows: "*" 0 to review"*) ;;
  *) die "import after the kill: $out" ;;
esac

# ---- the run, killed ----------------------------------------------------------------------
[ ! -e "$DB-wal" ] || die "a WAL is left after a clean close"
cp "$DB" "$T/before-run.db"
crash_at run.person:15000 "$DOUDI" run $R --db "$DB" --out "$T/killed.csv"
[ ! -e "$T/killed.csv" ] || die "the killed run wrote a results file"
digest "$T/before-run.db" >"$T/want"
digest "$DB" >"$T/got"
cmp -s "$T/want" "$T/got" || { echo "the killed run changed the ledger:"; diff "$T/want" "$T/got"; exit 1; }
grep -q '^doudi_runs 1 ' "$T/got" || die "expected the one earlier run: $(cat "$T/got")"

out=$("$DOUDI" run $R --db "$DB" --out "$T/results.csv") || die "run after the kill: $out"
case $out in
  "run 2 (as of 2021-04-01): "*) ;;
  *) die "the run after the kill: $out" ;;
esac
n=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM doudi_results WHERE run = 2").fetchone()[0])' "$DB")
persons=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM person").fetchone()[0])' "$DB")
[ "$n" = "$persons" ] || die "run 2 stored $n results for $persons persons"
[ "$(wc -l <"$T/results.csv")" -eq $((persons + 1)) ] || die "results.csv does not hold every person"
exit 0
