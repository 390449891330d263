/* test_report.c — `doudi report`: the official forms of a stored run (src/report.c,
 * src/report_xlsx.c), through the embedding API only (doudi.h).
 *
 * A tiny ledger is built by hand in a mkdtemp() directory: five persons and two institutions
 * whose outcomes are worked out from INTERPRETATION §3–4 and §6 below, imported and run with
 * the real rule file. Every expected number in this file comes from that working, not from
 * the engine:
 *
 *   county 410122
 *     P1 born 1940, dibao; labor none, no income, no supporter, elderly → 特困 (tekun);
 *        one ADL item lost → self_care partial; not every home condition → 乡镇敬老院.
 *     P2 born 1971, low_income; physical disability grade 1 → 贫困重度残疾 (severe_disabled);
 *        → 残疾人托养中心 (placement rule 3).
 *     P3 born 1945, registered_poor only; elderly, no caretaker, one ADL lost → 孤寡老人
 *        (lonely_elderly); all seven home conditions and does not want central care → 居家.
 *     P5 born 1980, in no category: counted nowhere.
 *     institution: one 乡镇敬老院, 60 beds, ok.
 *   county 410185
 *     P4 born 2010, dibao, guardian none → 孤儿 (orphan) → 社会福利机构.
 *     institution: one 社会福利机构, 100 beds, needs_upgrade.
 *
 *   附件1 410122: 特困 — — — 1 0 1; 重残 0 1 0 1 0 1; 孤寡 0 0 1 1 1 0; 合计 0 1 1 3 1 2
 *         (合计 of 低保对象 etc. sums the rows that are not blank).
 *   附件1 410185: 孤儿 — — — 1 0 1; 合计 0 0 0 1 0 1.
 *   附件2 (capacity, §6: required = ⌈D × 110%⌉, new = ⌈(required − beds)/standard⌉, a county
 *         without a 残疾人托养中心 builds one, tasks = new + upgrades, 2021 = ⌈30% × tasks⌉):
 *     410122 敬老院: D 1, required 2 ≤ 60 beds → 0 tasks; existing 1.
 *            托养中心: D 1, required 2, no beds → 1 new → 2021: 1.
 *     410185 福利机构: D 1, required 2 ≤ 100 → 0 new, 1 upgrade → 2021: 1; existing 1.
 *            托养中心: D 0 but none exists → 1 new (minimum 1) → 2021: 1.
 *     The rule file's ten other counties: no one, no institution; each files its forms all the
 *     same, with the one 托养中心 it must build → the city's 托养中心 2021: 1 + 1 + 10 = 12.
 *
 * The xlsx workbook is read back with Debian's python3-openpyxl (/usr/bin/python3: the
 * python3 first in PATH may be another build without it) and compared cell by cell with the
 * CSV of the same sheet; the test is skipped, saying why, only when that module is missing. */
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
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doudi.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof *(a))

static const char *const RULES = "rules/zhengzhou-2021.doudi";

/* ---- files ---------------------------------------------------------------------------------- */

static char *make_tmpdir(void) { return make_tmpdir_tagged("report"); }


static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* The whole file, NUL-terminated; *len its size (may be NULL). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot read %s", path);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096) break;
    }
    fclose(f);
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

/* ---- the ledger ----------------------------------------------------------------------------- */

/* A resident id: county, birth date, a 3-digit sequence (its last digit odd for a man) and
 * the GB 11643-1999 check character. */
static void make_id(char out[19], const char *county, const char *birth8, const char *seq3)
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    snprintf(out, 19, "%s%s%s", county, birth8, seq3);
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (out[i] - '0') * weight[i];
    out[17] = "10X98765432"[sum % 11];
    out[18] = 0;
}

typedef struct Person {
    const char *county, *birth8, *seq3;
    const char *rest;          /* the columns after sex, as in PERSON_HEADER */
} Person;

static const char *const PERSON_HEADER =
    "id,county,birth_date,sex,dibao,low_income,registered_poor,labor_capacity,income_source,supporter,"
    "disability_type,disability_grade,chronic_severe,family_can_bear,severe_mental,"
    "adl_eat,adl_dress,adl_bed,adl_toilet,adl_walk,adl_bathe,family_care,guardian,de_facto_unsupported,"
    "has_caretaker,home_caregiver,home_same_food,home_same_housing,home_medical,home_activity_space,"
    "home_heating_cooling,home_pocket_money,wants_central\n";

/*                         dibao,low,reg,labor,income,supporter,dis_type,grade,chronic,bear,mental,
 *                         eat,dress,bed,toilet,walk,bathe,family_care,guardian,de_facto,caretaker,
 *                         caregiver,food,housing,medical,space,heating,money,wants */
static const Person P1 = {"410122", "19400501", "011",
                          "1,0,0,none,0,none,none,0,0,1,0,1,1,1,1,1,0,adequate,capable,0,1,0,1,1,1,1,1,1,yes"};
static const Person P2 = {"410122", "19710315", "022",
                          "0,1,0,partial,1,able,physical,1,0,1,0,1,1,1,1,1,1,adequate,capable,0,1,0,1,1,1,1,1,1,yes"};
static const Person P3 = {"410122", "19450820", "032",
                          "0,0,1,full,1,able,none,0,0,1,0,1,1,1,1,0,1,adequate,capable,0,0,1,1,1,1,1,1,1,no"};
static const Person P4 = {"410185", "20100601", "041",
                          "1,0,0,full,1,able,none,0,0,1,0,1,1,1,1,1,1,adequate,none,0,1,0,1,1,1,1,1,1,undecided"};
static const Person P5 = {"410122", "19800101", "051",
                          "0,0,0,full,1,able,none,0,0,1,0,1,1,1,1,1,1,adequate,capable,0,1,1,1,1,1,1,1,1,no"};
/* for a second run: 410185, dibao, elderly, no caretaker, one ADL lost → 孤寡老人 → 乡镇敬老院 */
static const Person P6 = {"410185", "19500202", "062",
                          "1,0,0,full,1,able,none,0,0,1,0,1,1,1,1,0,1,adequate,capable,0,0,0,1,1,1,1,1,1,yes"};

static void write_persons(const char *path, const Person *const *ps, size_t n)
{
    char *text = malloc(8192);
    assert_non_null(text);
    strcpy(text, PERSON_HEADER);
    for (size_t i = 0; i < n; i++) {
        char id[19];
        make_id(id, ps[i]->county, ps[i]->birth8, ps[i]->seq3);
        const char *b = ps[i]->birth8;
        bool male = (ps[i]->seq3[2] - '0') % 2 == 1;
        snprintf(text + strlen(text), 8192 - strlen(text), "%s,%s,%.4s-%.2s-%.2s,%s,%s\n", id, ps[i]->county, b,
                 b + 4, b + 6, male ? "male" : "female", ps[i]->rest);
    }
    write_text(path, text);
    free(text);
}

static const char *const INSTITUTIONS =
    "id,county,type,name,beds,condition\n"
    "410122-001,410122,township_home,某乡敬老院,60,ok\n"
    "410185-001,410185,welfare_institution,某市社会福利院,100,needs_upgrade\n";

typedef struct Fixture {
    char *dir, *db;
    doudi_rules *r;
    doudi_ledger *l;
} Fixture;

static void import_file(Fixture *fx, int record, const char *path)
{
    char *err = NULL;
    doudi_import_stats st;
    int rc = doudi_import(fx->l, fx->r, record, path, NULL, NULL, &st, &err);
    if (rc) fail_msg("import %s: %s", path, err ? err : "?");
    if (st.review) fail_msg("import %s: %llu rows to review", path, (unsigned long long)st.review);
}

static void run_once(Fixture *fx, int64_t want_run)
{
    char *err = NULL;
    doudi_run_stats st;
    if (doudi_run(fx->l, fx->r, NULL, NULL, NULL, &st, &err)) fail_msg("run: %s", err ? err : "?");
    assert_int_equal(st.run_id, want_run);
    assert_int_equal(st.review, 0);
}

/* The ledger of the header comment; imported, and run once when `run`. */
static Fixture *fixture_new(bool run)
{
    Fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->dir = make_tmpdir();
    fx->db = path_in(fx->dir, "ledger.db");
    char *diags = NULL;
    fx->r = doudi_compile_file(RULES, &diags);
    if (!fx->r) fail_msg("cannot compile %s (run the tests from the top of the tree):\n%s", RULES, diags ? diags : "");
    doudi_string_free(diags);
    char *err = NULL;
    fx->l = doudi_ledger_open(fx->db, &err);
    if (!fx->l) fail_msg("ledger: %s", err ? err : "?");
    char *persons = path_in(fx->dir, "persons.csv"), *inst = path_in(fx->dir, "institutions.csv");
    const Person *const ps[] = {&P1, &P2, &P3, &P4, &P5};
    write_persons(persons, ps, ARRAY_LEN(ps));
    write_text(inst, INSTITUTIONS);
    import_file(fx, 0, persons);
    import_file(fx, 1, inst);
    free(persons);
    free(inst);
    if (run) run_once(fx, 1);
    return fx;
}

static void fixture_free(Fixture *fx)
{
    if (!fx) return;
    doudi_ledger_close(fx->l);
    doudi_free(fx->r);
    free(fx->db);
    remove_tree(fx->dir);
    free(fx);
}

static int group_setup(void **state)
{
    *state = fixture_new(true);
    return 0;
}

static int group_teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

/* Render to a file in the fixture's directory and return its text (caller frees). */
static char *report_of(Fixture *fx, const char *form, const char *county, int64_t run, const char *format)
{
    static int n;
    char name[64];
    snprintf(name, sizeof name, "out%d.%s", ++n, format);
    char *path = path_in(fx->dir, name), *err = NULL;
    int rc = doudi_report(fx->l, fx->r, form, county, run, format, path, &err);
    if (rc) fail_msg("report %s %s %s: %s", form, county ? county : "(city)", format, err ? err : "?");
    assert_null(err);
    char *text = slurp(path, NULL);
    unlink(path);
    free(path);
    return text;
}

/* The error of a report that must fail (caller frees). */
static char *report_error(Fixture *fx, const char *form, const char *county, int64_t run, const char *format,
                          const char *out)
{
    char *err = NULL;
    assert_int_equal(doudi_report(fx->l, fx->r, form, county, run, format, out, &err), -1);
    assert_non_null(err);
    return err;
}

/* ---- expected forms, worked out by hand ------------------------------------------------------ */

#define BOM "\xEF\xBB\xBF"
#define A1_HEADER                                                                                            \
    BOM ",人员数/低保对象,人员数/低收入对象,人员数/建档立卡对象,人员数/小计,供养形式（人）/居家供养,"     \
        "供养形式（人）/集中供养,备注\n"
#define A2_HEADER                                                                                            \
    BOM ",保障对象人数/特困供养人员,保障对象人数/贫困重度残疾人,保障对象人数/重症慢性病人,"                \
        "保障对象人数/失能半失能人员,保障对象人数/孤儿,保障对象人数/孤寡老人,保障对象人数/合计,现有机构数," \
        "机构建设计划（个）/2021年,机构建设计划（个）/2022年,机构建设计划（个）/2023年,机构建设计划（个）/合计\n"

static const char *const A1_410122_CSV = A1_HEADER
    "特困供养人员,,,,1,0,1,\n"
    "贫困重度残疾人,0,1,0,1,0,1,\n"
    "重症慢性病人,0,0,0,0,0,0,\n"
    "失能半失能人员,0,0,0,0,0,0,\n"
    "孤儿,,,,0,0,0,\n"
    "孤寡老人,0,0,1,1,1,0,\n"
    "合计,0,1,1,3,1,2,\n";

static const char *const A1_410185_CSV = A1_HEADER
    "特困供养人员,,,,0,0,0,\n"
    "贫困重度残疾人,0,0,0,0,0,0,\n"
    "重症慢性病人,0,0,0,0,0,0,\n"
    "失能半失能人员,0,0,0,0,0,0,\n"
    "孤儿,,,,1,0,1,\n"
    "孤寡老人,0,0,0,0,0,0,\n"
    "合计,0,0,0,1,0,1,\n";

static const char *const A1_CITY_CSV = A1_HEADER
    "特困供养人员,,,,1,0,1,\n"
    "贫困重度残疾人,0,1,0,1,0,1,\n"
    "重症慢性病人,0,0,0,0,0,0,\n"
    "失能半失能人员,0,0,0,0,0,0,\n"
    "孤儿,,,,1,0,1,\n"
    "孤寡老人,0,0,1,1,1,0,\n"
    "合计,0,1,1,4,1,3,\n";

static const char *const A2_410122_CSV = A2_HEADER
    "村级幸福大院,0,0,0,0,0,0,0,0,0,0,0,0\n"
    "乡镇敬老院（养）,1,0,0,0,0,0,1,1,0,0,0,0\n"
    "社会福利机构,0,0,0,0,0,0,0,0,0,0,0,0\n"
    "医疗康复机构,0,0,0,0,0,0,0,0,0,0,0,0\n"
    "残疾人托养中心,0,1,0,0,0,0,1,0,1,0,0,1\n"
    "合计,1,1,0,0,0,0,2,1,1,0,0,1\n";

static const char *const A2_410185_CSV = A2_HEADER
    "村级幸福大院,0,0,0,0,0,0,0,0,0,0,0,0\n"
    "乡镇敬老院（养）,0,0,0,0,0,0,0,0,0,0,0,0\n"
    "社会福利机构,0,0,0,0,1,0,1,1,1,0,0,1\n"
    "医疗康复机构,0,0,0,0,0,0,0,0,0,0,0,0\n"
    "残疾人托养中心,0,0,0,0,0,0,0,0,1,0,0,1\n"
    "合计,0,0,0,0,1,0,1,1,2,0,0,2\n";

static const char *const A2_CITY_CSV = A2_HEADER
    "村级幸福大院,0,0,0,0,0,0,0,0,0,0,0,0\n"
    "乡镇敬老院（养）,1,0,0,0,0,0,1,1,0,0,0,0\n"
    "社会福利机构,0,0,0,0,1,0,1,1,1,0,0,1\n"
    "医疗康复机构,0,0,0,0,0,0,0,0,0,0,0,0\n"
    "残疾人托养中心,0,1,0,0,0,0,1,0,12,0,0,12\n"
    "合计,1,1,0,0,1,0,3,2,13,0,0,13\n";

/* ---- CSV ------------------------------------------------------------------------------------ */

static void test_csv_county(void **state)
{
    Fixture *fx = *state;
    char *t = report_of(fx, "attachment1", "410122", 0, "csv");
    assert_string_equal(t, A1_410122_CSV);
    free(t);
    t = report_of(fx, "attachment1", "410185", 0, "csv");
    assert_string_equal(t, A1_410185_CSV);
    free(t);
    /* --county by the name or the identifier the rule file gives the code */
    t = report_of(fx, "attachment1", "登封市", 0, "csv");
    assert_string_equal(t, A1_410185_CSV);
    free(t);
    t = report_of(fx, "attachment1", "dengfeng", 0, "csv");
    assert_string_equal(t, A1_410185_CSV);
    free(t);
    t = report_of(fx, "attachment2", "410122", 0, "csv");
    assert_string_equal(t, A2_410122_CSV);
    free(t);
    t = report_of(fx, "attachment2", "410185", 0, "csv");
    assert_string_equal(t, A2_410185_CSV);
    free(t);
}

static void test_csv_city(void **state)
{
    Fixture *fx = *state;
    char *t = report_of(fx, "attachment1", NULL, 0, "csv");
    assert_string_equal(t, A1_CITY_CSV);
    free(t);
    t = report_of(fx, "attachment2", NULL, 1, "csv");
    assert_string_equal(t, A2_CITY_CSV);
    free(t);
}

/* The CSV's cells as numbers: -1 for a blank cell. Returns the count read. */
static size_t csv_cells(const char *csv, long *out, size_t max)
{
    const char *p = strchr(csv, '\n');
    size_t n = 0;
    while (p && p[1]) {
        p++;
        const char *eol = strchr(p, '\n');
        const char *c = strchr(p, ',');     /* skip the row label */
        while (c && c < eol) {
            c++;
            assert_true(n < max);
            out[n++] = (*c == ',' || *c == '\n') ? -1 : strtol(c, NULL, 10);
            c = strchr(c, ',');
        }
        p = eol;
    }
    return n;
}

/* The county-level units rules/zhengzhou-2021.doudi declares, by code. */
static const char *const COUNTY_CODES[] = {
    "410102", "410103", "410104", "410105", "410106", "410108",
    "410122", "410181", "410182", "410183", "410184", "410185",
};

/* The city's every cell is the sum of the counties' (all twelve); a blank stays blank. */
static void test_city_is_sum_of_counties(void **state)
{
    Fixture *fx = *state;
    const char *forms[] = {"attachment1", "attachment2"};
    for (size_t f = 0; f < ARRAY_LEN(forms); f++) {
        long city[200], sum[200] = {0}, a[200];
        char *tc = report_of(fx, forms[f], NULL, 0, "csv");
        size_t n = csv_cells(tc, city, 200);
        assert_true(n > 40);
        /* every county the rule file declares, people or not */
        for (size_t k = 0; k < ARRAY_LEN(COUNTY_CODES); k++) {
            char *ta = report_of(fx, forms[f], COUNTY_CODES[k], 0, "csv");
            assert_int_equal(csv_cells(ta, a, 200), n);
            for (size_t i = 0; i < n; i++) {
                if (city[i] < 0) assert_int_equal(a[i], -1);
                else sum[i] += a[i];
            }
            free(ta);
        }
        for (size_t i = 0; i < n; i++)
            if (city[i] >= 0) assert_int_equal(city[i], sum[i]);
        free(tc);
    }
}

/* 附件1: 低保对象, 低收入对象, 建档立卡对象 are blank for 特困 and 孤儿 — even though P1 and P4
 * are dibao — and 合计 sums the other rows; 备注 is blank everywhere. */
static void test_blank_cells(void **state)
{
    Fixture *fx = *state;
    char *t = report_of(fx, "attachment1", NULL, 0, "json");
    assert_non_null(strstr(t, "{\"name\": \"tekun\", \"label\": \"特困供养人员\", \"cells\": [null, null, null, 1, 0, 1, null]}"));
    assert_non_null(strstr(t, "{\"name\": \"orphan\", \"label\": \"孤儿\", \"cells\": [null, null, null, 1, 0, 1, null]}"));
    assert_non_null(strstr(t, "{\"name\": \"total\", \"label\": \"合计\", \"cells\": [0, 1, 1, 4, 1, 3, null]}"));
    free(t);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void test_json(void **state)
{
    Fixture *fx = *state;
    char *t = report_of(fx, "attachment2", NULL, 0, "json");
    assert_string_equal(t,
        "{\n"
        "  \"form\": \"attachment2\",\n"
        "  \"title\": \"附件2 郑州市特殊贫困群体兜底保障机构建设情况统计表\",\n"
        "  \"unit\": \"全市（12个区县合计）\",\n"
        "  \"run\": 1,\n"
        "  \"columns\": [\n"
        "    {\"name\": \"tekun\", \"label\": \"特困供养人员\", \"group\": \"保障对象人数\"},\n"
        "    {\"name\": \"severe_disabled\", \"label\": \"贫困重度残疾人\", \"group\": \"保障对象人数\"},\n"
        "    {\"name\": \"chronic_illness\", \"label\": \"重症慢性病人\", \"group\": \"保障对象人数\"},\n"
        "    {\"name\": \"disabled_care\", \"label\": \"失能半失能人员\", \"group\": \"保障对象人数\"},\n"
        "    {\"name\": \"orphan\", \"label\": \"孤儿\", \"group\": \"保障对象人数\"},\n"
        "    {\"name\": \"lonely_elderly\", \"label\": \"孤寡老人\", \"group\": \"保障对象人数\"},\n"
        "    {\"name\": \"persons\", \"label\": \"合计\", \"group\": \"保障对象人数\"},\n"
        "    {\"name\": \"existing\", \"label\": \"现有机构数\", \"group\": null},\n"
        "    {\"name\": \"plan2021\", \"label\": \"2021年\", \"group\": \"机构建设计划（个）\"},\n"
        "    {\"name\": \"plan2022\", \"label\": \"2022年\", \"group\": \"机构建设计划（个）\"},\n"
        "    {\"name\": \"plan2023\", \"label\": \"2023年\", \"group\": \"机构建设计划（个）\"},\n"
        "    {\"name\": \"plan_total\", \"label\": \"合计\", \"group\": \"机构建设计划（个）\"}\n"
        "  ],\n"
        "  \"rows\": [\n"
        "    {\"name\": \"village_courtyard\", \"label\": \"村级幸福大院\", \"cells\": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]},\n"
        "    {\"name\": \"township_home\", \"label\": \"乡镇敬老院（养）\", \"cells\": [1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]},\n"
        "    {\"name\": \"welfare_institution\", \"label\": \"社会福利机构\", \"cells\": [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1]},\n"
        "    {\"name\": \"medical_rehab\", \"label\": \"医疗康复机构\", \"cells\": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]},\n"
        "    {\"name\": \"disability_center\", \"label\": \"残疾人托养中心\", \"cells\": [0, 1, 0, 0, 0, 0, 1, 0, 12, 0, 0, 12]},\n"
        "    {\"name\": \"total\", \"label\": \"合计\", \"cells\": [1, 1, 0, 0, 1, 0, 3, 2, 13, 0, 0, 13]}\n"
        "  ]\n"
        "}\n");
    free(t);
    t = report_of(fx, "attachment1", "410185", 0, "json");
    /* a county's unit is its name, and its code follows */
    assert_non_null(strstr(t, "\n  \"unit\": \"登封市\",\n  \"code\": \"410185\",\n  \"run\": 1,\n"));
    assert_non_null(strstr(t, "    {\"name\": \"remark\", \"label\": \"备注\", \"group\": null}\n  ],\n"));
    assert_non_null(strstr(t, "    {\"name\": \"total\", \"label\": \"合计\", \"cells\": [0, 0, 0, 1, 0, 1, null]}\n  ]\n}\n"));
    free(t);
}

/* ---- text ----------------------------------------------------------------------------------- */

static void test_text(void **state)
{
    Fixture *fx = *state;
    char *t = report_of(fx, "attachment1", "410122", 0, "text");
    assert_string_equal(t,
        "附件1 郑州市特殊贫困群体兜底保障对象摸底统计表\n"
        "填表单位：中牟县\n"
        "+----------------+---------------------------------------------+---------------------+------+\n"
        "|                |                   人员数                    |   供养形式（人）    |      |\n"
        "|                +----------+------------+--------------+------+----------+----------+ 备注 |\n"
        "|                | 低保对象 | 低收入对象 | 建档立卡对象 | 小计 | 居家供养 | 集中供养 |      |\n"
        "+----------------+----------+------------+--------------+------+----------+----------+------+\n"
        "| 特困供养人员   |          |            |              |    1 |        0 |        1 |      |\n"
        "| 贫困重度残疾人 |        0 |          1 |            0 |    1 |        0 |        1 |      |\n"
        "| 重症慢性病人   |        0 |          0 |            0 |    0 |        0 |        0 |      |\n"
        "| 失能半失能人员 |        0 |          0 |            0 |    0 |        0 |        0 |      |\n"
        "| 孤儿           |          |            |              |    0 |        0 |        0 |      |\n"
        "| 孤寡老人       |        0 |          0 |            1 |    1 |        1 |        0 |      |\n"
        "+----------------+----------+------------+--------------+------+----------+----------+------+\n"
        "| 合计           |        0 |          1 |            1 |    3 |        1 |        2 |      |\n"
        "+----------------+----------+------------+--------------+------+----------+----------+------+\n");
    free(t);

    t = report_of(fx, "attachment2", NULL, 0, "text");
    const char *top = "附件2 郑州市特殊贫困群体兜底保障机构建设情况统计表\n填表单位：全市（12个区县合计）\n";
    assert_true(strncmp(t, top, strlen(top)) == 0);
    assert_non_null(strstr(t, "|                  |                                      保障对象人数                                      |            |       机构建设计划（个）        |\n"));
    assert_non_null(strstr(t, "|                  +--------------+----------------+--------------+----------------+------+----------+------+ 现有机构数 +--------+--------+--------+------+\n"));
    assert_non_null(strstr(t, "| 残疾人托养中心   |            0 |              1 |            0 |              0 |    0 |        0 |    1 |          0 |     12 |      0 |      0 |   12 |\n"));
    assert_non_null(strstr(t, "| 合计             |            1 |              1 |            0 |              0 |    1 |        0 |    3 |          2 |     13 |      0 |      0 |   13 |\n"));
    free(t);
}

/* Text, CSV and JSON go to stdout when no path is given. */
static void test_stdout(void **state)
{
    Fixture *fx = *state;
    char *path = path_in(fx->dir, "stdout.txt");
    fflush(stdout);
    int saved = dup(1), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 1);
    close(fd);
    char *err = NULL;
    int rc = doudi_report(fx->l, fx->r, "attachment1", "410185", 0, "csv", NULL, &err);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    assert_int_equal(rc, 0);
    char *t = slurp(path, NULL);
    assert_string_equal(t, A1_410185_CSV);
    free(t);
    unlink(path);
    free(path);
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    Fixture *fx = *state;
    char *e = report_error(fx, "attachment1", "410101", 0, "text", NULL);
    assert_string_equal(e, "run 1 knows no county '410101'; the counties are: 410102 中原区, 410103 二七区, 410104 管城回族区, 410105 金水区, 410106 上街区, 410108 惠济区, "
                          "410122 中牟县, 410181 巩义市, 410182 荥阳市, 410183 新密市, 410184 新郑市, 410185 登封市");
    free(e);
    e = report_error(fx, "attachment3", NULL, 0, "text", NULL);
    assert_string_equal(e, "no form named 'attachment3'; the rule file declares: attachment1, attachment2");
    free(e);
    e = report_error(fx, "attachment1", NULL, 7, "csv", NULL);
    assert_non_null(strstr(e, "has no run 7 (the latest is 1)"));
    free(e);
    e = report_error(fx, "attachment1", NULL, 0, "pdf", NULL);
    assert_string_equal(e, "unknown format 'pdf' (text, csv, json or xlsx)");
    free(e);
    e = report_error(fx, "attachment1", NULL, 0, "xlsx", NULL);
    assert_string_equal(e, "an xlsx workbook needs a file to go to (-o FILE.xlsx)");
    free(e);
    char *bad = path_in(fx->dir, "no/such/dir.csv");
    e = report_error(fx, "attachment1", NULL, 0, "csv", bad);
    assert_non_null(strstr(e, "cannot write"));
    free(e);
    free(bad);
}

static void test_no_run_yet(void **state)
{
    (void)state;
    Fixture *fx = fixture_new(false);
    char *e = report_error(fx, "attachment1", NULL, 0, "text", NULL);
    assert_non_null(strstr(e, "holds no run yet: run `doudi run` first"));
    free(e);
    fixture_free(fx);
}

/* A later run is the default; --run picks an earlier one. */
static void test_runs(void **state)
{
    (void)state;
    Fixture *fx = fixture_new(true);
    char *more = path_in(fx->dir, "more.csv");
    const Person *const ps[] = {&P6};
    write_persons(more, ps, 1);
    import_file(fx, 0, more);
    free(more);
    run_once(fx, 2);
    char *t1 = report_of(fx, "attachment1", NULL, 1, "csv"), *t2 = report_of(fx, "attachment1", NULL, 0, "csv");
    assert_string_equal(t1, A1_CITY_CSV);
    assert_non_null(strstr(t2, "\n孤寡老人,1,0,1,2,1,1,\n合计,1,1,1,5,1,4,\n"));
    free(t1);
    free(t2);
    /* 410185's 敬老院: P6, 2 beds required, none there → 1 new in 2021 */
    char *j = report_of(fx, "attachment2", "410185", 0, "json");
    assert_non_null(strstr(j, "\n  \"run\": 2,\n"));
    assert_non_null(strstr(j, "{\"name\": \"township_home\", \"label\": \"乡镇敬老院（养）\", \"cells\": [0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1]}"));
    free(j);
    fixture_free(fx);
}

/* ---- forms laid out otherwise: a total row first, no groups, a row that is no capacity type,
 * a form without `per`. Each counts every target once, as `doudi check` requires: plain has a
 * row per capacity type (and one for home care), whole one for tekun and one for the rest. ---- */

static const char *const EXTRA_TABLES =
    "\n"
    "table plain \"简表\" per county {\n"
    "  row total               \"合计\"       total\n"
    "  row home                \"居家\"       when care == home\n"
    "  row village_courtyard   \"幸福大院\"   when care == village_courtyard\n"
    "  row township_home       \"乡镇敬老院\" when care == township_home\n"
    "  row welfare_institution \"福利机构\"   when care == welfare_institution\n"
    "  row medical_rehab       \"康复机构\"   when care == medical_rehab\n"
    "  row disability_center   \"托养中心\"   when care == disability_center\n"
    "  column persons  \"人数\" count\n"
    "  column existing \"现有\" existing\n"
    "}\n"
    "\n"
    "table whole \"全市表\" {\n"
    "  row tekun  \"特困\" when primary == tekun\n"
    "  row others \"其他\" when primary != tekun\n"
    "  row total  \"合计\" total\n"
    "  column n \"人数\" count\n"
    "}\n";

static void test_other_layouts(void **state)
{
    (void)state;
    Fixture *fx = fixture_new(false);
    size_t len;
    char *base = slurp(RULES, &len);
    size_t extra = strlen(EXTRA_TABLES);
    char *text = malloc(len + extra + 1);
    assert_non_null(text);
    memcpy(text, base, len);
    memcpy(text + len, EXTRA_TABLES, extra + 1);
    free(base);
    char *diags = NULL;
    doudi_rules *r = doudi_compile_string("extra.doudi", text, len + extra, &diags);
    if (!r) fail_msg("extra tables:\n%s", diags ? diags : "");
    doudi_string_free(diags);
    free(text);
    doudi_free(fx->r);
    fx->r = r;
    assert_int_equal(doudi_form_count(r), 4);
    assert_string_equal(doudi_form_name(r, 2), "plain");
    assert_string_equal(doudi_form_label(r, 3), "全市表");
    assert_null(doudi_form_name(r, 4));
    run_once(fx, 1);

    char *t = report_of(fx, "plain", "410122", 0, "text");
    assert_string_equal(t,
        "简表\n"
        "填表单位：中牟县\n"
        "+------------+------+------+\n"
        "|            | 人数 | 现有 |\n"
        "+------------+------+------+\n"
        "| 合计       |    3 |    1 |\n"
        "+------------+------+------+\n"
        "| 居家       |    1 |      |\n"
        "| 幸福大院   |    0 |    0 |\n"
        "| 乡镇敬老院 |    1 |    1 |\n"
        "| 福利机构   |    0 |    0 |\n"
        "| 康复机构   |    0 |    0 |\n"
        "| 托养中心   |    1 |    0 |\n"
        "+------------+------+------+\n");
    free(t);
    t = report_of(fx, "plain", NULL, 0, "csv");
    assert_string_equal(t, BOM ",人数,现有\n合计,4,2\n居家,1,\n幸福大院,0,0\n乡镇敬老院,1,1\n福利机构,1,1\n"
                           "康复机构,0,0\n托养中心,1,0\n");
    free(t);
    t = report_of(fx, "whole", NULL, 0, "csv");
    assert_string_equal(t, BOM ",人数\n特困,1\n其他,3\n合计,4\n");
    free(t);
    t = report_of(fx, "whole", NULL, 0, "text");
    assert_non_null(strstr(t, "全市表\n填表单位：全市\n"));
    free(t);
    char *e = report_error(fx, "whole", "410122", 0, "csv", NULL);
    assert_string_equal(e, "form 'whole' is one table for the whole city (it has no `per`): --county does not apply");
    free(e);
    fixture_free(fx);
}

/* ---- xlsx ----------------------------------------------------------------------------------- */

static const char *const PYTHON = "/usr/bin/python3";

/* Each sheet: "== NAME", its merged ranges, its formulas ("formulas B6=SUM(B5:B10) ..."), its
 * page footer, then its rows as CSV (an empty cell for None) with the values the workbook
 * caches for its formulas — what a reader that computes nothing sees. */
static const char *const DUMP_XLSX =
    "import csv, sys, openpyxl\n"
    "wb = openpyxl.load_workbook(sys.argv[1])\n"
    "values = openpyxl.load_workbook(sys.argv[1], data_only=True)\n"
    "out = csv.writer(sys.stdout, lineterminator='\\n')\n"
    "for ws in wb.worksheets:\n"
    "    print('== ' + ws.title)\n"
    "    print('merged ' + ' '.join(sorted(str(r) for r in ws.merged_cells.ranges)))\n"
    "    print('formulas ' + ' '.join(c.coordinate + c.value for row in ws.iter_rows() for c in row\n"
    "                                 if c.data_type == 'f'))\n"
    "    print('footer ' + (ws.oddFooter.center.text or ''))\n"
    "    for row in values[ws.title].iter_rows(values_only=True):\n"
    "        out.writerow(['' if v is None else v for v in row])\n";

static bool have_openpyxl(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s -c 'import openpyxl' >/dev/null 2>&1", PYTHON);
    return access(PYTHON, X_OK) == 0 && system(cmd) == 0;
}

/* The workbook's dump (caller frees). */
static char *dump_xlsx(Fixture *fx, const char *xlsx)
{
    char *script = path_in(fx->dir, "dump.py"), *out = path_in(fx->dir, "dump.txt");
    write_text(script, DUMP_XLSX);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s '%s' '%s' > '%s'", PYTHON, script, xlsx, out);
    int rc = system(cmd);
    if (rc != 0) fail_msg("%s failed (%d)", cmd, rc);
    char *text = slurp(out, NULL);
    unlink(script);
    unlink(out);
    free(script);
    free(out);
    return text;
}

/* The part of the dump that is sheet `name`'s (a copy; caller frees). */
static char *sheet_dump(const char *dump, const char *name)
{
    char head[64];
    snprintf(head, sizeof head, "== %s\n", name);
    const char *s = strstr(dump, head);
    if (!s) fail_msg("no sheet %s in:\n%s", name, dump);
    s += strlen(head);
    const char *e = strstr(s, "\n== ");
    size_t n = e ? (size_t)(e - s) + 1 : strlen(s);
    char *copy = malloc(n + 1);
    assert_non_null(copy);
    memcpy(copy, s, n);
    copy[n] = 0;
    return copy;
}

/* The sheet's data rows (after the 4 lines of title, unit and header, and the merged, formulas
 * and footer lines) must be the CSV's rows — the CSV's header line and BOM aside. */
static void assert_sheet_matches_csv(const char *sheet, const char *csv)
{
    const char *rows = sheet;
    for (int i = 0; i < 7; i++) {
        rows = strchr(rows, '\n');
        assert_non_null(rows);
        rows++;
    }
    const char *csv_rows = strchr(csv, '\n') + 1;
    assert_string_equal(rows, csv_rows);
}

static void test_xlsx(void **state)
{
    Fixture *fx = *state;
    if (!have_openpyxl()) {
        print_message("[   SKIP   ] %s has no openpyxl (apt-get install python3-openpyxl): the xlsx is not read back\n",
                      PYTHON);
        skip();
    }
    char *path = path_in(fx->dir, "a1.xlsx"), *err = NULL;
    if (doudi_report(fx->l, fx->r, "attachment1", NULL, 0, "xlsx", path, &err)) fail_msg("xlsx: %s", err);
    char *dump = dump_xlsx(fx, path);
    /* the city first, then each county */
    const char *c = strstr(dump, "== 全市\n"), *a = strstr(dump, "== 中牟县\n"), *b = strstr(dump, "== 登封市\n");
    assert_true(c && a && b && c < a && a < b);

    char *city = sheet_dump(dump, "全市");
    /* the corner as on the official form (人员类别); the 合计 row a formula in every column but
     * 备注 (blank); 小计 a formula where the counts add up — not for 特困 and 孤儿, whose 低保,
     * 低收入 and 建档立卡 cells the form leaves empty, so the count stands as a number */
    const char *want_head =
        "merged A1:H1 A3:A4 B3:E3 F3:G3 H3:H4\n"
        "formulas E6=SUM(B6:D6) E7=SUM(B7:D7) E8=SUM(B8:D8) E10=SUM(B10:D10) B11=SUM(B5:B10) C11=SUM(C5:C10) "
        "D11=SUM(D5:D10) E11=SUM(E5:E10) F11=SUM(F5:F10) G11=SUM(G5:G10)\n"
        "footer \n"
        "附件1 郑州市特殊贫困群体兜底保障对象摸底统计表,,,,,,,\n"
        "填表单位：全市（12个区县合计）,,,,,,,\n"
        "人员类别,人员数,,,,供养形式（人）,,备注\n"
        ",低保对象,低收入对象,建档立卡对象,小计,居家供养,集中供养,\n";
    if (strncmp(city, want_head, strlen(want_head)) != 0) fail_msg("got:\n%s", city);
    assert_sheet_matches_csv(city, A1_CITY_CSV);
    char *s1 = sheet_dump(dump, "中牟县"), *s2 = sheet_dump(dump, "登封市");
    assert_non_null(strstr(s1, "\n填表单位：中牟县,,,,,,,\n"));
    assert_non_null(strstr(s1, "\nfooter 区县代码：410122\n"));
    assert_sheet_matches_csv(s1, A1_410122_CSV);
    assert_sheet_matches_csv(s2, A1_410185_CSV);
    free(city);
    free(s1);
    free(s2);
    free(dump);

    /* the same run, the same bytes */
    char *again = path_in(fx->dir, "a1-again.xlsx");
    if (doudi_report(fx->l, fx->r, "attachment1", NULL, 0, "xlsx", again, &err)) fail_msg("xlsx: %s", err);
    size_t n1, n2;
    char *x1 = slurp(path, &n1), *x2 = slurp(again, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(x1, x2, n1);
    free(x1);
    free(x2);
    unlink(again);
    free(again);

    /* 附件2, one county: one sheet, its header merged as on the form */
    if (doudi_report(fx->l, fx->r, "attachment2", "410185", 0, "xlsx", path, &err)) fail_msg("xlsx: %s", err);
    dump = dump_xlsx(fx, path);
    assert_null(strstr(dump, "== 全市"));
    assert_non_null(strstr(dump, "== 登封市\n"));
    char *s = sheet_dump(dump, "登封市");
    const char *want2 =
        "merged A1:M1 A3:A4 B3:H3 I3:I4 J3:M3\n"
        "formulas H5=SUM(B5:G5) M5=SUM(J5:L5) H6=SUM(B6:G6) M6=SUM(J6:L6) H7=SUM(B7:G7) M7=SUM(J7:L7) "
        "H8=SUM(B8:G8) M8=SUM(J8:L8) H9=SUM(B9:G9) M9=SUM(J9:L9) B10=SUM(B5:B9) C10=SUM(C5:C9) D10=SUM(D5:D9) "
        "E10=SUM(E5:E9) F10=SUM(F5:F9) G10=SUM(G5:G9) H10=SUM(H5:H9) I10=SUM(I5:I9) J10=SUM(J5:J9) "
        "K10=SUM(K5:K9) L10=SUM(L5:L9) M10=SUM(M5:M9)\n"
        "footer 区县代码：410185\n"
        "附件2 郑州市特殊贫困群体兜底保障机构建设情况统计表,,,,,,,,,,,,\n"
        "填表单位：登封市,,,,,,,,,,,,\n"
        "建设机构类别,保障对象人数,,,,,,,现有机构数,机构建设计划（个）,,,\n"
        ",特困供养人员,贫困重度残疾人,重症慢性病人,失能半失能人员,孤儿,孤寡老人,合计,,2021年,2022年,2023年,合计\n";
    if (strncmp(s, want2, strlen(want2)) != 0) fail_msg("got:\n%s", s);
    assert_sheet_matches_csv(s, A2_410185_CSV);
    free(s);
    free(dump);
    unlink(path);
    free(path);
}

/* --form takes a label or the start of one; --form all puts every form in one workbook, its
 * sheets prefixed by the first word of their form's label; the county sheets are named by the
 * county (report_partition_name: the value itself for a text field such as county; enum labels
 * are tested in test_report_names.c). */
static const char *const NINTH =
    "\n"
    "table ninth \"附件9 简表\" per county {\n"
    "  row tekun  \"特困\" when primary == tekun\n"
    "  row others \"其他\" when primary != tekun\n"
    "  row total  \"合计\" total\n"
    "  column n \"人数\" count\n"
    "}\n";

static void test_xlsx_names(void **state)
{
    (void)state;
    if (!have_openpyxl()) skip();
    Fixture *fx = fixture_new(false);
    size_t len;
    char *base = slurp(RULES, &len), *diags = NULL;
    char *text = malloc(len + strlen(NINTH) + 1);
    assert_non_null(text);
    memcpy(text, base, len);
    memcpy(text + len, NINTH, strlen(NINTH) + 1);
    free(base);
    doudi_rules *r = doudi_compile_string("ninth.doudi", text, strlen(text), &diags);
    if (!r) fail_msg("ninth:\n%s", diags ? diags : "");
    doudi_string_free(diags);
    free(text);
    doudi_free(fx->r);
    fx->r = r;
    run_once(fx, 1);

    char *path = path_in(fx->dir, "names.xlsx"), *err = NULL;
    if (doudi_report(fx->l, fx->r, "附件9", "410122", 0, "xlsx", path, &err)) fail_msg("xlsx: %s", err);
    char *dump = dump_xlsx(fx, path);
    char *sheet = sheet_dump(dump, "中牟县");
    assert_non_null(strstr(sheet, "\nfooter 区县代码：410122\n"));
    assert_non_null(strstr(sheet, "\n填表单位：中牟县,\n"));
    assert_non_null(strstr(sheet, "\nformulas B6=SUM(B4:B5)\n"));
    /* its rows are not all categories (其他 is none): the corner stays empty */
    assert_non_null(strstr(sheet, "\n,人数\n"));
    free(sheet);
    free(dump);

    /* a form by its label, whole or its start; a start two labels share names none */
    char *t1 = report_of(fx, "attachment1", "410122", 0, "csv"), *t2 = report_of(fx, "附件1", "410122", 0, "csv");
    assert_string_equal(t1, t2);
    free(t2);
    t2 = report_of(fx, "附件1 郑州市特殊贫困群体兜底保障对象摸底统计表", "410122", 0, "csv");
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    char *e = report_error(fx, "附件", NULL, 0, "csv", NULL);
    assert_non_null(strstr(e, "no form named '附件'"));
    free(e);

    /* --form all: every form, the city then every county, in one workbook */
    if (doudi_report(fx->l, fx->r, "all", NULL, 0, "xlsx", path, &err)) fail_msg("xlsx: %s", err);
    dump = dump_xlsx(fx, path);
    const char *want[] = {"附件1 全市", "附件1 中牟县", "附件1 登封市", "附件2 全市", "附件2 中牟县",
                          "附件2 登封市", "附件9 全市", "附件9 中牟县", "附件9 登封市"};
    const char *at = dump;
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        char head[64];
        snprintf(head, sizeof head, "== %s\n", want[i]);
        const char *found = strstr(at, head);
        if (!found) fail_msg("no sheet %s (in order) in:\n%s", want[i], dump);
        at = found;
    }
    /* each form's sheets as the form alone writes them: 附件1's city */
    char *city = sheet_dump(dump, "附件1 全市");
    assert_non_null(strstr(city, "\n人员类别,人员数,,,,供养形式（人）,,备注\n"));
    assert_sheet_matches_csv(city, A1_CITY_CSV);
    free(city);
    free(dump);
    e = report_error(fx, "all", NULL, 0, "csv", NULL);
    assert_string_equal(e, "every form at once (--form all) goes to one workbook: -o FILE.xlsx");
    free(e);
    unlink(path);
    free(path);
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_county),
        cmocka_unit_test(test_csv_city),
        cmocka_unit_test(test_city_is_sum_of_counties),
        cmocka_unit_test(test_blank_cells),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_stdout),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_no_run_yet),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_other_layouts),
        cmocka_unit_test(test_xlsx),
        cmocka_unit_test(test_xlsx_names),
    };
    return cmocka_run_group_tests_name("report", tests, group_setup, group_teardown);
}
