# `doudi import`: exit codes (0 clean, 1 rows to review, 2 a file-level error), the summary
# line and "nothing changed" on a re-import, the review lines on stderr, and encodings — the
# same generated population as UTF-8, UTF-8 with a BOM and GBK (`doudi gen --encoding gbk`,
# detected and forced) gives the same ledger.
set -u
R=rules/zhengzhou-2021.doudi
F=tests/fixtures/ledger/persons.csv
T=${TMPDIR:-/tmp}/ledger-import.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "ledger_import: $*"; exit 1; }
dump() {
  python3 -c '
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute("SELECT * FROM person ORDER BY id"):
    print(repr(row))' "$1"
}

# ---- a clean file: exit 0; again: nothing changed ------------------------------------------
cp $F "$T/persons.csv"
out=$("$DOUDI" import --db "$T/a.db" --rules $R "$T/persons.csv" 2>"$T/err")
[ $? -eq 0 ] || die "clean import: want exit 0: $(cat "$T/err")"
[ ! -s "$T/err" ] || die "clean import wrote to stderr: $(cat "$T/err")"
[ "$out" = "$T/persons.csv (utf-8): 17 rows: 17 new, 0 updated, 0 unchanged, 0 to review" ] || die "summary: $out"
out=$("$DOUDI" import --db "$T/a.db" --rules $R "$T/persons.csv")
[ $? -eq 0 ] || die "re-import: want exit 0"
want="$T/persons.csv (utf-8): 17 rows: 0 new, 0 updated, 17 unchanged, 0 to review
$T/persons.csv: nothing changed (every row is already in the ledger as it is)"
[ "$out" = "$want" ] || die "re-import: $out"
# only persons were imported, yet the ledger has a table, empty, for every record the rules
# declare (institutions too): what readers of the ledger, such as `doudi sql`'s script, expect
n=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM institution").fetchone()[0])' "$T/a.db" 2>&1)
[ "$n" = 0 ] || die "the institution table after a persons-only import: $n"

# ---- one cell changed, one row broken: exit 1, the review line on stderr ----------------------
sed -e 's/^\(410122198001011147,.*\),no$/\1,yes/' \
    -e 's/^\(410181199010100269,蒋十三,410181,米河镇,小里河村,1990-10-10,\)female,/\1male,/' $F >"$T/persons.csv"
out=$("$DOUDI" import --db "$T/a.db" --rules $R "$T/persons.csv" 2>"$T/err")
[ $? -eq 1 ] || die "import with a bad row: want exit 1"
[ "$out" = "$T/persons.csv (utf-8): 17 rows: 0 new, 1 updated, 15 unchanged, 1 to review" ] || die "summary: $out"
[ "$(cat "$T/err")" = "$T/persons.csv:14:7: 性别与身份证号第17位的奇偶不符" ] || die "stderr: $(cat "$T/err")"
# the same again: the review entry is replaced, not added
"$DOUDI" import --db "$T/a.db" --rules $R "$T/persons.csv" >/dev/null 2>&1
[ $? -eq 1 ] || die "second import with a bad row: want exit 1"
n=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM doudi_review").fetchone()[0])' "$T/a.db")
[ "$n" -eq 1 ] || die "review holds $n rows after importing the same file twice, want 1"

# ---- a header without a required column: exit 2, nothing imported ----------------------------
cut -d, -f1-6,8- $F >"$T/nosex.csv"
dump "$T/a.db" >"$T/before"
out=$("$DOUDI" import --db "$T/a.db" --rules $R "$T/nosex.csv" 2>"$T/err")
[ $? -eq 2 ] || die "missing column: want exit 2"
[ -z "$out" ] || die "missing column: stdout: $out"
case $(cat "$T/err") in
  "doudi import: $T/nosex.csv:1: the header has no column for: sex (性别) (if the file may lack it, the field needs a default: sex: add \`default male\` to its declaration ($R:"[0-9]*:3"))") ;;
  *) die "missing column: $(cat "$T/err")" ;;
esac
dump "$T/a.db" >"$T/after"
cmp -s "$T/before" "$T/after" || die "a file-level error changed the ledger"

# ---- usage errors: exit 2 -------------------------------------------------------------------
"$DOUDI" import --db "$T/a.db" "$F" >/dev/null 2>&1; [ $? -eq 2 ] || die "no --rules: want exit 2"
"$DOUDI" import --db "$T/a.db" --rules $R >/dev/null 2>&1; [ $? -eq 2 ] || die "no file: want exit 2"
"$DOUDI" import --db "$T/a.db" --rules $R --encoding latin1 $F >/dev/null 2>&1
[ $? -eq 2 ] || die "unknown encoding: want exit 2"
"$DOUDI" import --db "$T/a.db" --rules $R "$T/missing.csv" >/dev/null 2>&1; [ $? -eq 2 ] || die "missing file: want exit 2"

# ---- encodings ------------------------------------------------------------------------------
"$DOUDI" gen --count 400 --seed 5 --out "$T/u8" || die "gen utf-8"
"$DOUDI" gen --count 400 --seed 5 --bom --out "$T/bom" || die "gen --bom"
"$DOUDI" gen --count 400 --seed 5 --encoding gbk --out "$T/gbk" || die "gen --encoding gbk"
cmp -s "$T/u8/persons.csv" "$T/gbk/persons.csv" && die "the GBK file is the UTF-8 file"
if command -v iconv >/dev/null 2>&1; then
  iconv -f GBK -t UTF-8 "$T/gbk/persons.csv" | cmp -s - "$T/u8/persons.csv" || die "gen's GBK is not the UTF-8 text"
fi
for v in "u8 - utf-8" "bom - utf-8 (BOM)" "gbk - gb18030" "gbk gbk gb18030" "gbk GB18030 gb18030" "u8 utf-8 utf-8"; do
  set -- $v
  dir=$1 enc=$2
  shift 2
  says=$*
  db=$T/enc-$dir-$enc.db
  if [ "$enc" = - ]; then
    out=$("$DOUDI" import --db "$db" --rules $R "$T/$dir/persons.csv")
  else
    out=$("$DOUDI" import --db "$db" --rules $R --encoding "$enc" "$T/$dir/persons.csv")
  fi
  [ $? -eq 0 ] || die "import of $dir (--encoding $enc): $out"
  [ "$out" = "$T/$dir/persons.csv ($says): 400 rows: 400 new, 0 updated, 0 unchanged, 0 to review" ] ||
    die "import of $dir (--encoding $enc): $out"
  dump "$db" >"$T/dump-$dir-$enc"
  cmp -s "$T/dump-u8--" "$T/dump-$dir-$enc" || die "$dir read as $enc: a different ledger from the UTF-8 file"
done
# the GBK file forced to UTF-8: exit 2, nothing imported
"$DOUDI" import --db "$T/x.db" --rules $R --encoding utf-8 "$T/gbk/persons.csv" >/dev/null 2>"$T/err"
[ $? -eq 2 ] || die "GBK read as UTF-8: want exit 2"
grep -q 'not valid UTF-8' "$T/err" || die "GBK read as UTF-8: $(cat "$T/err")"
exit 0
