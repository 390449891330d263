# `doudi report`: the forms of a stored run in each format, from a generated population;
# exit 0 on success, 2 on usage and input errors (each with its message on stderr).
set -u
rules=rules/zhengzhou-2021.doudi
d=$TMPDIR
die() { echo "$*"; exit 1; }

# no ledger, then a ledger without a run
"$DOUDI" report $rules --db "$d/none.db" --form attachment1 >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "no ledger: expected exit 2"
[ -e "$d/none.db" ] && die "a report must not create a ledger"
"$DOUDI" gen --count 400 --seed 3 --out "$d" >/dev/null || die "gen failed"
"$DOUDI" import --db "$d/l.db" --rules $rules "$d/persons.csv" "$d/institutions.csv" >/dev/null || die "import failed"
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "no run: expected exit 2"
grep -q 'run `doudi run` first' "$d/err" || { cat "$d/err"; die "no run: wrong message"; }
"$DOUDI" run $rules --db "$d/l.db" >/dev/null || die "run failed"

# text, the city by default
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 >"$d/a1.txt" || die "text failed"
[ "$(sed -n 1p "$d/a1.txt")" = "附件1 郑州市特殊贫困群体兜底保障对象摸底统计表" ] || die "text: title line"
sed -n 2p "$d/a1.txt" | grep -q '^填表单位：全市（[0-9]*个区县合计）$' || die "text: unit line"
grep -q '^| 合计  *|' "$d/a1.txt" || die "text: no 合计 row"

# csv by the extension of -o: a BOM, then the header line
"$DOUDI" report $rules --db "$d/l.db" --form attachment2 -o "$d/a2.csv" || die "csv failed"
head -c 3 "$d/a2.csv" | od -An -tx1 | grep -q 'ef bb bf' || die "csv: no BOM"
head -n 1 "$d/a2.csv" | grep -q ',保障对象人数/特困供养人员,' || die "csv: header"
[ "$(wc -l <"$d/a2.csv")" -eq 7 ] || die "csv: expected a header and 6 rows"

# one county, json; the first county of the error's list
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 --county 999999 >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "unknown county: expected exit 2"
grep -q "knows no county '999999'; the counties are: 4101" "$d/err" || { cat "$d/err"; die "unknown county: message"; }
county=$(sed 's/.*the counties are: \([0-9]*\).*/\1/' "$d/err")
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 --county "$county" --format json --run 1 >"$d/a1.json" ||
  die "json failed"
# the first county is 410102 中原区 (rules/zhengzhou-2021.doudi): the unit is its name, then its code
[ "$county" = 410102 ] || die "the first county: $county"
grep -q "\"unit\": \"中原区\",\$" "$d/a1.json" || die "json: unit"
grep -q "\"code\": \"410102\",\$" "$d/a1.json" || die "json: code"
# --county by name: the same form
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 --county 中原区 --format json --run 1 >"$d/a1n.json" ||
  die "json by name failed"
cmp -s "$d/a1.json" "$d/a1n.json" || die "--county 中原区 is not --county 410102"

# xlsx needs -o; it is a zip
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 --format xlsx >/dev/null 2>&1
[ $? -eq 2 ] || die "xlsx without -o: expected exit 2"
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 -o "$d/a1.xlsx" || die "xlsx failed"
[ "$(head -c 2 "$d/a1.xlsx")" = "PK" ] || die "xlsx: not a zip"
# a form by the start of its label, the same as by its name; --form all: both in one workbook
"$DOUDI" report $rules --db "$d/l.db" --form 附件1 --county "$county" --format csv >"$d/by-label.csv" || die "--form 附件1"
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 --county "$county" --format csv >"$d/by-name.csv" || die "--form attachment1"
cmp -s "$d/by-label.csv" "$d/by-name.csv" || die "--form 附件1 is not attachment1"
"$DOUDI" report $rules --db "$d/l.db" --form all -o "$d/all.xlsx" || die "--form all"
/usr/bin/python3 - "$d/all.xlsx" "$county" <<'PY' || die "--form all: the sheets"
import sys, openpyxl
names = openpyxl.load_workbook(sys.argv[1]).sheetnames
# the county's sheets by its name (the rule file's: 410122 is 中牟县)
county = {"410102": "中原区", "410122": "中牟县", "410181": "巩义市", "410185": "登封市"}.get(sys.argv[2], sys.argv[2])
assert names[0] == "附件1 全市" and "附件1 " + county in names, names
assert "附件2 全市" in names and "附件2 " + county in names, names
assert names.index("附件2 全市") > names.index("附件1 " + county), names
PY
"$DOUDI" report $rules --db "$d/l.db" --form all --format csv >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "--form all as csv: expected exit 2"
grep -q "one workbook" "$d/err" || die "--form all as csv: $(cat "$d/err")"

# usage errors
"$DOUDI" report $rules --db "$d/l.db" >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "no --form: expected exit 2"
grep -q '^  attachment2  附件2' "$d/err" || { cat "$d/err"; die "no --form: the forms are not listed"; }
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 --run 0 >/dev/null 2>&1
[ $? -eq 2 ] || die "--run 0: expected exit 2"
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 --run 9 >/dev/null 2>"$d/err"
[ $? -eq 2 ] || die "--run 9: expected exit 2"
grep -q 'has no run 9 (the latest is 1)' "$d/err" || die "--run 9: message"
"$DOUDI" report $rules --db "$d/l.db" --form attachment1 --format pdf >/dev/null 2>&1
[ $? -eq 2 ] || die "--format pdf: expected exit 2"
exit 0
