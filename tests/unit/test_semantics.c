/* test_semantics.c — the language's meaning, through the embedding API (doudi.h only): small
 * rule files compiled from strings, evaluated with doudi_eval and explained with doudi_explain.
 *
 * Most facts are written as categories whose truth is the fact ("category f3 when 1 / 3 ==
 * 0.3333"), all in one rule file per group, evaluated on one record; the expected truth of each
 * is worked out by hand from docs/language.md (§7 types and values, §8 expressions, §10
 * built-ins) and INTERPRETATION.md §2, with the reasoning beside it. Facts are written both
 * with literals and with fields, so the VM computes them at run time whatever the compiler
 * folds. Then: run-time errors (overflow, division by zero), compile errors, the .ddc round
 * trip and damaged .ddc files, the disassembly.
 */
#include "eval_helpers.h"

#include <unistd.h>

/* Every tiny rule file starts with this: a record with a default for every field (so a record
 * needs only its id), and a placement that places every target. Lines 1-17. */
#define PRELUDE                                          \
    "enum mode { x, y }\n"                               \
    "record r {\n"                                       \
    "  id: text key\n"                                   \
    "  n: int default 0\n"                               \
    "  m: int default 0\n"                               \
    "  z: int default 0\n"                               \
    "  tt: bool default true\n"                          \
    "  ff: bool default false\n"                         \
    "  a: bool default false\n"                          \
    "  e: enum(red, green, blue) default red\n"          \
    "  t: text default \"\"\n"                           \
    "  d: date default 2021-03-01\n"                     \
    "  p: percent default 30%\n"                         \
    "  q: number default 0.5\n"                          \
    "}\n"                                                \
    "placement pl: mode first match { x otherwise }\n"   \
    "param as_of: date = 2021-04-01\n"
#define PRELUDE_LINES 17

/* Compile `text` as the file `name`; fail showing the diagnostics if it does not compile. */
static void assert_loads_at(const doudi_rules *r, const char *file, int line);

/* Compile text (must succeed). Every program compiled here is also saved and loaded again, so
 * the verifier sees every construct these tests use and must accept what the compiler makes. */
static doudi_rules *compile_ok_at(const char *name, const char *text, const char *file, int line)
{
    char *diags = NULL;
    doudi_rules *r = doudi_compile_string(name, text, strlen(text), &diags);
    if (!r) {
        print_error("%s:%d: does not compile:\n%s\n--- source:\n%s\n", file, line, diags ? diags : "", text);
        doudi_string_free(diags);
        _fail(file, line);
    }
    doudi_string_free(diags);   /* warnings (unused lets, ...) */
    assert_loads_at(r, file, line);
    return r;
}
#define compile_ok(name, text) compile_ok_at((name), (text), __FILE__, __LINE__)

/* A record of r from "field=value,..." (must succeed). */
static doudi_record *record_at(const doudi_rules *r, const char *assign, const char *file, int line)
{
    doudi_record *rec = doudi_record_new(r);
    char *err = NULL;
    if (doudi_record_parse(rec, assign, &err) != 0) {
        print_error("%s:%d: cannot set \"%s\": %s\n", file, line, assign, err ? err : "");
        doudi_string_free(err);
        doudi_record_free(rec);
        _fail(file, line);
    }
    return rec;
}
#define record(r, assign) record_at((r), (assign), __FILE__, __LINE__)

/* The outcome of rec (doudi_eval must succeed). */
static doudi_outcome eval_ok_at(const doudi_rules *r, const doudi_record *rec, const char *file, int line)
{
    doudi_outcome o;
    char *err = NULL;
    if (doudi_eval(r, rec, &o, &err) != 0) {
        print_error("%s:%d: doudi_eval failed: %s\n", file, line, err ? err : "");
        doudi_string_free(err);
        _fail(file, line);
    }
    return o;
}
#define eval_ok(r, rec) eval_ok_at((r), (rec), __FILE__, __LINE__)

static int category_index(const doudi_rules *r, const char *name)
{
    for (int i = 0; i < doudi_category_count(r); i++)
        if (!strcmp(doudi_category_name(r, i), name)) return i;
    return -1;
}

/* ---- facts -------------------------------------------------------------------------------- */

typedef struct Fact {
    const char *expr;   /* a bool expression over the prelude's fields */
    bool want;
} Fact;

/* Rule files of PRELUDE, `decls`, and "category fI when EXPR" for each fact (at most 32 facts a
 * file: the engine takes 63 categories), evaluated on the record "id=k,<assign>"; every fact's
 * truth compared (all mismatches are listed). */
static void check_facts_at(const char *decls, const Fact *facts, size_t n, const char *assign, const char *file,
                           int line)
{
    int bad = 0;
    for (size_t first = 0; first < n; first += 32) {
        size_t count = n - first < 32 ? n - first : 32;
        size_t cap = 4096 + count * 256;
        char *src = malloc(cap);
        assert_non_null(src);
        size_t len = (size_t)snprintf(src, cap, "%s%s", PRELUDE, decls ? decls : "");
        for (size_t i = 0; i < count; i++)
            len += (size_t)snprintf(src + len, cap - len, "category f%zu when %s\n", first + i, facts[first + i].expr);
        assert_true(len < cap);
        doudi_rules *r = compile_ok_at("facts.doudi", src, file, line);
        free(src);
        char buf[512];
        snprintf(buf, sizeof buf, "id=k%s%s", assign && *assign ? "," : "", assign ? assign : "");
        doudi_record *rec = record_at(r, buf, file, line);
        doudi_outcome o = eval_ok_at(r, rec, file, line);
        int holds = 0;
        for (size_t i = 0; i < count; i++) {
            bool got = (o.categories >> i) & 1;
            holds += got;
            if (got != facts[first + i].want) {
                print_error("%s:%d: with %s: `%s` is %s, want %s\n", file, line, buf, facts[first + i].expr,
                            got ? "true" : "false", facts[first + i].want ? "true" : "false");
                bad++;
            }
        }
        if (o.category_count != holds) {
            print_error("%s:%d: category_count %d, but %d categories hold\n", file, line, o.category_count, holds);
            bad++;
        }
        doudi_record_free(rec);
        doudi_free(r);
    }
    if (bad) _fail(file, line);
}
#define check_facts(decls, facts, assign) check_facts_at((decls), (facts), EH_LEN(facts), (assign), __FILE__, __LINE__)

/* ---- precedence (language.md §8.1) ---------------------------------------------------------- */

static void test_precedence(void **state)
{
    (void)state;
    /* n = 7, tt = true, ff = false */
    static const Fact facts[] = {
        {"1 + 2 * 3 == 7", true},              /* * before +: 1 + 6 (left to right would be 9) */
        {"(1 + 2) * 3 == 9", true},
        {"10 - 4 - 3 == 3", true},             /* left: (10 - 4) - 3; right would be 9 */
        {"12 / 2 / 3 == 2", true},             /* left: 6 / 3; right would be 12 / 0.6667 */
        {"2 * 3 - 4 / 2 == 4", true},          /* 6 - 2 */
        {"n + 2 * n == 21", true},             /* 7 + 14 */
        {"-n * 2 == -14", true},               /* (-7) * 2 */
        {"- 2 * 3 + 10 == 4", true},           /* ((-2) * 3) + 10 */
        {"not ff and ff", false},              /* (not ff) and ff = true and false; not (ff and ff) would be true */
        {"not (ff and ff)", true},
        {"not tt or tt", true},                /* (not tt) or tt; not (tt or tt) would be false */
        {"tt or ff and ff", true},             /* tt or (ff and ff); (tt or ff) and ff would be false */
        {"(tt or ff) and ff", false},
        {"ff and ff or tt", true},             /* (ff and ff) or tt; ff and (ff or tt) would be false */
        {"not n > 5", false},                  /* not (7 > 5) */
        {"not n < 5", true},
        {"n in {7} and tt", true},             /* (n in {7}) and tt */
        {"(if ff then 1 else 2) + 10 == 12", true},
        {"1 + 1 == 2 and 2 * 2 == 4 or ff", true},
        {"n >= 7 and n <= 7 and n > 6 and n < 8 and n != 8 and n == 7", true},
        {"n > 7 or n < 7", false},
    };
    check_facts(NULL, facts, "n=7");
}

/* ---- short-circuit ------------------------------------------------------------------------ */

static void test_short_circuit(void **state)
{
    (void)state;
    /* `and` does not evaluate its right side when the left is false, `or` when the left is true,
     * `if`/`case` only the branch taken: with z = 0 the division n / z would stop the record */
    const char *src = PRELUDE
        "category sc_and when a and n / z > 1\n"                      /* line 18 */
        "category sc_or when tt or n / z > 1\n"                       /* line 19 */
        "let safe: number = if z == 0 then 0 else n / z\n"
        "let safe2: number = case when z == 0 then -1 else n / z\n"
        "category safe_ok when safe == 0 and safe2 == -1\n";
    doudi_rules *r = compile_ok("sc.doudi", src);
    int i_and = category_index(r, "sc_and"), i_or = category_index(r, "sc_or"), i_safe = category_index(r, "safe_ok");
    assert_true(i_and >= 0 && i_or >= 0 && i_safe >= 0);

    /* a = false, z = 0: no error; sc_and false, sc_or true, safe_ok true */
    doudi_record *rec = record(r, "id=sc-1,a=false,n=5,z=0");
    doudi_outcome o = eval_ok(r, rec);
    assert_int_equal(o.categories, CAT(i_or) | CAT(i_safe));
    char *t = explain_ok(r, rec, DOUDI_TEXT);
    assert_contains(t, "false  a");
    assert_contains(t, "n / z > 1   (not evaluated)");
    assert_contains(t, "true   tt");
    char *j = explain_ok(r, rec, DOUDI_JSON);
    assert_true(json_valid(j));
    assert_contains(j, "{\"text\":\"n / z > 1\",\"line\":18,\"value\":null}");
    assert_contains(j, "{\"text\":\"n / z > 1\",\"line\":19,\"value\":null}");
    assert_contains(j, "\"safe\":\"0\"");
    assert_contains(j, "\"safe2\":\"-1\"");
    doudi_string_free(t);
    doudi_string_free(j);
    doudi_record_free(rec);

    /* a = true: the right side runs and divides by zero -> the record stops */
    rec = record(r, "id=sc-2,a=true,n=5,z=0");
    assert_eval_fails(r, rec, "division by zero");
    assert_eval_fails(r, rec, "sc-2");
    assert_eval_fails(r, rec, "sc.doudi:18:28");   /* "category sc_and when a and " is 27 */
    doudi_record_free(rec);

    /* a = true, z = 2: 5 / 2 = 2.5 > 1; safe = 2.5, safe2 = 2.5 -> safe_ok false */
    rec = record(r, "id=sc-3,a=true,n=5,z=2");
    o = eval_ok(r, rec);
    assert_int_equal(o.categories, CAT(i_and) | CAT(i_or));
    doudi_record_free(rec);
    doudi_free(r);
}

/* An `if` or `case` used as a condition is one condition of the explanation; when it ran, its
 * value is shown, whichever branch it took. */
static void test_explain_if_case_condition(void **state)
{
    (void)state;
    doudi_rules *r = compile_ok("ifc.doudi", PRELUDE
                                "category c4 when n > 0 and (if a then tt else ff)\n"     /* line 18 */
                                "category c6 when (case when a then tt else ff)\n"        /* line 19 */
                                "category c7 when (if a then n > 5 else n > 100)\n");    /* line 20 */
    /* a = true, n = 7: every condition runs and takes its first branch: c4, c6, c7 all hold */
    doudi_record *rec = record(r, "id=ifc,n=7,a=true");
    doudi_outcome o = eval_ok(r, rec);
    assert_int_equal(o.categories, 7);
    char *t = explain_ok(r, rec, DOUDI_TEXT);
    assert_contains(t, "true   if a then tt else ff");
    assert_contains(t, "true   case when a then tt else ff");
    assert_contains(t, "true   if a then n > 5 else n > 100");
    assert_not_contains(t, "(not evaluated)");
    char *j = explain_ok(r, rec, DOUDI_JSON);
    assert_contains(j, "{\"text\":\"case when a then tt else ff\",\"line\":19,\"value\":true}");
    doudi_string_free(t);
    doudi_string_free(j);
    doudi_record_free(rec);
    doudi_free(r);
}

/* The explanation of a negated group keeps the negation: from "not (a and b)" a reader must
 * be able to see why the verdict is "no" when a and b are both true. */
static void test_explain_negated_group(void **state)
{
    (void)state;
    doudi_rules *r = compile_ok("neg.doudi", PRELUDE "category c8 when not (a and tt)\n");
    doudi_record *rec = record(r, "id=neg,a=true");
    doudi_outcome o = eval_ok(r, rec);
    assert_int_equal(o.categories, 0);   /* not (true and true) */
    char *t = explain_ok(r, rec, DOUDI_TEXT);
    /* the block of c8: from its verdict line to "primary category" */
    char *c8 = strstr(t, "no   c8");
    assert_non_null(c8);
    char *end = strstr(c8, "primary category");
    assert_non_null(end);
    *end = '\0';
    assert_contains(c8, "not");
    doudi_string_free(t);
    doudi_record_free(rec);
    doudi_free(r);
}

/* ---- sets, ranges, enums, text (§7.4, §7.5) ------------------------------------------------- */

static void test_sets_ranges(void **state)
{
    (void)state;
    /* n = 2, e = blue, t = "abc", d = 2021-03-01 (default), q = 0.5 (default) */
    static const Fact facts[] = {
        {"e in {red, green}", false},
        {"e not in {red, green}", true},
        {"e in {blue}", true},
        {"not e in {blue}", false},            /* not (e in {blue}) */
        {"e == blue", true},
        {"blue == e", true},
        {"e != red", true},
        {"n in 1..2", true},                   /* ranges include both ends */
        {"n in 2..3", true},
        {"n in 3..4", false},
        {"n in 0..1", false},
        {"n not in 1..2", false},
        {"n not in 3..9", true},
        {"n in n..n", true},
        {"n in {1, 2}", true},
        {"n in {1, 3}", false},
        {"n not in {1, 3}", true},
        {"n in {66}", false},                  /* 66 is not 2 (not 66 mod 64) */
        {"n in {2, 1000000}", true},
        {"n in {0, 64, 130}", false},
        {"t == \"abc\"", true},
        {"t != \"abd\"", true},
        {"t in {\"abc\", \"def\"}", true},
        {"t in {\"ab\", \"abcd\"}", false},
        {"t not in {\"x\"}", true},
        {"t < \"abd\"", true},                 /* byte order */
        {"t > \"ab\"", true},
        {"len(t) == 3", true},
        {"len(\"中牟县\") == 3", true},         /* characters, not bytes */
        {"\"中牟县\" == \"中牟县\"", true},
        {"\"\" == \"\"", true},
        {"d in 2021-01-01..2021-03-01", true},
        {"d in 2021-03-02..2021-12-31", false},
        {"d not in 2021-03-02..2021-12-31", true},
        {"q in 0.5..1", true},
        {"q in 0.5001..1", false},
        {"q in {0.5, 1}", true},               /* numbers and ints mix */
        {"q == 50%", true},
        {"1 == 1.0", true},
        {"30% == 0.3", true},
    };
    check_facts(NULL, facts, "n=2,e=blue,t=abc");

    /* the same with other values: n = 0, e = red, t = 中牟县 */
    static const Fact facts2[] = {
        {"e in {red, green}", true},
        {"e not in {red, green}", false},
        {"n in 1..2", false},
        {"n in {0, 64, 130}", true},
        {"n in {64}", false},                  /* 64 is not 0 */
        {"t == \"中牟县\"", true},
        {"len(t) == 3", true},
        {"t in {\"中牟县\", \"二七区\"}", true},
    };
    check_facts(NULL, facts2, "n=0,e=red,t=中牟县");
}

/* ---- fixed point (§7.2, §7.3) ------------------------------------------------------------------ */

static void test_fixed_point(void **state)
{
    (void)state;
    /* n = 7, m = 10, p = 30% (default), q = 0.5 (default) */
    static const Fact facts[] = {
        {"7 * 30% == 2.1", true},              /* exact: 30% of 7 */
        {"n * p == 2.1", true},
        {"ceil(7 * 30%) == 3", true},          /* ceil(2.1) */
        {"ceil(n * p) == 3", true},
        {"ceil(10 * 30%) == 3", true},         /* exactly 3.0: a binary float would give 3.0000000000000004 -> 4 */
        {"ceil(m * p) == 3", true},
        {"m * p == 3", true},
        {"floor(m * p) == 3", true},
        {"1 / 3 == 0.3333", true},             /* 0.33333.. rounds to 4 decimals */
        {"2 / 3 == 0.6667", true},             /* 0.66666.. rounds half away from zero, up */
        {"-2 / 3 == -0.6667", true},
        {"(0 - 2) / 3 == -0.6667", true},
        {"1 / 3 * 3 == 0.9999", true},         /* each step rounds: 0.3333 * 3 */
        {"2 / 3 + 2 / 3 == 1.3334", true},
        {"10 / 7 == 1.4286", true},            /* 1.428571.. */
        {"7 / 2 == 3.5", true},                /* int / int is a number */
        {"n / 2 == 3.5", true},
        {"m / n == 1.4286", true},
        {"1 / 32 == 0.0313", true},            /* 0.03125: half away from zero */
        {"-1 / 32 == -0.0313", true},
        {"1 / 20000 == 0.0001", true},         /* 0.00005 -> 0.0001 */
        {"1 / 20001 == 0", true},              /* 0.0000499.. -> 0 */
        {"0.0001 * 0.5 == 0.0001", true},      /* 0.00005 -> 0.0001 */
        {"-0.0001 * 0.5 == -0.0001", true},
        {"0.0001 * 0.4999 == 0", true},
        {"q / 3 == 0.1667", true},             /* 0.1666.. */
        {"1.5 / 0.5 == 3", true},
        {"n * 0.0001 == 0.0007", true},
        {"round(2.5) == 3", true},
        {"round(-2.5) == -3", true},
        {"round(2.4999) == 2", true},
        {"round(-2.4999) == -2", true},
        {"round(q) == 1", true},               /* 0.5 -> 1 */
        {"floor(-2.1) == -3", true},
        {"ceil(-2.1) == -2", true},
        {"floor(2.9999) == 2", true},
        {"ceil(2.0001) == 3", true},
        {"ceil(-0.5) == 0", true},
        {"floor(7) == 7", true},
        {"round(30%) == 0", true},             /* a percent is its fraction, 0.3 */
        {"30% * 50% == 15%", true},
        {"12.5% * 8 == 1", true},
        {"ceil(12.5% * 7) == 1", true},        /* 0.875 */
        {"30% + 5% == 35%", true},
        {"p - 30% == 0%", true},
        {"0.1 + 0.2 == 0.3", true},            /* exact sums */
        {"min(2, 3.5) == 2", true},
        {"max(30%, 0.4) == 0.4", true},
        {"abs(-2.5) == 2.5", true},
        {"abs(0 - n) == 7", true},
        {"min(n, 3) == 3 and max(n, 3) == 7", true},
        {"1 / (0 - 3) == -0.3333", true},      /* a negative divisor */
        {"(0 - 1) / (0 - 32) == 0.0313", true},/* two negatives: +0.03125 -> 0.0313 */
        {"1 / (0 - 32) == -0.0313", true},
        {"n / (0 - 2) == -3.5", true},
        {"-0.0001 * -0.5 == 0.0001", true},
        {"0.0003 * 0.5 == 0.0002", true},      /* 0.00015 -> 0.0002 */
        {"-0.0003 * 0.5 == -0.0002", true},
        {"33.33% * 3 == 0.9999", true},
        {"0.5% * 0.5% == 0%", true},           /* 0.000025 -> 0.0000 */
        {"1.5% * 1% == 0.02%", true},          /* 0.00015 -> 0.0002 */
        {"min(30%, 40%) == 30%", true},
        {"2 / 3 == 0.6666", false},            /* not truncated */
        {"1 / 3 == 0.3334", false},
    };
    check_facts(NULL, facts, "n=7,m=10");

    /* a typed let: 7 * 30% is the number 2.1, shown as such in the explanation */
    doudi_rules *r = compile_ok("fp.doudi", PRELUDE
                                "let x: number = 7 * 30%\n"
                                "let y: number = n * p\n"
                                "let c: int = ceil(n * p)\n"
                                "category ok when x == 2.1 and y == x and c == 3\n");
    doudi_record *rec = record(r, "id=fp,n=7");
    doudi_outcome o = eval_ok(r, rec);
    assert_int_equal(o.categories, 1);
    assert_int_equal(o.primary, 0);
    assert_int_equal(o.placement, 0);   /* mode x */
    assert_int_equal(o.branch, 0);
    char *j = explain_ok(r, rec, DOUDI_JSON);
    assert_true(json_valid(j));
    assert_contains(j, "\"x\":\"2.1\"");
    assert_contains(j, "\"y\":\"2.1\"");
    assert_contains(j, "\"c\":3");
    doudi_string_free(j);
    char *t = explain_ok(r, rec, DOUDI_TEXT);
    assert_contains(t, "x = 2.1");
    doudi_string_free(t);
    doudi_record_free(rec);
    doudi_free(r);
}

/* ---- dates (§7.3, §10) ------------------------------------------------------------------------ */

static void test_dates(void **state)
{
    (void)state;
    /* d = 2021-03-01 (default), n = 1 */
    static const Fact facts[] = {
        {"2021-03-01 - 2021-02-28 == 1", true},
        {"2020-03-01 - 2020-02-28 == 2", true},    /* 2020 is a leap year */
        {"2000-03-01 - 2000-02-28 == 2", true},    /* 2000 too (divisible by 400) */
        {"1900-03-01 - 1900-02-28 == 1", true},    /* 1900 is not (by 100, not by 400) */
        {"d - 2021-02-28 == 1", true},
        {"2021-02-28 + 1 == 2021-03-01", true},
        {"1 + 2021-02-28 == 2021-03-01", true},
        {"d - n == 2021-02-28", true},
        {"d + 365 == 2022-03-01", true},
        {"2024-12-31 - 2024-01-01 == 365", true},  /* 366 days in 2024, so the last is day 366 */
        {"2000-01-01 - 1970-01-01 == 10957", true},/* 30 years, 7 leap days (72..96): 30*365 + 7 */
        {"2021-04-01 > 2021-03-31", true},
        {"years_between(2000-02-29, 2021-02-28) == 20", true},  /* the birthday counts as 03-01 */
        {"years_between(2000-02-29, 2021-03-01) == 21", true},
        {"years_between(2000-02-29, 2020-02-28) == 19", true},
        {"years_between(2000-02-29, 2020-02-29) == 20", true},
        {"years_between(2003-04-02, 2021-04-01) == 17", true},
        {"years_between(2003-04-01, 2021-04-01) == 18", true},
        {"years_between(1949-12-31, 2021-04-01) == 71", true},
        {"years_between(d, d) == 0", true},
        {"years_between(d, as_of) == 0", true},                 /* one month */
        {"days_between(2021-04-01, 2021-03-01) == -31", true},
        {"days_between(2021-03-01, 2021-04-01) == 31", true},
        {"days_between(d, as_of) == 31", true},
        {"year_of(d) == 2021 and month_of(d) == 3 and day_of(d) == 1", true},
        {"year_of(2000-02-29 + 366) == 2001 and month_of(2000-02-29 + 366) == 3", true},
    };
    check_facts(NULL, facts, "n=1");
}

/* ---- if and case (§8.2) --------------------------------------------------------------------- */

static void test_if_case(void **state)
{
    (void)state;
    doudi_rules *r = compile_ok("case.doudi", PRELUDE
                                "let sign: int = case when n < 0 then -1 when n == 0 then 0 else 1\n"
                                "let band: enum(child, adult, old) = case when n < 18 then child\n"
                                "                                         when n < 60 then adult else old\n"
                                "let w = if tt then 1 else 2.5\n"
                                "let first_wins: int = case when n > 0 then 1 when n > 5 then 2 else 3\n"
                                "category positive when sign == 1\n"
                                "category negative when sign == -1\n"
                                "category adult_band when band == adult\n"
                                "category widened when w == 1 and first_wins == 1\n");
    struct {
        const char *assign;
        const char *sign, *band, *first;
        uint64_t cats;   /* bits: 0 positive, 1 negative, 2 adult_band, 3 widened */
    } cases[] = {
        /* n = -5: sign -1; -5 < 18 child; first_wins 3 (no when holds) */
        {"id=c1,n=-5", "\"sign\":-1", "\"band\":\"child\"", "\"first_wins\":3", CAT(1)},
        /* n = 0: sign 0, child, 3 */
        {"id=c2,n=0", "\"sign\":0", "\"band\":\"child\"", "\"first_wins\":3", 0},
        /* n = 30: sign 1, adult; n > 0 is the first that holds, so 1 (not 2) */
        {"id=c3,n=30", "\"sign\":1", "\"band\":\"adult\"", "\"first_wins\":1", CAT(0) | CAT(2) | CAT(3)},
        /* n = 60: old */
        {"id=c4,n=60", "\"sign\":1", "\"band\":\"old\"", "\"first_wins\":1", CAT(0) | CAT(3)},
    };
    for (size_t i = 0; i < EH_LEN(cases); i++) {
        doudi_record *rec = record(r, cases[i].assign);
        doudi_outcome o = eval_ok(r, rec);
        assert_int_equal(o.categories, cases[i].cats);
        assert_int_equal(o.category_count, popcount64(cases[i].cats));
        assert_int_equal(o.primary, cases[i].cats ? __builtin_ctzll(cases[i].cats) : -1);
        assert_int_equal(o.placement, cases[i].cats ? 0 : -1);
        char *j = explain_ok(r, rec, DOUDI_JSON);
        assert_true(json_valid(j));
        assert_contains(j, cases[i].sign);
        assert_contains(j, cases[i].band);
        assert_contains(j, cases[i].first);
        doudi_string_free(j);
        doudi_record_free(rec);
    }
    doudi_free(r);
}

/* ---- categories and placement (§6.6, §6.7) ---------------------------------------------------- */

static void test_categories_placement(void **state)
{
    (void)state;
    /* primary is the first declared category that holds; the placement branches are tried in
     * order and may read category_count and primary; no branch -> placement -1 */
    doudi_rules *r = compile_ok("pl.doudi",
                                "enum care { home, center, hospital }\n"
                                "record r { id: text key\n"
                                "  n: int }\n"
                                "category big when n > 100\n"
                                "category even when n in {2, 4, 6, 200}\n"
                                "category small when n < 10\n"
                                "placement pl: care first match {\n"
                                "  hospital when category_count >= 2 and primary == even\n"
                                "  center when big\n"
                                "  home when n == 3\n"
                                "}\n");
    struct { const char *assign; uint64_t cats; int primary, placement, branch; } cases[] = {
        {"id=a,n=200", CAT(0) | CAT(1), 0, 1, 1},    /* big, even; primary big -> not hospital; center */
        {"id=b,n=4", CAT(1) | CAT(2), 1, 2, 0},      /* even, small; primary even, 2 hold -> hospital */
        {"id=c,n=3", CAT(2), 2, 0, 2},               /* small -> home (branch 2) */
        {"id=d,n=5", CAT(2), 2, -1, -1},             /* small, but no branch holds */
        {"id=e,n=50", 0, -1, -1, -1},                /* no category: not a target */
    };
    for (size_t i = 0; i < EH_LEN(cases); i++) {
        doudi_record *rec = record(r, cases[i].assign);
        assert_outcome(r, rec, cases[i].cats, cases[i].primary, cases[i].placement, cases[i].branch);
        doudi_record_free(rec);
    }
    /* the explanation of a target that no branch places */
    doudi_record *rec = record(r, "id=d,n=5");
    char *t = explain_ok(r, rec, DOUDI_TEXT);
    assert_contains(t, "no branch matched");
    doudi_string_free(t);
    doudi_record_free(rec);
    assert_string_equal(doudi_placement_name(r, 2), "hospital");
    assert_null(doudi_placement_name(r, 3));
    doudi_free(r);
}

static void assert_compile_error_at(const char *text, const char *want1, const char *want2, const char *file,
                                    int line);

/* ---- field ranges and sets (§6.3) --------------------------------------------------------------- */

static void test_field_constraints(void **state)
{
    (void)state;
    /* a cell outside a field's `in` (a range, or a set of enum values or small ints) and a
     * broken `require` make the record invalid, with the field or the message named */
    doudi_rules *r = compile_ok("fields.doudi",
                                "record r {\n"
                                "  id: text key\n"
                                "  county: text\n"
                                "  code: int in {1, 2, 63}\n"
                                "  kind: enum(a1, b1, c1) in {a1, b1}\n"
                                "  grade: int default 0 in 0..4\n"
                                "  born: date in 1900-01-01..2021-04-01\n"
                                "  require county in {\"410102\", \"410122\"} \"unknown county\"\n"
                                "  require grade == 0 or code == 2 \"grade needs code 2\"\n"
                                "}\n"
                                "category any when grade >= 0\n");
    static const struct { const char *assign; const char *err; } cases[] = {
        {"id=a,county=410122,code=1,kind=a1,born=2000-01-01", NULL},
        {"id=b,county=410102,code=2,kind=b1,grade=4,born=1900-01-01", NULL},  /* both ends of the ranges */
        {"id=b2,county=410102,code=63,kind=b1,born=2021-04-01", NULL},
        {"id=c,county=410199,code=1,kind=a1,born=2000-01-01", "unknown county"},
        {"id=d,county=410122,code=3,kind=a1,born=2000-01-01", "code"},        /* not in {1, 2, 63} */
        {"id=e,county=410122,code=64,kind=a1,born=2000-01-01", "code"},
        {"id=e2,county=410122,code=0,kind=a1,born=2000-01-01", "code"},
        {"id=f,county=410122,code=1,kind=c1,born=2000-01-01", "kind"},        /* c1 is not allowed */
        {"id=g,county=410122,code=1,kind=a1,born=2021-04-02", "born"},        /* a day after the range */
        {"id=g2,county=410122,code=1,kind=a1,born=1899-12-31", "born"},
        {"id=h,county=410122,code=2,kind=a1,grade=5,born=2000-01-01", "grade"},
        {"id=i,county=410122,code=1,kind=a1,grade=3,born=2000-01-01", "grade needs code 2"},
        {"id=j,code=1,kind=a1,born=2000-01-01", "county"},                     /* missing, no default */
    };
    for (size_t i = 0; i < EH_LEN(cases); i++) {
        doudi_record *rec = doudi_record_new(r);
        char *err = NULL;
        int rc = doudi_record_parse(rec, cases[i].assign, &err);
        if (rc == 0) rc = doudi_record_validate(r, rec, &err);
        if (!cases[i].err) {
            if (rc) print_error("%s: %s\n", cases[i].assign, err ? err : "");
            assert_int_equal(rc, 0);
            /* a target, but the file has no placement */
            assert_outcome(r, rec, 1, 0, -1, -1);
            char *j = explain_ok(r, rec, DOUDI_JSON);
            assert_true(json_valid(j));
            assert_contains(j, "\"primary\":\"any\"");
            assert_contains(j, "\"placement\":null");
            doudi_string_free(j);
            doudi_string_free(explain_ok(r, rec, DOUDI_TEXT));
        } else {
            if (rc != -1 || !err || !strstr(err, cases[i].err))
                print_error("%s: want an error naming \"%s\", got %d: %s\n", cases[i].assign, cases[i].err, rc,
                            err ? err : "(none)");
            assert_int_equal(rc, -1);
            assert_non_null(err);
            assert_contains(err, cases[i].err);
        }
        doudi_string_free(err);
        doudi_record_free(rec);
    }
    doudi_free(r);
    /* a field's set holds enum values or ints 0..63 only; text and larger ints are refused
     * when compiling, pointing to a range or a require instead (language.md §6.3 still shows
     * `county: text in {"410102", "410122"}` as a valid complete file: reported) */
    assert_compile_error_at("record r { id: text key\n  county: text in {\"410102\", \"410122\"} }\n", "ints 0..63",
                            "bad.doudi:2:19:", __FILE__, __LINE__);
    assert_compile_error_at("record r { id: text key\n  code: int in {100, 200} }\n", "ints 0..63", NULL, __FILE__,
                            __LINE__);
}

/* ---- run-time errors (§7.2: overflow and division by zero stop the record) -------------------- */

static void test_overflow(void **state)
{
    (void)state;
    const char *src = PRELUDE
        "let big = 9223372036854775807 + n\n"                  /* line 18, col 11 */
        "let prod = n * 4611686018427387904\n"                 /* line 19: 2^62 */
        "let neg = -(0 - 9223372036854775807 - m)\n"           /* line 20: -(INT64_MIN) when m = 1 */
        "let wide: number = z * 1.5\n"                         /* line 21: beyond the number range */
        "category ok when big > 0 and prod >= 0 and neg != 0 and wide >= 0\n";
    doudi_rules *r = compile_ok("ov.doudi", src);

    /* n = 0, m = 0, z = 0: MAX + 0, 0, -(-MAX) = MAX, 0: fine */
    doudi_record *rec = record(r, "id=ok-0");
    doudi_outcome o = eval_ok(r, rec);
    assert_int_equal(o.categories, 1);
    char *j = explain_ok(r, rec, DOUDI_JSON);
    assert_contains(j, "\"big\":9223372036854775807");
    assert_contains(j, "\"neg\":9223372036854775807");
    doudi_string_free(j);
    doudi_record_free(rec);

    /* n = 1: 9223372036854775807 + 1 does not fit in 64 bits */
    rec = record(r, "id=rec-42,n=1");
    assert_eval_fails(r, rec, "rec-42");
    assert_eval_fails(r, rec, "integer overflow");
    assert_eval_fails(r, rec, "ov.doudi:18:11");   /* the sum starts at col 11 */
    char *err = NULL;
    assert_null(doudi_explain(r, rec, DOUDI_TEXT, &err));
    assert_non_null(err);
    assert_contains(err, "integer overflow");
    doudi_string_free(err);
    doudi_record_free(rec);

    /* n = -1: big is MAX - 1, but prod = -2^62 fine; then m = 1: -(INT64_MIN) */
    rec = record(r, "id=neg-1,n=-1,m=1");
    assert_eval_fails(r, rec, "overflow");
    assert_eval_fails(r, rec, "ov.doudi:20:11");   /* the negation starts at col 11 */
    doudi_record_free(rec);

    /* n = -2: prod = -2^63 = INT64_MIN, fits; n = -3 does not */
    rec = record(r, "id=prod-ok,n=-2");
    o = eval_ok(r, rec);
    assert_int_equal(o.categories, 0);   /* prod < 0 */
    doudi_record_free(rec);
    rec = record(r, "id=prod-3,n=-3");
    assert_eval_fails(r, rec, "overflow");
    assert_eval_fails(r, rec, "ov.doudi:19:12");   /* "let prod = " is 11 */
    doudi_record_free(rec);

    /* z = 10^15: as a number (x 10^4) it does not fit */
    rec = record(r, "id=wide,z=1000000000000000");
    assert_eval_fails(r, rec, "overflow");
    assert_eval_fails(r, rec, "ov.doudi:21:20");   /* "let wide: number = " is 19 */
    doudi_record_free(rec);

    /* after a stopped record the next one runs normally */
    rec = record(r, "id=ok-again,n=-1,z=2");
    o = eval_ok(r, rec);
    assert_int_equal(o.categories, 0);   /* prod = -2^62 < 0; big, neg, wide = 3 are fine */
    doudi_record_free(rec);
    doudi_free(r);
}

static void test_division_by_zero(void **state)
{
    (void)state;
    const char *src = PRELUDE
        "let ratio: number = n / z\n"                          /* line 18 */
        "let frac: number = q / (p - 30%)\n"                   /* line 19: p = 30% -> 0 */
        "category ok when ratio > 0 and frac > 0\n";
    doudi_rules *r = compile_ok("div.doudi", src);
    doudi_record *rec = record(r, "id=div-1,n=1,z=0,p=40%");
    assert_eval_fails(r, rec, "division by zero");
    assert_eval_fails(r, rec, "div-1");
    assert_eval_fails(r, rec, "div.doudi:18:21");  /* "let ratio: number = " is 20 */
    doudi_record_free(rec);
    rec = record(r, "id=div-2,n=1,z=4");   /* p = 30% (default) */
    assert_eval_fails(r, rec, "division by zero");
    assert_eval_fails(r, rec, "div.doudi:19:20");  /* "let frac: number = " is 19 */
    doudi_record_free(rec);
    /* n / z = 0.25, q / 10% = 5 */
    rec = record(r, "id=div-3,n=1,z=4,p=40%");
    doudi_outcome o = eval_ok(r, rec);
    assert_int_equal(o.categories, 1);
    char *j = explain_ok(r, rec, DOUDI_JSON);
    assert_contains(j, "\"ratio\":\"0.25\"");
    assert_contains(j, "\"frac\":\"5\"");
    doudi_string_free(j);
    doudi_record_free(rec);
    doudi_free(r);
}

/* ---- compile errors ----------------------------------------------------------------------------- */

static void assert_compile_error_at(const char *text, const char *want1, const char *want2, const char *file,
                                    int line)
{
    char *diags = NULL;
    doudi_rules *r = doudi_compile_string("bad.doudi", text, strlen(text), &diags);
    if (r) {
        print_error("%s:%d: compiled, but should not have\n", file, line);
        doudi_free(r);
        doudi_string_free(diags);
        _fail(file, line);
    }
    assert_contains_at(diags, want1, file, line);
    if (want2) assert_contains_at(diags, want2, file, line);
    doudi_string_free(diags);
}
#define assert_compile_error(text, w1, w2) assert_compile_error_at((text), (w1), (w2), __FILE__, __LINE__)

static void test_compile_errors(void **state)
{
    (void)state;
    /* line 18, col 17: "category c when " is 16 characters */
    assert_compile_error(PRELUDE "category c when elderley\n", "unknown name 'elderley'", "bad.doudi:18:17: error:");
    assert_compile_error(PRELUDE "let a2 = year_between(d, as_of)\n", "unknown function 'year_between'", "years_between");
    assert_compile_error(PRELUDE "category c when t == 410122\n", "cannot compare text with int", NULL);
    assert_compile_error(PRELUDE "category c when n = 1\n", "bad.doudi:18:", NULL);               /* syntax */
    assert_compile_error(PRELUDE "let a2 = a2 + 1\n", "depends on itself", NULL);
    assert_compile_error(PRELUDE "let v = if tt then 1 else \"x\"\n", "every branch must give", NULL);
    assert_compile_error(PRELUDE "category c when e == purple\n", "purple", NULL);
    /* several errors are all reported */
    {
        const char *text = PRELUDE "category c1 when nope1\ncategory c2 when nope2\n";
        char *diags = NULL;
        assert_null(doudi_compile_string("bad.doudi", text, strlen(text), &diags));
        assert_contains(diags, "nope1");
        assert_contains(diags, "nope2");
        doudi_string_free(diags);
    }
    /* warnings do not stop compiling: they come back in *diagnostics */
    {
        const char *text = PRELUDE "let unused_value = n + 1\ncategory c when tt\n";
        char *diags = NULL;
        doudi_rules *r = doudi_compile_string("warn.doudi", text, strlen(text), &diags);
        assert_non_null(r);
        assert_non_null(diags);
        assert_contains(diags, "warning");
        assert_contains(diags, "unused_value");
        doudi_string_free(diags);
        doudi_free(r);
    }
    /* a clean file: no diagnostics at all */
    {
        const char *text = PRELUDE "category c when tt\n";
        char *diags = (char *)"sentinel";
        doudi_rules *r = doudi_compile_string("ok.doudi", text, strlen(text), &diags);
        assert_non_null(r);
        assert_null(diags);
        doudi_free(r);
    }
    /* an unreadable file */
    {
        char *diags = NULL;
        assert_null(doudi_compile_file("tests/no/such/file.doudi", &diags));
        assert_non_null(diags);
        doudi_string_free(diags);
    }
}

/* ---- constants, names, size ------------------------------------------------------------------ */

/* A constant expression that overflows, or divides by zero, would stop every record at run
 * time: it is a check error at the expression instead (line 18 is the first after PRELUDE;
 * "let a2 = " is 9 characters). So is an int constant that does not fit in a number where one
 * is wanted (× 10^4 past 2^63): in arithmetic, a comparison, a range, a let, a param, a
 * branch, min/max. Limits: int ±9223372036854775807, number ±922337203685477.5807. */
static void test_constant_overflow(void **state)
{
    (void)state;
    static const char *const ovf_int = "this constant expression overflows int";
    static const char *const ovf_num = "this constant expression overflows number";
    static const char *const no_fit = "this int does not fit in a number";
    assert_compile_error(PRELUDE "let a2 = 9223372036854775807 + 1\n", ovf_int, "bad.doudi:18:10: error:");
    assert_compile_error(PRELUDE "let a2 = -9223372036854775807 - 2\n", ovf_int, "bad.doudi:18:10: error:");
    assert_compile_error(PRELUDE "let a2 = -(-9223372036854775807 - 1)\n", ovf_int, "bad.doudi:18:10: error:");
    assert_compile_error(PRELUDE "let a2 = 3037000500 * 3037000500\n", ovf_int, NULL);   /* 2^63 + 5.6e9 */
    /* the inner sum is the one that overflows: the error points at it (col 11) */
    assert_compile_error(PRELUDE "let a2 = (9223372036854775807 + 1) - 5\n", ovf_int, "bad.doudi:18:11: error:");
    assert_compile_error(PRELUDE "let a2 = 922337203685477.5807 + 0.0001\n", ovf_num, NULL);
    assert_compile_error(PRELUDE "let a2 = 461168601842739 * 2.0\n", ovf_num, NULL);
    assert_compile_error(PRELUDE "let a2 = 922337203685477 / 0.5\n", ovf_num, NULL);
    assert_compile_error(PRELUDE "let a2 = 1 / 0\n", "this constant expression divides by zero", "18:10");
    /* q is not a constant, its divisor is: every record would stop */
    assert_compile_error(PRELUDE "let a2 = q / (1.5 - 1.5)\n", "this divides by zero: its divisor is always 0", "18:10");
    /* 922337203685478 × 10^4 > 2^63 - 1: it does not fit in a number */
    assert_compile_error(PRELUDE "let a2 = q * 922337203685478\n", no_fit, "bad.doudi:18:14: error:");
    assert_compile_error(PRELUDE "category c when q < 922337203685478\n", no_fit, "bad.doudi:18:21: error:");
    assert_compile_error(PRELUDE "category c when q in 0..922337203685478\n", no_fit, "bad.doudi:18:25: error:");
    assert_compile_error(PRELUDE "let a2: number = 922337203685478\n", no_fit, "bad.doudi:18:18: error:");
    assert_compile_error(PRELUDE "param big: number = 922337203685478\n", no_fit, "bad.doudi:18:21: error:");
    assert_compile_error(PRELUDE "let a2 = if tt then q else 922337203685478\n", no_fit, "bad.doudi:18:28: error:");
    assert_compile_error(PRELUDE "let a2 = min(q, 922337203685478)\n", no_fit, "bad.doudi:18:17: error:");
    assert_compile_error(PRELUDE "record s {\n  id: text key\n  w: number default 922337203685478\n}\n", no_fit,
                         "bad.doudi:20:21: error:");
    /* one error for one mistake: the sum above the overflow is not reported again */
    {
        const char *text = PRELUDE "let a2 = (9223372036854775807 + 1) * 2 + n\ncategory c when a2 > 0\n";
        char *diags = NULL;
        assert_null(doudi_compile_string("bad.doudi", text, strlen(text), &diags));
        assert_non_null(strstr(diags, ovf_int));
        assert_null(strstr(strstr(diags, ovf_int) + 1, ovf_int));
        doudi_string_free(diags);
    }
}

/* Constants up to the limits fold, and to what the VM would compute; numbers are not bits of
 * a mask (`q in {1, 2}` with q = 1: 1 as a number is 10000, which the mask of {1, 2} has no
 * bit for — it was false before). */
static void test_constant_limits(void **state)
{
    (void)state;
    static const Fact facts[] = {
        {"9223372036854775807 - 1 + 1 == 9223372036854775807", true},
        {"-9223372036854775807 - 1 < -9223372036854775806", true},
        {"922337203685477 + 0.5807 == 922337203685477.5807", true},
        {"922337203685477 * 1.0 == 922337203685477", true},
        {"-922337203685477.5807 - 0.0001 < 0", true},
        {"3037000499 * 3037000499 == 9223372030926249001", true},   /* (2^31.5 - 0.5)^2 fits */
        {"q in {1, 2}", true},
        {"q in {0, 2}", false},
        {"q not in {1}", false},
        {"q in {1, 2.5}", true},
        {"n in {1.0, 2}", true},
        {"n in {1, 2}", true},
    };
    check_facts(NULL, facts, "q=1,n=2");
}

/* SQLite compares table and column names ignoring ASCII case, and keeps names starting with
 * sqlite_ (doudi_: the ledger's own tables): such names are check errors. */
static void test_name_rules(void **state)
{
    (void)state;
    const char *clash = "only in upper and lower case, which the ledger does not tell apart";
    assert_compile_error(PRELUDE "record R {\n  id: text key\n}\n", "record 'R' differs from record 'r' ", clash);
    assert_compile_error(PRELUDE "record s {\n  id: text key\n  x: int\n  X: int\n}\n",
                         "bad.doudi:21:3: error: field 'X' differs from field 'x' ", clash);
    assert_compile_error(PRELUDE "record s {\n  Id: text key\n  ID: int\n}\n", "field 'ID' differs from field 'Id'", NULL);
    assert_compile_error(PRELUDE "record sqlite_stat1 {\n  id: text key\n}\n",
                         "the record name 'sqlite_stat1' is reserved", NULL);
    assert_compile_error(PRELUDE "record s {\n  id: text key\n  Doudi_Run: int\n}\n",
                         "the field name 'Doudi_Run' is reserved", "bad.doudi:20:3");
    /* Chinese names have no case; names that merely contain the prefixes are fine */
    doudi_rules *r = compile_ok("names.doudi", PRELUDE "record 户 {\n  编号: text key\n  my_doudi_x: int\n  sqlite: int\n}\n"
                                                      "category c when tt\n");
    doudi_free(r);
}

/* Lets read lets declared after them: each is computed after what it reads, however long the
 * chain (20,000 here, each reading the next: v0 = n + 19,999), and whatever the names. */
static void test_let_order(void **state)
{
    (void)state;
    enum { N = 20000 };
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(PRELUDE "category big when v0 == n + 19999\n", f);
    for (int i = 0; i < N - 1; i++) fprintf(f, "let v%d = v%d + 1\n", i, i + 1);
    fprintf(f, "let v%d = n\n", N - 1);
    fclose(f);
    doudi_rules *r = compile_ok("chain.doudi", text);
    free(text);
    doudi_record *rec = record(r, "id=k,n=5");
    assert_int_equal(eval_ok(r, rec).categories, 1);
    doudi_record_free(rec);
    doudi_free(r);

    /* `red` is a let and a value of e's enum: in `k == red` it is the value (k is e's enum), so
     * a2 does not read the let red, which reads a2 — no cycle. a2 = 1 when e is red, else 2;
     * the let red = a2 + 1. */
    r = compile_ok("names.doudi", PRELUDE
                   "let a2 = if k == red then 1 else 2\n"
                   "let red = a2 + 1\n"
                   "let k = e\n"
                   "category is2 when red == 2\n");
    rec = record(r, "id=k,e=red");
    assert_int_equal(eval_ok(r, rec).categories, 1);
    doudi_record_free(rec);
    rec = record(r, "id=k,e=blue");
    assert_int_equal(eval_ok(r, rec).categories, 0);
    doudi_record_free(rec);
    doudi_free(r);
    /* and where that name does read the let, a cycle through it is found */
    assert_compile_error(PRELUDE "let red = a3\nlet a3 = red + 1\ncategory c when a3 > 0\n", "depends on itself",
                         "a3 -> red -> a3");
}

/* Chains of 20,000 terms compile (and compute what they say); nesting deeper than the checker's
 * 1,000 levels is an error where it happens. */
static void test_long_expressions(void **state)
{
    (void)state;
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(PRELUDE "let s = n", f);
    for (int i = 1; i < 20000; i++) fputs(i % 2 ? " + 1" : " - n", f);
    fputs("\ncategory c1 when s == 10000\ncategory c2 when tt", f);
    for (int i = 1; i < 20000; i++) fputs(i % 2 ? " and n > 1" : " and tt", f);
    fputs("\n", f);
    fclose(f);
    doudi_rules *r = compile_ok("long.doudi", text);
    free(text);
    doudi_record *rec = record(r, "id=k,n=7");   /* s = 7 + 10,000 - 9,999 × 7 ... */
    doudi_outcome o = eval_ok(r, rec);
    /* n appears once added and 9,999 times subtracted: s = 10,000 - 9,998 × 7 = -59,986 */
    assert_int_equal(o.categories, 2);
    char *j = explain_ok(r, rec, DOUDI_JSON);
    assert_contains(j, "\"s\":-59986");
    doudi_string_free(j);
    doudi_record_free(rec);
    rec = record(r, "id=k,n=1");   /* s = 10,000 - 9,998 = 2; n > 1 fails */
    o = eval_ok(r, rec);
    assert_int_equal(o.categories, 0);
    doudi_record_free(rec);
    doudi_free(r);

    f = open_memstream(&text, &len);
    fputs(PRELUDE "let x = ", f);
    for (int i = 0; i < 1001; i++) fputs("not ", f);
    fputs("tt\ncategory c when x\n", f);
    fclose(f);
    /* the 1,001st `not` stands 1,000 levels deep: column 9 + 1000 × 4 */
    assert_compile_error(text, "bad.doudi:18:4009: error: this expression nests more than 1000 levels deep", NULL);
    free(text);
}

/* ---- .ddc: round trip, damage, disassembly --------------------------------------------------- */

/* The .ddc header (src/vm/ddc.c): "DDC\x1A", u32 version, u64 opcode-table hash, u64 total
 * length, u64 FNV-1a 64 of every byte after the 32-byte header, all little-endian. */
enum { DDC_HEADER = 32, DDC_SUM_AT = 24 };

/* Zhengzhou people (see test_eval.c for the hand-worked outcomes), to compare compiled and
 * loaded rules on. */
static const struct { const char *birth; bool male; const char *overrides; } zz_people[] = {
    {NULL, true, NULL},
    {"1950-06-15", true, "labor_capacity=none,income_source=0,supporter=none"},
    {NULL, true, "dibao=1,disability_type=physical,disability_grade=1"},
    {NULL, true, "dibao=1,chronic_severe=1,family_can_bear=0,adl_bathe=0"},
    {NULL, true, "dibao=1,labor_capacity=partial,family_care=heavy," ZZ_HOME_MET ",wants_central=no"},
    {"2010-05-05", false, "guardian=none"},
    {"1950-06-15", true, "dibao=1,has_caretaker=0,adl_walk=0,adl_bathe=0"},
    {"2010-05-05", false,
     "dibao=1,labor_capacity=none,income_source=0,supporter=unable,disability_type=mental,disability_grade=1,"
     "chronic_severe=1,family_can_bear=0,adl_eat=0,adl_dress=0,adl_bed=0,adl_toilet=0,family_care=heavy,guardian=none"},
    {NULL, true, "dibao=1,labor_capacity=partial,family_care=heavy,adl_eat=0,adl_dress=0,adl_bed=0,adl_toilet=0"},
    {"2003-04-02", false, "guardian=none"},
};
/* the outcomes by hand, in the same order (categories, primary, placement, branch) */
static const struct { uint64_t cats; int primary, placement, branch; } zz_expected[] = {
    {0, -1, -1, -1},
    {CAT(TEKUN), TEKUN, VILLAGE_COURTYARD, BR_FULL},
    {CAT(SEVERE_DISABLED), SEVERE_DISABLED, DISABILITY_CENTER, BR_DISABILITY},
    {CAT(CHRONIC_ILLNESS), CHRONIC_ILLNESS, MEDICAL_REHAB, BR_MEDICAL},
    {CAT(DISABLED_CARE), DISABLED_CARE, HOME, BR_HOME},
    {CAT(ORPHAN), ORPHAN, WELFARE_INSTITUTION, BR_ORPHAN},
    {CAT(LONELY_ELDERLY), LONELY_ELDERLY, TOWNSHIP_HOME, BR_PARTIAL},
    {CAT(TEKUN) | CAT(SEVERE_DISABLED) | CAT(CHRONIC_ILLNESS) | CAT(DISABLED_CARE) | CAT(ORPHAN), TEKUN, MEDICAL_REHAB,
     BR_MEDICAL},
    {CAT(DISABLED_CARE), DISABLED_CARE, WELFARE_INSTITUTION, BR_NONE},
    {CAT(ORPHAN), ORPHAN, WELFARE_INSTITUTION, BR_ORPHAN},
};

/* A fresh temporary file name (the file exists, empty); caller unlinks. */
static char *temp_path(void)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(4096);
    assert_non_null(path);
    snprintf(path, 4096, "%s/doudi-sem-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

/* r, saved as a .ddc and loaded again, passes the verifier. */
static void assert_loads_at(const doudi_rules *r, const char *file, int line)
{
    char *path = temp_path(), *err = NULL;
    assert_int_equal(doudi_save(r, path, NULL), 0);
    doudi_rules *loaded = doudi_load(path, &err);
    if (!loaded) print_error("%s:%d: the compiled program does not load: %s\n", file, line, err ? err : "");
    doudi_string_free(err);
    unlink(path);
    free(path);
    if (!loaded) _fail(file, line);
    doudi_free(loaded);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        if (!k) break;
        n += k;
    }
    fclose(f);
    *len = n;
    return buf;
}

static void write_all(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len) assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_ddc_round_trip(void **state)
{
    (void)state;
    char *diags = NULL;
    doudi_rules *src = doudi_compile_file(ZZ_RULES, &diags);
    doudi_string_free(diags);
    assert_non_null(src);
    char *path = temp_path();
    char *err = NULL;
    assert_int_equal(doudi_save(src, path, &err), 0);
    assert_null(err);
    doudi_rules *ddc = doudi_load(path, &err);
    if (!ddc) print_error("doudi_load: %s\n", err ? err : "");
    assert_non_null(ddc);
    doudi_rules *opened = doudi_open(path, &err);          /* by its magic */
    assert_non_null(opened);
    doudi_rules *opened_src = doudi_open(ZZ_RULES, &err);  /* compiled */
    assert_non_null(opened_src);

    /* what the rules declare survives */
    assert_string_equal(doudi_policy(ddc), doudi_policy(src));
    assert_int_equal(doudi_category_count(ddc), doudi_category_count(src));
    for (int i = 0; i < doudi_category_count(src); i++) {
        assert_string_equal(doudi_category_name(ddc, i), doudi_category_name(src, i));
        assert_string_equal(doudi_category_label(ddc, i), doudi_category_label(src, i));
        assert_string_equal(doudi_category_cite(ddc, i), doudi_category_cite(src, i));
    }
    assert_int_equal(doudi_field_count(ddc), doudi_field_count(src));
    for (int i = 0; i < doudi_field_count(src); i++) assert_string_equal(doudi_field_name(ddc, i), doudi_field_name(src, i));
    for (int v = 0; v < 6; v++) assert_string_equal(doudi_placement_name(ddc, v), doudi_placement_name(src, v));

    /* the same outcomes (the hand-worked ones) and the same explanations */
    doudi_rules *all[] = {src, ddc, opened, opened_src};
    for (size_t k = 0; k < EH_LEN(zz_people); k++) {
        char *texts[EH_LEN(all)][2];
        for (size_t w = 0; w < EH_LEN(all); w++) {
            doudi_record *rec = zz_person(all[w], zz_people[k].birth, zz_people[k].male, zz_people[k].overrides);
            assert_outcome(all[w], rec, zz_expected[k].cats, zz_expected[k].primary, zz_expected[k].placement,
                           zz_expected[k].branch);
            texts[w][0] = explain_ok(all[w], rec, DOUDI_TEXT);
            texts[w][1] = explain_ok(all[w], rec, DOUDI_JSON);
            doudi_record_free(rec);
        }
        for (size_t w = 1; w < EH_LEN(all); w++) {
            assert_string_equal(texts[w][0], texts[0][0]);
            assert_string_equal(texts[w][1], texts[0][1]);
        }
        for (size_t w = 0; w < EH_LEN(all); w++) {
            doudi_string_free(texts[w][0]);
            doudi_string_free(texts[w][1]);
        }
    }

    /* a param override works on loaded rules too (age 39 -> 40 on 2021-05-10) */
    {
        doudi_record *rec = zz_person(ddc, NULL, true, NULL);
        assert_int_equal(doudi_set_param(ddc, "as_of", "2021-05-10", NULL), 0);
        char *j = explain_ok(ddc, rec, DOUDI_JSON);
        assert_contains(j, "\"age\":40,");
        doudi_string_free(j);
        doudi_record_free(rec);
    }

    /* the record's requires survive: a wrong check digit is refused with the message */
    {
        doudi_record *rec = zz_person(ddc, NULL, true, "id=410122198105100014");
        assert_eval_fails(ddc, rec, "身份证号校验位不正确（GB 11643-1999）");
        doudi_record_free(rec);
    }

    /* the disassembly names every category, compiled or loaded */
    for (size_t w = 0; w < 2; w++) {
        char *dis = doudi_disasm(all[w]);
        assert_non_null(dis);
        for (int i = 0; i < doudi_category_count(src); i++) assert_contains(dis, doudi_category_name(src, i));
        doudi_string_free(dis);
    }
    /* saving the loaded rules gives the same bytes */
    {
        char *path2 = temp_path();
        assert_int_equal(doudi_save(ddc, path2, NULL), 0);
        size_t n1, n2;
        unsigned char *b1 = read_all(path, &n1), *b2 = read_all(path2, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        free(b1);
        free(b2);
        unlink(path2);
        free(path2);
    }
    for (size_t w = 0; w < EH_LEN(all); w++) doudi_free(all[w]);
    unlink(path);
    free(path);
}

/* doudi_load of `data` refuses it: NULL, with a message, and no crash. */
static void assert_load_refused_at(const char *path, const unsigned char *data, size_t len, const char *what,
                                   const char *file, int line)
{
    write_all(path, data, len);
    char *err = NULL;
    doudi_rules *r = doudi_load(path, &err);
    if (r || !err) {
        print_error("%s:%d: %s: doudi_load %s\n", file, line, what, r ? "accepted it" : "gave no message");
        doudi_free(r);
        doudi_string_free(err);
        _fail(file, line);
    }
    doudi_string_free(err);
}
#define assert_load_refused(path, data, len, what) assert_load_refused_at((path), (data), (len), (what), __FILE__, __LINE__)

static void test_ddc_damaged(void **state)
{
    (void)state;
    char *diags = NULL;
    doudi_rules *src = doudi_compile_file(ZZ_RULES, &diags);
    doudi_string_free(diags);
    assert_non_null(src);
    char *path = temp_path();
    assert_int_equal(doudi_save(src, path, NULL), 0);
    doudi_free(src);
    size_t len;
    unsigned char *good = read_all(path, &len);
    assert_true(len > 64);
    assert_memory_equal(good, "DDC\x1A", 4);
    char *bad = temp_path();
    char what[64];

    /* no such file */
    {
        char *err = NULL;
        assert_null(doudi_load("tests/no/such/file.ddc", &err));
        assert_non_null(err);
        doudi_string_free(err);
    }
    /* truncated at every length of the header, then at a few more */
    for (size_t n = 0; n <= 32; n++) {
        snprintf(what, sizeof what, "truncated to %zu bytes", n);
        assert_load_refused(bad, good, n, what);
    }
    size_t cuts[] = {len / 4, len / 2, len - 8, len - 1};
    for (size_t i = 0; i < EH_LEN(cuts); i++) {
        snprintf(what, sizeof what, "truncated to %zu bytes", cuts[i]);
        assert_load_refused(bad, good, cuts[i], what);
    }
    /* one byte too many */
    {
        unsigned char *longer = malloc(len + 1);
        assert_non_null(longer);
        memcpy(longer, good, len);
        longer[len] = 0;
        assert_load_refused(bad, longer, len + 1, "a byte appended");
        free(longer);
    }
    /* garbage, with and without the magic */
    {
        unsigned char *junk = malloc(len);
        assert_non_null(junk);
        uint64_t s = 0x9e3779b97f4a7c15u;
        for (size_t i = 0; i < len; i++) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            junk[i] = (unsigned char)(s >> 56);
        }
        assert_load_refused(bad, junk, len, "garbage");
        memcpy(junk, "DDC\x1A", 4);
        assert_load_refused(bad, junk, len, "garbage after the magic");
        free(junk);
        /* a rule file is not a .ddc */
        const char *text = "record r { id: text key }\n";
        assert_load_refused(bad, (const unsigned char *)text, strlen(text), "a rule file");
    }
    /* single bytes flipped — every byte of the header and of the last 32, every 7th between:
     * the header checks or the checksum must catch each */
    {
        unsigned char *copy = malloc(len);
        assert_non_null(copy);
        for (size_t i = 0; i < len; i += (i < DDC_HEADER || i + 32 >= len) ? 1 : 7) {
            memcpy(copy, good, len);
            copy[i] ^= 0x01;
            snprintf(what, sizeof what, "byte %zu flipped", i);
            assert_load_refused(bad, copy, len, what);
        }
        free(copy);
    }
    free(good);
    unlink(bad);
    free(bad);
    unlink(path);
    free(path);
}

/* FNV-1a 64, the .ddc checksum. */
static uint64_t fnv1a64(const unsigned char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* Damage past the checksum: each byte of the body changed and the checksum stamped again, so
 * only the structural checks (bounds, counts, operands: program_verify) stand between the
 * damage and the VM. Each such file is refused or, when the change happens to give a sound
 * program, runs without a crash (ASan/UBSan watch under `make SAN=1 test`). */
static void test_ddc_damaged_body(void **state)
{
    (void)state;
    char *diags = NULL;
    doudi_rules *src = doudi_compile_file(ZZ_RULES, &diags);
    doudi_string_free(diags);
    assert_non_null(src);
    char *path = temp_path();
    assert_int_equal(doudi_save(src, path, NULL), 0);
    doudi_free(src);
    size_t len;
    unsigned char *good = read_all(path, &len);
    assert_true(len > DDC_HEADER);
    /* the checksum is what we think it is */
    uint64_t sum = 0;
    for (int i = 7; i >= 0; i--) sum = sum << 8 | good[DDC_SUM_AT + i];
    assert_true(sum == fnv1a64(good + DDC_HEADER, len - DDC_HEADER));

    /* the rule file's text (after the header's three strings: a u32 length, then the bytes)
     * is carried, never interpreted: damage there is no test of the checks, so it is skipped
     * (its length field is not) */
    size_t text_at = DDC_HEADER;
    for (int k = 0; k < 3; k++) {
        uint32_t n = (uint32_t)good[text_at] | (uint32_t)good[text_at + 1] << 8 | (uint32_t)good[text_at + 2] << 16 |
                     (uint32_t)good[text_at + 3] << 24;
        text_at += 4 + (n == 0xFFFFFFFFu ? 0 : n);
    }
    size_t text_len = (size_t)good[text_at] | (size_t)good[text_at + 1] << 8 | (size_t)good[text_at + 2] << 16 |
                      (size_t)good[text_at + 3] << 24;
    assert_true(text_at + 4 + text_len < len);
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    static const unsigned char flips[] = {0x01, 0x80, 0xFF};
    size_t accepted = 0, refused = 0;
    for (size_t f = 0; f < EH_LEN(flips); f++)
        for (size_t i = DDC_HEADER; i < len; i += f == 0 ? 1 : 3) {
            if (i >= text_at + 4 && i < text_at + 4 + text_len) continue;
            memcpy(copy, good, len);
            copy[i] ^= flips[f];
            uint64_t h = fnv1a64(copy + DDC_HEADER, len - DDC_HEADER);
            for (int b = 0; b < 8; b++) copy[DDC_SUM_AT + b] = (unsigned char)(h >> (8 * b));
            write_all(path, copy, len);
            char *err = NULL;
            doudi_rules *r = doudi_load(path, &err);
            if (!r) {
                assert_non_null(err);
                doudi_string_free(err);
                refused++;
                continue;
            }
            accepted++;
            /* it loaded: using it must not crash; results may differ, errors are fine */
            for (size_t k = 0; k < EH_LEN(zz_people); k++) {
                doudi_record *rec = doudi_record_new(r);
                char id[19], buf[1024];
                const char *birth = zz_people[k].birth ? zz_people[k].birth : ZZ_BASE_BIRTH;
                make_id(id, "410122", birth, zz_people[k].male ? 1 : 2);
                snprintf(buf, sizeof buf, "id=%s,birth_date=%s,sex=%s,%s%s%s", id, birth,
                         zz_people[k].male ? "male" : "female", ZZ_BASE, zz_people[k].overrides ? "," : "",
                         zz_people[k].overrides ? zz_people[k].overrides : "");
                char *e2 = NULL;
                if (doudi_record_parse(rec, buf, &e2) == 0) {
                    doudi_outcome o;
                    doudi_string_free(e2);
                    e2 = NULL;
                    (void)doudi_eval(r, rec, &o, &e2);
                    doudi_string_free(e2);
                    e2 = NULL;
                    doudi_string_free(doudi_explain(r, rec, DOUDI_TEXT, &e2));
                    doudi_string_free(e2);
                    e2 = NULL;
                    doudi_string_free(doudi_explain(r, rec, DOUDI_JSON, &e2));
                }
                doudi_string_free(e2);
                doudi_record_free(rec);
            }
            doudi_string_free(doudi_disasm(r));
            doudi_free(r);
        }
    print_message("      %zu damaged bodies refused, %zu loaded and ran\n", refused, accepted);
    assert_true(refused > 0);
    free(copy);
    free(good);
    unlink(path);
    free(path);
}

static void test_disasm(void **state)
{
    (void)state;
    doudi_rules *r = compile_ok("dis.doudi", PRELUDE
                                "let sum = n + m\n"
                                "category alpha_cat when sum > 1\n"
                                "category beta_cat when e in {green, blue}\n"
                                "category gamma_cat when t == \"x\"\n");
    char *dis = doudi_disasm(r);
    assert_non_null(dis);
    assert_contains(dis, "alpha_cat");
    assert_contains(dis, "beta_cat");
    assert_contains(dis, "gamma_cat");
    assert_contains(dis, "sum");
    doudi_string_free(dis);
    doudi_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_short_circuit),
        cmocka_unit_test(test_explain_if_case_condition),
        cmocka_unit_test(test_explain_negated_group),
        cmocka_unit_test(test_sets_ranges),
        cmocka_unit_test(test_fixed_point),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_if_case),
        cmocka_unit_test(test_categories_placement),
        cmocka_unit_test(test_field_constraints),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_division_by_zero),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_constant_overflow),
        cmocka_unit_test(test_constant_limits),
        cmocka_unit_test(test_name_rules),
        cmocka_unit_test(test_let_order),
        cmocka_unit_test(test_long_expressions),
        cmocka_unit_test(test_ddc_round_trip),
        cmocka_unit_test(test_ddc_damaged),
        cmocka_unit_test(test_ddc_damaged_body),
        cmocka_unit_test(test_disasm),
    };
    return cmocka_run_group_tests_name("language semantics", tests, NULL, NULL);
}
