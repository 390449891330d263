# `doudi repl`: :reload reads the rule file again after it was edited, keeping the declarations
# typed at the prompt; a file that no longer checks leaves the session as it was. The file is
# edited while the session runs: each step waits for the REPL's answer to the one before.
set -u
d=$TMPDIR
die() { echo "$*"; exit 1; }
cp tests/cli/repl/tiny.doudi "$d/rules.doudi" || die "no tests/cli/repl/tiny.doudi"

# wait until the session's output has a line $1 (at most 30 s: a sanitizer build is slow)
wait_for() {
  i=0
  while ! grep -qxF -- "$1" "$d/out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 300 ] || { echo "timed out waiting for: $1" >&2; return 1; }
    sleep 0.1
  done
}

{
  printf '%s\n' ':set birth_date=1931-01-01 dibao=yes has_caretaker=no id=x' 'let ninety = age >= 90' 'care'
  wait_for 'township_home (乡镇敬老院) : enum care_mode' || exit 1
  sed -i 's/when age >= 80 cite/when age >= 95 cite/' "$d/rules.doudi"
  printf '%s\n' ':reload' 'care' 'ninety'
  wait_for 'true : bool' || exit 1
  sed -i 's/years_between(birth_date, as_of)/years_between(birth_date)/' "$d/rules.doudi"
  printf '%s\n' ':reload' 'care'
} | "$DOUDI" repl "$d/rules.doudi" >"$d/out" 2>&1

cat >"$d/want" <<EOT
loaded $d/rules.doudi: record person (4 fields), 1 params, 1 lets, 1 categories, placement care
birth_date = 1931-01-01
dibao = true
has_caretaker = false
id = x
let ninety : bool
township_home (乡镇敬老院) : enum care_mode
reloaded $d/rules.doudi: record person (4 fields), 1 params, 2 lets, 1 categories, placement care (and 1 typed declaration)
home (居家供养) : enum care_mode
true : bool
$d/rules.doudi:18:16: error: 'years_between' takes 2 arguments, found 1
  let age "年龄" = years_between(birth_date)
                   ^~~~~~~~~~~~~~~~~~~~~~~~~
home (居家供养) : enum care_mode
EOT
diff -u "$d/want" "$d/out" || die "the session differs"
exit 0
