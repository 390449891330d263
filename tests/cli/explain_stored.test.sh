# `doudi explain` takes the stored run as the truth (issue: "the stored run is the truth"):
# it explains at the run's as_of and with the rules the run used — when the rule file given
# differs, with the run's stored rule text, and says so — next to what the run stored; and it
# finds a person as clerks name them: by the full id, by the masked id doudi prints, by name.
set -u
R=rules/zhengzhou-2021.doudi
d=$TMPDIR
die() { echo "explain_stored: $*"; exit 1; }
"$DOUDI" gen --count 300 --seed 17 --out "$d/pop" >/dev/null || die "gen"
"$DOUDI" import --db "$d/l.db" --rules $R "$d/pop/persons.csv" "$d/pop/institutions.csv" >/dev/null || die "import"
"$DOUDI" run $R --db "$d/l.db" --as-of 2022-06-01 --out "$d/results.csv" >/dev/null || die "run"

# a scheduled person: the first with a year
row=$(awk -F, 'NR > 1 && $5 != "" { print; exit }' "$d/results.csv")
id=$(printf '%s' "$row" | cut -d, -f1)
year=$(printf '%s' "$row" | cut -d, -f5)
birth=$(awk -F, -v id="$id" '$1 == id { print $6 }' "$d/pop/persons.csv")
[ -n "$id" ] && [ -n "$birth" ] || die "no scheduled person in the sample"
# their age at the run's date, 2022-06-01, worked out here
age=$(python3 -c 'import sys; y,m,d = map(int, sys.argv[1].split("-")); print(2022 - y - ((m, d) > (6, 1)))' "$birth")

"$DOUDI" explain $R --db "$d/l.db" --id "$id" --show-ids >"$d/out" 2>&1 || die "explain: $(cat "$d/out")"
sed -n 1p "$d/out" | grep -qx 'Run 1, as of 2022-06-01.' || die "no run header: $(head -3 "$d/out")"
grep -qx "Run 1 placed $id in year $year." "$d/out" || die "the stored year is not shown: $(head -5 "$d/out")"
grep -q "^  age = $age " "$d/out" || die "not explained at the run's as_of (age $age): $(grep 'age =' "$d/out")"
grep -q 'differs' "$d/out" && die "the same rules reported as different"

# JSON carries the run, the date and the stored result
"$DOUDI" explain $R --db "$d/l.db" --id "$id" --format json --show-ids >"$d/out.json" || die "explain json"
python3 - "$d/out.json" "$year" <<'PY' || die "explain json: $(head -c 300 "$d/out.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["run"] == 1 and j["as_of"] == "2022-06-01" and j["in_run"] is True, j
assert j["stored"]["year"] == int(sys.argv[2]), j["stored"]
assert "categories" in j["explanation"] or "values" in j["explanation"] or j["explanation"], j
PY

# other rules than the run's: the stored text is used, and said so
sed 's/^param elderly_age: int "老年年龄" = 60/param elderly_age: int "老年年龄" = 65/' $R >"$d/changed.doudi"
cmp -s $R "$d/changed.doudi" && die "the rule file was not changed"
"$DOUDI" explain "$d/changed.doudi" --db "$d/l.db" --id "$id" >"$d/out" 2>&1 || die "explain with other rules"
grep -q "^The rule file given is not the one run 1 used (its SHA-256 differs): explained with the rules stored with the run (rules/zhengzhou-2021.doudi)\.$" "$d/out" ||
  die "other rules not reported: $(head -3 "$d/out")"

# the masked id doudi prints finds the person (unique in 300)
masked=$(printf '%s' "$id" | sed 's/^\(......\)........\(....\)$/\1********\2/')
"$DOUDI" explain $R --db "$d/l.db" --id "$masked" >"$d/out" 2>&1 || die "explain by the masked id: $(cat "$d/out")"
grep -qxF "Run 1 placed $masked in year $year." "$d/out" || die "masked id: $(head -3 "$d/out")"

# by name: a name given to two persons lists both (masked, with county and village)
name=$(awk -F, -v id="$id" '$1 == id { print $2 }' "$d/pop/persons.csv")
other=$(awk -F, -v id="$id" 'NR > 1 && $1 != id { print $1; exit }' "$d/pop/persons.csv")
python3 - "$d/pop/persons.csv" "$d/twin.csv" "$other" "$name" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
w = csv.writer(open(sys.argv[2], "w", encoding="utf-8", newline=""), lineterminator="\n")
w.writerow(rows[0])
for r in rows[1:]:
    if r[0] == sys.argv[3]:
        r[1] = sys.argv[4]
        w.writerow(r)
PY
"$DOUDI" import --db "$d/l.db" --rules $R "$d/twin.csv" >/dev/null || die "import of the namesake"
"$DOUDI" explain $R --db "$d/l.db" --name "$name" >"$d/out" 2>"$d/err"
[ $? -eq 1 ] || die "two namesakes: expected exit 1"
grep -q "^doudi explain: 2 persons match $name; give one of their ids with --id:$" "$d/err" || die "namesakes: $(cat "$d/err")"
[ "$(grep -c '\*\*\*\*\*\*\*\*' "$d/err")" -eq 2 ] || die "namesakes not listed masked: $(cat "$d/err")"
"$DOUDI" explain $R --db "$d/l.db" --name nobody-has-this-name >/dev/null 2>"$d/err"
grep -q "nobody named nobody-has-this-name in the ledger" "$d/err" || die "no such name: $(cat "$d/err")"
exit 0
