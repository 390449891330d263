# `doudi run --out`: the results file of the hand-checked population in tests/fixtures/ledger
# (its README works every line out) byte for byte; a second run writes the same bytes; the
# run's summary line; `doudi explain` of a fixture person, masked and with --show-ids.
set -u
R=rules/zhengzhou-2021.doudi
D=tests/fixtures/ledger
T=${TMPDIR:-/tmp}/ledger-results.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
DB=$T/doudi.db
die() { echo "ledger_results: $*"; exit 1; }

"$DOUDI" import --db "$DB" --rules $R $D/persons.csv >/dev/null || die "import"
for i in 1 2; do
  out=$("$DOUDI" run $R --db "$DB" --out "$T/results$i.csv")
  [ $? -eq 0 ] || die "run $i: $out"
  want="run $i (as of 2021-04-01): 17 persons, 15 targets, 14 scheduled, 0 to review
results: $T/results$i.csv"
  [ "$out" = "$want" ] || die "run $i printed: $out"
  if ! cmp -s $D/expected_results.csv "$T/results$i.csv"; then
    echo "run $i: results differ from $D/expected_results.csv:"
    diff $D/expected_results.csv "$T/results$i.csv"
    exit 1
  fi
done
cmp -s "$T/results1.csv" "$T/results2.csv" || die "two runs wrote different results files"

# explain D5 (stored with an uppercase X though the file has a lowercase x)
"$DOUDI" explain $R --db "$DB" --id 41012219700505051X >"$T/explain.txt" || die "explain"
grep -qF '410122********051X' "$T/explain.txt" || die "explain: no masked id: $(head -3 "$T/explain.txt")"
if grep -qF '41012219700505051X' "$T/explain.txt"; then die "explain shows the id unmasked"; fi
grep -q 'disabled_care' "$T/explain.txt" || die "explain does not name the category"
grep -q 'village_courtyard' "$T/explain.txt" || die "explain does not name the placement"
"$DOUDI" explain $R --db "$DB" --id 41012219700505051X --show-ids | grep -qF '41012219700505051X' ||
  die "explain --show-ids does not show the id"
# typed with a lowercase x, as the person file has it: the same person
"$DOUDI" explain $R --db "$DB" --id 41012219700505051x >"$T/explain-x.txt" || die "explain --id …051x: not found"
cmp -s "$T/explain.txt" "$T/explain-x.txt" || die "explain --id …051x differs from …051X"
# an unknown id with a lowercase x: exit 1, masked in the message
"$DOUDI" explain $R --db "$DB" --id 41012219700505052x >/dev/null 2>"$T/err"
[ $? -eq 1 ] || die "explain of an unknown id: want exit 1"
grep -qF '410122********052X' "$T/err" || die "explain of an unknown id: $(cat "$T/err")"
"$DOUDI" explain $R --db "$DB" --id 41012219700505051X --format json >"$T/explain.json" || die "explain --format json"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/explain.json" || die "explain --format json is not JSON"
if grep -qF '41012219700505051X' "$T/explain.json"; then die "explain --format json shows the id unmasked"; fi

# a run with --as-of a year and a day later: N2 turns 61 → lonely_elderly, ranked after L1
# (adl_lost 2 > 1) in a group of 2: quota 2021 ⌈0.6⌉ = 1, so 2022
"$DOUDI" run $R --db "$DB" --as-of 2022-04-02 --out "$T/later.csv" >"$T/out" || die "run --as-of: $(cat "$T/out")"
grep -q '^run 3 (as of 2022-04-02): 17 persons, 16 targets, 15 scheduled, 0 to review$' "$T/out" ||
  die "run --as-of: $(cat "$T/out")"
grep -qx '410181196104020602,lonely_elderly,lonely_elderly,township_home,2022' "$T/later.csv" ||
  die "run --as-of: N2 not a lonely_elderly target: $(grep 410181196104020602 "$T/later.csv")"
exit 0
