# A new field declared without a default, which tests, an older ledger and a diff's population
# lack: each says to add `default …` (a value of the field's kind) and where the field is
# declared (FILE:LINE:COL), so the fix is one edit; with the default added, the tests pass.
set -u
die() { echo "$*"; exit 1; }
d=$TMPDIR
old=rules/zhengzhou-2021.doudi
pop=tests/fixtures/population-3000
n=$(grep -n '^  wants_central:' $old | head -n 1 | cut -d: -f1)
[ -n "$n" ] || die "no wants_central field"
sed "${n}s/^\(  wants_central:.*\)\$/\1\n  edge:                 bool \"边缘户\"/" $old >"$d/z.doudi"
line=$((n + 1))
sed -n "${line}p" "$d/z.doudi" | grep -q '^  edge: ' || die "sed: edge is not on line $line"
hint="add \`default false\` to its declaration ($d/z.doudi:$line:3)"

# the tests: each case says what to do, and where
"$DOUDI" test "$d/z.doudi" >"$d/out" 2>&1
[ $? -eq 1 ] || die "test: expected exit 1"
want="  error: no value for the field 'edge', which has no default: give it in the test, or $hint"
all=$(grep -c '^  error: ' "$d/out")
good=$(grep -cxF -- "$want" "$d/out")
[ "$all" -gt 0 ] && [ "$all" -eq "$good" ] || { grep '^  error' "$d/out" | head -3; die "test: $good of $all errors give the hint"; }

# a ledger imported before the field existed, run with the new rules (source, and compiled)
"$DOUDI" import --db "$d/x.db" --rules $old $pop/persons.csv >/dev/null || die "import"
"$DOUDI" run "$d/z.doudi" --db "$d/x.db" >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "run: expected exit 2"
want="doudi run: field edge is declared without a default, and the ledger's person records have no value for it (they were imported before it existed): $hint, or import the records again with a column for it"
[ "$(cat "$d/err")" = "$want" ] || { cat "$d/err"; die "run: message"; }
"$DOUDI" compile "$d/z.doudi" -o "$d/z.ddc" >/dev/null 2>&1 || die "compile"
"$DOUDI" run "$d/z.ddc" --db "$d/x.db" >/dev/null 2>"$d/err"
grep -qF -- "$hint" "$d/err" || { cat "$d/err"; die "run of the .ddc: no hint"; }

# the diff's population has no column for it
"$DOUDI" diff $old "$d/z.doudi" --population $pop >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "diff: expected exit 2"
want="doudi diff: reading the population with $d/z.doudi: $pop/persons.csv:1: the header has no column for: edge (边缘户) (if the file may lack it, the field needs a default: edge: $hint)"
[ "$(cat "$d/err")" = "$want" ] || { cat "$d/err"; echo "want: $want"; die "diff: message"; }

# the fix the hints name: the tests pass, the run and the diff work
sed -i "${line}s/\$/ default false/" "$d/z.doudi"
"$DOUDI" test "$d/z.doudi" >"$d/out" 2>&1 || { tail -n 3 "$d/out"; die "with the default: tests fail"; }
"$DOUDI" run "$d/z.doudi" --db "$d/x.db" >/dev/null 2>&1 || die "with the default: run fails"
exit 0
