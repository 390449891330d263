/* test_sql.c — `doudi sql` (src/lang/sql*.c, src/api/sql.c): the rules as an SQL script.
 *
 * The equality of the scripts with `doudi run` on whole populations, on SQLite and PostgreSQL,
 * is tests/cli/sql_equal.test.sh. Here:
 *   - each dialect's distinctive constructs, pinned (DuckDB and Spark SQL have no engine on
 *     Debian 12's packages: this is where their SQL is held in place);
 *   - the VM's arithmetic at its edges, run in SQLite in this process: products, quotients,
 *     ceil/floor/round and int overflow, each value (or the VM's stop) worked out by
 *     base/fixed.c itself;
 *   - what has no SQL form is a diagnostic naming its line; an unknown dialect, a .ddc;
 *   - params as set (--as-of), --ddl, --prefix, string literals per engine. */
#include "helpers.h"
#include "tmpdir.h"

#include "doudi.h"
#include "base/fixed.h"

#include <sqlite3.h>

#define ZHENGZHOU "rules/zhengzhou-2021.doudi"
#define CONSTRUCTS "tests/sql/constructs.doudi"

static char *script_for(const char *rules, const char *dialect)
{
    char *diags = NULL;
    doudi_rules *r = doudi_compile_file(rules, &diags);
    if (!r) print_error("%s", diags ? diags : "?");
    assert_non_null(r);
    doudi_string_free(diags);
    doudi_sql_options opt = {.dialect = dialect};
    char *err = NULL;
    char *s = doudi_sql(r, &opt, &err);
    if (!s) print_error("%s", err ? err : "?");
    assert_non_null(s);
    doudi_string_free(err);
    doudi_free(r);
    return s;
}

static void assert_has(const char *text, const char *what, const char *dialect)
{
    if (strstr(text, what)) return;
    print_error("the %s script lacks: %s\n", dialect, what);
    fail();
}

/* ---- each engine's own SQL --------------------------------------------------------------------- */

typedef struct Pin {
    const char *dialect;
    const char *rules;
    const char *has[10];
} Pin;

static const Pin pins[] = {
    {"postgres", ZHENGZHOU, {"COLLATE \"C\"", "get_byte(convert_to(", "encode(substring(convert_to(", "SET LOCAL client_min_messages",
                             "CAST(\"birth_date\" AS DATE) - DATE '1970-01-01'", "CREATE TABLE \"plan_forms\" AS", "BEGIN;", "COMMIT;"}},
    {"postgres", CONSTRUCTS, {"CAST(NULLIF(NULLIF(LEAST(GREATEST(", "/ 10000.0000)", "NULLIF(CAST(", "+ 0.00000000000000000000",
                              "  OFFSET 0\n", "EXTRACT(YEAR FROM (DATE '1970-01-01' + CAST("}},
    {"sqlite", ZHENGZHOU, {"GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'", "CAST(substr(CAST(", "AS BLOB)",
                           "AS MATERIALIZED (", "substr('' || CASE WHEN \"tekun\" THEN '|tekun'"}},
    {"sqlite", CONSTRUCTS, {"typeof(", "= 'integer'", "(SELECT CASE WHEN typeof(", "AS b", "% (10000)"}},
    {"duckdb", ZHENGZHOU, {"TRY_CAST(", "date_diff('day', DATE '1970-01-01'", "regexp_full_match(substr(hex(encode(", "strlen(",
                           "BEGIN;"}},
    {"duckdb", CONSTRUCTS, {"AS HUGEINT)", " // (", "CAST(NULLIF(NULLIF(LEAST(GREATEST("}},
    {"spark", ZHENGZHOU, {"CREATE OR REPLACE TEMPORARY VIEW `plan_eval` AS", "CACHE TABLE `plan_eval`;", "RLIKE '^[0-9]{17}'",
                          "datediff(CAST(`birth_date` AS DATE), DATE '1970-01-01')", "`#attachment1 row tekun`", "octet_length(",
                          "decode(substring(encode("}},
    {"spark", CONSTRUCTS, {"AS DECIMAL(38,0))", " div (", "element_at(transform(array(named_struct(", "date_add(DATE '1970-01-01'",
                           "shiftright("}},
};

static void test_dialects(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(pins); i++) {
        char *s = script_for(pins[i].rules, pins[i].dialect);
        for (size_t k = 0; k < ARRAY_LEN(pins[i].has) && pins[i].has[k]; k++) assert_has(s, pins[i].has[k], pins[i].dialect);
        /* every dialect: the comments carry the rule file's lines and cites */
        assert_has(s, strcmp(pins[i].rules, ZHENGZHOU) ? "-- category needy" : "-- category tekun", pins[i].dialect);
        free(s);
    }
    /* Spark: no BEGIN, no DROP TABLE, no MATERIALIZED */
    char *s = script_for(CONSTRUCTS, "spark");
    assert_null(strstr(s, "BEGIN;"));
    assert_null(strstr(s, "MATERIALIZED"));
    free(s);
}

static void test_comments_cite(void **state)
{
    (void)state;
    char *s = script_for(ZHENGZHOU, "postgres");
    assert_has(s, "-- category tekun \"特困供养人员\" (line 117) cite 三、(一)", "postgres");
    assert_has(s, "-- branch home \"居家供养\" (line 140) cite 四、¶1", "postgres");
    assert_has(s, "-- group 0 (line 154) cite 五、(三) 2021年…100%的集中供养", "postgres");
    assert_has(s, "-- require (line 77)", "postgres");
    assert_has(s, "--   as_of = 18718 /* 2021-04-01 */ /* as_of */ (line 96)", "postgres");
    free(s);
}

/* ---- the VM's arithmetic at its edges, in SQLite ------------------------------------------------- */

static const char *EDGE_RULES =
    "record r {\n"
    "  id: text key\n"
    "  a: number\n"
    "  b: number\n"
    "  n: int\n"
    "}\n"
    "let p: number = a * b\n"
    "let q: number = a / b\n"
    "let s = n * n + n\n"
    "let c = ceil(a) * 1000000 + floor(b) * 1000 + round(a)\n"
    "let f = abs(n) - n\n"
    "category any when p > 0 or q > 0 or s > 0 or c > 0 or f > 0\n";

static const int64_t edge_values[] = {
    0, 1, -1, 4999, 5000, -5000, 5001, 15000, -15000, 10000, 123456789, -987654321, 3037000499, 3037000500,
    100000000000000, -99999999999999, 4611686018427387903, 922337203685477580, INT64_MAX, INT64_MAX - 1,
    INT64_MIN + 1, INT64_MIN, 9223372036854775 / 3, 7, -7, 99999, 100000000,
};

/* The VM's value of each let for (a, b, n), or "stop" (NULL in SQL). */
typedef struct Want {
    bool p_ok, q_ok, s_ok, f_ok;
    int64_t p, q, s, c, f;
} Want;

static Want vm_values(int64_t a, int64_t b, int64_t n)
{
    Want w = {0};
    w.p_ok = fixed_mul(a, b, &w.p);
    w.q_ok = b != 0 && fixed_div(a, b, &w.q);
    int64_t sq;
    w.s_ok = !__builtin_mul_overflow(n, n, &sq) && !__builtin_add_overflow(sq, n, &w.s);
    int64_t c1, c2;
    bool c_ok = !__builtin_mul_overflow(fixed_ceil(a), (int64_t)1000000, &c1) &&
                !__builtin_mul_overflow(fixed_floor(b), (int64_t)1000, &c2) && !__builtin_add_overflow(c1, c2, &w.c) &&
                !__builtin_add_overflow(w.c, fixed_round(a), &w.c);
    if (!c_ok) w.c = INT64_MIN;   /* marks "stops" */
    w.f_ok = n != INT64_MIN && !__builtin_sub_overflow(n < 0 ? -n : n, n, &w.f);
    return w;
}

static void check_column(sqlite3_stmt *st, int col, bool ok, int64_t want, const char *what, int64_t a, int64_t b, int64_t n)
{
    bool null = sqlite3_column_type(st, col) == SQLITE_NULL;
    int64_t got = sqlite3_column_int64(st, col);
    if (ok == !null && (!ok || got == want) && (null || sqlite3_column_type(st, col) == SQLITE_INTEGER)) return;
    print_error("%s for a=%lld b=%lld n=%lld: VM %s%lld, SQL %s%lld\n", what, (long long)a, (long long)b, (long long)n,
                ok ? "" : "stops ", (long long)want, null ? "NULL " : "", (long long)got);
    fail();
}

static void test_edges_sqlite(void **state)
{
    (void)state;
    char *diags = NULL;
    doudi_rules *r = doudi_compile_string("edge.doudi", EDGE_RULES, strlen(EDGE_RULES), &diags);
    if (!r) print_error("%s", diags);
    assert_non_null(r);
    doudi_string_free(diags);
    doudi_sql_options opt = {.dialect = "sqlite"};
    char *err = NULL, *script = doudi_sql(r, &opt, &err);
    assert_non_null(script);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE r (id TEXT PRIMARY KEY, a TEXT, b TEXT, n INTEGER)", 0, 0, 0), SQLITE_OK);
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO r VALUES (?1, ?2, ?3, ?4)", -1, &ins, NULL), SQLITE_OK);
    size_t nv = ARRAY_LEN(edge_values), rows = 0;
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < nv; j++) {
            StrBuf id = {0}, a = {0}, b = {0};
            sb_printf(&id, "%05zu", rows++);
            fixed_format(edge_values[i], 4, &a);   /* as doudi import stores a number */
            fixed_format(edge_values[j], 4, &b);
            sqlite3_reset(ins);
            sqlite3_bind_text(ins, 1, sb_str(&id), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 2, sb_str(&a), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 3, sb_str(&b), -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 4, edge_values[(i + j) % nv]);
            assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
            sb_free(&id); sb_free(&a); sb_free(&b);
        }
    sqlite3_finalize(ins);
    char *msg = NULL;
    int rc = sqlite3_exec(db, script, 0, 0, &msg);
    if (rc != SQLITE_OK) print_error("SQLite: %s\n", msg ? msg : "?");
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT a, b, n, p, q, s, c, f FROM plan_eval ORDER BY id", -1, &st, NULL), SQLITE_OK);
    size_t seen = 0;
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < nv; j++) {
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            int64_t a = edge_values[i], b = edge_values[j], n = edge_values[(i + j) % nv];
            Want w = vm_values(a, b, n);
            check_column(st, 3, w.p_ok, w.p, "a * b", a, b, n);
            /* a × 10^4 past int64 has no exact SQLite form: the script stops there (docs/scale.md) */
            int64_t scaled;
            if (!__builtin_mul_overflow(a, (int64_t)10000, &scaled)) check_column(st, 4, w.q_ok, w.q, "a / b", a, b, n);
            check_column(st, 5, w.s_ok, w.s, "n * n + n", a, b, n);
            check_column(st, 6, w.c != INT64_MIN, w.c, "ceil/floor/round", a, b, n);
            check_column(st, 7, w.f_ok, w.f, "abs(n) - n", a, b, n);
            seen++;
        }
    assert_int_equal(seen, rows);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(script);
    doudi_free(r);
}

/* ---- what has no SQL form, and what is refused ------------------------------------------------------ */

static void test_unknown_dialect(void **state)
{
    (void)state;
    doudi_rules *r = doudi_compile_file(ZHENGZHOU, NULL);
    doudi_sql_options opt = {.dialect = "oracle"};
    char *err = NULL;
    assert_null(doudi_sql(r, &opt, &err));
    assert_string_equal(err, "unknown SQL dialect 'oracle' (postgres, sqlite, duckdb, spark)");
    doudi_string_free(err);
    doudi_free(r);
}

static void test_ddc_refused(void **state)
{
    (void)state;
    char *dir = make_tmpdir_tagged("sql"), *ddc = xasprintf("%s/z.ddc", dir), *err = NULL;
    doudi_rules *r = doudi_compile_file(ZHENGZHOU, NULL);
    assert_int_equal(doudi_save(r, ddc, &err), 0);
    doudi_free(r);
    r = doudi_load(ddc, &err);
    assert_non_null(r);
    doudi_sql_options opt = {.dialect = "sqlite"};
    assert_null(doudi_sql(r, &opt, &err));
    assert_string_equal(err, "these rules were loaded from a compiled program: the SQL script is made from the rule file");
    doudi_string_free(err);
    doudi_free(r);
    free(ddc);
    remove_tree(dir);
}

/* ---- options ---------------------------------------------------------------------------------------- */

static void test_options(void **state)
{
    (void)state;
    doudi_rules *r = doudi_compile_file(ZHENGZHOU, NULL);
    char *err = NULL;
    assert_int_equal(doudi_set_param(r, "as_of", "2022-01-01", &err), 0);
    doudi_sql_options opt = {.dialect = "sqlite", .prefix = "zz_", .person_table = "people", .institution_table = "homes"};
    char *s = doudi_sql(r, &opt, &err);
    assert_non_null(s);
    assert_has(s, "--   as_of = 18993 /* 2022-01-01 */ /* as_of */", "sqlite");
    assert_has(s, "(2022 - \"birth_date#y\" - CASE WHEN 101 < \"birth_date#md\"", "sqlite");
    assert_has(s, "FROM \"people\"", "sqlite");
    assert_has(s, "FROM \"homes\"", "sqlite");
    assert_has(s, "CREATE TABLE \"zz_results\" AS", "sqlite");
    assert_null(strstr(s, "\"plan_"));
    free(s);
    opt = (doudi_sql_options){.dialect = "postgres", .ddl = 1};
    s = doudi_sql(r, &opt, &err);
    assert_has(s, "CREATE TABLE IF NOT EXISTS \"person\" (\n  \"id\" TEXT PRIMARY KEY,", "postgres ddl");
    assert_has(s, "  \"birth_date\" DATE,", "postgres ddl");
    assert_has(s, "  \"dibao\" BOOLEAN,", "postgres ddl");
    assert_has(s, "  \"beds\" BIGINT,", "postgres ddl");
    free(s);
    doudi_free(r);
}

static void test_string_literals(void **state)
{
    (void)state;
    static const char *rules =
        "record r {\n"
        "  id: text key\n"
        "  t: text\n"
        "}\n"
        "category odd when t == \"it's a \\\\ back\"\n";
    char *diags = NULL;
    doudi_rules *r = doudi_compile_string("q.doudi", rules, strlen(rules), &diags);
    if (!r) print_error("%s", diags);
    assert_non_null(r);
    doudi_string_free(diags);
    char *err = NULL;
    doudi_sql_options opt = {.dialect = "spark"};
    char *s = doudi_sql(r, &opt, &err);
    assert_has(s, "(`t` = 'it\\'s a \\\\ back')", "spark");
    free(s);
    opt.dialect = "postgres";
    s = doudi_sql(r, &opt, &err);
    assert_has(s, "(\"t\" = 'it''s a \\ back')", "postgres");
    free(s);
    doudi_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dialects),
        cmocka_unit_test(test_comments_cite),
        cmocka_unit_test(test_edges_sqlite),
        cmocka_unit_test(test_unknown_dialect),
        cmocka_unit_test(test_ddc_refused),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_string_literals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
