# `doudi repl`, a newcomer's first session, scripted: a population made by `doudi gen` and
# imported into a ledger; a person placed at home (居家供养); why; and what changes when they
# ask for an institution (wants_central=yes). The terminal version is repl_pty.test.sh.
set -u
rules=rules/zhengzhou-2021.doudi
d=$TMPDIR
die() { echo "$*"; exit 1; }

"$DOUDI" gen --count 300 --seed 11 --out "$d" >/dev/null || die "gen failed"
"$DOUDI" import --db "$d/l.db" --rules $rules "$d/persons.csv" >/dev/null || die "import failed"
"$DOUDI" run $rules --db "$d/l.db" --out "$d/results.csv" >/dev/null
[ $? -le 1 ] || die "run failed"
id=$(awk -F, '$4 == "home" { print $1; exit }' "$d/results.csv")
[ -n "$id" ] || die "nobody in the generated population is placed at home"

printf ':db %s\n:person %s\n:explain\n:set wants_central=yes\n:explain\ncare\n' "$d/l.db" "$id" |
  "$DOUDI" repl $rules >"$d/out" 2>&1 || { cat "$d/out"; die "the session failed"; }

masked=$(echo "$id" | sed 's/^\(......\)........\(....\)$/\1********\2/')
grep -qxF "current record: $masked from $d/l.db" "$d/out" || { cat "$d/out"; die ":person: no masked confirmation"; }
grep -q "$id" "$d/out" && die "the resident id is shown unmasked"
grep '^placement care 供养形式: ' "$d/out" >"$d/placements"
[ "$(wc -l <"$d/placements")" -eq 2 ] || { cat "$d/out"; die "expected two explanations"; }
sed -n 1p "$d/placements" | grep -q '^placement care 供养形式: home 居家供养  \[四、¶1\]$' ||
  { cat "$d/out"; die "the first explanation does not place the person at home"; }
sed -n 2p "$d/placements" | grep -q ': home ' && { cat "$d/out"; die "wants_central=yes did not move the person"; }
grep -qx 'wants_central = yes (愿意)' "$d/out" || die ":set did not confirm the new value"
grep -q '^      false  wants_central != yes$' "$d/out" || { cat "$d/out"; die "the second explanation does not show why"; }
last=$(tail -n 1 "$d/out")
moved=$(sed -n 2p "$d/placements" | sed 's/^placement care 供养形式: \([a-z_]*\) .*/\1/')
case $last in
  "$moved ("*") : enum care_mode") ;;
  *) die "care reads '$last', the explanation $moved" ;;
esac
exit 0
