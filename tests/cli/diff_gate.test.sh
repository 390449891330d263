# `doudi diff`: the rule-change gate of examples/rule-change over tests/fixtures/population-3000.
# Each amendment passes with its approved-changes file and fails when one number in that file is
# off by one (copies edited with sed in TMPDIR); a ledger given as the population is left byte
# for byte as it was; the temporary ledger goes away; ids are masked; usage errors exit 2.
set -u
d=$TMPDIR
die() { echo "$*"; exit 1; }
old=rules/zhengzhou-2021.doudi
pop=tests/fixtures/population-3000
ex=examples/rule-change
headroom=$ex/zhengzhou-2021-headroom15.doudi
lonely=$ex/zhengzhou-2021-lonely-elderly-40-30-30.doudi
mkdir "$d/t" || die "mkdir"

"$DOUDI" diff --help >/dev/null 2>&1 || die "'doudi diff' is not a verb: wire cli_diff into src/main.c and src/cli.h"

# ---- the two gates pass, and leave no temporary ledger behind --------------------------------
TMPDIR=$d/t "$DOUDI" diff $old $headroom --population $pop --expect $ex/headroom15.approved >"$d/out" 2>"$d/err" ||
  { cat "$d/out" "$d/err"; die "headroom15: the gate fails with its approved file"; }
grep -q '^every figure is as approved$' "$d/out" || die "headroom15: no verdict line"
grep -q '^changed: 0 persons$' "$d/out" || die "headroom15: someone changed"
grep -q '^  capacity city village_courtyard required_beds  *586 →  *613  *+27$' "$d/out" || die "headroom15: beds"
TMPDIR=$d/t "$DOUDI" diff $old $lonely --population $pop --expect $ex/lonely-elderly-40-30-30.approved \
  >"$d/out2" 2>"$d/err" || { cat "$d/out2" "$d/err"; die "lonely: the gate fails with its approved file"; }
grep -q '^changed: 4 persons$' "$d/out2" || die "lonely: not 4 changed"
[ -z "$(ls -A "$d/t")" ] || { ls -la "$d/t"; die "a temporary ledger was left in TMPDIR"; }

# the changed people are listed with masked ids, by key; --show-ids shows them
grep -q '^changed people: 4$' "$d/out2" || die "lonely: people heading"
[ "$(grep -c '^  4101[0-9][0-9]\*\*\*\*\*\*\*\*[0-9][0-9][0-9][0-9X]$' "$d/out2")" -eq 4 ] || die "lonely: 4 masked ids"
grep -q '^    after:  categories lonely_elderly, primary lonely_elderly, care township_home, year 2021$' "$d/out2" ||
  die "lonely: no one moved to 2021"

# ---- one number off by one fails the gate, naming the line -------------------------------------
sed 's/^capacity city village_courtyard required_beds: +27$/capacity city village_courtyard required_beds: +28/' \
  $ex/headroom15.approved >"$d/off.approved"
cmp -s $ex/headroom15.approved "$d/off.approved" && die "sed changed nothing"
line=$(grep -n 'required_beds: +28' "$d/off.approved" | cut -d: -f1)
"$DOUDI" diff $old $headroom --population $pop --expect "$d/off.approved" --limit 0 >"$d/out" 2>"$d/err"
[ $? -eq 1 ] || die "off by one: expected exit 1"
grep -qx "  $d/off.approved:$line: expected +28, actual +27 (capacity city village_courtyard required_beds: 586 → 613)" \
  "$d/out" || { cat "$d/out"; die "off by one: mismatch line"; }
grep -q '^1 figure differs from the approved changes$' "$d/out" || die "off by one: count line"
grep -qx "doudi diff: 1 figure differs from $d/off.approved" "$d/err" || { cat "$d/err"; die "off by one: stderr"; }

# a count off by one, and a change left out of the approved file (an unapproved change)
sed -e 's/^changed: 4$/changed: 5/' -e '/^year 2023: -2$/d' $ex/lonely-elderly-40-30-30.approved >"$d/off2.approved"
line=$(grep -n '^changed: 5$' "$d/off2.approved" | cut -d: -f1)
[ -n "$line" ] || die "sed changed nothing"
"$DOUDI" diff $old $lonely --population $pop --expect "$d/off2.approved" --limit 0 >"$d/out" 2>"$d/err"
[ $? -eq 1 ] || die "lonely off by one: expected exit 1"
grep -qx "  $d/off2.approved:$line: expected 5, actual 4 (changed)" "$d/out" || { cat "$d/out"; die "changed: line"; }
grep -qx '  unapproved change: year 2023: -2 (209 → 207)' "$d/out" || { cat "$d/out"; die "left out: line"; }
grep -qx "doudi diff: 2 figures differ from $d/off2.approved" "$d/err" || { cat "$d/err"; die "lonely: stderr"; }

# ---- a ledger as the population: run in a copy, the file itself untouched ---------------------
"$DOUDI" import --db "$d/x.db" --rules $old $pop/persons.csv $pop/institutions.csv >/dev/null || die "import"
"$DOUDI" run $old --db "$d/x.db" >/dev/null || die "run"
cp "$d/x.db" "$d/x.saved"
ls -la "$d" | grep ' x\.' >"$d/ls.before"
TMPDIR=$d/t "$DOUDI" diff $old $lonely --population "$d/x.db" --expect $ex/lonely-elderly-40-30-30.approved \
  --format json --show-ids >"$d/out.json" 2>"$d/err" || { cat "$d/err"; die "ledger population: the gate fails"; }
cmp "$d/x.db" "$d/x.saved" || die "the ledger given as population changed"
ls -la "$d" | grep ' x\.' | cmp -s - "$d/ls.before" || die "files appeared or changed beside the ledger"
[ -z "$(ls -A "$d/t")" ] || die "a temporary copy was left in TMPDIR"
grep -q '"as_approved": true' "$d/out.json" || die "json: verdict"
grep -q '"key": "4101[0-9]*[0-9X]", "before"' "$d/out.json" || die "json: --show-ids shows the keys"
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["changed"] == 4, d["changed"]' \
    "$d/out.json" || die "json: not valid, or changed != 4"
fi

# ---- usage and input errors: exit 2, a message, no report ---------------------------------------
"$DOUDI" diff $old $lonely >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "no --population: expected exit 2"
grep -q -- '--population' "$d/err" || die "no --population: message"
"$DOUDI" diff $old --population $pop >/dev/null 2>&1
[ $? -eq 2 ] || die "one rule file: expected exit 2"
"$DOUDI" diff $old $lonely --population $pop --format xml >/dev/null 2>&1
[ $? -eq 2 ] || die "--format xml: expected exit 2"
"$DOUDI" diff $old $lonely --population "$d/nowhere" >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "no population: expected exit 2"
printf 'changed: 4\ncategory tekn: -1\n' >"$d/bad.approved"
"$DOUDI" diff $old $lonely --population $pop --expect "$d/bad.approved" >"$d/out" 2>"$d/err"
[ $? -eq 2 ] || die "bad approved file: expected exit 2"
grep -qx "$d/bad.approved:2: no category 'tekn' in either rule file" "$d/err" || { cat "$d/err"; die "bad line"; }
[ -s "$d/out" ] && die "bad approved file: a report was printed"
exit 0
