# `doudi repl`, scripted: each tests/cli/repl/NAME.in is typed into `doudi repl`, and what it
# prints (stdout and stderr as they interleave, then `[exit N]`) must equal NAME.out.
#
# A case's first line says how the REPL is started: `# args: ...` (a comment, so the REPL reads
# it as a blank input). LEDGER, there or in the input, stands for a ledger imported from
# tests/cli/repl/persons.csv.
# Most cases give --echo, so their .out reads like the terminal: each line after its prompt.
# In the output the ledger's path reads LEDGER again, and the timings of :time read T and R.
# The rule file of most cases is tests/cli/repl/zhengzhou.doudi, a frozen copy of the policy's.
set -u
dir=tests/cli/repl
d=$TMPDIR
die() { echo "$*"; exit 1; }

"$DOUDI" import --db "$d/ledger.db" --rules $dir/zhengzhou.doudi $dir/persons.csv >"$d/import.txt" 2>&1 ||
  { cat "$d/import.txt"; die "import of $dir/persons.csv failed"; }
export HOME="$d/home"     # a terminal session would keep history there; a scripted one does not

failed=0
n=0
for case in $dir/*.in; do
  name=${case%.in}
  n=$((n + 1))
  sed "s|LEDGER|$d/ledger.db|g" "$case" >"$d/in"
  args=$(sed -n '1s/^# args:[ ]*//p' "$d/in")
  # shellcheck disable=SC2086  # the arguments are split on purpose
  "$DOUDI" repl $args <"$d/in" >"$d/out" 2>&1
  echo "[exit $?]" >>"$d/out"
  sed -e "s|$d/ledger.db|LEDGER|g" \
      -e 's/^\([0-9]*\) records evaluated in [0-9.]* ms: [0-9,]* records\/s (reading them from the ledger: [0-9.]* ms)$/\1 records evaluated in T ms: R records\/s (reading them from the ledger: T ms)/' \
      "$d/out" >"$d/got"
  if [ ! -f "$name.out" ]; then
    echo "FAIL $case: no $name.out; it printed:"
    cat "$d/got"
    failed=$((failed + 1))
  elif cmp -s "$name.out" "$d/got"; then
    echo "ok   $case"
  else
    echo "FAIL $case"
    diff -u "$name.out" "$d/got"
    failed=$((failed + 1))
  fi
done
[ "$n" -gt 0 ] || die "no cases in $dir"
echo "$n cases, $failed failed"
[ "$failed" -eq 0 ]
