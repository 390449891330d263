# The public notice of the golden population (tests/golden/forms): doudi notice --format csv
# must equal the notice worked out here in Python from the inputs alone — persons.csv and the
# hand-worked expected/results.csv, with the labels of rules/zhengzhou-2021.doudi, minors (under
# 18 on 2021-04-01) withheld and counted per village, names masked as 张*三 / 张*, ids as
# 410102********1234 — byte for byte. The HTML and the XLSX notice must hold the same rows. Also:
# without a rule file the notice uses the rules stored with the run; --county keeps one county;
# an unknown county is an error naming the known ones; a .ddc serves as well as the rule file.
set -u
R=rules/zhengzhou-2021.doudi
G=tests/golden/forms
T=$TMPDIR
DB=$T/doudi.db
PY=/usr/bin/python3
die() { echo "notice_golden: $*"; exit 1; }

"$DOUDI" import --db "$DB" --rules $R $G/persons.csv $G/institutions.csv >"$T/out" 2>&1 || die "import: $(cat "$T/out")"
"$DOUDI" run $R --db "$DB" >"$T/out" 2>&1 || die "run: $(cat "$T/out")"

cat >"$T/expected.py" <<'EOF'
import csv, sys
from datetime import date

G = sys.argv[1]
CATEGORY = {"tekun": "特困供养人员", "severe_disabled": "贫困重度残疾人员", "chronic_illness": "重症慢性病人员",
            "disabled_care": "失能、半失能人员", "orphan": "孤儿", "lonely_elderly": "孤寡老人"}
CARE = {"home": "居家供养", "medical_rehab": "医疗康复机构", "disability_center": "残疾人托养中心",
        "welfare_institution": "社会福利机构", "village_courtyard": "村级幸福大院", "township_home": "乡镇敬老院"}

def mask_name(s):
    return "*" if len(s) == 1 else s[0] + "*" if len(s) == 2 else s[0] + "*" * (len(s) - 2) + s[-1]

def mask_id(s):
    return s[:6] + "*" * (len(s) - 10) + s[-4:]

def age(born, on=date(2021, 4, 1)):
    b = date.fromisoformat(born)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

def field(s):
    return '"%s"' % s.replace('"', '""') if any(c in s for c in ',"\n') else s

persons = {p["id"]: p for p in csv.DictReader(open(G + "/persons.csv", encoding="utf-8"))}
results = list(csv.DictReader(open(G + "/expected/results.csv", encoding="utf-8")))
units = {}
for r in results:
    if not r["primary_category"]:
        continue
    p = persons[r["id"]]
    u = units.setdefault((p["county"], p["township"], p["village"]), {"rows": [], "minors": 0})
    if age(p["birth_date"]) < 18:
        u["minors"] += 1
    else:
        u["rows"].append((r["id"], [mask_name(p["name"]), mask_id(r["id"]), CATEGORY[r["primary_category"]],
                                    CARE[r["placement"]], r["year"]]))
out = ["\ufeff郑州市特殊贫困群体兜底保障对象公示名单",
       "公示期：2021年5月10日至2021年5月16日（共 7 天）",
       "公示期间如有异议，请向所在县（市、区）民政局反映。",
       "姓名、身份证号部分隐去；依规定不公示姓名的人员，只按村（社区）统计人数。",
       "依据：郑州市特殊贫困群体兜底保障工作三年行动方案；第 1 次运行，基准日期 2021-04-01。",
       "",
       "区县代码,乡镇（街道）,村（社区）,序号,姓名,身份证号,保障类别,供养形式,安置年度,备注"]
for key in sorted(units, key=lambda k: tuple(x.encode() for x in k)):
    u = units[key]
    for n, (_, cells) in enumerate(sorted(u["rows"]), 1):
        out.append(",".join([*key, str(n), *cells, ""]))
    if u["minors"]:
        out.append(",".join([*key, "", "", "", "", "", "", field("未成年人：%d 人（不公示姓名）" % u["minors"])]))
sys.stdout.write("\n".join(out) + "\n")
EOF
$PY "$T/expected.py" $G >"$T/expected.csv" || die "the expected notice could not be worked out"
"$DOUDI" notice --db "$DB" --format csv >"$T/got.csv" 2>"$T/err" || die "notice: $(cat "$T/err")"
if ! cmp -s "$T/expected.csv" "$T/got.csv"; then
  echo "the notice differs from the one worked out (- expected, + doudi):"
  diff -u "$T/expected.csv" "$T/got.csv"
  exit 1
fi

# the same rows in the HTML and in the workbook (a sheet per county)
"$DOUDI" notice $R --db "$DB" -o "$T/n.html" 2>"$T/err" || die "notice html: $(cat "$T/err")"
"$DOUDI" notice --db "$DB" -o "$T/n.xlsx" 2>"$T/err" || die "notice xlsx: $(cat "$T/err")"
cat >"$T/same.py" <<'EOF'
import csv, sys
from html.parser import HTMLParser
import openpyxl

want = [r for r in csv.reader(open(sys.argv[1], encoding="utf-8-sig"))][7:]
listed = [r[3:9] for r in want if r[3]]

class Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell = [], None, None
    def handle_starttag(self, tag, attrs):
        if tag == "tr": self.row = []
        if tag == "td": self.cell = ""
    def handle_endtag(self, tag):
        if tag == "td": self.row.append(self.cell); self.cell = None
        if tag == "tr" and self.row: self.rows.append(self.row); self.row = None
    def handle_data(self, data):
        if self.cell is not None: self.cell += data

h = Rows()
h.feed(open(sys.argv[2], encoding="utf-8").read())
problems = []
if h.rows != listed:
    problems.append("html rows %s, want %s" % (h.rows, listed))
wb = openpyxl.load_workbook(sys.argv[3])
if wb.sheetnames != ["中原区", "中牟县", "巩义市"]:   # 410102, 410122, 410181 by name
    problems.append("sheets %s" % wb.sheetnames)
x = [["" if v is None else str(v) for v in row] for ws in wb for row in ws.iter_rows(values_only=True)
     if row[0] is not None and str(row[0]).isdigit()]
if x != listed:
    problems.append("xlsx rows %s, want %s" % (x, listed))
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF
$PY -c 'import openpyxl' 2>/dev/null || die "/usr/bin/python3 lacks openpyxl (make installs python3-openpyxl)"
$PY "$T/same.py" "$T/expected.csv" "$T/n.html" "$T/n.xlsx" || die "the HTML or XLSX notice differs from the CSV"

# one county; an unknown one; a .ddc
"$DOUDI" notice --db "$DB" --county 410181 --format csv >"$T/c.csv" 2>"$T/err" || die "--county: $(cat "$T/err")"
{ sed -n 1,7p "$T/expected.csv"; grep '^410181,' "$T/expected.csv"; } | cmp -s - "$T/c.csv" || die "--county 410181: $(cat "$T/c.csv")"
"$DOUDI" notice --db "$DB" --county 巩义市 --format csv >"$T/c2.csv" 2>"$T/err" || die "--county 巩义市: $(cat "$T/err")"
cmp -s "$T/c.csv" "$T/c2.csv" || die "--county 巩义市 is not --county 410181"
"$DOUDI" notice --db "$DB" --county 999999 >/dev/null 2>"$T/err"
[ $? -eq 2 ] || die "an unknown county: expected exit 2"
grep -q "run 1 knows no county '999999'; the counties are: 410102, 410122, 410181" "$T/err" || die "unknown county: $(cat "$T/err")"
"$DOUDI" compile $R -o "$T/z.ddc" >/dev/null 2>&1 || die "compile"
"$DOUDI" notice "$T/z.ddc" --db "$DB" --format csv >"$T/d.csv" 2>"$T/err" || die "notice from a .ddc: $(cat "$T/err")"
cmp -s "$T/expected.csv" "$T/d.csv" || die "the notice from a .ddc differs"
"$DOUDI" notice --db "$DB" --format xlsx >/dev/null 2>"$T/err"
[ $? -eq 2 ] || die "xlsx without -o: expected exit 2"
exit 0
