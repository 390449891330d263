# `doudi import` of an .xlsx ledger, as a clerk's Excel saves it: a title merged above the
# header, Chinese column labels, birth dates as date cells, ids as text, flags as numbers, a
# second sheet. The same population imported from the workbook and from the CSV gives the same
# ledger and, run on the same date, byte-identical results. A bad cell is reported by its cell
# reference and kept for review; --sheet chooses a sheet and a wrong name lists the real ones.
set -u
R=rules/zhengzhou-2021.doudi
F=tests/fixtures/ledger/persons.csv
T=${TMPDIR:-/tmp}/import-xlsx.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "import_xlsx: $*"; exit 1; }
dump() {
  python3 -c '
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute("SELECT * FROM person ORDER BY id"):
    print(repr(row))' "$1"
}

# The workbook: sheet 台账 (two title rows, then the header with 身份证号/姓名/出生日期 for
# id/name/birth_date and the field names for the rest), and a notes sheet 说明 after it.
/usr/bin/python3 - "$F" "$T/台账.xlsx" "$T/bad.xlsx" <<'PY' || die "could not write the workbooks"
import csv, datetime, sys
import openpyxl
src, good, bad = sys.argv[1:4]
rows = list(csv.reader(open(src, encoding="utf-8")))
head, body = rows[0], rows[1:]
labels = {"id": "身份证号", "name": "姓名", "birth_date": "出生日期"}
def book(path, break_row=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["郑州市特殊贫困群体摸底台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
    ws.append(["填报单位：各县（市、区）民政局"])
    ws.append([labels.get(h, h) for h in head])
    for n, r in enumerate(body):
        out = []
        for h, v in zip(head, r):
            if h == "birth_date":
                out.append(datetime.datetime.strptime(v, "%Y-%m-%d"))
            elif h in ("id", "name", "county", "township", "village") or not v.lstrip("-").isdigit():
                out.append(v)
            else:
                out.append(int(v))
        if n == break_row:
            out[head.index("sex")] = "male" if out[head.index("sex")] == "female" else "female"
        ws.append(out)
    for c in ws["F"][3:]:
        c.number_format = "yyyy-mm-dd"
    notes = wb.create_sheet("说明")
    notes.append(["本表由乡镇填报"])
    wb.save(path)
book(good)
book(bad, break_row=12)
PY

# ---- the workbook and the CSV give the same ledger and the same results ----------------------
out=$("$DOUDI" import --db "$T/x.db" --rules $R "$T/台账.xlsx" 2>"$T/err")
[ $? -eq 0 ] || die "xlsx import: want exit 0: $(cat "$T/err")"
[ "$out" = "$T/台账.xlsx (xlsx, 台账): 17 rows: 17 new, 0 updated, 0 unchanged, 0 to review" ] || die "summary: $out"
"$DOUDI" import --db "$T/c.db" --rules $R $F >/dev/null 2>&1 || die "csv import failed"
[ "$(dump "$T/x.db")" = "$(dump "$T/c.db")" ] || die "the workbook and the CSV give different ledgers"
"$DOUDI" run --db "$T/x.db" --as-of 2021-12-31 --out "$T/x.csv" $R >/dev/null 2>&1 || die "run on the xlsx ledger failed"
"$DOUDI" run --db "$T/c.db" --as-of 2021-12-31 --out "$T/c.csv" $R >/dev/null 2>&1 || die "run on the csv ledger failed"
cmp -s "$T/x.csv" "$T/c.csv" || die "results differ between the xlsx and the csv ledger"
[ "$(wc -l <"$T/x.csv")" -eq 18 ] || die "results: want 17 rows and a header"
# again: nothing changed
out=$("$DOUDI" import --db "$T/x.db" --rules $R "$T/台账.xlsx" 2>&1)
[ $? -eq 0 ] || die "re-import: want exit 0"
case $out in *"17 unchanged"*"nothing changed"*) ;; *) die "re-import: $out" ;; esac

# ---- a bad cell: reported as FILE!CELL, kept for review, exit 1 -------------------------------
# body row 12 (0-based) is sheet row 16 (two title rows and the header above); sex is column G
out=$("$DOUDI" import --db "$T/b.db" --rules $R "$T/bad.xlsx" 2>"$T/err")
[ $? -eq 1 ] || die "bad cell: want exit 1"
[ "$out" = "$T/bad.xlsx (xlsx, 台账): 17 rows: 16 new, 0 updated, 0 unchanged, 1 to review" ] || die "bad summary: $out"
grep -q "^$T/bad.xlsx!G16: " "$T/err" || die "bad cell report: $(cat "$T/err")"
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM doudi_review").fetchone()[0])' "$T/b.db")
[ "$n" = 1 ] || die "review table: want 1 entry, got $n"

# ---- --sheet ---------------------------------------------------------------------------------
out=$("$DOUDI" import --db "$T/s.db" --rules $R --sheet 台账 "$T/台账.xlsx" 2>&1)
[ $? -eq 0 ] || die "--sheet 台账: $out"
out=$("$DOUDI" import --db "$T/s2.db" --rules $R --sheet 名单 "$T/台账.xlsx" 2>&1)
[ $? -eq 2 ] || die "--sheet 名单: want exit 2"
case $out in *"no sheet named '名单' (its sheets: 台账, 说明)"*) ;; *) die "--sheet 名单: $out" ;; esac
[ ! -e "$T/s2.db" ] || die "a failed import left a database behind"
out=$("$DOUDI" import --db "$T/s3.db" --rules $R --sheet 说明 "$T/台账.xlsx" 2>&1)
[ $? -eq 2 ] || die "--sheet 说明: want exit 2 (no header there): $out"
exit 0
