/* test_import.c — `doudi_import` (src/import.c): CSV ledgers into the SQLite store.
 *
 * Every test writes small CSV files into a scratch directory, imports them through the public
 * API (doudi.h) into a fresh ledger there, and reads the ledger back with SQLite directly:
 * the person table, the review table (source, line, col, reason, raw) and the import stats.
 *   - validation: one bad row per defect of INTERPRETATION §1 between two good rows, each with
 *     its exact message and line:col (table-driven), and the file-level errors;
 *   - what is accepted: headers by Chinese label (full-width or ASCII parentheses) mixed with
 *     identifiers, in any order, with unknown columns; enum labels, every boolean spelling, a lowercase x, spaces; RFC 4180
 *     quoting with commas and line breaks — the ledger holds the same as for the plain file;
 *   - encodings: UTF-8, UTF-8 with a BOM and GBK import to identical ledgers;
 *   - re-import: unchanged rows counted as such, one changed cell one update, the file's
 *     review entries replaced — with the ledger's keys read first and with each row tried as
 *     new (the two ways an import stores rows);
 *   - one transaction: a failure mid-file leaves the ledger as it was. */
#include "ledger_helpers.h"
#include "base/msg.h"

#include <iconv.h>

static doudi_rules *rules;

static int setup_rules(void **state)
{
    (void)state;
    rules = compile_rules();
    return 0;
}

static int teardown_rules(void **state)
{
    (void)state;
    doudi_free(rules);
    return 0;
}

/* ---- importing --------------------------------------------------------------------------- */

typedef struct Import {
    int rc;
    doudi_import_stats st;
    char *report;              /* what was written to the report stream */
    char *error;
} Import;

static Import import_file(const char *db, const char *csv, int record, const char *encoding)
{
    Import im = {0};
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open(db, &err);
    if (!l) print_error("ledger_open: %s\n", err ? err : "?");
    assert_non_null(l);
    size_t len = 0;
    FILE *report = open_memstream(&im.report, &len);
    assert_non_null(report);
    memset(&im.st, 0xAB, sizeof im.st);
    im.rc = doudi_import(l, rules, record, csv, encoding, report, &im.st, &err);
    fclose(report);
    im.error = err;
    doudi_ledger_close(l);
    return im;
}

static void import_free(Import *im)
{
    free(im->report);
    doudi_string_free(im->error);
}

static void assert_counts(const Import *im, uint64_t rows, uint64_t added, uint64_t updated, uint64_t unchanged,
                          uint64_t review)
{
    if (im->rc != 0) print_error("import failed: %s\n", im->error ? im->error : "?");
    assert_int_equal(im->rc, 0);
    assert_int_equal(im->st.rows, rows);
    assert_int_equal(im->st.added, added);
    assert_int_equal(im->st.updated, updated);
    assert_int_equal(im->st.unchanged, unchanged);
    assert_int_equal(im->st.review, review);
}

/* A scratch directory with its ledger path. */
typedef struct Scratch {
    char *dir, *db;
} Scratch;

static Scratch scratch_new(void)
{
    Scratch s;
    s.dir = make_tmpdir();
    s.db = path_in(s.dir, "doudi.db");
    return s;
}

static void scratch_free(Scratch *s)
{
    free(s->db);
    remove_tree(s->dir);
}

/* Write `text` as dir/name; returns the path (caller frees). */
static char *put_csv(const Scratch *s, const char *name, const char *text)
{
    char *path = path_in(s->dir, name);
    write_text(path, text);
    return path;
}

/* The person table as text, sorted by id. */
static char *dump_persons(const char *db)
{
    Buf sql = {0};
    buf_puts(&sql, "SELECT ");
    for (int i = 0; i < NCOLS; i++) buf_printf(&sql, "%squote(\"%s\")", i ? ", " : "", COLS[i]);
    buf_puts(&sql, " FROM person ORDER BY id");
    char *q = buf_take(&sql);
    char *t = query(db, q);
    free(q);
    return t;
}

/* ---- 1. validation: one bad row between two good ones ------------------------------------ */

typedef enum Shape { PLAIN, DUPLICATE, TOO_FEW } Shape;

typedef struct BadCase {
    const char *name;
    Shape shape;
    const char *set[3][2];     /* cells to change: column, value */
    unsigned col;              /* expected review column */
    const char *reason;        /* expected reason; %s: the id (duplicates) */
} BadCase;

static const BadCase BAD_CASES[] = {
    {"wrong check digit", PLAIN, {{"id", "<wrong check>"}}, 1, "身份证号校验位不正确（GB 11643-1999）"},
    /* an id of the wrong length is reported as such, not as a wrong check digit */
    {"17-character id", PLAIN, {{"id", "<17 characters>"}}, 1, "身份证号 should have 18 characters (or 15), this one has 17"},
    {"19-character id", PLAIN, {{"id", "<19 characters>"}}, 1, "身份证号 should have 18 characters (or 15), this one has 19"},
    {"birth date not the id's", PLAIN, {{"birth_date", "1950-03-08"}}, 6, "出生日期与身份证号第7–14位不符"},
    {"sex not the id's parity", PLAIN, {{"sex", "female"}}, 7, "性别与身份证号第17位的奇偶不符"},
    {"grade 0 with a type", PLAIN, {{"disability_type", "visual"}, {"disability_grade", "0"}}, 15,
     "残疾等级为0当且仅当残疾类别为无"},
    {"grade with type none", PLAIN, {{"disability_type", "none"}, {"disability_grade", "2"}}, 15,
     "残疾等级为0当且仅当残疾类别为无"},
    {"grade out of 0..4", PLAIN, {{"disability_type", "physical"}, {"disability_grade", "7"}}, 15,
     "disability_grade (残疾等级): 7 is outside 0..4"},
    {"enum value not in its enum", PLAIN, {{"labor_capacity", "some"}}, 11,
     "labor_capacity (劳动能力): 'some' is not one of: full 完全, partial 部分丧失, none 无"},
    {"enum label not in its enum", PLAIN, {{"wants_central", "随便"}}, 36,
     "wants_central (集中供养意愿): '随便' is not one of: yes 愿意, no 不愿意, undecided 未表态"},
    {"bad bool", PLAIN, {{"dibao", "maybe"}}, 8,
     "dibao (低保对象): 'maybe' is not a yes/no value (1/0, true/false, yes/no, 是/否)"},
    {"bad bool 2", PLAIN, {{"adl_bathe", "2"}}, 24,
     "adl_bathe (自主洗澡): '2' is not a yes/no value (1/0, true/false, yes/no, 是/否)"},
    {"not a calendar date", PLAIN, {{"birth_date", "1950-02-30"}}, 6,
     "birth_date (出生日期): '1950-02-30' is not a calendar date (YYYY-MM-DD)"},
    {"not a date", PLAIN, {{"birth_date", "soon"}}, 6, "birth_date (出生日期): 'soon' is not a date (YYYY-MM-DD)"},
    {"empty required cell", PLAIN, {{"county", ""}}, 3, "county (区县代码): empty"},
    {"blank required cell", PLAIN, {{"family_care", "  "}}, 25, "family_care (家庭照料能力): empty"},
    {"not a whole number", PLAIN, {{"disability_type", "physical"}, {"disability_grade", "2.5"}}, 15,
     "disability_grade (残疾等级): '2.5' is not a whole number"},
    {"duplicate id", DUPLICATE, {{0}}, 1, "duplicate id %s: the first is at line 2"},
    {"too few fields", TOO_FEW, {{0}}, 0, "the row has 30 fields, the header 36"},
};

/* An 18-character id as a report shows it: its birth-date digits 7–14 starred. */
static const char *mask_id(const char *id, char out[19])
{
    memcpy(out, id, 18);
    out[18] = '\0';
    memset(out + 6, '*', 8);
    return out;
}

static void bad_case(const BadCase *c)
{
    Scratch s = scratch_new();
    Person first = person_plain("410122", "1950-03-07", 123, true);
    Person last = person_plain("410181", "1962-11-30", 40, false);
    /* the bad row: another person (a copy of the first for duplicates) with the defect */
    Person bad = c->shape == DUPLICATE ? first : person_plain("410102", "1950-03-07", 123, true);
    for (int k = 0; k < 3 && c->set[k][0]; k++) {
        const char *col = c->set[k][0], *v = c->set[k][1];
        char id[20];
        memcpy(id, person_get(&bad, "id"), 19);
        if (!strcmp(v, "<wrong check>")) {
            id[17] = id[17] == '0' ? '1' : '0';
            v = id;
        } else if (!strcmp(v, "<17 characters>")) {
            id[17] = '\0';
            v = id;
        } else if (!strcmp(v, "<19 characters>")) {
            memcpy(id + 18, "5", 2);
            v = id;
        }
        person_set(&bad, col, v);
    }
    Buf b = {0};
    header_line(&b);
    person_line(&b, &first);
    size_t bad_start = b.n;
    person_line_n(&b, &bad, c->shape == TOO_FEW ? 30 : NCOLS);
    char *raw = strndup(b.p + bad_start, b.n - bad_start - 1);
    person_line(&b, &last);
    char *text = buf_take(&b);
    char *csv = put_csv(&s, "persons.csv", text);

    Import im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, 3, 2, 0, 0, 1);
    char reason[300], shown[300], want[1200], masked[19];
    snprintf(reason, sizeof reason, c->reason, person_get(&first, "id"));
    /* on the report stream, for people, the id is masked; the review table keeps it whole */
    snprintf(shown, sizeof shown, c->reason, mask_id(person_get(&first, "id"), masked));
    snprintf(want, sizeof want, "%s:3:%u: %s\n", csv, c->col, shown);
    assert_text_equal(im.report, want);
    /* the review table: source, line, col, reason, raw, record, run */
    char *got = query(s.db, "SELECT source, line, col, reason, raw, record, quote(run) FROM doudi_review");
    snprintf(want, sizeof want, "%s|3|%u|%s|%s|person|NULL\n", csv, c->col, reason, raw);
    assert_text_equal(got, want);
    free(got);
    /* the good rows, and only they */
    got = query(s.db, "SELECT id FROM person ORDER BY id");
    assert_text_equal(got, sf("%s\n%s\n", person_get(&first, "id"), person_get(&last, "id")));
    free(got);
    import_free(&im);
    free(raw);
    free(text);
    free(csv);
    scratch_free(&s);
}

static void test_bad_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(BAD_CASES); i++) {
        print_message("[          ] %s\n", BAD_CASES[i].name);
        bad_case(&BAD_CASES[i]);
    }
}

/* In Chinese, the wrong length reads as the clerk's office words it (the label from the rule
 * file, the sentence from the catalogue). */
static void test_wrong_length_in_chinese(void **state)
{
    (void)state;
    static const BadCase zh[] = {
        {"17-character id", PLAIN, {{"id", "<17 characters>"}}, 1, "身份证号应为18位（或15位），此处为17位"},
        {"19-character id", PLAIN, {{"id", "<19 characters>"}}, 1, "身份证号应为18位（或15位），此处为19位"},
    };
    msg_set_lang(MSG_ZH);
    for (size_t i = 0; i < ARRAY_LEN(zh); i++) bad_case(&zh[i]);
    msg_set_lang(MSG_EN);
}

/* Several bad rows in one file: each reported in file order with its line; the good rows all
 * imported; the summary counts both. */
static void test_many_bad_rows(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    Buf b = {0}, want = {0};
    header_line(&b);
    int good = 0, bad = 0;
    char *csv = path_in(s.dir, "many.csv");
    for (unsigned k = 0; k < 40; k++) {
        Person p = person_n(k);
        unsigned line = k + 2;
        if (k % 5 == 3) {
            const BadCase *c = &BAD_CASES[(k / 5) % 8];
            for (int j = 0; j < 3 && c->set[j][0]; j++)
                if (strcmp(c->set[j][0], "id") && strcmp(c->set[j][0], "sex") && strcmp(c->set[j][0], "birth_date"))
                    person_set(&p, c->set[j][0], c->set[j][1]);
            if (!strcmp(c->set[0][0], "id") || !strcmp(c->set[0][0], "sex") || !strcmp(c->set[0][0], "birth_date")) {
                person_set(&p, "dibao", "perhaps");
                buf_printf(&want, "%s:%u:8: dibao (低保对象): 'perhaps' is not a yes/no value (1/0, true/false, yes/no, 是/否)\n",
                           csv, line);
            } else {
                buf_printf(&want, "%s:%u:%u: %s\n", csv, line, c->col, c->reason);
            }
            bad++;
        } else {
            good++;
        }
        person_line(&b, &p);
    }
    char *text = buf_take(&b);
    write_text(csv, text);
    Import im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, 40, (uint64_t)good, 0, 0, (uint64_t)bad);
    char *w = buf_take(&want);
    assert_text_equal(im.report, w);
    assert_int_equal(query_int(s.db, "SELECT count(*) FROM person"), good);
    assert_int_equal(query_int(s.db, "SELECT count(*) FROM doudi_review"), bad);
    import_free(&im);
    free(w);
    free(text);
    free(csv);
    scratch_free(&s);
}

/* A header without a required column: a file-level error, nothing imported, nothing reviewed. */
static void test_missing_column(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    /* first a good import, so that "nothing imported" is seen against a ledger with rows */
    Buf b = {0};
    header_line(&b);
    Person p = person_n(1);
    person_line(&b, &p);
    char *text = buf_take(&b);
    char *good = put_csv(&s, "good.csv", text);
    Import im = import_file(s.db, good, 0, NULL);
    assert_counts(&im, 1, 1, 0, 0, 0);
    import_free(&im);
    free(text);

    /* drop sex and adl_walk from the header and the rows; add a bad row that would be reviewed */
    for (int i = 0; i < NCOLS; i++) {
        if (i == col_index("sex") || i == col_index("adl_walk")) continue;
        buf_printf(&b, "%s%s", b.n ? "," : "", COLS[i]);
    }
    buf_puts(&b, "\n");
    for (unsigned k = 2; k < 5; k++) {
        Person q = person_n(k);
        if (k == 3) person_set(&q, "dibao", "maybe");
        for (int i = 0, first = 1; i < NCOLS; i++) {
            if (i == col_index("sex") || i == col_index("adl_walk")) continue;
            buf_printf(&b, "%s%s", first ? "" : ",", q.cell[i]);
            first = 0;
        }
        buf_puts(&b, "\n");
    }
    text = buf_take(&b);
    char *csv = put_csv(&s, "nosex.csv", text);
    im = import_file(s.db, csv, 0, NULL);
    assert_int_equal(im.rc, -1);
    assert_non_null(im.error);
    char want[600];
    snprintf(want, sizeof want, "%s:1: the header has no column for: sex (性别), adl_walk (室内自主行走) (if the file may "
             "lack it, the field needs a default: sex: add `default male` to its declaration (", csv);
    if (strncmp(im.error, want, strlen(want))) print_error("got: %s\n", im.error);
    assert_memory_equal(im.error, want, strlen(want));
    /* each field's hint names where it is declared: the rule file's line of it */
    assert_non_null(strstr(im.error, "; adl_walk: add `default false` to its declaration ("));
    assert_text_equal(im.report, "");
    assert_int_equal(query_int(s.db, "SELECT count(*) FROM person"), 1);
    assert_int_equal(query_int(s.db, "SELECT count(*) FROM doudi_review"), 0);
    import_free(&im);
    free(text);
    free(csv);
    free(good);
    scratch_free(&s);
}

/* A column named twice (once by identifier, once by label) is a file-level error too. */
static void test_column_twice(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    Buf b = {0};
    header_line(&b);
    b.p[--b.n] = '\0';
    buf_puts(&b, ",性别\n");
    Person p = person_n(5);
    person_line(&b, &p);
    b.p[--b.n] = '\0';
    buf_printf(&b, ",%s\n", person_get(&p, "sex"));
    char *text = buf_take(&b);
    char *csv = put_csv(&s, "twice.csv", text);
    Import im = import_file(s.db, csv, 0, NULL);
    assert_int_equal(im.rc, -1);
    char want[600];
    snprintf(want, sizeof want, "%s:1:37: column 'sex' appears twice in the header (also column 7)", csv);
    assert_text_equal(im.error, want);
    import_free(&im);
    free(text);
    free(csv);
    scratch_free(&s);
}

/* ---- what is accepted ------------------------------------------------------------------------ */

/* The persons written plainly: identifiers, §1 order, canonical values. */
static const unsigned SPELL_N = 6;

static Person spell_person(unsigned k)
{
    Person p = person_n(k + 100);
    switch (k) {
    case 0:
        person_set(&p, "labor_capacity", "none");
        person_set(&p, "supporter", "unable");
        person_set(&p, "family_care", "heavy");
        person_set(&p, "dibao", "1");
        person_set(&p, "wants_central", "undecided");
        break;
    case 1:
        person_set(&p, "disability_type", "intellectual");
        person_set(&p, "disability_grade", "2");
        person_set(&p, "guardian", "incapable");
        person_set(&p, "low_income", "1");
        break;
    case 2: {   /* an id whose check character is X */
        Person q;
        for (unsigned seq = 0;; seq += 2) {
            q = person_plain("410181", "1948-08-08", seq, false);
            if (person_get(&q, "id")[17] == 'X') break;
        }
        p = q;
        person_set(&p, "home_caregiver", "1");
        person_set(&p, "wants_central", "yes");
        break;
    }
    case 3:
        person_set(&p, "village", "东街村, 三组");        /* a comma: quoted */
        person_set(&p, "adl_bed", "0");
        break;
    case 4:
        person_set(&p, "village", "西村\n二组");          /* a line break: the record spans two lines */
        person_set(&p, "name", "\"小\"王");               /* quotes inside quotes */
        break;
    default:
        person_set(&p, "township", "");                    /* may be empty: default "" */
        person_set(&p, "name", "");
        break;
    }
    return p;
}

/* The same values in other spellings, column by column. */
static const char *respell(unsigned k, int col, const char *v)
{
    static const struct { const char *col, *from, *to[3]; } table[] = {
        {"sex", "male", {"男", " 男 ", "MALE"}},
        {"sex", "female", {"女", "Female", "女"}},
        {"labor_capacity", "none", {"无", "None", "无"}},
        {"labor_capacity", "full", {"完全", "FULL", " full"}},
        {"supporter", "unable", {"无履行能力", "UNABLE", "无履行能力"}},
        {"supporter", "able", {"有履行能力", "able", "Able"}},
        {"disability_type", "none", {"无", "NONE", "无"}},
        {"disability_type", "intellectual", {"智力", "Intellectual", "智力"}},
        {"family_care", "heavy", {"负担较重", "Heavy", "负担较重"}},
        {"family_care", "adequate", {"充足", "adequate", "充足"}},
        {"guardian", "capable", {"有监护能力", "CAPABLE", "有监护能力"}},
        {"guardian", "incapable", {"监护能力不足", "incapable", "监护能力不足"}},
        {"wants_central", "no", {"不愿意", "NO", "不愿意"}},
        {"wants_central", "yes", {"愿意", "Yes", "愿意"}},
        {"wants_central", "undecided", {"未表态", "UNDECIDED", "未表态"}},
        {"*bool", "1", {"是", "TRUE", "yes"}},
        {"*bool", "0", {"否", "FALSE", "No"}},
    };
    static const char *const bools[] = {"dibao", "low_income", "registered_poor", "income_source", "chronic_severe",
                                        "family_can_bear", "severe_mental", "adl_eat", "adl_dress", "adl_bed",
                                        "adl_toilet", "adl_walk", "adl_bathe", "de_facto_unsupported",
                                        "has_caretaker", "home_caregiver", "home_same_food", "home_same_housing",
                                        "home_medical", "home_activity_space", "home_heating_cooling",
                                        "home_pocket_money"};
    bool is_bool = false;
    for (size_t i = 0; i < ARRAY_LEN(bools); i++) is_bool |= !strcmp(COLS[col], bools[i]);
    for (size_t i = 0; i < ARRAY_LEN(table); i++) {
        bool match = is_bool ? !strcmp(table[i].col, "*bool") : !strcmp(table[i].col, COLS[col]);
        if (match && !strcmp(table[i].from, v)) return table[i].to[(k + (unsigned)col) % 3];
    }
    return NULL;
}

/* Columns in another order, every other one by its label, two unknown columns, other
 * spellings of every enum and boolean, spaces around values, a lowercase x, quoting. */
static char *spelled_file(void)
{
    int order[NCOLS + 2];
    int n = 0;
    for (int i = NCOLS - 1; i >= 18; i--) order[n++] = i;   /* the second half reversed */
    order[n++] = -1;                                          /* 备注: unknown */
    for (int i = 0; i < 18; i++) order[n++] = i;
    order[n++] = -2;                                          /* Extra: unknown */
    Buf b = {0};
    for (int j = 0; j < n; j++) {
        int c = order[j];
        const char *h = c == -1 ? "备注" : c == -2 ? "Extra" : c % 2 ? LABELS[c] : COLS[c];
        if (c == 11) h = "INCOME_SOURCE";                    /* identifiers are case-insensitive */
        if (c == 12) h = " 法定义务人 ";                      /* header cells are trimmed */
        buf_printf(&b, "%s%s", j ? "," : "", h);
    }
    buf_puts(&b, "\r\n");                                     /* CRLF, as Excel writes */
    for (unsigned k = 0; k < SPELL_N; k++) {
        Person p = spell_person(k);
        Person q = p;
        for (int c = 0; c < NCOLS; c++) {
            const char *alt = respell(k, c, p.cell[c]);
            if (alt) snprintf(q.cell[c], sizeof q.cell[c], "%s", alt);
        }
        if (q.cell[0][17] == 'X') q.cell[0][17] = 'x';
        snprintf(q.cell[col_index("county")], sizeof q.cell[0], " %s\t", person_get(&p, "county"));
        for (int j = 0; j < n; j++) {
            int c = order[j];
            if (j) buf_puts(&b, ",");
            const char *v = c == -1 ? "\"备注, 有逗号\"" : c == -2 ? "whatever" : q.cell[c];
            if (c >= 0 && strpbrk(v, ",\"\n")) {
                buf_puts(&b, "\"");
                for (const char *s = v; *s; s++) {
                    if (*s == '"') buf_puts(&b, "\"");
                    buf_add(&b, s, 1);
                }
                buf_puts(&b, "\"");
            } else {
                buf_puts(&b, v);
            }
        }
        buf_puts(&b, "\r\n");
    }
    return buf_take(&b);
}

static void test_spellings(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    Buf b = {0};
    header_line(&b);
    for (unsigned k = 0; k < SPELL_N; k++) {
        Person p = spell_person(k);
        person_line(&b, &p);
    }
    char *plain_text = buf_take(&b);
    char *spelled_text = spelled_file();
    char *plain = put_csv(&s, "plain.csv", plain_text);
    char *spelled = put_csv(&s, "spelled.csv", spelled_text);
    char *db2 = path_in(s.dir, "spelled.db");

    Import a = import_file(s.db, plain, 0, NULL);
    assert_counts(&a, SPELL_N, SPELL_N, 0, 0, 0);
    Import c = import_file(db2, spelled, 0, NULL);
    if (c.report && *c.report) print_error("%s", c.report);
    assert_counts(&c, SPELL_N, SPELL_N, 0, 0, 0);
    char *want = dump_persons(s.db), *got = dump_persons(db2);
    assert_text_equal(got, want);
    /* what is stored: identifiers, an uppercase X, the line break kept, the default "" */
    Person x = spell_person(2);
    const char *xid = person_get(&x, "id");
    char *row = query(db2, sf("SELECT id, sex, wants_central, home_caregiver FROM person WHERE id = '%s'", xid));
    assert_text_equal(row, sf("%s|female|yes|1\n", xid));
    free(row);
    row = query(db2, "SELECT village, name FROM person WHERE village LIKE '西村%'");
    assert_text_equal(row, "西村\n二组|\"小\"王\n");
    free(row);
    row = query(db2, "SELECT quote(township), quote(name) FROM person WHERE township = ''");
    assert_text_equal(row, "''|''\n");
    free(row);
    free(want);
    free(got);
    import_free(&a);
    import_free(&c);
    free(plain_text);
    free(spelled_text);
    free(plain);
    free(spelled);
    free(db2);
    scratch_free(&s);
}

/* Labels typed with ASCII parentheses — 乡镇(街道) for 乡镇（街道） — name their columns too
 * (township and village have defaults: were they not matched, they would be dropped
 * without a word). */
static void test_label_parentheses(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    Buf b = {0};
    for (int i = 0; i < NCOLS; i++) {
        const char *h = i == 3 ? "乡镇(街道)" : i == 4 ? "村（社区)" : COLS[i];
        buf_printf(&b, "%s%s", i ? "," : "", h);
    }
    buf_puts(&b, "\n");
    Person p = person_n(40);
    person_set(&p, "township", "韩寺镇");
    person_set(&p, "village", "西村");
    person_line(&b, &p);
    char *text = buf_take(&b);
    char *csv = put_csv(&s, "parens.csv", text);
    Import im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, 1, 1, 0, 0, 0);
    char *got = query(s.db, "SELECT township, village FROM person");
    assert_text_equal(got, "韩寺镇|西村\n");
    free(got);
    import_free(&im);
    free(text);
    free(csv);
    scratch_free(&s);
}

/* A lowercase x in one row and the same id with X in a later row: one id, a duplicate. */
static void test_lowercase_x_duplicate(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    Person p = spell_person(2);
    Buf b = {0};
    header_line(&b);
    Person lower = p;
    lower.cell[0][17] = 'x';
    person_line(&b, &lower);
    person_line(&b, &p);
    char *text = buf_take(&b);
    char *csv = put_csv(&s, "x.csv", text);
    Import im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, 2, 1, 0, 0, 1);
    char masked[19];
    assert_text_equal(im.report, sf("%s:3:1: duplicate id %s: the first is at line 2\n", csv,
                                    mask_id(person_get(&p, "id"), masked)));
    import_free(&im);
    free(text);
    free(csv);
    scratch_free(&s);
}

/* RFC 4180: a record's line is the line where it starts; records after a multi-line one keep
 * their physical lines; the raw text in review is the whole record. */
static void test_quoted_lines(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    Buf b = {0};
    header_line(&b);                                   /* line 1 */
    Person p0 = person_n(10);
    person_set(&p0, "village", "第一行\n第二行\n第三行");
    person_line(&b, &p0);                              /* lines 2-4, good */
    Person p1 = person_n(11);
    person_set(&p1, "village", "a,\"b\"\r\nc");
    person_set(&p1, "adl_eat", "sometimes");
    size_t start = b.n;
    person_line(&b, &p1);                              /* lines 5-6, bad at column 19 */
    char *raw1 = strndup(b.p + start, b.n - start - 1);
    Person p2 = person_n(12);
    person_set(&p2, "name", "王, 五");
    person_set(&p2, "guardian", "maybe");
    person_line(&b, &p2);                              /* line 7, bad at column 26 */
    buf_puts(&b, "\n\n");                              /* lines 8, 9: empty, skipped */
    Person p3 = person_n(13);
    person_line(&b, &p3);                              /* line 10, good */
    char *text = buf_take(&b);
    char *csv = put_csv(&s, "quoted.csv", text);
    Import im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, 4, 2, 0, 0, 2);
    char want[1200];
    snprintf(want, sizeof want,
             "%s:5:19: adl_eat (自主吃饭): 'sometimes' is not a yes/no value (1/0, true/false, yes/no, 是/否)\n"
             "%s:7:26: guardian (监护人): 'maybe' is not one of: capable 有监护能力, incapable 监护能力不足, none 无\n",
             csv, csv);
    assert_text_equal(im.report, want);
    char *got = query(s.db, "SELECT line, raw FROM doudi_review ORDER BY line LIMIT 1");
    snprintf(want, sizeof want, "5|%s\n", raw1);
    assert_text_equal(got, want);
    free(got);
    got = query(s.db, "SELECT village FROM person ORDER BY id");
    assert_non_null(strstr(got, "第一行\n第二行\n第三行\n"));
    free(got);
    import_free(&im);
    free(raw1);
    free(text);
    free(csv);
    scratch_free(&s);
}

/* A row with a stray quote is malformed CSV: reviewed with the reader's reason, and the rows
 * after it are still read. Cells past the header's count that are empty are allowed (Excel
 * leaves trailing commas); a non-empty one is not. */
static void test_malformed_rows(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    Buf b = {0};
    header_line(&b);                                   /* 1 */
    Person p = person_n(20);
    person_line(&b, &p);                               /* 2 good */
    p = person_n(21);
    person_set(&p, "name", "a\"b");                    /* quoted: "a""b" — fine */
    person_line(&b, &p);                               /* 3 good */
    p = person_n(22);
    Buf row = {0};
    person_line(&row, &p);
    char *r = buf_take(&row);
    char *comma = strchr(r, ',');
    buf_add(&b, r, (size_t)(comma - r) + 1);
    buf_puts(&b, "\"x\"y");                            /* 4: unexpected character after quote */
    buf_puts(&b, strchr(comma + 1, ','));
    free(r);
    p = person_n(23);
    person_line(&b, &p);
    b.p[--b.n] = '\0';
    buf_puts(&b, ",,\n");                              /* 5: two empty extra cells — good */
    p = person_n(24);
    person_line(&b, &p);
    b.p[--b.n] = '\0';
    buf_puts(&b, ",,oops\n");                          /* 6: a non-empty extra cell */
    p = person_n(25);
    person_line(&b, &p);                               /* 7 good */
    char *text = buf_take(&b);
    char *csv = put_csv(&s, "malformed.csv", text);
    Import im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, 6, 4, 0, 0, 2);
    char want[800];
    snprintf(want, sizeof want,
             "%s:4:2: unexpected character after closing quote\n"
             "%s:6:38: the row has 38 fields, the header 36\n", csv, csv);
    assert_text_equal(im.report, want);
    import_free(&im);
    free(text);
    free(csv);
    scratch_free(&s);
}

/* Institutions (record 1) are validated by their own declaration and requires. */
static void test_institutions(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    char *csv = put_csv(&s, "institutions.csv",
                        "机构编号,区县代码,机构类别,机构名称,床位数,状况\n"
                        "J1,410122,township_home,城关敬老院,60,ok\n"
                        "J2,410122,乡镇敬老院,韩寺敬老院,40,需提升改造\n"
                        "J3,410122,home,居家,10,ok\n"
                        "J4,410181,village_courtyard,,0,ok\n"
                        "J5,410181,hotel,,10,ok\n");
    Import im = import_file(s.db, csv, 1, NULL);
    assert_counts(&im, 5, 2, 0, 0, 3);
    char want[900];
    snprintf(want, sizeof want,
             "%s:4:3: 居家供养不是机构类别\n"
             "%s:5:5: 床位数必须为正整数\n"
             "%s:6:3: type (机构类别): 'hotel' is not one of: home 居家供养, medical_rehab 医疗康复机构, "
             "disability_center 残疾人托养中心, welfare_institution 社会福利机构, village_courtyard 村级幸福大院, "
             "township_home 乡镇敬老院\n",
             csv, csv, csv);
    assert_text_equal(im.report, want);
    char *got = query(s.db, "SELECT id, county, type, name, beds, condition FROM institution ORDER BY id");
    assert_text_equal(got, "J1|zhongmou|township_home|城关敬老院|60|ok\nJ2|zhongmou|township_home|韩寺敬老院|40|needs_upgrade\n");
    free(got);
    got = query(s.db, "SELECT DISTINCT record FROM doudi_review");
    assert_text_equal(got, "institution\n");
    free(got);
    import_free(&im);
    free(csv);
    scratch_free(&s);
}

/* ---- 2. encodings ----------------------------------------------------------------------------- */

static char *to_gbk(const char *utf8, size_t *len)
{
    iconv_t cd = iconv_open("GBK", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t in_left = strlen(utf8), out_cap = in_left * 2 + 16, out_left = out_cap;
    char *out = malloc(out_cap), *op = out;
    char *ip = (char *)utf8;
    assert_int_not_equal(iconv(cd, &ip, &in_left, &op, &out_left), (size_t)-1);
    iconv_close(cd);
    *len = out_cap - out_left;
    return out;
}

/* A small file with Chinese in the header and the cells: labels everywhere. */
static char *chinese_file(void)
{
    Buf b = {0};
    for (int i = 0; i < NCOLS; i++) buf_printf(&b, "%s%s", i ? "," : "", LABELS[i]);
    buf_puts(&b, "\r\n");
    for (unsigned k = 0; k < 5; k++) {
        Person p = person_n(200 + k);
        person_set(&p, "name", k % 2 ? "李四" : "王小明");
        person_set(&p, "township", "城关镇");
        person_set(&p, "village", k == 3 ? "东街村，一组" : "西村");
        person_set(&p, "sex", p.cell[6][0] == 'm' ? "男" : "女");
        person_set(&p, "labor_capacity", k % 3 == 0 ? "部分丧失" : "完全");
        person_set(&p, "family_care", k == 1 ? "负担较重" : "充足");
        person_set(&p, "dibao", k % 2 ? "是" : "否");
        person_set(&p, "wants_central", "未表态");
        person_line(&b, &p);
        b.p[--b.n] = '\0';
        buf_puts(&b, "\r\n");
    }
    return buf_take(&b);
}

static void test_encodings(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    char *text = chinese_file();
    size_t gbk_len = 0;
    char *gbk = to_gbk(text, &gbk_len);
    assert_true(gbk_len < strlen(text));                /* really converted */
    char *utf8 = put_csv(&s, "utf8.csv", text);
    Buf bom = {0};
    buf_puts(&bom, "\xEF\xBB\xBF");
    buf_puts(&bom, text);
    char *bom_text = buf_take(&bom);
    char *with_bom = put_csv(&s, "bom.csv", bom_text);
    char *gbk_path = path_in(s.dir, "gbk.csv");
    write_bytes(gbk_path, gbk, gbk_len);

    static const struct { const char *file, *encoding, *db, *says; } cases[] = {
        {"utf8.csv", NULL, "a.db", "utf-8"},
        {"bom.csv", NULL, "b.db", "utf-8 (BOM)"},
        {"gbk.csv", NULL, "c.db", "gb18030"},
        {"gbk.csv", "gbk", "d.db", "gb18030"},
        {"gbk.csv", "GB18030", "e.db", "gb18030"},
        {"utf8.csv", "utf-8", "f.db", "utf-8"},
    };
    char *first = NULL;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *csv = path_in(s.dir, cases[i].file), *db = path_in(s.dir, cases[i].db);
        Import im = import_file(db, csv, 0, cases[i].encoding);
        assert_counts(&im, 5, 5, 0, 0, 0);
        assert_string_equal(im.st.encoding, cases[i].says);
        char *dump = dump_persons(db);
        assert_non_null(strstr(dump, "'东街村，一组'"));
        if (!first) first = dump;
        else {
            assert_text_equal(dump, first);
            free(dump);
        }
        import_free(&im);
        free(csv);
        free(db);
    }
    /* GBK forced to be read as UTF-8: a file-level error, nothing imported */
    char *db = path_in(s.dir, "g.db");
    Import im = import_file(db, gbk_path, 0, "utf-8");
    assert_int_equal(im.rc, -1);
    assert_non_null(strstr(im.error, "not valid UTF-8"));
    import_free(&im);
    im = import_file(db, gbk_path, 0, "latin-1");
    assert_int_equal(im.rc, -1);
    assert_non_null(strstr(im.error, "unknown encoding 'latin-1'"));
    import_free(&im);
    free(db);
    free(first);
    free(text);
    free(gbk);
    free(bom_text);
    free(utf8);
    free(with_bom);
    free(gbk_path);
    scratch_free(&s);
}

/* ---- 3. re-import ----------------------------------------------------------------------------- */

static char *population_text(unsigned n, int changed_row, const char *col, const char *value, int bad_row)
{
    Buf b = {0};
    header_line(&b);
    for (unsigned k = 0; k < n; k++) {
        Person p = person_n(300 + k);
        if ((int)k == changed_row) person_set(&p, col, value);
        if ((int)k == bad_row) person_set(&p, "sex", p.cell[6][0] == 'm' ? "female" : "male");
        person_line(&b, &p);
    }
    return buf_take(&b);
}

/* Run with the ledger's keys read first (DOUDI_IMPORT_KEYS=read) and with each row tried as
 * new (=probe, what an import into a ledger far larger than its file does): the same counts. */
static void reimport(const char *keys)
{
    setenv("DOUDI_IMPORT_KEYS", keys, 1);
    Scratch s = scratch_new();
    enum { N = 50 };
    char *text = population_text(N, -1, NULL, NULL, 7);
    char *csv = put_csv(&s, "persons.csv", text);
    char *other = put_csv(&s, "other.csv", "id,name\n1,x\n");   /* a file-level error: not reviewed */
    free(text);

    Import im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, N, N - 1, 0, 0, 1);
    import_free(&im);
    char *persons1 = dump_persons(s.db);
    char *review1 = query(s.db, "SELECT source, line, col, reason, raw FROM doudi_review ORDER BY id");

    /* the same file again: nothing new, nothing updated, the review entry replaced */
    im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, N, 0, 0, N - 1, 1);
    import_free(&im);
    char *persons2 = dump_persons(s.db);
    char *review2 = query(s.db, "SELECT source, line, col, reason, raw FROM doudi_review ORDER BY id");
    assert_text_equal(persons2, persons1);
    assert_text_equal(review2, review1);
    assert_int_equal(query_int(s.db, "SELECT count(*) FROM doudi_review"), 1);

    /* one cell changed: exactly one update */
    text = population_text(N, 20, "adl_bathe", "0", 7);
    write_text(csv, text);
    free(text);
    im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, N, 0, 1, N - 2, 1);
    import_free(&im);
    Person changed = person_n(320);
    assert_int_equal(query_int(s.db, sf("SELECT adl_bathe FROM person WHERE id = '%s'", person_get(&changed, "id"))), 0);

    /* the bad row fixed and another broken: the review entries of this file are replaced */
    text = population_text(N, -1, NULL, NULL, 30);
    write_text(csv, text);
    free(text);
    im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, N, 1, 1, N - 3, 1);      /* row 7 new; row 20 back to adl_bathe 1 */
    import_free(&im);
    char *got = query(s.db, "SELECT line FROM doudi_review");
    assert_text_equal(got, "32\n");
    free(got);
    /* row 30 went to review but its earlier version stays in the ledger */
    assert_int_equal(query_int(s.db, "SELECT count(*) FROM person"), N);

    /* a failed import of another file leaves this file's review entries alone */
    im = import_file(s.db, other, 0, NULL);
    assert_int_equal(im.rc, -1);
    import_free(&im);
    assert_int_equal(query_int(s.db, "SELECT count(*) FROM doudi_review"), 1);

    free(persons1);
    free(persons2);
    free(review1);
    free(review2);
    free(csv);
    free(other);
    scratch_free(&s);
    unsetenv("DOUDI_IMPORT_KEYS");
}

static void test_reimport(void **state)
{
    (void)state;
    reimport("read");
}

static void test_reimport_probing(void **state)
{
    (void)state;
    reimport("probe");
}

/* `first` (n/2 rows) imported into db, all new; then `all` (n rows): the other half new,
 * `updated` of the first half changed, the rest unchanged. */
static void import_half_then_all(const char *db, const char *first, const char *all, int n, int updated)
{
    Import im = import_file(db, first, 0, NULL);
    assert_counts(&im, n / 2, n / 2, 0, 0, 0);
    import_free(&im);
    im = import_file(db, all, 0, NULL);
    assert_counts(&im, n, n / 2, updated, n / 2 - updated, 0);
    import_free(&im);
}

/* New rows are held and inserted in key order when the ledger's keys are known: written out
 * every few rows (DOUDI_IMPORT_HOLD_BYTES) or all at the end, the file in reverse order, and
 * updates mixed in — the ledger holds exactly what rows stored one by one (probe) give. */
static void test_held_rows_in_key_order(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    enum { N = 120 };
    Buf b = {0};
    header_line(&b);
    for (unsigned k = N; k-- > 0;) {
        Person p = person_n(300 + k);
        person_line(&b, &p);
    }
    char *text = buf_take(&b);
    char *csv = put_csv(&s, "persons.csv", text);
    char *half = population_text(N / 2, 10, "adl_bathe", "0", -1);   /* an update among them */
    char *first = put_csv(&s, "first.csv", half);
    const char *ways[][2] = {{"probe", NULL}, {"read", NULL}, {"read", "300"}, {"read", "1"}};
    char *want = NULL;
    for (size_t w = 0; w < sizeof ways / sizeof *ways; w++) {
        setenv("DOUDI_IMPORT_KEYS", ways[w][0], 1);
        if (ways[w][1]) setenv("DOUDI_IMPORT_HOLD_BYTES", ways[w][1], 1);
        else unsetenv("DOUDI_IMPORT_HOLD_BYTES");
        char *db = path_in(s.dir, sf("w%zu.db", w));
        import_half_then_all(db, first, csv, N, 1);
        char *dump = dump_persons(db);
        assert_int_equal(query_int(db, "SELECT count(*) FROM person"), N);
        if (!want) want = dump;
        else {
            assert_text_equal(dump, want);
            free(dump);
        }
        free(db);
    }
    unsetenv("DOUDI_IMPORT_KEYS");
    unsetenv("DOUDI_IMPORT_HOLD_BYTES");
    free(want);
    free(half);
    free(text);
    free(first);
    free(csv);
    scratch_free(&s);
}

/* A yes/no, number or enum the same as the row before is left bound in the insert and update
 * statements. Each stored row checked cell by cell against its line (county aside: stored as
 * its identifier), over rows whose yes/no and enum cells change at random from one row to the
 * next — runs of equal values and changes — new rows and updates mixed, written out every few
 * rows and all at the end. */
static int by_id(const void *a, const void *b)
{
    return strcmp(person_get(a, "id"), person_get(b, "id"));
}

static void test_stored_as_read(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    enum { N = 160 };
    static const char *const flags[] = {"dibao", "low_income", "registered_poor", "income_source", "chronic_severe",
                                        "family_can_bear", "severe_mental", "adl_eat", "adl_dress", "adl_bed",
                                        "adl_toilet", "adl_walk", "adl_bathe", "de_facto_unsupported", "has_caretaker",
                                        "home_caregiver", "home_same_food", "home_medical", "wants_central"};
    static const char *const labor[] = {"full", "partial", "none"}, *const fcare[] = {"adequate", "heavy", "none"};
    static const char *const wants[] = {"yes", "no", "undecided"};
    Person *p = calloc(N, sizeof *p);
    uint32_t seed = 99;
    Buf before = {0}, after = {0};
    header_line(&before);
    header_line(&after);
    for (unsigned k = 0; k < N; k++) {
        p[k] = person_n(700 + k);
        for (size_t f = 0; f < sizeof flags / sizeof *flags; f++) {
            seed = seed * 1103515245u + 12345u;
            if (strcmp(flags[f], "wants_central")) person_set(&p[k], flags[f], (seed >> 16) % 3 ? "1" : "0");
            else person_set(&p[k], flags[f], wants[(seed >> 16) % 3]);
        }
        person_set(&p[k], "labor_capacity", labor[(seed >> 8) % 3]);
        person_set(&p[k], "family_care", fcare[(seed >> 12) % 3]);
        if (k % 2) {   /* in the ledger before, with other values: an update */
            Person old = p[k];
            person_set(&old, "dibao", strcmp(person_get(&p[k], "dibao"), "1") ? "1" : "0");
            person_set(&old, "labor_capacity", "full");
            person_line(&before, &old);
        }
        person_line(&after, &p[k]);
    }
    char *first = put_csv(&s, "before.csv", before.p), *csv = put_csv(&s, "after.csv", after.p);
    qsort(p, N, sizeof *p, by_id);
    Buf want = {0}, cols = {0};
    for (int c = 0; c < NCOLS; c++) {
        if (!strcmp(COLS[c], "county")) continue;
        buf_printf(&cols, "%s%s", cols.n ? ", " : "", COLS[c]);
    }
    for (unsigned k = 0; k < N; k++) {
        bool bar = false;
        for (int c = 0; c < NCOLS; c++) {
            if (!strcmp(COLS[c], "county")) continue;
            buf_printf(&want, "%s%s", bar ? "|" : "", p[k].cell[c]);
            bar = true;
        }
        buf_puts(&want, "\n");
    }
    const char *holds[] = {NULL, "300"};
    for (size_t h = 0; h < 2; h++) {
        if (holds[h]) setenv("DOUDI_IMPORT_HOLD_BYTES", holds[h], 1);
        else unsetenv("DOUDI_IMPORT_HOLD_BYTES");
        char *db = path_in(s.dir, sf("h%zu.db", h));
        import_half_then_all(db, first, csv, N, N / 2);
        char *got = query(db, sf("SELECT %s FROM person ORDER BY id", cols.p));
        assert_text_equal(got, want.p);
        free(got);
        free(db);
    }
    unsetenv("DOUDI_IMPORT_HOLD_BYTES");
    free(cols.p);
    free(want.p);
    free(before.p);
    free(after.p);
    free(first);
    free(csv);
    free(p);
    scratch_free(&s);
}

/* ---- one transaction ------------------------------------------------------------------------ */

/* The store fails mid-file (a trigger refuses one row): -1, and the ledger — persons and
 * review — is exactly as before. */
static void test_import_is_one_transaction(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    char *text = population_text(20, -1, NULL, NULL, 3);
    char *csv = put_csv(&s, "persons.csv", text);
    free(text);
    Import im = import_file(s.db, csv, 0, NULL);
    assert_counts(&im, 20, 19, 0, 0, 1);
    import_free(&im);
    char *before = dump_persons(s.db);
    char *review_before = query(s.db, "SELECT * FROM doudi_review");

    Person victim = person_n(300 + 15);
    exec_sql(s.db, sf(
             "CREATE TRIGGER refuse BEFORE UPDATE ON person WHEN NEW.id = '%s' "
             "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
             person_get(&victim, "id")));
    exec_sql(s.db, "CREATE TRIGGER refuse_new BEFORE INSERT ON person WHEN NEW.name = '不许' "
                   "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
    /* rows 0-14 change, row 3 is fixed (a new person), row 5 goes to review, row 15 fails */
    Buf b = {0};
    header_line(&b);
    for (unsigned k = 0; k < 20; k++) {
        Person p = person_n(300 + k);
        person_set(&p, "adl_eat", "0");
        if (k == 5) person_set(&p, "dibao", "nope");
        person_line(&b, &p);
    }
    text = buf_take(&b);
    write_text(csv, text);
    free(text);
    im = import_file(s.db, csv, 0, NULL);
    assert_int_equal(im.rc, -1);
    assert_non_null(strstr(im.error, "refused by the test"));
    import_free(&im);
    char *after = dump_persons(s.db);
    char *review_after = query(s.db, "SELECT * FROM doudi_review");
    assert_text_equal(after, before);
    assert_text_equal(review_after, review_before);
    free(after);
    free(review_after);

    /* a new file whose 3rd row is refused: none of its rows stay, nor its review entry */
    char *csv2 = path_in(s.dir, "new.csv");
    b = (Buf){0};
    header_line(&b);
    for (unsigned k = 0; k < 4; k++) {
        Person p = person_n(500 + k);
        if (k == 0) person_set(&p, "sex", "nope");      /* reviewed, then rolled back */
        if (k == 2) person_set(&p, "name", "不许");
        person_line(&b, &p);
    }
    text = buf_take(&b);
    write_text(csv2, text);
    free(text);
    im = import_file(s.db, csv2, 0, NULL);
    assert_int_equal(im.rc, -1);
    import_free(&im);
    after = dump_persons(s.db);
    review_after = query(s.db, "SELECT * FROM doudi_review");
    assert_text_equal(after, before);
    assert_text_equal(review_after, review_before);
    free(after);
    free(review_after);
    free(before);
    free(review_before);
    free(csv2);
    free(csv);
    scratch_free(&s);
}

/* File-level errors: an empty file, a missing file, a record number the rules lack. */
static void test_file_errors(void **state)
{
    (void)state;
    Scratch s = scratch_new();
    char *empty = put_csv(&s, "empty.csv", "");
    Import im = import_file(s.db, empty, 0, NULL);
    assert_int_equal(im.rc, -1);
    char want[600];
    snprintf(want, sizeof want, "%s: the file is empty (no header line)", empty);
    assert_text_equal(im.error, want);
    import_free(&im);
    char *missing = path_in(s.dir, "missing.csv");
    im = import_file(s.db, missing, 0, NULL);
    assert_int_equal(im.rc, -1);
    snprintf(want, sizeof want, "%s: No such file or directory", missing);
    assert_text_equal(im.error, want);
    import_free(&im);
    im = import_file(s.db, empty, 2, NULL);
    assert_int_equal(im.rc, -1);
    assert_text_equal(im.error, "the rules declare no record number 2");
    import_free(&im);
    /* a header alone: 0 rows, fine */
    Buf b = {0};
    header_line(&b);
    char *text = buf_take(&b);
    char *header_only = put_csv(&s, "header.csv", text);
    im = import_file(s.db, header_only, 0, NULL);
    assert_counts(&im, 0, 0, 0, 0, 0);
    import_free(&im);
    free(text);
    free(header_only);
    free(empty);
    free(missing);
    scratch_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_wrong_length_in_chinese),
        cmocka_unit_test(test_many_bad_rows),
        cmocka_unit_test(test_missing_column),
        cmocka_unit_test(test_column_twice),
        cmocka_unit_test(test_spellings),
        cmocka_unit_test(test_label_parentheses),
        cmocka_unit_test(test_lowercase_x_duplicate),
        cmocka_unit_test(test_quoted_lines),
        cmocka_unit_test(test_malformed_rows),
        cmocka_unit_test(test_institutions),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_reimport),
        cmocka_unit_test(test_reimport_probing),
        cmocka_unit_test(test_held_rows_in_key_order),
        cmocka_unit_test(test_stored_as_read),
        cmocka_unit_test(test_import_is_one_transaction),
        cmocka_unit_test(test_file_errors),
    };
    return cmocka_run_group_tests(tests, setup_rules, teardown_rules);
}
