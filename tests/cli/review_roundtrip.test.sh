# `doudi review`: the rows in review back to the clerk, and back in. A ledger with four bad
# rows (an id of 17 digits, a date that is none, a grade out of range, a sex against the id) is
# imported; `doudi review -o x.xlsx` writes them under the file's header, the offending cell
# filled red with the reason as its comment and the reason column last; the cells are corrected
# with openpyxl (to the values of the good ledger) and x.xlsx is imported: the review queue is
# empty and the ledger is the good ledger's. The CSV has the same columns. A row left wrong
# stays in review once (its new entry replaces the old), and a workbook source is pointed to
# by its cells.
set -u
R=$(pwd)/rules/zhengzhou-2021.doudi
d=$TMPDIR
PY=/usr/bin/python3
die() { echo "review_roundtrip: $*"; exit 1; }
count() { $PY -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM doudi_review").fetchone()[0])' "$1"; }
dump() { $PY -c 'import sqlite3,sys
for r in sqlite3.connect(sys.argv[1]).execute("SELECT * FROM person ORDER BY id"): print(repr(r))' "$1"; }

"$DOUDI" gen --count 30 --seed 9 --out "$d" >/dev/null || die "gen"
cd "$d" || die "cd"
# the bad ledger: data rows 3, 5, 8, 11 (file lines 4, 6, 9, 12) spoiled, one cell each
$PY - <<'PY' || die "could not spoil the ledger"
import csv
rows = list(csv.reader(open("persons.csv", encoding="utf-8")))
h = rows[0]
rows[3][h.index("id")] = rows[3][h.index("id")][:17]
rows[5][h.index("birth_date")] = "not-a-date"
rows[8][h.index("disability_grade")] = "9"
sex = h.index("sex")
rows[11][sex] = "female" if rows[11][sex] == "male" else "male"
csv.writer(open("bad.csv", "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(rows)
PY
"$DOUDI" import --db l.db --rules "$R" bad.csv >/dev/null 2>&1
[ $? -eq 1 ] || die "import of the bad ledger: want exit 1"
[ "$(count l.db)" = 4 ] || die "want 4 rows in review, got $(count l.db)"

# ---- the workbook -----------------------------------------------------------------------------
out=$("$DOUDI" review --db l.db --rules "$R" -o x.xlsx 2>&1) || die "review -o x.xlsx: $out"
[ "$out" = "x.xlsx: 4 rows in review (files they came from: 1)" ] || die "review summary: $out"
[ "$(stat -c %a x.xlsx)" = 600 ] || die "x.xlsx should be 0600 (it holds full ids)"
$PY - <<'PY' || die "the workbook is not as sent"
import csv, sys, openpyxl
rows = list(csv.reader(open("bad.csv", encoding="utf-8")))
h = rows[0]
wb = openpyxl.load_workbook("x.xlsx")
assert wb.sheetnames == ["bad"], wb.sheetnames
ws = wb["bad"]
got = [[("" if c.value is None else c.value) for c in r] for r in ws.iter_rows()]
assert got[0] == h + ["原因"], got[0]
assert len(got) == 5, len(got)
# the rows as read, in file order, every cell text
want = {4: ("A", "id", "身份证号 should have 18 characters (or 15), this one has 17", "bad.csv:4:1"),
        6: ("F", "birth_date", "birth_date (出生日期): 'not-a-date' is not a date (YYYY-MM-DD)", "bad.csv:6:6"),
        9: ("O", "disability_grade", "disability_grade (残疾等级): 9 is outside 0..4", "bad.csv:9:15"),
        12: ("G", "sex", "性别与身份证号第17位的奇偶不符", "bad.csv:12:7")}
for y, line in zip(range(2, 6), sorted(want)):
    assert got[y - 1][:-1] == rows[line - 1], (y, got[y - 1])
    letter, field, reason, where = want[line]
    assert got[y - 1][-1] == reason + "（" + where + "）", got[y - 1][-1]
    for c in ws[y]:
        assert c.data_type == "s" or c.value is None, (c.coordinate, c.data_type)
        assert c.number_format == "@", (c.coordinate, c.number_format)
        bad = c.column_letter == letter
        fill = c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None
        assert (fill == "FFFFC7CE") == bad, (c.coordinate, fill)
        assert (c.comment is not None) == bad, c.coordinate
        if bad:
            assert c.comment.text == reason, c.comment.text
PY

# ---- the CSV: the same columns, the reason last -----------------------------------------------
"$DOUDI" review --db l.db --rules "$R" -o x.csv >/dev/null 2>&1 || die "review -o x.csv"
$PY - <<'PY' || die "the CSV is not as sent"
import csv
raw = open("x.csv", "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no BOM"
got = list(csv.reader(open("x.csv", encoding="utf-8-sig")))
rows = list(csv.reader(open("bad.csv", encoding="utf-8")))
assert got[0] == rows[0] + ["原因"], got[0]
assert [r[:-1] for r in got[1:]] == [rows[3], rows[5], rows[8], rows[11]]
assert got[1][-1].endswith("（bad.csv:4:1）"), got[1][-1]
PY
# to stdout without -o, the same bytes
"$DOUDI" review --db l.db --rules "$R" | cmp -s - x.csv || die "review to stdout differs from -o x.csv"

# ---- corrected and imported: out of review ----------------------------------------------------
$PY - <<'PY' || die "could not correct the workbook"
import csv, openpyxl
good = list(csv.reader(open("persons.csv", encoding="utf-8")))
wb = openpyxl.load_workbook("x.xlsx")
ws = wb.active
# as the clerk would: each red cell given the right value (the reason column is left as it is)
for y, line, letter in ((2, 4, "A"), (3, 6, "F"), (4, 9, "O"), (5, 12, "G")):
    col = openpyxl.utils.column_index_from_string(letter)
    ws.cell(row=y, column=col).value = good[line - 1][col - 1]
wb.save("x.xlsx")
PY
out=$("$DOUDI" import --db l.db --rules "$R" x.xlsx 2>&1) || die "import of the corrected sheet: $out"
[ "$out" = "x.xlsx (xlsx, bad): 4 rows: 4 new, 0 updated, 0 unchanged, 0 to review" ] || die "corrected import: $out"
[ "$(count l.db)" = 0 ] || die "after the corrections: want an empty review, got $(count l.db)"
out=$("$DOUDI" review --db l.db --rules "$R") || die "review of an empty queue"
[ "$out" = "$(printf '\357\273\277原因')" ] || die "empty review: $out"
"$DOUDI" import --db g.db --rules "$R" persons.csv >/dev/null 2>&1 || die "import of the good ledger"
[ "$(dump l.db)" = "$(dump g.db)" ] || die "the corrected ledger differs from the good one"

# ---- a row left wrong stays in review once, from the sheet it was last read in ----------------
rm -f l.db l.db-wal l.db-shm
"$DOUDI" import --db l.db --rules "$R" bad.csv >/dev/null 2>&1
"$DOUDI" review --db l.db --rules "$R" -o y.xlsx >/dev/null 2>&1 || die "review -o y.xlsx"
$PY - <<'PY' || die "could not correct y.xlsx"
import csv, openpyxl
good = list(csv.reader(open("persons.csv", encoding="utf-8")))
wb = openpyxl.load_workbook("y.xlsx")
ws = wb.active
ws["F3"] = good[5][5]      # the date corrected; the grade (O4) and the others left as they are
wb.save("y.xlsx")
PY
"$DOUDI" import --db l.db --rules "$R" y.xlsx >/dev/null 2>&1
[ $? -eq 1 ] || die "import of y.xlsx with rows still wrong: want exit 1"
[ "$(count l.db)" = 3 ] || die "three rows left wrong: want 3 entries, got $(count l.db)"
n=$($PY -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM doudi_review WHERE source LIKE ?", ("%/y.xlsx",)).fetchone()[0])' l.db)
[ "$n" = 3 ] || die "the entries left should be y.xlsx's, got $n"
# exported again: the old reason column is not carried over, the new one is last
"$DOUDI" review --db l.db --rules "$R" -o z.xlsx >/dev/null 2>&1 || die "review -o z.xlsx"
$PY - <<'PY' || die "z.xlsx"
import csv, openpyxl
h = list(csv.reader(open("bad.csv", encoding="utf-8")))[0]
ws = openpyxl.load_workbook("z.xlsx")["y"]
head = [c.value for c in ws[1]]
assert head == h + ["原因"], head
assert ws.max_row == 4, ws.max_row
assert ws["O3"].comment and ws["O3"].fill.fgColor.rgb == "FFFFC7CE"
assert ws.cell(row=3, column=len(h) + 1).value.endswith("（y.xlsx!O4）")
PY

# ---- a workbook source: the title row skipped, its cells named as Excel does -------------------
$PY - <<'PY' || die "could not write bad.xlsx"
import csv, openpyxl
rows = list(csv.reader(open("bad.csv", encoding="utf-8")))
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "台账"
ws.append(["郑州市特殊贫困群体摸底台账"])
for r in rows:
    ws.append(r)
wb.save("bad.xlsx")
PY
"$DOUDI" import --db w.db --rules "$R" bad.xlsx >/dev/null 2>&1
"$DOUDI" review --db w.db --rules "$R" -o w.xlsx >/dev/null 2>&1 || die "review of a workbook source"
$PY - <<'PY' || die "w.xlsx"
import csv, openpyxl
h = list(csv.reader(open("bad.csv", encoding="utf-8")))[0]
ws = openpyxl.load_workbook("w.xlsx")["bad"]
assert [c.value for c in ws[1]] == h + ["原因"]
# data row 3 is sheet row 5 (the title and the header above)
assert ws.cell(row=2, column=len(h) + 1).value.endswith("（bad.xlsx!A5）"), ws.cell(row=2, column=len(h) + 1).value
assert ws["A2"].comment is not None
PY
# a CSV of rows from two files is refused, and --source chooses one (bad2.csv: another person's
# row with a date that is none)
$PY - <<'PY' || die "could not write bad2.csv"
import csv
rows = list(csv.reader(open("persons.csv", encoding="utf-8")))
rows[20][rows[0].index("birth_date")] = "soon"
csv.writer(open("bad2.csv", "w", encoding="utf-8", newline=""), lineterminator="\n").writerows([rows[0], rows[20]])
PY
"$DOUDI" import --db w.db --rules "$R" bad2.csv >/dev/null 2>&1
[ "$(count w.db)" = 5 ] || die "two files: want 5 entries, got $(count w.db)"
"$DOUDI" review --db w.db --rules "$R" -o two.csv >/dev/null 2>err.txt
[ $? -eq 2 ] || die "a CSV of two files: want exit 2"
grep -q -- "--source FILE" err.txt || die "a CSV of two files: $(cat err.txt)"
"$DOUDI" review --db w.db --rules "$R" --source bad2.csv -o one.csv >/dev/null 2>&1 || die "--source bad2.csv"
[ "$(wc -l <one.csv)" -eq 2 ] || die "--source bad2.csv: want a header and 1 row"
grep -q "soon.*（bad2.csv:2:6）" one.csv || die "--source bad2.csv: $(cat one.csv)"
exit 0
