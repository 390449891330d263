# `doudi run --from persons.csv --jobs N` gives the same outputs as --jobs 1, byte for byte,
# whatever N: the results file, the review file, every form written by --forms, stdout (the file
# names aside), stderr (each bad row reported in file order) and the exit status. Over a
# generated population with bad rows (refused as the import refuses them) and persons the run
# itself cannot evaluate (a `let` that divides by zero for some: reviewed by the run, in their
# place among the bad rows), and over tests/fixtures/population-3000. stream_run.test.sh checks
# that the streaming run equals import + run.
set -u
R=rules/zhengzhou-2021.doudi
T=${TMPDIR:-/tmp}/stream-jobs.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "stream_jobs: $*"; exit 1; }

# same RULES PERSONS INSTITUTIONS NAME: the streaming run at --jobs 1, 2, 3 and 7, compared
same() {
  rules=$1 persons=$2 institutions=$3 name=$4
  for n in 1 2 3 7; do
    o=$T/$name.$n
    mkdir -p "$o"
    "$DOUDI" run "$rules" --from "$persons" --institutions "$institutions" --out "$o/results.csv" \
      --review "$o/review.csv" --forms "$o/forms" --jobs $n >"$T/$name.$n.all" 2>"$o/stderr"
    echo $? >"$o/status"
    grep -v -e '^results: ' -e '^review: ' -e '^forms: ' "$T/$name.$n.all" >"$o/stdout"
    [ "$(cat "$o/status")" -le 1 ] || { cat "$o/stderr"; die "$name: --jobs $n failed"; }
    [ -s "$o/results.csv" ] && [ -d "$o/forms" ] || die "$name: --jobs $n wrote no results or forms"
    if [ $n -gt 1 ]; then
      diff -r "$T/$name.1" "$o" || die "$name: --jobs $n differs from --jobs 1"
    fi
  done
}

# ---- bad rows, and persons the run refuses ----
"$DOUDI" gen --count 3000 --seed 11 --bad-rate 4% --out "$T/pop" >/dev/null || die "gen"
sed -e 's/^let poor_household "低保、低收入或建档立卡" = dibao or low_income or registered_poor$/let poor_household "低保、低收入或建档立卡" = (dibao or low_income or registered_poor) and 12 \/ (if supporter == none then 0 else 1) > 0/' \
  $R >"$T/div.doudi"
cmp -s $R "$T/div.doudi" && die "the rules were not edited"
"$DOUDI" check "$T/div.doudi" >"$T/check" 2>&1 || { cat "$T/check"; die "the edited rules do not check"; }
same "$T/div.doudi" "$T/pop/persons.csv" "$T/pop/institutions.csv" gen
# the test proves something only if both kinds of review are there, interleaved in file order
rv=$T/gen.1/review.csv
grep -q ',0,.*division by zero' "$rv" || die "gen: no person reviewed by the run"
[ "$(grep -c -v 'division by zero' "$rv")" -gt 50 ] || die "gen: too few bad rows"
lines=$(grep -v '^file,' "$rv" | sed 's/^[^,]*,\([0-9]*\),.*/\1/')
[ "$lines" = "$(printf '%s\n' "$lines" | sort -n)" ] || die "gen: the review file is not in line order"
[ "$(cat "$T/gen.1/status")" = 1 ] || die "gen: a run with rows in review exits 1"
[ "$(wc -l <"$T/gen.1/stderr")" -gt 50 ] || die "gen: the bad rows were not reported"

# ---- the fixture population ----
same $R tests/fixtures/population-3000/persons.csv tests/fixtures/population-3000/institutions.csv fx
exit 0
