/* ledger_helpers.h — shared by test_import.c and test_run.c (header only, `static inline`).
 *
 * - A scratch directory (mkdtemp under $TMPDIR) that each test removes with what it holds.
 * - Persons: a valid §1 person row built from a county, a birth date and a sequence number
 *   (the resident id made with this file's own GB 11643-1999 check digit), whose cells can be
 *   changed by column name before it is written as a CSV line.
 * - Reading a ledger back with SQLite directly (not through doudi), as text: one line per
 *   row, columns joined by '|', so tests compare whole tables as strings.
 * - The Zhengzhou rule file compiled once per test binary (RULES, or $DOUDI_RULES).
 *
 * The tests run from the top of the tree (as `make test` does). */
#ifndef DOUDI_LEDGER_HELPERS_H
#define DOUDI_LEDGER_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doudi.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof *(a))
#define RULES "rules/zhengzhou-2021.doudi"

/* ---- text buffers ------------------------------------------------------------------------ */

typedef struct Buf {
    char *p;
    size_t n, cap;
} Buf;

static inline void buf_add(Buf *b, const char *s, size_t n)
{
    if (n > ((size_t)1 << 40)) abort();   /* a negative length cast: a bug in the test */
    if (b->n + n + 1 > b->cap) {
        while (b->n + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 256;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static inline void buf_puts(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static inline void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void buf_printf(Buf *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof tmp);
    buf_add(b, tmp, (size_t)n);
}

/* The text (never NULL); the caller frees. */
static inline char *buf_take(Buf *b)
{
    if (!b->p) buf_add(b, "", 0);
    char *p = b->p;
    *b = (Buf){0};
    return p;
}

/* printf into one of 8 rotating static buffers: for short-lived strings in assertions. */
static inline const char *sf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline const char *sf(const char *fmt, ...)
{
    static char ring[8][8192];
    static unsigned next;
    char *out = ring[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, sizeof ring[0], fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof ring[0]);
    return out;
}

/* ---- files ------------------------------------------------------------------------------- */

static inline char *make_tmpdir(void) { return make_tmpdir_tagged("ledger"); }


/* dir/name, in a buffer the caller frees. */
static inline char *path_in(const char *dir, const char *name)
{
    Buf b = {0};
    buf_printf(&b, "%s/%s", dir, name);
    return buf_take(&b);
}

static inline void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static inline void write_text(const char *path, const char *text) { write_bytes(path, text, strlen(text)); }

/* The whole file; NULL when it cannot be read. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    Buf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&b, chunk, got);
    fclose(f);
    if (len) *len = b.n;
    return buf_take(&b);
}

/* ---- persons ----------------------------------------------------------------------------- */

enum { NCOLS = 36 };

/* §1 order, identifiers, and the labels of the rule file. */
static const char *const COLS[NCOLS] = {
    "id", "name", "county", "township", "village", "birth_date", "sex", "dibao", "low_income",
    "registered_poor", "labor_capacity", "income_source", "supporter", "disability_type",
    "disability_grade", "chronic_severe", "family_can_bear", "severe_mental", "adl_eat", "adl_dress",
    "adl_bed", "adl_toilet", "adl_walk", "adl_bathe", "family_care", "guardian",
    "de_facto_unsupported", "has_caretaker", "home_caregiver", "home_same_food", "home_same_housing",
    "home_medical", "home_activity_space", "home_heating_cooling", "home_pocket_money", "wants_central",
};
static const char *const LABELS[NCOLS] = {
    "身份证号", "姓名", "区县代码", "乡镇（街道）", "村（社区）", "出生日期", "性别", "低保对象",
    "低收入对象", "建档立卡对象", "劳动能力", "有生活来源", "法定义务人", "残疾类别", "残疾等级",
    "重症慢性病", "家庭可负担", "重度精神病", "自主吃饭", "自主穿衣", "自主上下床", "自主如厕",
    "室内自主行走", "自主洗澡", "家庭照料能力", "监护人", "事实无人抚养", "有人照料", "有专人照料",
    "饮食相同", "居住相同", "有病能医", "有舒适活动场所", "四季冷暖无忧", "有零花钱", "集中供养意愿",
};

static inline int col_index(const char *name)
{
    for (int i = 0; i < NCOLS; i++)
        if (!strcmp(COLS[i], name)) return i;
    fail_msg("no column %s", name);
    return -1;
}

/* GB 11643-1999: the check character of the first 17 digits. */
static inline char id_check(const char *first17)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (first17[i] - '0') * w[i];
    return "10X98765432"[sum % 11];
}

/* county (6 digits) + birth YYYYMMDD + a sequence of 3 digits whose last is odd for men. */
static inline void make_id(char out[19], const char *county, const char *birth_ymd, unsigned seq, bool male)
{
    seq = seq % 1000;
    if ((seq % 2 == 1) != male) seq = (seq / 2) * 2 + (male ? 1 : 0);
    snprintf(out, 18, "%s%s%03u", county, birth_ymd, seq);
    out[17] = id_check(out);
    out[18] = '\0';
}

typedef struct Person {
    char cell[NCOLS][80];
} Person;

static inline void person_set(Person *p, const char *col, const char *value)
{
    snprintf(p->cell[col_index(col)], sizeof p->cell[0], "%s", value);
}

static inline const char *person_get(const Person *p, const char *col) { return p->cell[col_index(col)]; }

/* A plain adult who is no target: not poor, able to work, with income, every ADL item. */
static inline Person person_plain(const char *county, const char *birth, unsigned seq, bool male)
{
    static const char *const plain[NCOLS] = {
        "", "张三", "", "城关镇", "东街村", "", "", "0", "0", "0", "full", "1", "able", "none", "0", "0",
        "1", "0", "1", "1", "1", "1", "1", "1", "adequate", "capable", "0", "1", "0", "0", "0", "0",
        "0", "0", "0", "no",
    };
    Person p;
    for (int i = 0; i < NCOLS; i++) snprintf(p.cell[i], sizeof p.cell[i], "%s", plain[i]);
    char ymd[9], id[19];
    snprintf(ymd, sizeof ymd, "%.4s%.2s%.2s", birth, birth + 5, birth + 8);
    make_id(id, county, ymd, seq, male);
    person_set(&p, "id", id);
    person_set(&p, "county", county);
    person_set(&p, "birth_date", birth);
    person_set(&p, "sex", male ? "male" : "female");
    return p;
}

/* Person number k of a simple population: unique ids, births spread over 1930–1999. */
static inline Person person_n(unsigned k)
{
    static const char *const counties[] = {"410122", "410181", "410102"};
    char birth[11];
    snprintf(birth, sizeof birth, "%04u-%02u-%02u", 1930 + k % 70, 1 + (k / 70) % 12, 1 + (k / 840) % 28);
    return person_plain(counties[k % 3], birth, k / 23520 * 7 + k % 7, k % 2 == 0);
}

/* The first n cells joined with commas (a cell holding , " or a line break is quoted). */
static inline void person_line_n(Buf *b, const Person *p, int n)
{
    for (int i = 0; i < n; i++) {
        if (i) buf_puts(b, ",");
        const char *c = p->cell[i];
        if (!strpbrk(c, ",\"\r\n")) {
            buf_puts(b, c);
            continue;
        }
        buf_puts(b, "\"");
        for (; *c; c++) {
            if (*c == '"') buf_add(b, "\"", 1);
            buf_add(b, c, 1);
        }
        buf_puts(b, "\"");
    }
    buf_puts(b, "\n");
}

static inline void person_line(Buf *b, const Person *p) { person_line_n(b, p, NCOLS); }

/* The header line with identifiers. */
static inline void header_line(Buf *b)
{
    for (int i = 0; i < NCOLS; i++) buf_printf(b, "%s%s", i ? "," : "", COLS[i]);
    buf_puts(b, "\n");
}

/* ---- reading a ledger back ------------------------------------------------------------------- */

static inline int collect_row(void *ctx, int n, char **values, char **names)
{
    (void)names;
    Buf *b = ctx;
    for (int i = 0; i < n; i++) {
        if (i) buf_puts(b, "|");
        buf_puts(b, values[i] ? values[i] : "NULL");
    }
    buf_puts(b, "\n");
    return 0;
}

/* Every row of `sql` over the ledger file `db`, as text; the caller frees. */
static inline char *query(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    Buf b = {0};
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, collect_row, &b, &msg);
    if (rc != SQLITE_OK) print_error("query %s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(h);
    assert_int_equal(rc, SQLITE_OK);
    return buf_take(&b);
}

/* A single integer result. */
static inline long long query_int(const char *db, const char *sql)
{
    char *t = query(db, sql);
    long long v = atoll(t);
    free(t);
    return v;
}

/* Run a statement (no rows wanted). */
static inline void exec_sql(const char *db, const char *sql)
{
    free(query(db, sql));
}

/* Assert that two strings are equal, showing both when they are not. */
#define assert_text_equal(got, want) assert_string_equal((got), (want))

/* ---- rules ------------------------------------------------------------------------------- */

static inline doudi_rules *compile_rules(void)
{
    const char *path = getenv("DOUDI_RULES");
    char *diags = NULL;
    doudi_rules *r = doudi_compile_file(path && *path ? path : RULES, &diags);
    if (!r) print_error("%s", diags ? diags : "cannot compile the rules\n");
    doudi_string_free(diags);
    assert_non_null(r);
    return r;
}

#endif
