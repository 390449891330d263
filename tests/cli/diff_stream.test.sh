# `doudi diff --population DIR` runs each side straight from the population's files (the
# streaming run): each side's counts, and each person's outcome on it, are those of `doudi
# import` + `doudi run` of the population with that side's rules into a fresh ledger; the people
# listed are exactly those whose results rows differ, each explained on every side that
# evaluated them; no temporary file is left.
set -u
d=$TMPDIR
die() { echo "$*"; exit 1; }
pop=tests/fixtures/population-3000
old=rules/zhengzhou-2021.doudi
# new rules that refuse rows the old ones accept (a narrower range: 383 rows of the fixture)
# and place some people differently (the lonely-elderly amendment)
sed 's/"残疾等级"     in 0..4/"残疾等级"     in 0..2/' examples/rule-change/zhengzhou-2021-lonely-elderly-40-30-30.doudi \
  >"$d/new.doudi"
grep -q 'in 0..2' "$d/new.doudi" || die "sed changed nothing"
mkdir "$d/t" || die "mkdir"

TMPDIR=$d/t "$DOUDI" diff $old "$d/new.doudi" --population $pop --limit 100000 --show-ids --format json \
  >"$d/diff.json" 2>"$d/err"
[ $? -le 1 ] || { cat "$d/err"; die "diff failed"; }
[ -z "$(ls -A "$d/t")" ] || { ls -la "$d/t"; die "a temporary file was left in TMPDIR"; }

# each side imported and run on its own, the way a clerk would
for side in old new; do
  rules=$old
  [ $side = new ] && rules=$d/new.doudi
  "$DOUDI" import --db "$d/$side.db" --rules "$rules" $pop/persons.csv $pop/institutions.csv >"$d/$side.import" 2>/dev/null
  [ $? -le 1 ] || die "$side: import failed"
  "$DOUDI" run "$rules" --db "$d/$side.db" --out "$d/$side.csv" >"$d/$side.run" 2>"$d/err" || { cat "$d/err"; die "$side: run failed"; }
done

python3 - "$d" <<'EOF' || exit 1
import csv, json, re, sys
d = sys.argv[1]
diff = json.load(open(f"{d}/diff.json"))
bad = []
def check(what, got, want):
    if got != want:
        bad.append(f"{what}: diff says {got!r}, import + run say {want!r}")

results = {}
for side in ("old", "new"):
    run = open(f"{d}/{side}.run").read()
    m = re.search(r"(\d+) persons, (\d+) targets, (\d+) scheduled, (\d+) to review", run)
    persons, targets, scheduled, review = map(int, m.groups())
    s = diff[side]
    check(f"{side} persons", s["persons"], persons)
    check(f"{side} targets", s["targets"], targets)
    check(f"{side} scheduled", s["scheduled"], scheduled)
    check(f"{side} review", s["review"], review)
    imp = open(f"{d}/{side}.import").read()
    m = re.search(r"persons\.csv \(utf-8\): (\d+) rows: .* (\d+) to review", imp)
    check(f"{side} rows", s["import"]["persons"]["rows"], int(m.group(1)))
    check(f"{side} rejected", s["import"]["persons"]["rejected"], int(m.group(2)))
    with open(f"{d}/{side}.csv", newline="") as f:
        results[side] = {r["id"]: r for r in csv.DictReader(f)}

if diff["new"]["import"]["persons"]["rejected"] != 383:
    bad.append("the new rules should refuse 383 rows of the fixture")

def outcome(row):
    if row is None:
        return None
    return {"categories": row["categories"].split("|") if row["categories"] else [],
            "primary": row["primary_category"] or None, "placement": row["placement"] or None,
            "year": int(row["year"]) if row["year"] else None}

def listed(o):
    if o is None:
        return None
    return {"categories": o["categories"], "primary": o.get("primary"), "placement": o.get("placement"),
            "year": o.get("year")}

keys = sorted(set(results["old"]) | set(results["new"]))
changed = [k for k in keys if outcome(results["old"].get(k)) != outcome(results["new"].get(k))]
check("changed", diff["changed"], len(changed))
people = diff["people"]
check("people listed", [p["key"] for p in people], changed)
for p in people:
    for side, field in (("old", "before"), ("new", "after")):
        check(f"{p['key']} {field}", listed(p[field]), outcome(results[side].get(p["key"])))
    # every person is explained by the old rules (the old import stored them all), and by the
    # new rules when they could read the person's row
    if not p.get("explanation_before") or p["explanation_before"].get("key") != p["key"]:
        bad.append(f"{p['key']}: no explanation by the old rules")
    if p["after"] is not None and (not p.get("explanation_after") or p["explanation_after"].get("key") != p["key"]):
        bad.append(f"{p['key']}: no explanation by the new rules")
if len(changed) < 390:
    bad.append(f"only {len(changed)} people changed: the amendment should move 383 to review and some more")
if bad:
    print("\n".join(bad[:20]))
    sys.exit(1)
EOF
