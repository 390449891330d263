# A compiled program (.ddc) carries the whole plan — the per-person code, the schedule, the
# capacity plan, the forms' layout and the rule file's text — so every verb that runs rules
# gives the same answer from it as from the rule file: run (results file and stored hash),
# report (every form, every format compared byte for byte), explain, eval, disasm, diff, the
# REPL. The
# verbs that read rule text (check, fmt, test) refuse a .ddc with a message that says what it
# is, exit 2.
set -u
R=rules/zhengzhou-2021.doudi
d=$TMPDIR
die() { echo "ddc_verbs: $*"; exit 1; }

"$DOUDI" compile $R -o "$d/zz.ddc" >/dev/null 2>&1 || die "compile failed"
"$DOUDI" gen --count 1500 --seed 21 --out "$d/pop" >/dev/null || die "gen failed"
for side in src ddc; do
  "$DOUDI" import --db "$d/$side.db" --rules $R "$d/pop/persons.csv" "$d/pop/institutions.csv" >/dev/null ||
    die "import ($side)"
done

"$DOUDI" run $R --db "$d/src.db" --out "$d/src.csv" >"$d/src.out" || die "run from the rule file"
"$DOUDI" run "$d/zz.ddc" --db "$d/ddc.db" --out "$d/ddc.csv" >"$d/ddc.out" || die "run from the .ddc: $(cat "$d/ddc.out")"
cmp -s "$d/src.csv" "$d/ddc.csv" || die "the results files differ"
[ "$(head -1 "$d/src.out")" = "$(head -1 "$d/ddc.out")" ] || die "the run summaries differ: $(cat "$d/src.out" "$d/ddc.out")"
[ "$(wc -l <"$d/src.csv")" -gt 100 ] || die "too few results to compare"

# the run stores the rule file's text and hash either way
hash_of() {
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT rules_sha256, length(rules_text) FROM doudi_runs").fetchone())' "$1"
}
[ "$(hash_of "$d/src.db")" = "$(hash_of "$d/ddc.db")" ] || die "stored rules differ: $(hash_of "$d/src.db") vs $(hash_of "$d/ddc.db")"
want=$(sha256sum $R | cut -d' ' -f1)
hash_of "$d/ddc.db" | grep -q "$want" || die "the stored hash is not the rule file's SHA-256"

# every form in every text format, the city and one county
county=$(sed -n 2p "$d/pop/persons.csv" | cut -d, -f3)
for form in attachment1 attachment2; do
  for format in text csv json; do
    for where in "" "--county $county"; do
      # shellcheck disable=SC2086
      "$DOUDI" report $R --db "$d/src.db" --form $form --format $format $where >"$d/a" || die "report $form $format (src)"
      # shellcheck disable=SC2086
      "$DOUDI" report "$d/zz.ddc" --db "$d/src.db" --form $form --format $format $where >"$d/b" ||
        die "report $form $format from the .ddc"
      cmp -s "$d/a" "$d/b" || die "report $form $format $where differs from the .ddc's"
    done
  done
done

# explain, eval and disasm
id=$(sed -n 2p "$d/src.csv" | cut -d, -f1)
"$DOUDI" explain $R --db "$d/src.db" --id "$id" >"$d/a" || die "explain (src)"
"$DOUDI" explain "$d/zz.ddc" --db "$d/src.db" --id "$id" >"$d/b" || die "explain from the .ddc"
cmp -s "$d/a" "$d/b" || die "explain differs from the .ddc's"
"$DOUDI" disasm $R >"$d/a" 2>/dev/null || die "disasm (src)"
"$DOUDI" disasm "$d/zz.ddc" >"$d/b" || die "disasm of the .ddc"
cmp -s "$d/a" "$d/b" || die "disasm differs from the .ddc's"

# diff of a program against itself: no change
"$DOUDI" diff "$d/zz.ddc" $R --population "$d/pop" >"$d/diff.txt" 2>&1 || die "diff .ddc vs rule file: $(cat "$d/diff.txt")"
grep -q 'changed: 0' "$d/diff.txt" || die "diff of identical rules shows changes: $(head -20 "$d/diff.txt")"

# the REPL starts from the rule text a .ddc carries: the same rules, typed declarations on top
printf ':set birth_date=1950-03-07\nage\nlet twice = age * 2\ntwice\n:quit\n' |
  "$DOUDI" repl "$d/zz.ddc" >"$d/repl.out" 2>&1 || die "repl of a .ddc: $(cat "$d/repl.out")"
grep -qx '71 : int' "$d/repl.out" || die "repl of a .ddc: no age: $(cat "$d/repl.out")"
grep -qx '142 : int' "$d/repl.out" || die "repl of a .ddc: a typed let: $(cat "$d/repl.out")"

# the verbs that read rule text say what a .ddc is
for verb in check fmt test; do
  "$DOUDI" $verb "$d/zz.ddc" >"$d/out" 2>"$d/err"
  [ $? -eq 2 ] || die "$verb of a .ddc: expected exit 2"
  grep -q "is a compiled program (.ddc), not a rule file" "$d/err" || die "$verb of a .ddc: $(cat "$d/err")"
done
exit 0
