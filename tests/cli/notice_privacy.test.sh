# The public notice keeps what must stay private, on a generated population (doudi gen, 4000
# persons): in the HTML, the CSV and every sheet of the workbook there is no full resident id
# (no run of 17 digits and a check character, none of the population's ids), no full name in
# the name column (each is the mask of a name: 张*三, or 张* for two characters) and no name of
# three characters or more anywhere, and no minor by name: no listed row is a minor (matched by
# masked id and masked name within the village), and each village's count of withheld minors
# is the number of minor targets living there, worked out from persons.csv and the results file.
set -u
R=rules/zhengzhou-2021.doudi
T=$TMPDIR
DB=$T/doudi.db
PY=/usr/bin/python3
die() { echo "notice_privacy: $*"; exit 1; }

"$DOUDI" gen --count 4000 --seed 11 --out "$T/pop" >/dev/null || die "gen"
"$DOUDI" import --db "$DB" --rules $R "$T/pop/persons.csv" "$T/pop/institutions.csv" >"$T/out" 2>&1 ||
  die "import: $(tail -3 "$T/out")"
"$DOUDI" run $R --db "$DB" --out "$T/results.csv" >"$T/out" 2>&1 || die "run: $(cat "$T/out")"
for f in csv html xlsx; do
  "$DOUDI" notice --db "$DB" -o "$T/notice.$f" 2>"$T/err" || die "notice $f: $(cat "$T/err")"
done
$PY -c 'import openpyxl' 2>/dev/null || die "/usr/bin/python3 lacks openpyxl (make installs python3-openpyxl)"

cat >"$T/check.py" <<'EOF'
import csv, re, sys
from datetime import date
from html.parser import HTMLParser
import openpyxl

T = sys.argv[1]
persons = {p["id"].strip().upper(): p for p in csv.DictReader(open(T + "/pop/persons.csv", encoding="utf-8"))}
for k, p in persons.items(): p["id"] = k   # the importer reads a final x as X
results = list(csv.DictReader(open(T + "/results.csv", encoding="utf-8")))

def mask_name(s):
    return "*" if len(s) == 1 else s[0] + "*" if len(s) == 2 else s[0] + "*" * (len(s) - 2) + s[-1]

def mask_id(s):
    return s[:6] + "*" * (len(s) - 10) + s[-4:]

def age(born, on=date(2021, 4, 1)):
    b = date.fromisoformat(born)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

targets = [persons[r["id"]] for r in results if r["primary_category"]]
minors = [p for p in targets if age(p["birth_date"]) < 18]
minor_marks = {(p["county"], p["township"], p["village"], mask_id(p["id"]), mask_name(p["name"])) for p in minors}
minors_in = {}
for p in minors:
    k = (p["county"], p["township"], p["village"])
    minors_in[k] = minors_in.get(k, 0) + 1
assert len(minors) > 20, "the population should have minors among its targets (%d)" % len(minors)
long_names = {p["name"] for p in persons.values() if len(p["name"]) >= 3}
full_id = re.compile(r"\d{17}[\dX]")
problems = []

def check_text(where, text):
    if full_id.search(text):
        problems.append("%s: a full id: %s" % (where, full_id.search(text).group()))
    for n in long_names:
        if n in text:
            problems.append("%s: the full name %s" % (where, n))
            break

# rows: (county, township, village, name cell, id cell); counts: {(county, township, village): n}
def check_rows(where, rows, counts):
    for c, t, v, name, pid in rows:
        if "*" not in name or len(name) < 2:
            problems.append("%s: name cell %r is not masked" % (where, name))
        if not re.fullmatch(r"\d{6}\*{8}[\dX]{4}", pid):
            problems.append("%s: id cell %r is not masked" % (where, pid))
        if (c, t, v, pid, name) in minor_marks:
            problems.append("%s: a minor is listed: %s %s in %s" % (where, name, pid, v))
    if counts != minors_in:
        problems.append("%s: withheld minors per village %s, want %s" % (where, sorted(counts.items())[:5],
                                                                         sorted(minors_in.items())[:5]))
    if len(rows) != len(targets) - len(minors):
        problems.append("%s: %d listed, want %d targets less %d minors" % (where, len(rows), len(targets), len(minors)))

COUNT = re.compile(r"未成年人：(\d+) 人（不公示姓名）")

# CSV: the table after the blank line; a withheld count in the last column
text = open(T + "/notice.csv", encoding="utf-8-sig").read()
check_text("csv", text)
rows, counts = [], {}
for r in list(csv.reader(text.splitlines()))[7:]:
    m = COUNT.fullmatch(r[-1])
    if m: counts[tuple(r[:3])] = int(m.group(1))
    else: rows.append((r[0], r[1], r[2], r[4], r[5]))
check_rows("csv", rows, counts)

# A heading's three levels (区县代码：中牟县 410122　乡镇（街道）：…　村（社区）：…): the county
# by its code, as the CSV has it
def levels(text):
    parts = [part.split("：", 1)[1] for part in text.split("\u3000")]
    return (parts[0].rsplit(" ", 1)[-1], *parts[1:])

# HTML: a section per village, its heading naming the three levels
class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.counts, self.unit, self.tag, self.buf, self.row = [], {}, None, None, "", None
    def handle_starttag(self, tag, attrs):
        self.tag, self.buf = tag, ""
        if tag == "tr": self.row = []
    def handle_endtag(self, tag):
        if tag == "h2":
            self.unit = levels(self.buf)
        elif tag == "td":
            self.row.append(self.buf)
        elif tag == "tr" and self.row:
            self.rows.append((*self.unit, self.row[1], self.row[2])); self.row = None
        elif tag == "p":
            m = COUNT.fullmatch(self.buf)
            if m: self.counts[self.unit] = int(m.group(1))
        self.buf = ""
    def handle_data(self, data):
        self.buf += data

html = open(T + "/notice.html", encoding="utf-8").read()
check_text("html", html)
page = Page()
page.feed(html)
check_rows("html", page.rows, page.counts)

# XLSX: every sheet; a block's third line names the levels
rows, counts, unit = [], {}, None
for ws in openpyxl.load_workbook(T + "/notice.xlsx"):
    for r in ws.iter_rows(values_only=True):
        cells = ["" if v is None else str(v) for v in r]
        check_text("xlsx " + ws.title, " ".join(cells))
        if cells[0].startswith("区县代码："):
            unit = levels(cells[0])
        elif cells[0].isdigit():
            rows.append((*unit, cells[1], cells[2]))
        elif COUNT.fullmatch(cells[0]):
            counts[unit] = int(COUNT.fullmatch(cells[0]).group(1))
check_rows("xlsx", rows, counts)

print("\n".join(problems[:20]))
sys.exit(1 if problems else 0)
EOF
$PY "$T/check.py" "$T" || die "the notice shows what it must not"
exit 0
