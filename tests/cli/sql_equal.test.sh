# doudi sql, proved equal to the VM on real engines (issue 18): the script `doudi sql` makes is run
# on SQLite (Python's sqlite3 module, in a copy of the ledger) and on a real PostgreSQL server this
# test starts in a scratch directory (initdb and pg_ctl from Debian's postgresql package; a Unix
# socket there, no TCP; run as the `postgres` user when the test runs as root, since initdb
# refuses root; stopped on exit). With the Zhengzhou rules over the golden populations —
# tests/golden/forms, tests/fixtures/population-3000, tests/fixtures/ledger — and 20,000 generated
# people (`doudi gen --count 20000 --seed 7`), and with tests/sql/constructs.doudi (every construct
# of the language, with people the VM holds back) over tests/golden/forms and the 20,000, each
# population imported with the Zhengzhou rules, tests/sql/equal.py compares
# the results file byte for byte, the persons in review, the capacity plan row for row and every
# form cell of the city and each county with what `doudi run` stored and `doudi report` shows.
# Nothing is skipped: when PostgreSQL cannot be started the test fails and says why.
set -u
PY=/usr/bin/python3
die() { echo "sql_equal: $*"; exit 1; }
[ -x $PY ] || die "no $PY (the Makefile installs python3-openpyxl, which brings it)"
$PY -c 'import sqlite3, openpyxl' 2>/dev/null || die "$PY lacks sqlite3 or openpyxl"
T=${TMPDIR:-/tmp}/sql-equal.$$
mkdir -p "$T" || exit 1

# ---- a PostgreSQL server of our own ------------------------------------------------------------
PGBIN=
for d in "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")" /usr/lib/postgresql/*/bin; do
  if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then PGBIN=$d; break; fi
done
[ -n "$PGBIN" ] || die "PostgreSQL's initdb and pg_ctl were not found (apt-get install postgresql; the Makefile does)"
command -v psql >/dev/null 2>&1 || die "no psql (apt-get install postgresql-client)"
# the server's directory is outside TMPDIR, whose parents are private to root: the server user
# must be able to reach it
PGD=$(mktemp -d /tmp/doudi-pg.XXXXXX) || die "cannot make a directory for PostgreSQL"
AS=
if [ "$(id -u)" = 0 ]; then
  getent passwd postgres >/dev/null || die "running as root, and there is no 'postgres' user to run the server as"
  chown postgres "$PGD" || die "cannot give $PGD to the postgres user"
  AS="runuser -u postgres --"
fi
stop_pg() {
  [ -f "$PGD/data/postmaster.pid" ] && $AS "$PGBIN/pg_ctl" -D "$PGD/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$PGD" "$T"
}
trap stop_pg EXIT
trap 'exit 130' INT TERM
$AS "$PGBIN/initdb" -D "$PGD/data" -E UTF8 --locale=C -A trust -U doudi >"$PGD/initdb.log" 2>&1 ||
  die "initdb failed: $(cat "$PGD/initdb.log")"
$AS "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 60 \
  -o "-c listen_addresses='' -k $PGD -p 5432 -c fsync=off -c full_page_writes=off" start >"$PGD/pg_ctl.log" 2>&1 ||
  die "PostgreSQL did not start: $(cat "$PGD/pg_ctl.log" "$PGD/server.log" 2>/dev/null)"
export PGHOST=$PGD PGPORT=5432 PGUSER=doudi
psql -X -q -d postgres -c 'SELECT 1' >/dev/null 2>"$T/psql.err" || die "cannot connect to PostgreSQL: $(cat "$T/psql.err")"

# ---- the populations -----------------------------------------------------------------------------
"$DOUDI" gen --count 20000 --seed 7 --out "$T/gen20k" >/dev/null 2>"$T/gen.err" || die "gen: $(cat "$T/gen.err")"
Z=rules/zhengzhou-2021.doudi
C=tests/sql/constructs.doudi
failed=0
n=0
for case in "$Z tests/golden/forms" "$Z tests/fixtures/population-3000" "$Z tests/fixtures/ledger" "$Z $T/gen20k" \
            "$C tests/golden/forms" "$C $T/gen20k"; do
  set -- $case
  n=$((n + 1))
  echo "== $1 over $2"
  if ! $PY tests/sql/equal.py --doudi "$DOUDI" --rules "$1" --import-rules $Z --population "$2" --work "$T/w$n" \
       --engine sqlite,postgres --pg-db "case$n"; then
    failed=1
  fi
  rm -rf "$T/w$n"
done
exit $failed
