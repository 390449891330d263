# `doudi run --from persons.csv --jobs N` gives the same outputs as --jobs 1, byte for byte,
# whatever N: the results file, the review file, every form written by --forms, stdout (the file
# names aside), stderr (each bad row reported in file order) and the exit status. Over a
# generated population with bad rows (refused as the import refuses them) and persons the run
# itself cannot evaluate (a `let` that divides by zero for some: reviewed by the run, in their
# place among the bad rows), and over tests/fixtures/population-3000; a workbook that breaks off
# mid-way fails the same way on every N and leaves no file. stream_run.test.sh checks that the
# streaming run equals import + run.
set -u
R=rules/zhengzhou-2021.doudi
T=${TMPDIR:-/tmp}/stream-jobs.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "stream_jobs: $*"; exit 1; }

# same RULES PERSONS INSTITUTIONS NAME: the streaming run at --jobs 1, 2, 3 and 7, compared
same() {
  rules=$1 persons=$2 institutions=$3 name=$4
  for n in 1 2 3 7; do
    o=$T/$name.$n
    mkdir -p "$o"
    "$DOUDI" run "$rules" --from "$persons" --institutions "$institutions" --out "$o/results.csv" \
      --review "$o/review.csv" --forms "$o/forms" --jobs $n >"$T/$name.$n.all" 2>"$o/stderr"
    echo $? >"$o/status"
    grep -v -e '^results: ' -e '^review: ' -e '^forms: ' "$T/$name.$n.all" >"$o/stdout"
    [ "$(cat "$o/status")" -le 1 ] || { cat "$o/stderr"; die "$name: --jobs $n failed"; }
    [ -s "$o/results.csv" ] && [ -d "$o/forms" ] || die "$name: --jobs $n wrote no results or forms"
    if [ $n -gt 1 ]; then
      diff -r "$T/$name.1" "$o" || die "$name: --jobs $n differs from --jobs 1"
    fi
  done
}

# ---- bad rows, and persons the run refuses ----
"$DOUDI" gen --count 3000 --seed 11 --bad-rate 4% --out "$T/pop" >/dev/null || die "gen"
sed -e 's/^let poor_household "低保、低收入或建档立卡" = dibao or low_income or registered_poor$/let poor_household "低保、低收入或建档立卡" = (dibao or low_income or registered_poor) and 12 \/ (if supporter == none then 0 else 1) > 0/' \
  $R >"$T/div.doudi"
cmp -s $R "$T/div.doudi" && die "the rules were not edited"
"$DOUDI" check "$T/div.doudi" >"$T/check" 2>&1 || { cat "$T/check"; die "the edited rules do not check"; }
same "$T/div.doudi" "$T/pop/persons.csv" "$T/pop/institutions.csv" gen
# the test proves something only if both kinds of review are there, interleaved in file order
rv=$T/gen.1/review.csv
grep -q ',0,.*division by zero' "$rv" || die "gen: no person reviewed by the run"
[ "$(grep -c -v 'division by zero' "$rv")" -gt 50 ] || die "gen: too few bad rows"
lines=$(grep -v '^file,' "$rv" | sed 's/^[^,]*,\([0-9]*\),.*/\1/')
[ "$lines" = "$(printf '%s\n' "$lines" | sort -n)" ] || die "gen: the review file is not in line order"
[ "$(cat "$T/gen.1/status")" = 1 ] || die "gen: a run with rows in review exits 1"
[ "$(wc -l <"$T/gen.1/stderr")" -gt 50 ] || die "gen: the bad rows were not reported"

# ---- the fixture population ----
same $R tests/fixtures/population-3000/persons.csv tests/fixtures/population-3000/institutions.csv fx

# ---- a file that breaks off mid-way: the same error on every N, after the same rows, no file ----
# (a workbook whose sheet's XML stops being XML after row 2405, written part by part with zipfile)
python3 - tests/fixtures/population-3000/persons.csv "$T/broken.xlsx" <<'PY' || die "could not write the workbook"
import csv, sys, zipfile
from xml.sax.saxutils import escape
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
sheet = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
for ri, row in enumerate(rows[:2406]):
    cells = "".join('<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (col(ci), ri + 1, escape(v)) for ci, v in enumerate(row))
    sheet.append('<row r="%d">%s</row>' % (ri + 1, cells))
sheet.append('<row r="2407"><c r="A2407" t="inlineStr"><is><t>x</t></is></c></ro w></sheetData></worksheet>')
ns = "http://schemas.openxmlformats.org"
z = zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED)
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="%s/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>' % ns)
z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="%s/package/2006/relationships"><Relationship Id="rId1" Type="%s/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>' % (ns, ns))
z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="%s/spreadsheetml/2006/main" xmlns:r="%s/officeDocument/2006/relationships"><sheets><sheet name="persons" sheetId="1" r:id="rId1"/></sheets></workbook>' % (ns, ns))
z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="%s/package/2006/relationships"><Relationship Id="rId1" Type="%s/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>' % (ns, ns))
z.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
z.close()
PY
for n in 1 2 7; do
  "$DOUDI" run $R --from "$T/broken.xlsx" --out "$T/broken.$n.csv" --review "$T/broken.$n.review" --jobs $n \
    >/dev/null 2>"$T/broken.$n.err"
  [ $? -eq 2 ] || die "broken: --jobs $n: expected exit 2"
  grep -q "is not well-formed XML after row 2406" "$T/broken.$n.err" || { cat "$T/broken.$n.err"; die "broken: --jobs $n: message"; }
  [ ! -e "$T/broken.$n.csv" ] && [ ! -e "$T/broken.$n.review" ] || die "broken: --jobs $n left a results or review file"
done
cmp "$T/broken.1.err" "$T/broken.7.err" || die "broken: stderr differs between --jobs 1 and 7"
exit 0
