# The HTML report, checked in a real browser: the golden population (tests/golden/forms) run
# with the Zhengzhou rules, `doudi report --format html` rendered by Debian's chromium, headless.
#
#  - the screenshot is not blank: enough of it is not white, in enough colours (python3-pil);
#  - every number in the page's tables, read from the DOM chromium built (--dump-dom), is what
#    it should be: each form's cell the JSON report's (`doudi report --form F [--county C]
#    --format json`), blank where the JSON has null, and no JSON cell missing; the people per
#    category, placement and year, the stamp's counts and each county's schedule from the
#    hand-worked results file (expected/results.csv) and persons.csv; the capacity plan from
#    附件2's JSON (existing institutions, each year's tasks, their total, the persons placed)
#    and the headroom (beds required = ⌈1.1 × persons⌉); near misses from `doudi stats
#    --near-miss --format json` (itself checked by hand in near_miss.test.sh); and no table
#    holds a number nobody checked;
#  - the page refers to nothing outside itself: no http(s) URL, no src, no href but to an
#    anchor, no script, link, img, iframe, object or embed, no CSS url() or @import.
#
# chromium is installed by `make` (PACKAGES); the test fails, saying so, when it cannot run it.
# The page, the DOM and the screenshot are kept in build/test-output/report_html/ (beside the
# doudi being tested) for a person to look at.
set -u
R=rules/zhengzhou-2021.doudi
G=tests/golden/forms
T=$TMPDIR
DB=$T/doudi.db
PY=/usr/bin/python3
OUT=$(dirname "$DOUDI")/test-output/report_html
die() { echo "report_html: $*"; exit 1; }

command -v chromium >/dev/null 2>&1 ||
  die "chromium is not installed: make installs it (PACKAGES in the Makefile), or apt-get install chromium"
$PY -c 'import PIL' 2>/dev/null || die "/usr/bin/python3 has no PIL: make installs python3-pil"
rm -rf "$OUT" && mkdir -p "$OUT" || die "cannot make $OUT"

"$DOUDI" import --db "$DB" --rules $R $G/persons.csv $G/institutions.csv >"$T/out" 2>&1 || die "import: $(cat "$T/out")"
"$DOUDI" run $R --db "$DB" >"$T/out" 2>&1 || die "run: $(cat "$T/out")"
DOUDI_MSG_STRICT=1 "$DOUDI" report $R --db "$DB" -o "$OUT/report.html" 2>"$T/err" || die "report html: $(cat "$T/err")"
for form in attachment1 attachment2; do
  "$DOUDI" report $R --db "$DB" --form $form --format json >"$T/$form-city.json" || die "report json $form"
  # every county the rule file declares: the nine without people or institutions have sections too
  for c in 410102 410103 410104 410105 410106 410108 410122 410181 410182 410183 410184 410185; do
    "$DOUDI" report $R --db "$DB" --form $form --county $c --format json >"$T/$form-$c.json" || die "report json $form $c"
  done
done
"$DOUDI" stats $R --db "$DB" --near-miss --format json >"$T/near.json" 2>"$T/err" || die "stats: $(cat "$T/err")"

browse() {   # chromium, headless, with a fresh profile each time and nothing fetched or synced
  rm -rf "$T/profile"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$T/profile" "$@" "file://$(cd "$OUT" && pwd)/report.html"
}
browse --window-size=1000,2400 --screenshot="$OUT/report.png" >"$T/chromium.out" 2>&1 ||
  die "chromium could not take the screenshot: $(tail -5 "$T/chromium.out")"
[ -s "$OUT/report.png" ] || die "chromium wrote no screenshot: $(tail -5 "$T/chromium.out")"
browse --dump-dom >"$OUT/dom.html" 2>"$T/chromium.err" || die "chromium could not dump the DOM: $(tail -5 "$T/chromium.err")"
grep -q '<table class="form"' "$OUT/dom.html" || die "the DOM has no form table: $(head -c 300 "$OUT/dom.html")"

cat >"$T/check.py" <<'EOF'
import csv, json, math, re, sys
from html.parser import HTMLParser
from PIL import Image

out, T, G = sys.argv[1], sys.argv[2], sys.argv[3]
problems = []

# ---- the screenshot is not blank ------------------------------------------------------------
im = Image.open(out + "/report.png").convert("RGB")
w, h = im.size
pixels = list(im.getdata())
inked = sum(1 for p in pixels if sum(p) < 720) / len(pixels)
colours = len(set(pixels))
if w < 800 or h < 800 or inked < 0.03 or colours < 20:
    problems.append("the screenshot looks blank: %dx%d, %.1f%% not white, %d colours" % (w, h, 100 * inked, colours))

# ---- the tables of the DOM ------------------------------------------------------------------
class Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.table, self.td, self.text = [], None, None, ""
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = a
        elif tag == "td" and self.table is not None:
            self.td, self.text = a, ""
    def handle_endtag(self, tag):
        if tag == "td" and self.td is not None:
            self.cells.append((self.table, self.td, self.text.strip()))
            self.td = None
        elif tag == "table":
            self.table = None
    def handle_data(self, data):
        if self.td is not None:
            self.text += data

t = Tables()
t.feed(open(out + "/dom.html", encoding="utf-8").read())
numeric = [c for c in t.cells if re.fullmatch(r"-?\d+", c[2])]
checked = set()

COUNTIES = ("410102", "410103", "410104", "410105", "410106", "410108", "410122", "410181", "410182", "410183", "410184", "410185")   # rules/zhengzhou-2021.doudi's enum district

def expect(where, value, want):
    if value != want:
        problems.append("%s: %s, want %s" % (where, value, want))

def cells_of(**match):   # the cells that say what they are, of the tables matching
    return [(i, c) for i, c in enumerate(t.cells)
            if "data-row" in c[1] and all(c[0].get(k) == v for k, v in match.items())]

# forms: every cell against the JSON report
for form in ("attachment1", "attachment2"):
    for unit in ("city",) + COUNTIES:
        j = json.load(open("%s/%s-%s.json" % (T, form, unit), encoding="utf-8"))
        want = {(r["name"], c["name"]): r["cells"][k] for r in j["rows"] for k, c in enumerate(j["columns"])}
        got = cells_of(**{"class": "form", "data-form": form, "data-unit": unit})
        if len(got) != len(want):
            problems.append("%s %s: %d cells in the page, %d in the JSON" % (form, unit, len(got), len(want)))
        for i, (tab, td, text) in got:
            key = (td.get("data-row"), td.get("data-col"))
            if key not in want:
                problems.append("%s %s: a cell %s the JSON lacks" % (form, unit, key))
                continue
            if want[key] is None:
                expect("%s %s %s" % (form, unit, key), text, "")
            else:
                expect("%s %s %s" % (form, unit, key), text, str(want[key]))
            checked.add(i)

# the outcomes, from the hand-worked results and persons.csv
county = {p["id"]: p["county"] for p in csv.DictReader(open(G + "/persons.csv", encoding="utf-8"))}
results = [r for r in csv.DictReader(open(G + "/expected/results.csv", encoding="utf-8"))]
targets = [r for r in results if r["primary_category"]]
years = sorted({r["year"] for r in targets if r["year"]})
def col_of(r): return r["year"] or "none"
for table, key in (("categories", "primary_category"), ("placements", "placement")):
    for i, (tab, td, text) in cells_of(**{"data-table": table, "data-unit": "city"}):
        row, col = td["data-row"], td["data-col"]
        n = sum(1 for r in targets if (row == "total" or r[key] == row) and (col == "total" or col_of(r) == col))
        expect("%s %s %s" % (table, row, col), text, str(n))
        checked.add(i)
stamp = {"run": 1, "persons": len(results), "targets": len(targets),
         "scheduled": sum(1 for r in targets if r["year"]), "review": 0}
for i, (tab, td, text) in cells_of(**{"data-table": "stamp"}):
    expect("stamp %s" % td["data-row"], text, str(stamp[td["data-row"]]))
    checked.add(i)
for c in COUNTIES:
    for i, (tab, td, text) in cells_of(**{"data-table": "schedule", "data-unit": c}):
        group, col = td["data-row"].split("+"), td["data-col"]
        n = sum(1 for r in targets if county[r["id"]] == c and r["year"] and r["primary_category"] in group
                and (col == "total" or r["year"] == col))
        expect("schedule %s %s %s" % (c, td["data-row"], col), text, str(n))
        checked.add(i)

# the capacity plan, against 附件2's JSON, the 10% headroom and the beds of institutions.csv
beds = {}
for inst in csv.DictReader(open(G + "/institutions.csv", encoding="utf-8")):
    beds[(inst["county"], inst["type"])] = beds.get((inst["county"], inst["type"]), 0) + int(inst["beds"])
for c in COUNTIES:
    j = json.load(open("%s/attachment2-%s.json" % (T, c), encoding="utf-8"))
    cols = [x["name"] for x in j["columns"]]
    a2 = {r["name"]: dict(zip(cols, r["cells"])) for r in j["rows"]}
    names = {"demand": "persons", "existing": "existing", "2021": "plan2021", "2022": "plan2022",
             "2023": "plan2023", "tasks": "plan_total"}
    rows = {}
    for i, (tab, td, text) in cells_of(**{"data-table": "capacity", "data-unit": c}):
        rows.setdefault(td["data-row"], {})[td["data-col"]] = (i, text)
    for typ, cells in rows.items():
        for col, (i, text) in cells.items():
            if col in names:
                expect("capacity %s %s %s" % (c, typ, col), text, str(a2[typ][names[col]]))
            elif col == "required_beds":
                expect("capacity %s %s beds required" % (c, typ), text, str(math.ceil(a2[typ]["persons"] * 11 / 10)))
            elif col == "existing_beds":
                expect("capacity %s %s existing beds" % (c, typ), text, str(beds.get((c, typ), 0)))
            elif col in ("new", "upgrades"):
                continue
            else:
                problems.append("capacity %s %s: an unknown column %s" % (c, typ, col))
            checked.add(i)
        new, up = int(cells["new"][1]), int(cells["upgrades"][1])
        expect("capacity %s %s new + upgrades" % (c, typ), str(new + up), cells["tasks"][1])
        checked.update((cells["new"][0], cells["upgrades"][0]))
    if sorted(rows) != sorted(k for k in a2 if k != "total"):
        problems.append("capacity %s: rows %s" % (c, sorted(rows)))

# near misses, against doudi stats --near-miss
near = json.load(open(T + "/near.json", encoding="utf-8"))
want = {}
for cat in near["categories"]:
    for col in ("members", "others", "near"):
        want[(cat["name"], col)] = cat[col]
    for k, cond in enumerate(cat["conditions"]):
        if cond["near"]:
            want[("%s/%d" % (cat["name"], k), "near")] = cond["near"]
got = cells_of(**{"data-table": "near-miss"})
seen = set()
for i, (tab, td, text) in got:
    key = (td["data-row"], td["data-col"])
    if key not in want:
        problems.append("near misses: a cell %s the JSON lacks" % (key,))
    else:
        expect("near misses %s" % (key,), text, str(want[key]))
    seen.add(key)
    checked.add(i)
if seen != set(want):
    problems.append("near misses: %s missing from the page" % sorted(set(want) - seen))

# the review queue is empty for this population
if cells_of(**{"data-table": "review"}):
    problems.append("a review table, but nothing was sent to review")

unchecked = [(c[0].get("data-table") or c[0].get("data-form"), c[1].get("data-row"), c[1].get("data-col"), c[2])
             for i, c in enumerate(t.cells) if re.fullmatch(r"-?\d+", c[2]) and i not in checked]
if unchecked:
    problems.append("%d numbers nobody checked, e.g. %s" % (len(unchecked), unchecked[:3]))
if len(checked) < 500:
    problems.append("only %d numbers checked" % len(checked))

# ---- nothing outside the page -----------------------------------------------------------------
for name in ("report.html", "dom.html"):
    page = open(out + "/" + name, encoding="utf-8").read()
    for pattern, what in ((r"https?://", "a URL"), (r"\bsrc\s*=", "a src attribute"),
                          (r"\bhref\s*=\s*[\"']?(?!#)", "a link out"), (r"<(script|link|img|iframe|object|embed)\b", "an element fetching"),
                          (r"url\(", "a CSS url()"), (r"@import", "a CSS @import")):
        m = re.search(pattern, page, re.I)
        if m:
            problems.append("%s has %s: %r" % (name, what, page[max(0, m.start() - 40):m.end() + 40]))

print("\n".join(problems[:30]))
print("%d numbers checked, screenshot %dx%d, %.1f%% not white" % (len(checked), w, h, 100 * inked), file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
$PY "$T/check.py" "$OUT" "$T" $G || die "the page is not what it should be (see $OUT)"
exit 0
