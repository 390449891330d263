# `doudi review` with the persons a run could not evaluate. A ledger of 40 generated persons is
# imported under the rule file; a run under an edited rule file that turns down every woman
# (a `require` of the test) sends them to review. The review workbook then has, after the
# imported files' sheets, a sheet 第1次运行: the record's labels as its header and 原因 last,
# one row a woman in key order, each cell her field as the ledger stores it (read here with
# sqlite3), the reason with 第1次运行. The CSV of `--source run` holds the same rows; imported
# again, every row is found unchanged (the cells are the stored form). With rows of a file in
# review too, a CSV without --source names both sources; `--source FILE` leaves the run's
# rows out, `--source "run 1"` takes them alone, and a later run's rows replace the older's.
set -u
R=$(pwd)/rules/zhengzhou-2021.doudi
d=$TMPDIR
PY=/usr/bin/python3
die() { echo "review_run: $*"; exit 1; }

"$DOUDI" gen --count 40 --seed 9 --out "$d" >/dev/null || die "gen"
cd "$d" || die "cd"
"$DOUDI" import --db l.db --rules "$R" persons.csv institutions.csv >/dev/null 2>&1 || die "import"
sed -e 's/^  require valid_resident_id(id) /  require sex == male "测试：仅男性"\n&/' "$R" >now.doudi
cmp -s "$R" now.doudi && die "the rules were not edited"
"$DOUDI" --lang en run now.doudi --db l.db --out res.csv >run.out 2>&1
[ $? -eq 1 ] || die "a run with persons in review: want exit 1: $(cat run.out)"
women=$($PY -c 'import sqlite3; print(sqlite3.connect("l.db").execute("SELECT count(*) FROM person WHERE sex = \"female\"").fetchone()[0])')
[ "$women" -gt 5 ] || die "too few women ($women) for the test to prove much"
grep -q ", $women to review$" run.out || die "the run should send the $women women to review: $(cat run.out)"

# ---- the workbook: a sheet of the run's persons, as the ledger holds them ----------------------
out=$("$DOUDI" --lang en review --db l.db --rules now.doudi -o x.xlsx 2>&1) || die "review -o x.xlsx: $out"
[ "$out" = "x.xlsx: $women rows in review (files they came from: 1)" ] || die "review summary: $out"
$PY - "$women" <<'PY' || die "the run's sheet is not as the ledger holds the persons"
import sqlite3, sys, openpyxl
women = int(sys.argv[1])
db = sqlite3.connect("l.db")
fields = [r[1] for r in db.execute("PRAGMA table_info(person)")]
labels = {"id": "身份证号", "name": "姓名", "birth_date": "出生日期", "sex": "性别", "wants_central": "集中供养意愿"}
wb = openpyxl.load_workbook("x.xlsx")
assert wb.sheetnames == ["第1次运行"], wb.sheetnames
ws = wb["第1次运行"]
got = [[("" if c.value is None else c.value) for c in r] for r in ws.iter_rows()]
head = got[0]
assert head[-1] == "原因" and len(head) == len(fields) + 1, head
for f, label in labels.items():   # the record's labels, in its fields' order
    assert head[fields.index(f)] == label, (f, head[fields.index(f)])
want = [["" if v is None else str(v) for v in r]
        for r in db.execute("SELECT * FROM person WHERE sex = 'female' ORDER BY id")]
assert len(got) == women + 1, len(got)
for row, w in zip(got[1:], want):
    assert row[:-1] == w, (row, w)
    assert row[-1] == "测试：仅男性（第1次运行）", row[-1]
for r in ws.iter_rows(min_row=2):
    for c in r:   # no cell is marked: the whole person was refused
        assert c.fill.fill_type != "solid" and c.comment is None, c.coordinate
PY

# ---- the CSV of the run's rows: the same rows, and they import back unchanged ------------------
"$DOUDI" --lang en review --db l.db --rules now.doudi --source run -o run.csv >/dev/null 2>&1 || die "review --source run"
$PY - "$women" <<'PY' || die "the run's CSV"
import csv, sys, openpyxl
got = list(csv.reader(open("run.csv", encoding="utf-8-sig")))
ws = openpyxl.load_workbook("x.xlsx")["第1次运行"]
want = [[("" if c.value is None else c.value) for c in r] for r in ws.iter_rows()]
assert got == want, (got[:2], want[:2])
PY
out=$("$DOUDI" --lang en import --db l.db --rules "$R" run.csv 2>&1) || die "import of the run's rows: $out"
printf '%s\n' "$out" | grep -q "^run.csv (utf-8 (BOM)): $women rows: 0 new, 0 updated, $women unchanged, 0 to review$" ||
  die "the run's rows imported again should be unchanged: $out"

# ---- with a file's rows in review too ----------------------------------------------------------
$PY - <<'PY' || die "could not spoil a row"
import csv
rows = list(csv.reader(open("persons.csv", encoding="utf-8")))
h = rows[0]
rows[2][h.index("disability_grade")] = "9"
csv.writer(open("bad.csv", "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(rows[:3])
PY
"$DOUDI" import --db l.db --rules "$R" bad.csv >/dev/null 2>&1
[ $? -eq 1 ] || die "import of bad.csv: want exit 1"
"$DOUDI" --lang en review --db l.db --rules now.doudi -o both.csv >/dev/null 2>both.err
[ $? -eq 2 ] || die "a CSV of two sources without --source: want exit 2"
grep -q "rows of 2 files are in review.*bad.csv, run 1" both.err || die "the message should name both sources: $(cat both.err)"
out=$("$DOUDI" --lang en review --db l.db --rules now.doudi --source bad.csv -o file.csv 2>&1) || die "--source bad.csv: $out"
[ "$out" = "file.csv: 1 rows in review (files they came from: 1)" ] || die "--source bad.csv takes the file's row alone: $out"
"$DOUDI" --lang en review --db l.db --rules now.doudi --source "run 1" -o run1.csv >/dev/null 2>&1 || die "--source 'run 1'"
cmp -s run.csv run1.csv || die "--source 'run 1' should be --source run while run 1 is the latest"
$PY - <<'PY' || die "the workbook of both"
import subprocess, openpyxl, os
subprocess.run([os.environ["DOUDI"], "review", "--db", "l.db", "--rules", "now.doudi", "-o", "both.xlsx"], check=True,
               stdout=subprocess.DEVNULL)
wb = openpyxl.load_workbook("both.xlsx")
assert wb.sheetnames == ["bad", "第1次运行"], wb.sheetnames
PY

# ---- a later run: its persons replace the older run's ------------------------------------------
sed -e 's/^  require valid_resident_id(id) /  require sex == female "测试：仅女性"\n&/' "$R" >then.doudi
"$DOUDI" run then.doudi --db l.db --out res2.csv >/dev/null 2>&1
[ $? -eq 1 ] || die "the second run: want exit 1"
"$DOUDI" review --db l.db --rules then.doudi --source run -o run2.csv >/dev/null 2>&1 || die "review after run 2"
$PY - <<'PY' || die "after run 2"
import csv, sqlite3
got = list(csv.reader(open("run2.csv", encoding="utf-8-sig")))
men = sqlite3.connect("l.db").execute("SELECT count(*) FROM person WHERE sex = 'male'").fetchone()[0]
assert len(got) == men + 1, (len(got), men)
assert all(r[-1] == "测试：仅女性（第2次运行）" for r in got[1:]), got[1][-1]
PY
"$DOUDI" review --db l.db --rules then.doudi --source "run 1" -o old.csv >/dev/null 2>&1 || die "--source 'run 1' after run 2"
[ "$(wc -l <old.csv)" = 1 ] || die "run 1's rows are not the latest any more: want the header alone"
exit 0
