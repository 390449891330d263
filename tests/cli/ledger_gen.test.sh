# `doudi gen` at scale through the whole ledger: 20,000 persons with 1% malformed rows.
#
# Import must report every malformed row the generator made, at its line and column, and
# import every other row. expected_review.csv (line,column,kind) is compared with the
# `path:LINE:COL: reason` lines import writes to stderr as sets of (line, column), both ways:
# each expected defect reported, and nothing reported that was not expected. Two kinds have
# a conventional column: duplicate_id is reported at the id (column 1) of the second row with
# "duplicate id …: the first is at line N"; too_few_columns at column 0 (the row as a whole:
# "the row has 30 fields, the header 36") — gen and import agree on both, so they are compared
# like the others, and their reasons are checked as well.
# Then `doudi run` works on the result, and `doudi explain` masks resident ids unless
# --show-ids.
set -u
R=rules/zhengzhou-2021.doudi
T=${TMPDIR:-/tmp}/ledger-gen.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
DB=$T/doudi.db
die() { echo "ledger_gen: $*"; exit 1; }

"$DOUDI" gen --count 20000 --seed 1 --bad-rate 0.01 --out "$T" || die "gen"
P=$T/persons.csv
"$DOUDI" import --db "$DB" --rules $R "$P" "$T/institutions.csv" >"$T/import.out" 2>"$T/import.err"
status=$?
[ $status -eq 1 ] || die "import exited $status, want 1 (rows to review): $(cat "$T/import.err")"

# every stderr line is a review line for persons.csv (institutions.csv is clean)
bad=$(grep -vc "^$P:[0-9]*:[0-9]*: " "$T/import.err")
[ "$bad" -eq 0 ] || { echo "unexpected stderr lines:"; grep -v "^$P:[0-9]*:[0-9]*: " "$T/import.err"; exit 1; }

tail -n +2 "$T/expected_review.csv" | cut -d, -f1,2 | sort >"$T/want"
sed -n "s|^$P:\([0-9]*\):\([0-9]*\): .*|\1,\2|p" "$T/import.err" | sort >"$T/got"
nbad=$(wc -l <"$T/want")
[ "$nbad" -ge 150 ] || die "expected_review.csv lists only $nbad rows"
if ! cmp -s "$T/want" "$T/got"; then
  echo "review (line,column) differs from expected_review.csv (< expected only, > reported only):"
  diff "$T/want" "$T/got" | grep '^[<>]' | head -20
  exit 1
fi
# the reasons of the two conventional kinds
for kind in duplicate_id too_few_columns; do
  grep ",$kind\$" "$T/expected_review.csv" | cut -d, -f1,2 | while IFS=, read -r line col; do
    reason=$(grep "^$P:$line:$col: " "$T/import.err")
    case $kind:$reason in
      duplicate_id:*": duplicate id "*": the first is at line "*) ;;
      too_few_columns:*": the row has 30 fields, the header 36") ;;
      *) echo "$kind at $line:$col reported as: $reason"; exit 1 ;;
    esac
  done || exit 1
done

# every good row imported: the summary, and the table
rows=20000
good=$((rows - nbad))
want_summary="$P (utf-8): $rows rows: $good new, 0 updated, 0 unchanged, $nbad to review"
grep -qxF "$want_summary" "$T/import.out" || die "summary: want '$want_summary', got: $(cat "$T/import.out")"
count() {
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$DB" "$1"
}
[ "$(count 'SELECT count(*) FROM person')" -eq $good ] || die "the person table does not hold $good rows"
[ "$(count "SELECT count(*) FROM doudi_review WHERE run IS NULL AND record = 'person'")" -eq $nbad ] ||
  die "the review table does not hold $nbad rows"
[ "$(count "SELECT count(*) FROM doudi_review WHERE raw = ''")" -eq 0 ] || die "review rows without their raw text"

# the run
out=$("$DOUDI" run $R --db "$DB" --out "$T/results.csv") || die "run: $out"
case $out in
  "run 1 (as of 2021-04-01): $good persons, "*", 0 to review"*) ;;
  *) die "run: $out" ;;
esac
[ "$(wc -l <"$T/results.csv")" -eq $((good + 1)) ] || die "results.csv does not hold every person"
head -1 "$T/results.csv" | grep -qx 'id,categories,primary_category,placement,year' || die "results header"
# sorted by id in byte order, each id once, no CR
tail -n +2 "$T/results.csv" | cut -d, -f1 | LC_ALL=C sort -cu || die "results.csv is not sorted by id (unique)"
if grep -q "$(printf '\r')" "$T/results.csv"; then die "CR in results.csv"; fi

# explain: a scheduled person, id masked unless --show-ids
line=$(grep ',20[0-9][0-9]$' "$T/results.csv" | head -1)
id=${line%%,*}
masked=$(printf '%s' "$id" | sed 's/^\(......\)........\(....\)$/\1********\2/')
[ "$masked" != "$id" ] || die "could not mask $id"
"$DOUDI" explain $R --db "$DB" --id "$id" >"$T/explain.txt" || die "explain --id $id"
grep -qF "$masked" "$T/explain.txt" || die "explain does not show $masked"
if grep -qF "$id" "$T/explain.txt"; then die "explain shows the unmasked id $id"; fi
if grep -Eq '[0-9]{17}[0-9X]' "$T/explain.txt"; then die "explain shows an unmasked id"; fi
"$DOUDI" explain $R --db "$DB" --id "$id" --show-ids >"$T/explain.txt" || die "explain --show-ids"
grep -qF "$id" "$T/explain.txt" || die "explain --show-ids does not show $id"
# an unknown id: exit 1, the id masked in the message too
"$DOUDI" explain $R --db "$DB" --id 410122190001010000 >/dev/null 2>"$T/err"
[ $? -eq 1 ] || die "explain of an unknown id: want exit 1"
grep -q '410122\*\*\*\*\*\*\*\*0000' "$T/err" || die "explain of an unknown id: $(cat "$T/err")"
exit 0
