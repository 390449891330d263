# The county as the rule file declares it (enum district, rules/zhengzhou-2021.doudi): import
# accepts a county's code, name or identifier and stores the identifier; a code that is not
# declared — one digit short, one too many, a letter O for a zero — goes to review with the value,
# the declared counties and, when one is a single edit away, a "did you mean". A ledger imported
# when the county was a text column is refused with a message that says how to import it again.
set -u
R=rules/zhengzhou-2021.doudi
F=tests/fixtures/ledger/persons.csv
T=${TMPDIR:-/tmp}/county-values.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "county_values: $*"; exit 1; }
county_of() {
  python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT county FROM person WHERE id = ?", (sys.argv[2],)).fetchone()
print(r[0] if r else "(none)")' "$1" "$2"
}

# rows 2–7 of the fixture (all 410122): three bad codes, then the name, the identifier and the
# code with spaces around it
awk -F, -v OFS=, '
  NR == 2 { $3 = "41010" } NR == 3 { $3 = "4101220" } NR == 4 { $3 = "41O184" }
  NR == 5 { $3 = "中牟县" } NR == 6 { $3 = "zhongmou" } NR == 7 { $3 = " 410122 " } { print }' $F >"$T/persons.csv"
out=$("$DOUDI" import --db "$T/a.db" --rules $R "$T/persons.csv" 2>"$T/err")
[ $? -eq 1 ] || die "want exit 1 (rows to review): $out $(cat "$T/err")"
[ "$out" = "$T/persons.csv (utf-8): 17 rows: 14 new, 0 updated, 0 unchanged, 3 to review" ] || die "summary: $out"
ALL="中原区 410102, 二七区 410103, 管城回族区 410104, 金水区 410105, 上街区 410106, 惠济区 410108, 中牟县 410122, 巩义市 410181, 荥阳市 410182, 新密市 410183, and 2 more"
want="$T/persons.csv:2:3: county (区县代码): '41010' is not one of: $ALL
$T/persons.csv:3:3: county (区县代码): '4101220' is not one of: $ALL; did you mean 中牟县 410122?
$T/persons.csv:4:3: county (区县代码): '41O184' is not one of: $ALL; did you mean 新郑市 410184?"
[ "$(cat "$T/err")" = "$want" ] || { printf 'got:\n%s\nwant:\n%s\n' "$(cat "$T/err")" "$want"; die "review lines"; }

# the name, the identifier and the code are one county: the ledger holds its identifier
for id in 410122195503100429 41012219700505051X 410122197005050624 410122197508080710; do
  got=$(county_of "$T/a.db" $id)
  [ "$got" = zhongmou ] || die "county of $id: $got, want zhongmou"
done
n=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM doudi_review").fetchone()[0])' "$T/a.db")
[ "$n" = 3 ] || die "review rows: $n, want 3"

# ---- a ledger whose county is a text column (imported before the enum) -------------------------
sed -e 's/^\(  county: *\)district /\1text     /' -e 's/\(county: *\)zhongmou$/\1"410122"/' \
    -e 's/\(county: *\)zhongyuan$/\1"410102"/' $R >"$T/text-county.doudi"
grep -q '^  county: *text ' "$T/text-county.doudi" || die "could not make the text-county rules"
"$DOUDI" import --db "$T/old.db" --rules "$T/text-county.doudi" $F >/dev/null 2>&1 || die "import with text county"
[ "$(county_of "$T/old.db" 410122195806150132)" = 410122 ] || die "the old ledger does not hold the code"
out=$("$DOUDI" run $R --db "$T/old.db" 2>&1)
[ $? -eq 2 ] || die "run over the old ledger: want exit 2: $out"
printf '%s\n' "$out" | grep -q "field county of the ledger's person records was imported as text; these rules declare it enum district (its stored values are not converted): import the records again with these rules into a new ledger" ||
  die "run over the old ledger: $out"
exit 0
