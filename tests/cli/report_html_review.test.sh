# The HTML report's review queue, on a generated population with malformed rows (doudi gen
# --bad-rate): the queue's rows add up to every row sent to review (gen's expected_review.csv
# lists each); rows wrong the same way count together (each reason shown once per column, the
# values particular to a row folded: no quoted value, no number); no resident id appears whole.
# The page needs no browser for this; tests/cli/report_html.test.sh renders one.
set -u
R=rules/zhengzhou-2021.doudi
T=$TMPDIR
die() { echo "report_html_review: $*"; exit 1; }

"$DOUDI" gen --count 1500 --seed 4 --bad-rate 4% --out "$T/pop" >/dev/null || die "gen"
"$DOUDI" import --db "$T/d.db" --rules $R "$T/pop/persons.csv" "$T/pop/institutions.csv" >/dev/null 2>&1
"$DOUDI" run $R --db "$T/d.db" >/dev/null 2>&1 || die "run"
DOUDI_MSG_STRICT=1 "$DOUDI" report $R --db "$T/d.db" -o "$T/r.html" 2>"$T/err" || die "report: $(cat "$T/err")"
/usr/bin/python3 - "$T/r.html" "$T/pop/expected_review.csv" $R <<'EOF' || die "the review section is wrong"
import csv, re, sys
from html.parser import HTMLParser

class Review(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.on, self.row, self.cell = [], False, None, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table": self.on = a.get("data-table") == "review"
        if self.on and tag == "tr": self.row = []
        if self.on and tag == "td": self.cell = ""
    def handle_endtag(self, tag):
        if self.on and tag == "td": self.row.append(self.cell); self.cell = None
        if self.on and tag == "tr" and self.row: self.rows.append(self.row); self.row = None
        if tag == "table": self.on = False
    def handle_data(self, data):
        if self.cell is not None: self.cell += data

page = open(sys.argv[1], encoding="utf-8").read()
r = Review()
r.feed(page)
want = sum(1 for _ in csv.DictReader(open(sys.argv[2], encoding="utf-8")))
got = sum(int(row[3]) for row in r.rows)
problems = []
if got != want or want < 30:
    problems.append("the queue holds %d rows, gen sent %d to review" % (got, want))
keys = [(row[0], row[1], row[2]) for row in r.rows]
if len(set(keys)) != len(keys):
    problems.append("a reason is shown twice in one column")
requires = set(re.findall(r'^\s*require .* "([^"]*)"\s*$', open(sys.argv[3], encoding="utf-8").read(), re.M))
for row in r.rows:
    if row[2] in requires:
        continue   # the rule file's own words
    if re.search(r"'[^'…]+'", row[2]) or re.search(r"\d", re.sub(r"\([^)]*\)", "", row[2])):
        problems.append("a value particular to a row: %r" % row[2])
if [int(row[3]) for row in r.rows] != sorted((int(row[3]) for row in r.rows), reverse=True):
    problems.append("not the largest count first")
if re.search(r"\d{17}[\dX]", page):
    problems.append("a full resident id: %s" % re.search(r"\d{17}[\dX]", page).group())
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF
exit 0
