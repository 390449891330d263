# `doudi sql`, the verb: the script to stdout or -o, the record tables with --ddl, and what it
# refuses — a compiled program (the script is made from the rule file), no or an unknown
# --dialect (exit 2), a rule file with errors (exit 1, the diagnostics on stderr).
set -u
R=rules/zhengzhou-2021.doudi
T=${TMPDIR:-/tmp}/sql-verb.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "sql_verb: $*"; exit 1; }

"$DOUDI" sql $R --dialect postgres >"$T/stdout.sql" 2>"$T/err" || die "to stdout: $(cat "$T/err")"
"$DOUDI" sql $R --dialect postgres -o "$T/plan.sql" >"$T/out" 2>"$T/err" || die "-o: $(cat "$T/err")"
cmp -s "$T/stdout.sql" "$T/plan.sql" || die "-o wrote other bytes than stdout"
[ -s "$T/out" ] && die "-o printed: $(cat "$T/out")"
grep -q '^CREATE TABLE "plan_results" AS$' "$T/plan.sql" || die "no plan_results in the script"
grep -q -- '--   as_of = 18718 /\* 2021-04-01 \*/ /\* as_of \*/ (line 96)$' "$T/plan.sql" || die "as_of not listed"
"$DOUDI" sql $R --dialect sqlite --as-of 2022-01-01 | grep -q -- '--   as_of = 18993 /\* 2022-01-01 \*/' ||
  die "--as-of not bound"
"$DOUDI" sql $R --dialect spark --ddl | grep -q '^CREATE TABLE IF NOT EXISTS `person` ($' || die "--ddl"

"$DOUDI" compile $R -o "$T/z.ddc" >/dev/null 2>&1 || die "compile failed"
"$DOUDI" sql "$T/z.ddc" --dialect sqlite >"$T/out" 2>"$T/err"
[ $? -eq 2 ] || die "a .ddc: exit status not 2"
grep -q "is a compiled program (.ddc), not a rule file: this command reads the rule file's text" "$T/err" || die "a .ddc: $(cat "$T/err")"

"$DOUDI" sql $R >/dev/null 2>"$T/err"
[ $? -eq 2 ] || die "no --dialect: exit status not 2"
grep -q "which engine? give --dialect postgres, sqlite, duckdb or spark" "$T/err" || die "no --dialect: $(cat "$T/err")"
"$DOUDI" sql $R --dialect oracle >/dev/null 2>"$T/err"
[ $? -eq 2 ] || die "unknown dialect: exit status not 2"
grep -q "^doudi sql: unknown SQL dialect 'oracle' (postgres, sqlite, duckdb, spark)$" "$T/err" || die "unknown dialect: $(cat "$T/err")"

printf 'record r {\n  id: text key\n}\ncategory c when id == 3\n' >"$T/bad.doudi"
"$DOUDI" sql "$T/bad.doudi" --dialect sqlite >"$T/out" 2>"$T/err"
[ $? -eq 1 ] || die "a rule file with errors: exit status not 1"
grep -q "bad.doudi:4:" "$T/err" || die "a rule file with errors: $(cat "$T/err")"
[ -s "$T/out" ] && die "a rule file with errors wrote a script"
exit 0
