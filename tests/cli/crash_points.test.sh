# Crash safety, tested the way SQLite tests it: the process dies at a named moment
# (DOUDI_CRASH_AT, src/base/crash.h — SIGKILL, as kill -9, no cleanup), and afterwards the
# ledger and the results file are both the old ones or both the new ones, with no temporary
# file left. Every point an import and a run pass is tried in turn:
#
#   import.row:N  import.before-commit  import.after-commit
#   run.person:N  run.before-commit  run.after-commit  run.before-rename  run.after-rename
#
# "Afterwards" is after the next open of the ledger (here `doudi report`, a reader): like a
# database's journal, the ledger remembers a results file that a run committed but had not
# yet put in place, and the next open puts it there (engine/ledger.h).
set -u
R=rules/zhengzhou-2021.doudi
T=${TMPDIR:-/tmp}/crash-points.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "crash_points: $*"; exit 1; }

"$DOUDI" gen --count 400 --seed 5 --out "$T/pop" >/dev/null || die "gen"
"$DOUDI" gen --count 600 --seed 6 --out "$T/more" >/dev/null || die "gen"

# The state a case compares: every table of the ledger (rows and a hash of them) and the
# results file (its hash, or "absent").
state() {
  python3 - "$1" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
    cols = [r[1] for r in db.execute('PRAGMA table_info("%s")' % t)]
    order = ", ".join('"%s"' % c for c in cols)
    rows = [repr(r) for r in db.execute('SELECT * FROM "%s" ORDER BY %s' % (t, order))]
    # a run's times differ between two runs of the same thing: compare without them
    if t == "doudi_runs":
        rows = [repr(r) for r in db.execute(
            'SELECT id, rules_sha256, as_of, persons, targets, centralized, in_review, results_pending '
            'FROM doudi_runs ORDER BY id')]
    print(t, len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
PY
  if [ -e "$2" ]; then sha256sum <"$2" | cut -d' ' -f1; else echo absent; fi
}

# A ledger with one import and one run (as of 2021-04-01) and its results file: the "old".
fresh() {
  rm -rf "$T/case" && mkdir "$T/case"
  "$DOUDI" import --db "$T/case/l.db" --rules $R "$T/pop/persons.csv" "$T/pop/institutions.csv" >/dev/null ||
    die "import"
  "$DOUDI" run $R --db "$T/case/l.db" --out "$T/case/results.csv" >/dev/null || die "first run"
}

# What a finished operation leaves: the "new".
IMPORT="import --db $T/case/l.db --rules $R $T/more/persons.csv"
RUN="run $R --db $T/case/l.db --as-of 2022-06-01 --out $T/case/results.csv"
expected() {
  fresh
  state "$T/case/l.db" "$T/case/results.csv" >"$T/old.$1"
  # shellcheck disable=SC2086
  "$DOUDI" $2 >/dev/null || die "$1 without a crash"
  state "$T/case/l.db" "$T/case/results.csv" >"$T/new.$1"
  cmp -s "$T/old.$1" "$T/new.$1" && die "the $1 changes nothing: the test would prove nothing"
}
expected import "$IMPORT"
expected run "$RUN"

crash() {
  what=$1 point=$2
  fresh
  eval "cmd=\$$(echo "$what" | tr a-z A-Z)"
  # shellcheck disable=SC2086
  DOUDI_CRASH_AT=$point "$DOUDI" $cmd >"$T/out" 2>&1
  status=$?
  [ $status -eq 137 ] || die "$point: exited $status, not killed (137): $(cat "$T/out")"
  # the next open of the ledger
  "$DOUDI" report $R --db "$T/case/l.db" --form attachment1 --format json >/dev/null 2>"$T/err" ||
    die "$point: the next open failed: $(cat "$T/err")"
  state "$T/case/l.db" "$T/case/results.csv" >"$T/got"
  if cmp -s "$T/got" "$T/old.$what"; then side=old
  elif cmp -s "$T/got" "$T/new.$what"; then side=new
  else
    echo "$point: neither the old nor the new state:"
    diff "$T/old.$what" "$T/got"
    exit 1
  fi
  left=$(ls -a "$T/case" | grep -v -E '^(\.|\.\.|l\.db|l\.db-wal|l\.db-shm|results\.csv)$')
  [ -z "$left" ] || die "$point: left behind: $left"
  echo "$point: $side"
}

# each point, and the side it must leave
for case in "import import.row:300 old" "import import.before-commit old" "import import.after-commit new" \
            "run run.person:200 old" "run run.before-commit old" "run run.after-commit new" \
            "run run.before-rename new" "run run.after-rename new"; do
  set -- $case
  got=$(crash "$1" "$2") || { echo "$got"; exit 1; }
  [ "$got" = "$2: $3" ] || die "$2 must leave the $3 state, got: $got"
done
exit 0
