# `doudi run RULES --from persons.csv`, the streaming run, against `doudi import` + `doudi run
# --out` + `doudi report` on the same files: the results file and every form (text, and CSV for
# every county of the golden population) byte for byte, the counts the same, the bad rows
# reported on stderr exactly as the import reports them, and the --review file holding each of
# them (file, line, column, reason, the row as it is in the file). Over the 3000-person fixture,
# the hand-worked golden population (whose results file is also checked against its expected
# one), a generated population with 5% bad rows of every kind (duplicate ids among them) and,
# when /usr/bin/python3 has openpyxl, the same as an .xlsx workbook. Then the failures: a
# missing column, a missing file, a directory: exit 2, and no results, review or form file.
set -u
R=rules/zhengzhou-2021.doudi
T=${TMPDIR:-/tmp}/stream-run.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "stream_run: $*"; exit 1; }
FORMS="attachment1 attachment2"
failed=0
bad() { echo "stream_run: $*"; failed=1; }

# same NAME PERSONS INSTITUTIONS [EXTRA-REPORT-ARGS]: import + run + report vs the streaming run
same() {
  name=$1 persons=$2 inst=$3
  d=$T/$name
  mkdir -p "$d" || exit 1
  "$DOUDI" --lang en import --db "$d/l.db" --rules $R "$persons" "$inst" >"$d/import.out" 2>"$d/import.err"
  [ $? -le 1 ] || die "$name: import failed: $(cat "$d/import.err")"
  "$DOUDI" --lang en run $R --db "$d/l.db" --out "$d/ledger-results.csv" >"$d/run.out" 2>&1
  [ $? -le 1 ] || die "$name: run failed: $(cat "$d/run.out")"
  for f in $FORMS; do
    "$DOUDI" report $R --db "$d/l.db" --form $f >"$d/ledger-$f.txt" 2>"$d/err" || die "$name: report $f: $(cat "$d/err")"
  done
  "$DOUDI" --lang en run $R --from "$persons" --institutions "$inst" --out "$d/results.csv" --review "$d/review.csv" \
    --forms "$d/forms" >"$d/stream.out" 2>"$d/stream.err"
  status=$?
  # the exit status: 1 when a row went to review, as the import's
  grep -q " [1-9][0-9]* to review$" "$d/import.out" && want=1 || want=0
  [ $status -eq $want ] || bad "$name: run --from exit $status, want $want: $(cat "$d/stream.err")"
  cmp -s "$d/ledger-results.csv" "$d/results.csv" || bad "$name: results file differs from import + run's"
  for f in $FORMS; do
    cmp -s "$d/ledger-$f.txt" "$d/forms/$f.txt" || bad "$name: form $f differs from doudi report's"
  done
  # the bad rows reported as the import reports them, line for line
  cmp -s "$d/import.err" "$d/stream.err" || { bad "$name: stderr differs from import's:"; diff "$d/import.err" "$d/stream.err" | head; }
  # the counts: the run's persons, targets, scheduled and review; the rows read and reviewed
  counts() { sed -n 's/.*: \([0-9]* persons, [0-9]* targets, [0-9]* scheduled, [0-9]* to review\)$/\1/p' "$1"; }
  [ -n "$(counts "$d/run.out")" ] && [ "$(counts "$d/run.out")" = "$(counts "$d/stream.out")" ] ||
    bad "$name: counts differ: $(cat "$d/run.out") / $(cat "$d/stream.out")"
  rows() { sed -n "s|^$persons ([^)]*): \([0-9]*\) rows: .* \([0-9]*\) to review$|\1 \2|p" "$1"; }
  [ -n "$(rows "$d/import.out")" ] && [ "$(rows "$d/import.out")" = "$(rows "$d/stream.out")" ] ||
    bad "$name: rows read differ: $(cat "$d/import.out") / $(cat "$d/stream.out")"
  for f in results.csv review.csv; do
    [ "$(stat -c %a "$d/$f")" = 600 ] || bad "$name: $f is mode $(stat -c %a "$d/$f"), want 600"
  done
  ls "$d" | grep -q 'tmp' && bad "$name: a temporary file was left: $(ls "$d")"
  return 0
}

# review_matches NAME PERSONS: each row of the review file is one line of the import's stderr
# (file:line:col: reason, ids masked there) and its row is the file's line as it stands
review_matches() {
  /usr/bin/python3 - "$T/$1/review.csv" "$T/$1/import.err" "$2" <<'PY' || bad "$1: review file does not match the import's review"
import csv, re, sys
review, err, persons = sys.argv[1:4]
rows = list(csv.reader(open(review, encoding="utf-8", newline="")))
assert rows[0] == ["file", "line", "column", "reason", "row"], rows[0]
lines = open(persons, encoding="utf-8", newline="").read().split("\n")
def mask(s):
    return re.sub(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])", r"\1********\2", s)
said = [l for l in open(err, encoding="utf-8").read().split("\n") if l]
got = ["%s:%s:%s: %s" % (f, line, col, mask(reason)) for f, line, col, reason, raw in rows[1:]]
if got != said:
    for a, b in zip(got, said):
        if a != b: print("review file:", a, "\nimport:     ", b)
    print(len(got), "rows in the review file,", len(said), "reported by the import")
    sys.exit(1)
for f, line, col, reason, raw in rows[1:]:
    want = lines[int(line) - 1].rstrip("\r")
    raw = raw[1:] if raw.startswith("'") and raw[1:2] in "=+-@" else raw
    if raw != want:
        print("line", line, "row", repr(raw), "file", repr(want))
        sys.exit(1)
PY
}

# ---- the fixture and the golden population --------------------------------------------------------
same p3000 tests/fixtures/population-3000/persons.csv tests/fixtures/population-3000/institutions.csv
[ "$(sed -n 1p "$T/p3000/review.csv")" = "file,line,column,reason,row" ] && [ "$(wc -l <"$T/p3000/review.csv")" -eq 1 ] ||
  bad "p3000: the review file should hold its header only: $(head -3 "$T/p3000/review.csv")"
G=tests/golden/forms
same golden $G/persons.csv $G/institutions.csv
cmp -s $G/expected/results.csv "$T/golden/results.csv" || bad "golden: results differ from $G/expected/results.csv"
grep -qx "run (as of 2021-04-01, without a ledger): 29 persons, 27 targets, 25 scheduled, 0 to review" "$T/golden/stream.out" ||
  bad "golden: run --from printed: $(cat "$T/golden/stream.out")"
# every county's forms as CSV, through --forms-format: the city's the same as report's
"$DOUDI" run $R --from $G/persons.csv --institutions $G/institutions.csv --forms "$T/golden/csv" --forms-format csv \
  >/dev/null 2>&1 || bad "golden: --forms-format csv failed"
for f in $FORMS; do
  cmp -s $G/expected/$f-city.csv "$T/golden/csv/$f.csv" || bad "golden: $f as CSV differs from $G/expected/$f-city.csv"
done

# ---- a generated population with bad rows of every kind ------------------------------------------
"$DOUDI" gen --count 2000 --seed 17 --bad-rate 5% --out "$T/gen" >/dev/null 2>&1 || die "gen failed"
same gen "$T/gen/persons.csv" "$T/gen/institutions.csv"
grep -q ' 100 to review$' "$T/gen/import.out" || bad "gen: expected 100 rows to review: $(cat "$T/gen/import.out")"
grep -q 'duplicate id' "$T/gen/review.csv" || bad "gen: no duplicate id in the review file"
[ "$(wc -l <"$T/gen/review.csv")" -eq 101 ] || bad "gen: the review file should hold 100 rows"
review_matches gen "$T/gen/persons.csv"

# ---- the same as a workbook ----------------------------------------------------------------------
if /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
  /usr/bin/python3 - "$T/gen/persons.csv" "$T/persons.xlsx" <<'PY' || die "could not write the workbook"
import csv, sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "台账"
ws.append(["郑州市特殊贫困群体摸底台账"])
for row in csv.reader(open(sys.argv[1], encoding="utf-8")):
    ws.append(row)
wb.save(sys.argv[2])
PY
  same xlsx "$T/persons.xlsx" "$T/gen/institutions.csv"
else
  echo "stream_run: no openpyxl for /usr/bin/python3: the workbook part skipped"
fi

# ---- failures: exit 2, nothing written -------------------------------------------------------------
F=$T/fail
mkdir -p "$F" || exit 1
cut -d, -f1-5 tests/fixtures/population-3000/persons.csv >"$F/short.csv"
check_fails() {
  what=$1; shift
  "$DOUDI" --lang en run $R --from "$@" --out "$F/results.csv" --review "$F/review.csv" --forms "$F/forms" \
    >"$F/out" 2>"$F/err"
  status=$?
  [ $status -eq 2 ] || bad "$what: exit $status, want 2"
  [ -s "$F/err" ] || bad "$what: no message"
  left=$(ls "$F" | grep -v -e '^short.csv$' -e '^out$' -e '^err$' -e '^adir$')
  [ -z "$left" ] || bad "$what: left $left"
}
check_fails "missing column" "$F/short.csv"
grep -q "short.csv:1: the header has no column for: birth_date" "$F/err" || bad "missing column: $(cat "$F/err")"
check_fails "missing file" "$F/nope.csv"
grep -q "nope.csv" "$F/err" || bad "missing file: $(cat "$F/err")"
mkdir -p "$F/adir"
check_fails "a directory" "$F/adir"
"$DOUDI" run $R --from "$F/short.csv" --db x.db >/dev/null 2>&1
[ $? -eq 2 ] || bad "--from with --db: want a usage error"
"$DOUDI" run $R --review "$F/review.csv" >/dev/null 2>&1
[ $? -eq 2 ] || bad "--review without --from: want a usage error"
"$DOUDI" run $R --from "$G/persons.csv" --out "$F/same.csv" --review "$F/same.csv" >/dev/null 2>&1
[ $? -eq 2 ] && [ ! -e "$F/same.csv" ] || bad "--out and --review the same file: want a usage error, nothing written"
(cd "$F" && "$DOUDI" run "$OLDPWD/$R" --from "$G/persons.csv" --out same.csv --review ./same.csv >/dev/null 2>&1)
[ $? -eq 2 ] && [ ! -e "$F/same.csv" ] || bad "--out FILE and --review ./FILE: want a usage error, nothing written"

# ---- a review file or forms that cannot be written: the old results file stays --------------------
printf 'old results\n' >"$F/kept.csv"
"$DOUDI" --lang en run $R --from "$G/persons.csv" --out "$F/kept.csv" --review "$F/no/such/dir/review.csv" \
  >/dev/null 2>"$F/err"
[ $? -eq 2 ] || bad "unwritable --review: want exit 2"
[ "$(cat "$F/kept.csv")" = "old results" ] || bad "unwritable --review: the results file was replaced"
grep -q "no/such/dir/review.csv" "$F/err" || bad "unwritable --review: $(cat "$F/err")"
"$DOUDI" --lang en run $R --from "$G/persons.csv" --out "$F/kept.csv" --forms "$F/no/such/forms" \
  >/dev/null 2>"$F/err"
[ $? -eq 2 ] || bad "unmakeable --forms: want exit 2"
[ "$(cat "$F/kept.csv")" = "old results" ] || bad "unmakeable --forms: the results file was replaced"
ls -A "$F" | grep -q '\.tmp' && bad "a temporary file was left: $(ls -A "$F")"

# ---- keys of every length, in byte order ------------------------------------------------------
# The streaming run keeps a key's first 24 bytes beside its row and the rest apart: keys
# shorter, as long and longer, alike in their first 23, 24 or 25 bytes, one the start of
# another. The results file must list them as SQLite orders them (import + run) and as
# `LC_ALL=C sort` does.
K=$T/keys
mkdir -p "$K" || exit 1
cat >"$K/r.doudi" <<'EOF'
record person "人" {
  id: text "编号" key
  a:  bool "甲"
}
category c "类" when a
EOF
a23=aaaaaaaaaaaaaaaaaaaaaaa a24=${a23}a
{
  echo id,a
  for k in k kk "$a24" "${a24}b" "${a24}a" "${a24}ab" "${a23}b" "${a23}" "${a24}aaaaaaaaaaaaaaaa" \
           "${a24}aaaaaaaaaaaaaaab" "${a24}aaaaaaaaaaaaaaa" aaaa ab "~" "${a23}b${a24}" 0 "${a24}%"; do
    echo "$k,1"
  done
} >"$K/p.csv"
"$DOUDI" --lang en import --db "$K/l.db" --rules "$K/r.doudi" "$K/p.csv" >/dev/null 2>"$K/err" || die "keys: import: $(cat "$K/err")"
"$DOUDI" --lang en run "$K/r.doudi" --db "$K/l.db" --out "$K/ledger.csv" >/dev/null 2>"$K/err" || die "keys: run: $(cat "$K/err")"
"$DOUDI" --lang en run "$K/r.doudi" --from "$K/p.csv" --out "$K/stream.csv" >/dev/null 2>"$K/err" ||
  bad "keys: run --from: $(cat "$K/err")"
cmp -s "$K/ledger.csv" "$K/stream.csv" || { bad "keys: results differ from import + run's:"; diff "$K/ledger.csv" "$K/stream.csv"; }
tail -n +2 "$K/stream.csv" | cut -d, -f1 >"$K/ids"
[ "$(wc -l <"$K/ids")" -eq 17 ] || bad "keys: $(wc -l <"$K/ids") rows, want 17"
LC_ALL=C sort -c "$K/ids" 2>/dev/null || { bad "keys: not in byte order:"; cat "$K/ids"; }

exit $failed
