# `doudi test`: the Zhengzhou rule file's own tests pass with full coverage; a copy with one rule
# broken fails, naming the test and the key that differs; usage and rule errors exit 2.
set -u
rules=rules/zhengzhou-2021.doudi
out=$TMPDIR/out
err=$TMPDIR/err

"$DOUDI" test "$rules" --require-full-coverage >"$out" 2>"$err"
status=$?
if grep -q "unknown verb 'test'" "$err"; then
  echo "the verb 'test' is not wired into src/main.c (cli_test, src/cli_test.c)"; exit 1
fi
[ "$status" -eq 0 ] || { echo "expected exit 0, got $status"; cat "$out" "$err"; exit 1; }
grep -q '^FAIL' "$out" && { echo "a test failed:"; cat "$out"; exit 1; }
last=$(tail -n 1 "$out")
case $last in
  *" passed, 0 failed") ;;
  *) echo "last line: $last"; exit 1 ;;
esac
cov=$(grep '^coverage: ' "$out")
n=$(echo "$cov" | sed -n 's/^coverage: \([0-9]*\) of \([0-9]*\) condition outcomes, .*/\1 \2/p')
set -- $n
[ "$#" -eq 2 ] && [ "$1" = "$2" ] && [ "$1" -gt 0 ] || { echo "not every condition outcome covered: $cov"; exit 1; }
case $cov in
  *", 6/6 categories, 7/7 branches, 6/6 schedule groups") ;;
  *) echo "unexpected coverage: $cov"; exit 1 ;;
esac
[ "$(grep -c ':[0-9]*:[0-9]*: ' "$out")" -eq 0 ] || { echo "uncovered items listed:"; cat "$out"; exit 1; }

# one rule broken: 3 lost abilities now count as 'none' instead of 'partial'
broken=$TMPDIR/broken.doudi
sed 's/adl_lost <= 3/adl_lost <= 2/' "$rules" >"$broken"
cmp -s "$rules" "$broken" && { echo "sed did not change the rule"; exit 1; }
"$DOUDI" test "$broken" >"$out" 2>"$err"
status=$?
[ "$status" -eq 1 ] || { echo "broken rule: expected exit 1, got $status"; cat "$out" "$err"; exit 1; }
for want in \
  'FAIL 孤寡老人失去3项能力为半自理：乡镇敬老院' \
  '  self_care: expected partial, got none' \
  '  care: expected township_home, got welfare_institution' \
  '  explanation:' \
  '      adl_lost = 3   丧失的日常生活能力项数'
do
  grep -qxF -- "$want" "$out" || { echo "missing line: $want"; cat "$out"; exit 1; }
done
tail -n 1 "$out" | grep -Eqx '[0-9]+ passed, [1-9][0-9]* failed' || { echo "last line: $(tail -n 1 "$out")"; exit 1; }

# usage, an unreadable file, a file with errors: exit 2
"$DOUDI" test >/dev/null 2>&1
[ $? -eq 2 ] || { echo "no file: expected exit 2"; exit 1; }
"$DOUDI" test "$rules" --bogus >/dev/null 2>&1
[ $? -eq 2 ] || { echo "bad option: expected exit 2"; exit 1; }
"$DOUDI" test no-such-file.doudi >/dev/null 2>&1
[ $? -eq 2 ] || { echo "unreadable file: expected exit 2"; exit 1; }
bad=$TMPDIR/bad.doudi
printf 'record person { id: text key }\ncategory x when agee > 1\n' >"$bad"
"$DOUDI" test "$bad" >"$out" 2>"$err"
[ $? -eq 2 ] || { echo "rule errors: expected exit 2"; exit 1; }
grep -qF "$bad:2:17: error: unknown name 'agee'" "$err" || { echo "diagnostics not shown:"; cat "$err"; exit 1; }
exit 0
