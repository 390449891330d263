# Golden forms: the hand-worked population of tests/golden/forms (its README works out every
# number) imported into a fresh ledger and run with the Zhengzhou rules; 附件1 and 附件2 rendered
# as CSV for each county and for the city must equal tests/golden/forms/expected/*.csv byte for
# byte (a diff is printed on failure), and so must the run's results file. Then the XLSX
# workbooks are read back with Debian's /usr/bin/python3 and openpyxl: each sheet's title, unit,
# two header rows and cells must be the CSV of the same county (or the city), cell for cell.
# That part is skipped, saying so, only when /usr/bin/python3 has no openpyxl.
set -u
R=rules/zhengzhou-2021.doudi
G=tests/golden/forms
E=$G/expected
T=${TMPDIR:-/tmp}/golden-forms.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
DB=$T/doudi.db
COUNTIES="410102 410122 410181"
# the rule file's other nine counties: no person, no institution; each still files both forms,
# all zero but the one disability centre it must build (五、(三)): $E/FORM-empty-county.csv
EMPTY="410103 410104 410105 410106 410108 410182 410183 410184 410185"
die() { echo "golden_forms: $*"; exit 1; }

# ---- import and run ----------------------------------------------------------------------------
"$DOUDI" import --db "$DB" --rules $R $G/persons.csv $G/institutions.csv >"$T/import.out" 2>&1 ||
  die "import failed: $(cat "$T/import.out")"
grep -q "persons.csv (utf-8): 29 rows: 29 new, 0 updated, 0 unchanged, 0 to review$" "$T/import.out" ||
  die "import of persons.csv: $(cat "$T/import.out")"
grep -q "institutions.csv (utf-8): 33 rows: 33 new, 0 updated, 0 unchanged, 0 to review$" "$T/import.out" ||
  die "import of institutions.csv: $(cat "$T/import.out")"
out=$("$DOUDI" run $R --db "$DB" --out "$T/results.csv" 2>&1) || die "run failed: $out"
[ "$(printf '%s\n' "$out" | sed -n 1p)" = "run 1 (as of 2021-04-01): 29 persons, 27 targets, 25 scheduled, 0 to review" ] ||
  die "run printed: $out"

failed=0
if ! cmp -s "$E/results.csv" "$T/results.csv"; then
  echo "results file differs from $E/results.csv (- expected, + doudi):"
  diff -u "$E/results.csv" "$T/results.csv"
  failed=1
fi

# ---- CSV: every form, every county and the city -----------------------------------------------
# the expected CSV of every unit, the empty counties' copied from the one worked out for them
X=$T/expected
mkdir -p "$X" && cp "$E"/*.csv "$X"/ || exit 1
for form in attachment1 attachment2; do
  for c in $EMPTY; do cp "$E/$form-empty-county.csv" "$X/$form-$c.csv" || exit 1; done
done
for form in attachment1 attachment2; do
  for unit in city $COUNTIES $EMPTY; do
    got=$T/$form-$unit.csv
    set -- --form $form --format csv
    [ "$unit" = city ] || set -- "$@" --county "$unit"
    "$DOUDI" report $R --db "$DB" "$@" >"$got" 2>"$T/err" || die "report $form $unit: $(cat "$T/err")"
    if ! cmp -s "$X/$form-$unit.csv" "$got"; then
      echo "$form $unit differs from $X/$form-$unit.csv (- expected, + doudi):"
      diff -u "$X/$form-$unit.csv" "$got"
      failed=1
    fi
  done
done
[ $failed -eq 0 ] || exit 1

# ---- XLSX read back ----------------------------------------------------------------------------
PY=/usr/bin/python3
if ! [ -x $PY ] || ! $PY -c 'import openpyxl' >/dev/null 2>&1; then
  echo "golden_forms: skip the xlsx check: $PY has no openpyxl (apt-get install python3-openpyxl)"
  exit 0
fi

# argv: EXPECTED_DIR, then per workbook XLSX:FORM:SHEET[,SHEET...] (the sheets it must hold, the
# city's 全市 first when there). Each sheet: row 1 the form's title, row 2 填表单位, rows 3–4 the
# header (a group above its columns, merged across them; a column without a group merged down
# rows 3–4) which must read as the CSV's `group/label` line, then the CSV's rows, numbers as
# numbers and a blank CSV cell as an empty cell.
cat >"$T/check_xlsx.py" <<'EOF'
import csv, sys
import openpyxl

TITLES = {"attachment1": "附件1 郑州市特殊贫困群体兜底保障对象摸底统计表",
          "attachment2": "附件2 郑州市特殊贫困群体兜底保障机构建设情况统计表"}
# the corner cell above the row labels, as on the official forms (the CSV leaves it empty)
CORNERS = {"attachment1": "人员类别", "attachment2": "建设机构类别"}
expected_dir, specs = sys.argv[1], sys.argv[2:]
# 填表单位 is the county's name, as rules/zhengzhou-2021.doudi declares it for the code
NAMES = {"410102": "中原区", "410103": "二七区", "410104": "管城回族区", "410105": "金水区",
         "410106": "上街区", "410108": "惠济区", "410122": "中牟县", "410181": "巩义市",
         "410182": "荥阳市", "410183": "新密市", "410184": "新郑市", "410185": "登封市"}
problems = []

def text(v):
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        return "<%s %r>" % (type(v).__name__, v)
    return str(v)

for spec in specs:
    path, form, sheets = spec.split(":")
    sheets = sheets.split(",")                          # 全市 and county codes
    wb = openpyxl.load_workbook(path, data_only=True)   # totals are formulas: their cached values
    # each county's sheet is named by the county's name, in the rule file's order (by code)
    named = [s if s == "全市" else NAMES[s] for s in sheets]
    if sheets[0] == "全市":
        ok = wb.sheetnames == ["全市"] + [NAMES[c] for c in sorted(sheets[1:])]
    else:
        ok = wb.sheetnames == named
    if not ok:
        problems.append("%s: sheets %s, want %s" % (path, wb.sheetnames, named))
        continue
    for code in sheets:
        name = code if code == "全市" else NAMES[code]
        ws = wb[name]
        where = "%s %s sheet %s" % (form, path.rsplit("/", 1)[-1], name)
        unit = "city" if code == "全市" else code
        with open("%s/%s-%s.csv" % (expected_dir, form, unit), encoding="utf-8-sig", newline="") as f:
            want = list(csv.reader(f))
        ncols = len(want[0])
        if ws.max_column != ncols or ws.max_row != 4 + len(want) - 1:
            problems.append("%s: %d rows x %d columns, want %d x %d"
                            % (where, ws.max_row, ws.max_column, 4 + len(want) - 1, ncols))
            continue
        unit_line = "填表单位：全市（12个区县合计）" if name == "全市" else "填表单位：" + NAMES[code]
        for r, first in ((1, TITLES[form]), (2, unit_line)):
            got = [text(ws.cell(r, c).value) for c in range(1, ncols + 1)]
            if got != [first] + [""] * (ncols - 1):
                problems.append("%s row %d: %s, want %s alone" % (where, r, got, first))
        merged = {}
        for m in ws.merged_cells.ranges:
            for c in range(m.min_col, m.max_col + 1):
                for r in range(m.min_row, m.max_row + 1):
                    merged[(r, c)] = m
        header = []
        for c in range(1, ncols + 1):
            m = merged.get((3, c))
            if m is not None and m.min_row == 3 and m.max_row == 4:
                header.append(text(ws.cell(3, m.min_col).value))
                continue
            group = text(ws.cell(3, m.min_col if m is not None else c).value)
            label = text(ws.cell(4, c).value)
            header.append(group + "/" + label if group else label)
        if header != [CORNERS[form]] + want[0][1:]:
            problems.append("%s header: %s, want %s" % (where, header, [CORNERS[form]] + want[0][1:]))
        for i, row in enumerate(want[1:]):
            r = 5 + i
            got = [text(ws.cell(r, c).value) for c in range(1, ncols + 1)]
            if got != row:
                problems.append("%s row %d: %s, want %s" % (where, r, got, row))
            for c in range(2, ncols + 1):
                v = ws.cell(r, c).value
                if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                    problems.append("%s cell %s: %r is not a number" % (where, ws.cell(r, c).coordinate, v))

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
EOF

specs=
for form in attachment1 attachment2; do
  "$DOUDI" report $R --db "$DB" --form $form -o "$T/$form-city.xlsx" 2>"$T/err" ||
    die "report $form xlsx: $(cat "$T/err")"
  specs="$specs $T/$form-city.xlsx:$form:全市,$(echo $COUNTIES $EMPTY | tr ' ' ,)"
  for c in $COUNTIES; do
    "$DOUDI" report $R --db "$DB" --form $form --county "$c" -o "$T/$form-$c.xlsx" 2>"$T/err" ||
      die "report $form $c xlsx: $(cat "$T/err")"
    specs="$specs $T/$form-$c.xlsx:$form:$c"
  done
done
# shellcheck disable=SC2086  # the specs are paths without blanks, one per word
$PY "$T/check_xlsx.py" "$X" $specs || die "the xlsx workbooks do not read back as the CSV forms"
exit 0
