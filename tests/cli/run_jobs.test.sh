# `doudi run --jobs N` stores the same run as --jobs 1, byte for byte, whatever N: the results
# file, every form as `doudi report` prints it (city and each county), the review export, and
# every table of the ledger (review entries, schedule years, capacity plan, form counts; the
# run's times aside). Over a generated population with bad rows (gen --bad-rate: refused at
# import) and persons the run itself cannot evaluate — a stored date the rules cannot read
# (unreadable), values outside a range the rule file now narrows, a `require` that fails and
# one that stops on a division by zero (refused by the check) — and over
# tests/fixtures/population-3000. Then: a ledger not in WAL mode (run on one thread, the same
# output), a run whose forms refuse a person on several threads (stopped, nothing stored), the
# crash point run.person:N counted per person taken back (N = persons kills, N + 1 does not),
# and --jobs's usage errors.
set -u
R=rules/zhengzhou-2021.doudi
T=${TMPDIR:-/tmp}/run-jobs.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "run_jobs: $*"; exit 1; }
sql() { python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); r = db.execute(sys.argv[2]).fetchall(); db.commit(); print("\n".join("|".join(str(c) for c in row) for row in r))' "$@"; }

# Every table of a ledger, rows and a hash of them; a run's times and its results file's name
# left out.
tables() {
  python3 - "$1" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
    cols = [r[1] for r in db.execute('PRAGMA table_info("%s")' % t)]
    if t == "doudi_runs":
        cols = [c for c in cols if c not in ("started_at", "finished_at", "results_file")]
    sel = ", ".join('"%s"' % c for c in cols)
    try:    # in the order stored (the review entries' order is part of the run)
        rows = [repr(r) for r in db.execute('SELECT %s FROM "%s" ORDER BY rowid' % (sel, t))]
    except sqlite3.OperationalError:   # WITHOUT ROWID: by key
        rows = [repr(r) for r in db.execute('SELECT %s FROM "%s"' % (sel, t))]
    print(t, len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
PY
}

# outputs RULES LEDGER DIR: what a run leaves, each in a file of DIR
outputs() {
  mkdir -p "$3"
  tables "$2" >"$3/tables" || die "tables of $2"
  for form in attachment1 attachment2; do
    "$DOUDI" report "$1" --db "$2" --form $form >"$3/$form.txt" || die "report $form of $2"
    for county in 410122 410185; do
      "$DOUDI" report "$1" --db "$2" --form $form --county $county --format csv >"$3/$form.$county.csv" ||
        die "report $form --county $county of $2"
    done
  done
  "$DOUDI" review --db "$2" --rules "$1" --source run -o "$3/review.csv" >/dev/null || die "review export of $2"   # the persons the run turned down
}

# same RULES LEDGER NAME: the run at --jobs 1, 2, 3 and 7, each on a copy of LEDGER, compared
same() {
  rules=$1 ledger=$2 name=$3
  for n in 1 2 3 7; do
    cp "$ledger" "$T/$name.$n.db"
    "$DOUDI" run "$rules" --db "$T/$name.$n.db" --out "$T/$name.$n.csv" --jobs $n >"$T/$name.$n.all" 2>"$T/$name.$n.err"
    echo $? >"$T/$name.$n.status"
    grep -v '^results: ' "$T/$name.$n.all" >"$T/$name.$n.out"   # the summary; the file's name differs
    [ "$(cat "$T/$name.$n.status")" -le 1 ] || { cat "$T/$name.$n.err"; die "$name: --jobs $n failed"; }
    outputs "$rules" "$T/$name.$n.db" "$T/$name.$n"
    if [ $n -gt 1 ]; then
      for f in csv out err status; do
        cmp "$T/$name.1.$f" "$T/$name.$n.$f" || die "$name: --jobs $n: the $f differs from --jobs 1"
      done
      diff -r "$T/$name.1" "$T/$name.$n" || die "$name: --jobs $n: the stored run differs from --jobs 1"
    fi
  done
}

# ---- a generated population with bad rows, and persons the run refuses ----
"$DOUDI" gen --count 3000 --seed 11 --bad-rate 4% --out "$T/pop" >/dev/null || die "gen"
"$DOUDI" import --db "$T/gen.db" --rules $R "$T/pop/persons.csv" "$T/pop/institutions.csv" >/dev/null 2>&1
[ $? -le 1 ] || die "import"
# unreadable: a date the rules cannot read, stored as if by an older import
sql "$T/gen.db" "UPDATE person SET birth_date = 'soon' WHERE id IN (SELECT id FROM person ORDER BY id LIMIT 3 OFFSET 100)" >/dev/null
sql "$T/gen.db" "UPDATE person SET birth_date = 'later' WHERE id IN (SELECT id FROM person ORDER BY id LIMIT 1 OFFSET 2500)" >/dev/null
# the rules as they now stand: grade 4 out of range; a require that fails for some (women with
# a hearing disability) and one that divides by zero for others (no supporter at all)
sed -e 's/"残疾等级"     in 0..4/"残疾等级"     in 0..3/' \
    -e 's/^  require valid_resident_id(id) /  require not (disability_type == hearing and sex == female) "听力残疾的女性（测试）"\n  require 12 \/ (if supporter == none then 0 else 1) > 0 "无法定义务人（测试）"\n&/' \
    $R >"$T/now.doudi"
cmp -s $R "$T/now.doudi" && die "the rules were not edited"
"$DOUDI" check "$T/now.doudi" >"$T/check" 2>&1 || { cat "$T/check"; die "the edited rules do not check"; }
same "$T/now.doudi" "$T/gen.db" gen
# the run met each kind of person it cannot evaluate
reasons=$(sql "$T/gen.1.db" "SELECT reason FROM doudi_review WHERE source LIKE 'run %'")
for want in "birth_date:" "disability_grade:" "听力残疾的女性" "division by zero"; do
  printf '%s\n' "$reasons" | grep -q "$want" || die "gen: no person refused for '$want' (the test would prove little)"
done
grep -q "to review" "$T/gen.1.out" || die "gen: the run's summary"
[ "$(cat "$T/gen.1.status")" = 1 ] || die "gen: a run with persons in review exits 1"

# ---- the fixture population ----
"$DOUDI" import --db "$T/fx.db" --rules $R tests/fixtures/population-3000/persons.csv \
  tests/fixtures/population-3000/institutions.csv >/dev/null
[ $? -le 1 ] || die "import the fixture"
same $R "$T/fx.db" fx

# ---- a ledger not in WAL mode: one thread, the same run ----
cp "$T/fx.db" "$T/delete.db"
[ "$(sql "$T/delete.db" "PRAGMA journal_mode = DELETE")" = delete ] || die "journal mode"
"$DOUDI" run $R --db "$T/delete.db" --out "$T/delete.csv" --jobs 3 >/dev/null || die "not in WAL mode: the run failed"
cmp "$T/fx.1.csv" "$T/delete.csv" || die "not in WAL mode: the results differ"

# ---- the forms refuse a person: stopped on every N, nothing stored ----
fx=tests/fixtures/edits/ages
"$DOUDI" import --db "$T/ages.db" --rules $fx/ages.doudi $fx/persons.csv >/dev/null || die "import ages"
sed 's/when age < 60/when age <= 60/' $fx/ages.doudi >"$T/overlap.doudi"
for n in 1 2 7; do
  "$DOUDI" run "$T/overlap.doudi" --db "$T/ages.db" --jobs $n >/dev/null 2>"$T/overlap.$n.err"
  [ $? -eq 2 ] || die "overlap: --jobs $n: expected exit 2"
  grep -q "is counted in two rows" "$T/overlap.$n.err" || { cat "$T/overlap.$n.err"; die "overlap: --jobs $n: message"; }
  [ "$(sql "$T/ages.db" "SELECT count(*) FROM doudi_runs")" = 0 ] || die "overlap: --jobs $n: a run was stored"
done
cmp "$T/overlap.1.err" "$T/overlap.7.err" || die "overlap: the message differs between --jobs 1 and 7"

# ---- run.person:N counts the persons taken back: the N-th of 3000 kills, the 3001st never comes ----
cp "$T/fx.db" "$T/crash.db"
DOUDI_CRASH_AT=run.person:3000 "$DOUDI" run $R --db "$T/crash.db" --jobs 3 >/dev/null 2>&1
[ $? -eq 137 ] || die "run.person:3000 with --jobs 3: not killed"
[ "$(sql "$T/crash.db" "SELECT count(*) FROM doudi_runs")" = 0 ] || die "run.person:3000: a run was stored"
DOUDI_CRASH_AT=run.person:3001 "$DOUDI" run $R --db "$T/crash.db" --jobs 3 >/dev/null 2>&1
[ $? -eq 0 ] || die "run.person:3001 with --jobs 3: the run did not finish"

# ---- usage ----
for bad in 0 -1 x 257 ""; do
  "$DOUDI" run $R --db "$T/fx.db" --jobs "$bad" >/dev/null 2>"$T/usage"
  [ $? -eq 2 ] || die "--jobs '$bad': expected exit 2"
  grep -q -- "--jobs wants a number of threads (1 to 256)" "$T/usage" || { cat "$T/usage"; die "--jobs '$bad': message"; }
done
exit 0
