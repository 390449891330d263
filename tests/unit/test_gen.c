/* test_gen.c — the synthetic population generator (src/gen.c, `doudi gen`).
 *
 * Every check reads the files the generator wrote, with this file's own CSV reader, its own
 * reading of the §1 data contract (GB 11643-1999 ids, enums, booleans, dates, the disability
 * rule, duplicates) and a direct transcription of INTERPRETATION §2–4 (derived values, the six
 * categories, the seven placement branches) — nothing here calls back into the generator's
 * logic, so the generator is checked against the policy text, not against itself.
 * Files go to a mkdtemp() directory that each test removes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <dirent.h>
#include <iconv.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/date.h"
#include "gen/gen.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof *(a))

/* ---- files --------------------------------------------------------------------------- */

static char *make_tmpdir(void) { return make_tmpdir_tagged("gen"); }


static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

static bool file_exists(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

typedef struct Run {
    char *dir;
    GenStats st;
} Run;

static Run gen_run(uint64_t count, uint64_t seed, double bad_rate, const char *as_of)
{
    GenOptions o = gen_default_options();
    o.count = count;
    o.seed = seed;
    o.bad_rate = bad_rate;
    if (as_of) assert_true(date_parse(as_of, strlen(as_of), &o.as_of));
    Run r = {make_tmpdir(), {0}};
    char *err = NULL;
    int rc = gen_write_dir(&o, r.dir, &r.st, &err);
    if (rc != 0) print_error("gen_write_dir: %s\n", err ? err : "?");
    assert_int_equal(rc, 0);
    assert_null(err);
    return r;
}

/* ---- an RFC 4180 reader ------------------------------------------------------------- */

enum { MAX_CELLS = 40 };

typedef struct Rec {
    int line;                 /* file line where the record starts; the header is line 1 */
    int n;
    char *cell[MAX_CELLS];
} Rec;

typedef struct Csv {
    Rec *rec;                 /* rec[0] is the header */
    size_t n;
} Csv;

static Csv csv_parse(const char *s, size_t len)
{
    Csv c = {0};
    size_t cap = 0, pos = 0;
    int line = 1;
    char *buf = malloc(len + 1);
    while (pos < len) {
        if (c.n == cap) c.rec = realloc(c.rec, (cap = cap ? cap * 2 : 1024) * sizeof *c.rec);
        Rec *r = &c.rec[c.n++];
        memset(r, 0, sizeof *r);
        r->line = line;
        for (;;) {
            size_t k = 0;
            if (s[pos] == '"') {
                pos++;
                for (;;) {
                    assert_true(pos < len); /* an unterminated quote */
                    if (s[pos] == '"') {
                        if (pos + 1 < len && s[pos + 1] == '"') { buf[k++] = '"'; pos += 2; continue; }
                        pos++;
                        break;
                    }
                    if (s[pos] == '\n') line++;
                    buf[k++] = s[pos++];
                }
            } else {
                while (pos < len && s[pos] != ',' && s[pos] != '\n') {
                    assert_true(s[pos] != '"' && s[pos] != '\r');
                    buf[k++] = s[pos++];
                }
            }
            assert_true(r->n < MAX_CELLS);
            r->cell[r->n++] = strndup(buf, k);
            if (pos < len && s[pos] == ',') { pos++; continue; }
            assert_true(pos < len && s[pos] == '\n'); /* every record ends with LF */
            pos++;
            line++;
            break;
        }
    }
    free(buf);
    return c;
}

static void csv_free(Csv *c)
{
    for (size_t i = 0; i < c->n; i++)
        for (int j = 0; j < c->rec[i].n; j++) free(c->rec[i].cell[j]);
    free(c->rec);
}

static Csv read_csv(const char *dir, const char *name)
{
    size_t len;
    char *text = slurp(dir, name, &len);
    assert_non_null(text);
    Csv c = csv_parse(text, len);
    free(text);
    return c;
}

/* ---- §1: the person record, read independently ---------------------------------------- */

static const char *const COLS[36] = {
    "id", "name", "county", "township", "village", "birth_date", "sex", "dibao", "low_income",
    "registered_poor", "labor_capacity", "income_source", "supporter", "disability_type",
    "disability_grade", "chronic_severe", "family_can_bear", "severe_mental", "adl_eat",
    "adl_dress", "adl_bed", "adl_toilet", "adl_walk", "adl_bathe", "family_care", "guardian",
    "de_facto_unsupported", "has_caretaker", "home_caregiver", "home_same_food",
    "home_same_housing", "home_medical", "home_activity_space", "home_heating_cooling",
    "home_pocket_money", "wants_central",
};
static const char *const COUNTIES[12] = {"410102", "410103", "410104", "410105", "410106", "410108",
                                         "410122", "410181", "410182", "410183", "410184", "410185"};
static const char *const E_SEX[] = {"male", "female", NULL};
static const char *const E_LABOR[] = {"full", "partial", "none", NULL};
static const char *const E_SUPPORTER[] = {"none", "unable", "able", NULL};
static const char *const E_DIS[] = {"none", "visual", "hearing", "speech", "physical",
                                    "intellectual", "mental", "multiple", NULL};
static const char *const E_FC[] = {"adequate", "heavy", "none", NULL};
static const char *const E_GUARD[] = {"capable", "incapable", "none", NULL};
static const char *const E_WANTS[] = {"yes", "no", "undecided", NULL};

typedef enum ColType { T_TEXT, T_ID, T_COUNTY, T_DATE, T_BOOL, T_ENUM, T_GRADE } ColType;
static ColType col_type(int col, const char *const **values)
{
    *values = NULL;
    switch (col) {
    case 1: return T_ID;
    case 2: case 4: case 5: return T_TEXT;
    case 3: return T_COUNTY;
    case 6: return T_DATE;
    case 7: *values = E_SEX; return T_ENUM;
    case 11: *values = E_LABOR; return T_ENUM;
    case 13: *values = E_SUPPORTER; return T_ENUM;
    case 14: *values = E_DIS; return T_ENUM;
    case 15: return T_GRADE;
    case 25: *values = E_FC; return T_ENUM;
    case 26: *values = E_GUARD; return T_ENUM;
    case 36: *values = E_WANTS; return T_ENUM;
    default: return T_BOOL;
    }
}

static int enum_index(const char *const *values, const char *s)
{
    for (int i = 0; values[i]; i++)
        if (!strcmp(values[i], s)) return i;
    return -1;
}

/* GB 11643-1999, written out here again. */
static bool id_valid(const char *id)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    if (strlen(id) != 18) return false;
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (id[i] < '0' || id[i] > '9') return false;
        sum += (id[i] - '0') * w[i];
    }
    char want = "10X98765432"[sum % 11];
    char got = id[17] == 'x' ? 'X' : id[17];
    return got == want;
}

typedef struct Defect {
    int column;
    const char *kind;
} Defect;

/* A tiny open-addressing set of 18-character ids (case of the X folded). */
typedef struct IdSet {
    char (*slot)[19];
    size_t cap, n;
} IdSet;

static uint64_t id_hash(const char *id)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 18; i++) h = (h ^ (unsigned char)(id[i] == 'x' ? 'X' : id[i])) * 1099511628211ULL;
    return h;
}

/* true if newly inserted, false if present */
static bool idset_add(IdSet *s, const char *id)
{
    if (s->n * 2 >= s->cap) {
        IdSet t = {calloc(s->cap ? s->cap * 2 : 1 << 14, 19), s->cap ? s->cap * 2 : 1 << 14, 0};
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i][0]) idset_add(&t, s->slot[i]);
        free(s->slot);
        *s = t;
    }
    char key[19];
    for (int i = 0; i < 18; i++) key[i] = id[i] == 'x' ? 'X' : id[i];
    key[18] = '\0';
    for (size_t i = id_hash(key) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slot[i][0]) {
            memcpy(s->slot[i], key, 19);
            s->n++;
            return true;
        }
        if (!memcmp(s->slot[i], key, 18)) return false;
    }
}

/* Every defect of one record under §1; the duplicate check uses (and feeds) `seen` only for
 * rows without other defects. */
static int validate(const Rec *r, IdSet *seen, Defect *out, int max)
{
    int n = 0;
#define DEFECT(c, k) do { if (n < max) out[n].column = (c), out[n].kind = (k); n++; } while (0)
    if (r->n != 36) {
        DEFECT(0, "too_few_columns");
        return n;
    }
    bool ok[37] = {0};
    for (int col = 1; col <= 36; col++) {
        const char *v = r->cell[col - 1];
        const char *const *values;
        ColType t = col_type(col, &values);
        if (!*v && t != T_TEXT) { DEFECT(col, "empty_cell"); continue; }
        int64_t day;
        switch (t) {
        case T_TEXT: ok[col] = true; break;
        case T_ID:
            if (strlen(v) != 18) DEFECT(col, "id_length");
            else if (!id_valid(v)) DEFECT(col, "id_check_digit");
            else ok[col] = true;
            break;
        case T_COUNTY:
            ok[col] = false;
            for (int i = 0; i < 12; i++) ok[col] |= !strcmp(v, COUNTIES[i]);
            if (!ok[col]) DEFECT(col, "bad_county");
            break;
        case T_DATE:
            if (!date_parse(v, strlen(v), &day)) DEFECT(col, "bad_date");
            else ok[col] = true;
            break;
        case T_BOOL:
            if (strcmp(v, "0") && strcmp(v, "1")) DEFECT(col, "bad_bool");
            else ok[col] = true;
            break;
        case T_ENUM:
            if (enum_index(values, v) < 0) DEFECT(col, "bad_enum");
            else ok[col] = true;
            break;
        case T_GRADE:
            if (strlen(v) != 1 || v[0] < '0' || v[0] > '9') DEFECT(col, "bad_int");
            else if (v[0] > '4') DEFECT(col, "grade_out_of_range");
            else ok[col] = true;
            break;
        }
    }
    const char *id = r->cell[0];
    if (ok[1] && ok[6]) {
        const char *b = r->cell[5]; /* YYYY-MM-DD against digits 7–14 */
        if (memcmp(id + 6, b, 4) || memcmp(id + 10, b + 5, 2) || memcmp(id + 12, b + 8, 2))
            DEFECT(6, "birth_date_mismatch");
    }
    if (ok[1] && ok[7]) {
        bool male = (id[16] - '0') % 2 == 1;
        if (male != !strcmp(r->cell[6], "male")) DEFECT(7, "sex_mismatch");
    }
    if (ok[14] && ok[15]) {
        bool none = !strcmp(r->cell[13], "none");
        int grade = r->cell[14][0] - '0';
        if (grade == 0 && !none) DEFECT(15, "grade_zero_with_type");
        if (grade > 0 && none) DEFECT(15, "grade_without_type");
    }
    if (n == 0 && !idset_add(seen, id)) DEFECT(1, "duplicate_id");
#undef DEFECT
    return n;
}

/* ---- §2–4: the reference classifier ------------------------------------------------ */

enum { TEKUN, SEVERE_DISABLED, CHRONIC_ILLNESS, DISABLED_CARE, ORPHAN, LONELY_ELDERLY, NCAT };
static const char *const CAT_NAMES[NCAT] = {"tekun", "severe_disabled", "chronic_illness",
                                           "disabled_care", "orphan", "lonely_elderly"};

typedef struct P {
    int64_t birth;
    int age, adl_lost, self_care; /* self_care 0 full, 1 partial, 2 none */
    bool dibao, low_income, registered_poor, income_source, chronic_severe, family_can_bear,
        severe_mental, de_facto_unsupported, has_caretaker, home_all;
    int labor, supporter, dis_type, dis_grade, family_care, guardian, wants;
} P;

static bool cellb(const Rec *r, int col) { return r->cell[col - 1][0] == '1'; }

static P person_of(const Rec *r, int64_t as_of)
{
    P p;
    memset(&p, 0, sizeof p);
    assert_true(date_parse(r->cell[5], 10, &p.birth));
    p.age = (int)years_between(p.birth, as_of);
    p.dibao = cellb(r, 8);
    p.low_income = cellb(r, 9);
    p.registered_poor = cellb(r, 10);
    p.labor = enum_index(E_LABOR, r->cell[10]);
    p.income_source = cellb(r, 12);
    p.supporter = enum_index(E_SUPPORTER, r->cell[12]);
    p.dis_type = enum_index(E_DIS, r->cell[13]);
    p.dis_grade = atoi(r->cell[14]);
    p.chronic_severe = cellb(r, 16);
    p.family_can_bear = cellb(r, 17);
    p.severe_mental = cellb(r, 18);
    for (int c = 19; c <= 24; c++) p.adl_lost += !cellb(r, c);
    p.self_care = p.adl_lost == 0 ? 0 : p.adl_lost <= 3 ? 1 : 2;
    p.family_care = enum_index(E_FC, r->cell[24]);
    p.guardian = enum_index(E_GUARD, r->cell[25]);
    p.de_facto_unsupported = cellb(r, 27);
    p.has_caretaker = cellb(r, 28);
    p.home_all = true;
    for (int c = 29; c <= 35; c++) p.home_all &= cellb(r, c);
    p.wants = enum_index(E_WANTS, r->cell[35]);
    return p;
}

/* Category membership (§3); returns the count. */
static int categories(const P *p, bool cat[NCAT])
{
    bool poor = p->dibao || p->low_income || p->registered_poor;
    bool minor = p->age < 18, elderly = p->age >= 60;
    /* enum indices: labor full 0, partial 1, none 2; supporter none 0, unable 1, able 2;
     * disability_type none 0 … physical 4, intellectual 5, mental 6, multiple 7;
     * family_care adequate 0, heavy 1, none 2; guardian capable 0, incapable 1, none 2 */
    cat[TEKUN] = p->labor == 2 && !p->income_source && (p->supporter == 0 || p->supporter == 1) &&
                 (elderly || minor || p->dis_grade >= 1);
    cat[SEVERE_DISABLED] = poor && (p->dis_grade == 1 || p->dis_grade == 2) &&
                           (p->dis_type == 4 || p->dis_type == 5 || p->dis_type == 6);
    cat[CHRONIC_ILLNESS] = poor && p->chronic_severe && p->self_care != 0 && !p->family_can_bear;
    cat[DISABLED_CARE] = poor && (p->labor == 1 || p->labor == 2) && (p->family_care == 1 || p->family_care == 2);
    cat[ORPHAN] = minor && (p->guardian == 2 || p->guardian == 1 || p->de_facto_unsupported);
    cat[LONELY_ELDERLY] = poor && elderly && !p->has_caretaker && p->self_care != 0;
    int n = 0;
    for (int i = 0; i < NCAT; i++) n += cat[i];
    return n;
}

/* Placement branch 1–7 (§4), for targets. */
static int placement_branch(const P *p, const bool cat[NCAT])
{
    if (p->home_all && p->wants != 0) return 1;                          /* home */
    if ((p->severe_mental || p->chronic_severe) && p->self_care != 0) return 2; /* medical_rehab */
    if (cat[SEVERE_DISABLED]) return 3;                                  /* disability_center */
    if (cat[ORPHAN]) return 4;                                           /* welfare_institution */
    if (p->self_care == 0) return 5;                                     /* village_courtyard */
    if (p->self_care == 1) return 6;                                     /* township_home */
    return 7;                                                            /* welfare_institution */
}

typedef struct Tally {
    size_t rows, in_cat[NCAT], primary[NCAT], central_primary[NCAT], branch[8], multi, none;
    size_t elderly, minors, prime_age, minors_capable, orphans, oldest, oldest_lost, young_old,
        young_old_lost;
} Tally;

static void tally(const Csv *c, int64_t as_of, Tally *t)
{
    memset(t, 0, sizeof *t);
    IdSet seen = {0};
    for (size_t i = 1; i < c->n; i++) {
        Defect d[8];
        if (validate(&c->rec[i], &seen, d, 8) != 0) continue;
        P p = person_of(&c->rec[i], as_of);
        bool cat[NCAT];
        int n = categories(&p, cat);
        t->rows++;
        t->elderly += p.age >= 60;
        t->minors += p.age < 18;
        t->prime_age += p.age >= 25 && p.age < 50;
        t->minors_capable += p.age < 18 && p.guardian == 0;
        t->orphans += cat[ORPHAN];
        if (p.age >= 85) t->oldest++, t->oldest_lost += p.adl_lost > 0;
        if (p.age >= 60 && p.age < 70) t->young_old++, t->young_old_lost += p.adl_lost > 0;
        if (n == 0) { t->none++; continue; }
        if (n > 1) t->multi++;
        for (int k = 0; k < NCAT; k++) t->in_cat[k] += cat[k];
        int primary = 0;
        while (!cat[primary]) primary++;
        t->primary[primary]++;
        int b = placement_branch(&p, cat);
        t->branch[b]++;
        if (b != 1) t->central_primary[primary]++;
    }
    free(seen.slot);
}

static void assert_coverage(const Tally *t, const char *what)
{
    for (int k = 0; k < NCAT; k++) {
        if (!t->in_cat[k] || !t->primary[k] || !t->central_primary[k])
            print_error("%s: category %s: %zu in it, %zu primary, %zu centralized (schedule group)\n",
                        what, CAT_NAMES[k], t->in_cat[k], t->primary[k], t->central_primary[k]);
        assert_true(t->in_cat[k] > 0);
        assert_true(t->primary[k] > 0);
        assert_true(t->central_primary[k] > 0);
    }
    for (int b = 1; b <= 7; b++) {
        if (!t->branch[b]) print_error("%s: placement branch %d never fires\n", what, b);
        assert_true(t->branch[b] > 0);
    }
    assert_true(t->multi > 0);
    assert_true(t->none > 0);
}

/* ---- tests ------------------------------------------------------------------------- */

static bool same_file(const char *d1, const char *d2, const char *name)
{
    size_t n1, n2;
    char *a = slurp(d1, name, &n1), *b = slurp(d2, name, &n2);
    assert_non_null(a);
    assert_non_null(b);
    bool same = n1 == n2 && !memcmp(a, b, n1);
    free(a);
    free(b);
    return same;
}

static void test_determinism(void **state)
{
    (void)state;
    Run a = gen_run(3000, 42, 0.02, NULL), b = gen_run(3000, 42, 0.02, NULL);
    Run c = gen_run(3000, 43, 0.02, NULL), d = gen_run(3000, 42, 0.02, "2022-06-30");
    assert_true(same_file(a.dir, b.dir, "persons.csv"));
    assert_true(same_file(a.dir, b.dir, "institutions.csv"));
    assert_true(same_file(a.dir, b.dir, "expected_review.csv"));
    assert_false(same_file(a.dir, c.dir, "persons.csv"));
    assert_false(same_file(a.dir, c.dir, "institutions.csv"));
    assert_false(same_file(a.dir, d.dir, "persons.csv"));
    /* a longer run begins with the shorter one's rows */
    Run e = gen_run(1000, 42, 0, NULL), f = gen_run(0, 42, 0, NULL);
    size_t ne, na;
    char *te = slurp(e.dir, "persons.csv", &ne), *ta = slurp(a.dir, "persons.csv", &na);
    Run g = gen_run(3000, 42, 0, NULL);
    char *tg = slurp(g.dir, "persons.csv", NULL);
    assert_true(ne < strlen(tg) && !memcmp(te, tg, ne));
    free(te);
    free(ta);
    free(tg);
    assert_int_equal(f.st.persons, 0);
    assert_true(same_file(f.dir, a.dir, "institutions.csv")); /* institutions depend on the seed alone */
    assert_false(file_exists(e.dir, "expected_review.csv"));
    assert_false(file_exists(e.dir, ".persons.csv.tmp"));
    Run *all[] = {&a, &b, &c, &d, &e, &f, &g};
    for (size_t i = 0; i < ARRAY_LEN(all); i++) remove_tree(all[i]->dir);
}

static void test_rows_well_formed(void **state)
{
    (void)state;
    Run run = gen_run(5000, 7, 0, NULL);
    size_t len;
    char *text = slurp(run.dir, "persons.csv", &len);
    assert_true(len > 3 && memcmp(text, "\xEF\xBB\xBF", 3) != 0); /* no BOM */
    assert_null(memchr(text, '\r', len));                        /* LF only */
    assert_int_equal(text[len - 1], '\n');
    Csv c = csv_parse(text, len);
    free(text);
    assert_int_equal(c.n, 5001);
    assert_int_equal(run.st.persons, 5000);
    assert_int_equal(run.st.bad, 0);
    assert_int_equal(c.rec[0].n, 36);
    for (int i = 0; i < 36; i++) assert_string_equal(c.rec[0].cell[i], COLS[i]);
    IdSet seen = {0};
    size_t lower_x = 0, upper_x = 0, multiline = 0, comma = 0, empty_village = 0;
    int64_t as_of = days_from_civil(2021, 4, 1);
    for (size_t i = 1; i < c.n; i++) {
        const Rec *r = &c.rec[i];
        Defect d[8];
        int nd = validate(r, &seen, d, 8);
        if (nd) print_error("line %d: %s in column %d\n", r->line, d[0].kind, d[0].column);
        assert_int_equal(nd, 0); /* valid, unique ids; birth_date and sex agree with them */
        lower_x += r->cell[0][17] == 'x';
        upper_x += r->cell[0][17] == 'X';
        assert_memory_equal(r->cell[2], r->cell[0], 6); /* county code = the id's first 6 digits */
        assert_int_equal(strlen(r->cell[2]), 6);
        assert_true(strlen(r->cell[1]) >= 6);  /* surname and at least one given character */
        assert_true(strlen(r->cell[3]) >= 6);  /* a township, in Chinese */
        assert_true(r->cell[3][0] & 0x80);
        if (strchr(r->cell[4], '\n')) multiline++;
        if (strchr(r->cell[4], ',')) comma++;
        if (!*r->cell[4]) empty_village++;
        int64_t b;
        assert_true(date_parse(r->cell[5], 10, &b));
        assert_true(b <= as_of);
        assert_true(years_between(b, as_of) <= 110);
        if (i > 1 && c.rec[i - 1].n == 36 && strchr(c.rec[i - 1].cell[4], '\n'))
            assert_int_equal(r->line, c.rec[i - 1].line + 2);
        else if (i > 1)
            assert_int_equal(r->line, c.rec[i - 1].line + 1);
    }
    assert_true(lower_x > 0); /* a lowercase x is valid (§1) and must occur */
    assert_true(upper_x > lower_x);
    assert_true(multiline > 0 && comma > 0 && empty_village > 0);
    assert_int_equal(run.st.lines, (size_t)c.rec[c.n - 1].line + (strchr(c.rec[c.n - 1].cell[4], '\n') != NULL));
    free(seen.slot);
    csv_free(&c);
    remove_tree(run.dir);
}

static void test_realism(void **state)
{
    (void)state;
    Run run = gen_run(5000, 11, 0, NULL);
    Csv c = read_csv(run.dir, "persons.csv");
    Tally t;
    tally(&c, days_from_civil(2021, 4, 1), &t);
    double n = (double)t.rows;
    assert_true(t.elderly / n > 0.45);                     /* skewed old */
    assert_true(t.minors / n > 0.10 && t.minors / n < 0.30); /* a good share of minors */
    assert_true(t.prime_age / n < 0.15);                   /* few of 25–49 */
    assert_true((double)t.minors_capable / (double)t.minors > 0.85);
    assert_true(t.orphans > 0 && (double)t.orphans / (double)t.minors < 0.15);
    assert_true((double)t.oldest_lost / (double)t.oldest > (double)t.young_old_lost / (double)t.young_old);
    /* rural counties weigh more than urban districts */
    size_t rural = 0, by_county[12] = {0};
    for (size_t i = 1; i < c.n; i++)
        for (int k = 0; k < 12; k++)
            if (!strcmp(c.rec[i].cell[2], COUNTIES[k])) by_county[k]++, rural += k >= 6;
    for (int k = 0; k < 12; k++) assert_true(by_county[k] > 0);
    assert_true((double)rural / n > 0.6);
    csv_free(&c);
    remove_tree(run.dir);
}

static void test_coverage(void **state)
{
    (void)state;
    int64_t as_of = days_from_civil(2021, 4, 1);
    Run run = gen_run(5000, 2021, 0, NULL);
    Csv c = read_csv(run.dir, "persons.csv");
    Tally t;
    tally(&c, as_of, &t);
    assert_coverage(&t, "N=5000");
    csv_free(&c);
    remove_tree(run.dir);
    /* the claim is for any N ≥ 2,000 and any seed, even with malformed rows among them */
    for (uint64_t seed = 1; seed <= 12; seed++) {
        run = gen_run(2000, seed * 7919, seed % 3 ? 0 : 0.1, NULL);
        c = read_csv(run.dir, "persons.csv");
        tally(&c, as_of, &t);
        char what[64];
        snprintf(what, sizeof what, "N=2000 seed=%llu", (unsigned long long)(seed * 7919));
        assert_coverage(&t, what);
        csv_free(&c);
        remove_tree(run.dir);
    }
}

/* Ages at the boundaries: b is exactly A at as_of when age(b) = A and age(b + 1) = A − 1. */
static void count_edges(const Csv *c, int64_t as_of, size_t *at18, size_t *short18, size_t *at60,
                        size_t *short60, size_t *feb29, size_t *lost3, size_t *lost4, size_t *multi)
{
    *at18 = *short18 = *at60 = *short60 = *feb29 = *lost3 = *lost4 = *multi = 0;
    for (size_t i = 1; i < c->n; i++) {
        const Rec *r = &c->rec[i];
        P p = person_of(r, as_of);
        int64_t b = p.birth;
        if (years_between(b, as_of) == 18 && years_between(b + 1, as_of) == 17) (*at18)++;
        if (years_between(b, as_of) == 17 && years_between(b - 1, as_of) == 18) (*short18)++;
        if (years_between(b, as_of) == 60 && years_between(b + 1, as_of) == 59) (*at60)++;
        if (years_between(b, as_of) == 59 && years_between(b - 1, as_of) == 60) (*short60)++;
        if (!strcmp(r->cell[5] + 4, "-02-29")) (*feb29)++;
        *lost3 += p.adl_lost == 3;
        *lost4 += p.adl_lost == 4;
        bool cat[NCAT];
        *multi += categories(&p, cat) >= 3;
    }
}

static void test_edge_cases(void **state)
{
    (void)state;
    static const struct { const char *as_of; const char *born18, *born60; } cases[] = {
        {NULL, "2003-04-01", "1961-04-01"},
        {"2020-02-29", "2002-02-28", "1960-02-29"}, /* as_of itself a leap day */
        {"2023-03-01", "2005-03-01", "1963-03-01"},
    };
    for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
        Run run = gen_run(5000, 99 + k, 0, cases[k].as_of);
        int64_t as_of;
        const char *s = cases[k].as_of ? cases[k].as_of : "2021-04-01";
        assert_true(date_parse(s, 10, &as_of));
        Csv c = read_csv(run.dir, "persons.csv");
        size_t at18, short18, at60, short60, feb29, lost3, lost4, multi;
        count_edges(&c, as_of, &at18, &short18, &at60, &short60, &feb29, &lost3, &lost4, &multi);
        /* 0.5% of 5,000 each: 25, less the few rows an archetype takes */
        assert_true(at18 >= 20 && short18 >= 20 && at60 >= 20 && short60 >= 20);
        assert_true(feb29 >= 20 && lost3 >= 20 && lost4 >= 20 && multi >= 20);
        size_t born18 = 0, born60 = 0;
        for (size_t i = 1; i < c.n; i++) {
            born18 += !strcmp(c.rec[i].cell[5], cases[k].born18);
            born60 += !strcmp(c.rec[i].cell[5], cases[k].born60);
        }
        assert_true(born18 >= 20 && born60 >= 20);
        csv_free(&c);
        remove_tree(run.dir);
    }
}

static void check_review(double rate, uint64_t count, uint64_t seed, bool every_kind)
{
    Run run = gen_run(count, seed, rate, NULL);
    Csv c = read_csv(run.dir, "persons.csv");
    Csv rv = read_csv(run.dir, "expected_review.csv");
    assert_int_equal(rv.rec[0].n, 3);
    assert_string_equal(rv.rec[0].cell[0], "line");
    assert_string_equal(rv.rec[0].cell[1], "column");
    assert_string_equal(rv.rec[0].cell[2], "kind");
    size_t nbad = rv.n - 1;
    assert_int_equal(nbad, run.st.bad);
    /* floor(R·N); at high rates fewer, since archetype rows (1%) are never malformed */
    double want = rate * (double)count, lo = rate < 0.5 ? want - 2 : want * 0.95;
    if (!((double)nbad >= lo && (double)nbad <= want + 1))
        print_error("rate %g of %llu: %zu malformed rows\n", rate, (unsigned long long)count, nbad);
    assert_true((double)nbad >= lo && (double)nbad <= want + 1);

    size_t kinds[GEN_BAD_KINDS] = {0};
    IdSet seen = {0};
    size_t j = 1; /* next expected_review row */
    for (size_t i = 1; i < c.n; i++) {
        const Rec *r = &c.rec[i];
        Defect d[8];
        int nd = validate(r, &seen, d, 8);
        bool listed = j < rv.n && atoi(rv.rec[j].cell[0]) == r->line;
        if (nd != (listed ? 1 : 0))
            print_error("line %d: %d defects (first %s column %d), %slisted\n", r->line, nd,
                        nd ? d[0].kind : "-", nd ? d[0].column : 0, listed ? "" : "not ");
        assert_int_equal(nd, listed ? 1 : 0);
        if (!listed) continue;
        assert_int_equal(atoi(rv.rec[j].cell[1]), d[0].column);
        assert_string_equal(rv.rec[j].cell[2], d[0].kind);
        for (int k = 0; k < GEN_BAD_KINDS; k++)
            if (!strcmp(gen_bad_kind_name(k), d[0].kind)) kinds[k]++;
        j++;
    }
    assert_int_equal(j, rv.n); /* every listed line is a record start */
    size_t total = 0;
    for (int k = 0; k < GEN_BAD_KINDS; k++) {
        total += kinds[k];
        assert_int_equal(kinds[k], run.st.bad_by_kind[k]);
        if (every_kind) assert_true(kinds[k] > 0);
    }
    assert_int_equal(total, nbad);
    free(seen.slot);
    csv_free(&c);
    csv_free(&rv);
    remove_tree(run.dir);
}

static void test_bad_rows(void **state)
{
    (void)state;
    check_review(0.05, 5000, 3, true);
    check_review(0.013, 5000, 4, true); /* 65 rows: 5 of each of the 13 kinds */
    check_review(0.5, 2000, 5, true);
    check_review(1.0, 300, 6, true);    /* all but the archetype rows */
    check_review(0.0002, 5000, 8, false);
}

static void test_encodings(void **state)
{
    (void)state;
    GenOptions o = gen_default_options();
    o.count = 1500;
    o.seed = 5;
    char *err = NULL;
    char *plain = make_tmpdir(), *bom = make_tmpdir(), *gbk = make_tmpdir();
    assert_int_equal(gen_write_dir(&o, plain, NULL, &err), 0);
    o.bom = true;
    assert_int_equal(gen_write_dir(&o, bom, NULL, &err), 0);
    o.bom = false;
    o.gbk = true;
    assert_int_equal(gen_write_dir(&o, gbk, NULL, &err), 0);
    o.bom = true; /* a UTF-8 BOM on a GBK file is refused */
    assert_int_equal(gen_write_dir(&o, gbk, NULL, &err), -1);
    assert_non_null(err);
    free(err);

    size_t np, nb, ng;
    char *tp = slurp(plain, "persons.csv", &np), *tb = slurp(bom, "persons.csv", &nb),
         *tg = slurp(gbk, "persons.csv", &ng);
    assert_int_equal(nb, np + 3);
    assert_memory_equal(tb, "\xEF\xBB\xBF", 3);
    assert_memory_equal(tb + 3, tp, np);
    assert_true(ng < np); /* two bytes a character instead of three */
    iconv_t cd = iconv_open("UTF-8", "GBK");
    assert_true(cd != (iconv_t)-1);
    size_t cap = ng * 2 + 16, inleft = ng, outleft = cap;
    char *back = malloc(cap), *in = tg, *out = back;
    assert_true(iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1);
    iconv_close(cd);
    assert_int_equal(cap - outleft, np);
    assert_memory_equal(back, tp, np);
    assert_true(same_file(plain, gbk, "institutions.csv"));
    free(back);
    free(tp);
    free(tb);
    free(tg);
    remove_tree(plain);
    remove_tree(bom);
    remove_tree(gbk);
}

static void test_institutions(void **state)
{
    (void)state;
    static const char *const types[5] = {"village_courtyard", "township_home", "welfare_institution",
                                         "medical_rehab", "disability_center"};
    for (uint64_t seed = 0; seed < 25; seed++) {
        Run run = gen_run(0, seed, 0, NULL);
        Csv c = read_csv(run.dir, "institutions.csv");
        assert_int_equal(c.rec[0].n, 6);
        static const char *const head[6] = {"id", "county", "type", "name", "beds", "condition"};
        for (int i = 0; i < 6; i++) assert_string_equal(c.rec[0].cell[i], head[i]);
        assert_int_equal(run.st.institutions, c.n - 1);
        int per[12][5] = {{0}};
        size_t upgrade = 0, ok = 0;
        for (size_t i = 1; i < c.n; i++) {
            const Rec *r = &c.rec[i];
            assert_int_equal(r->n, 6);
            for (size_t k = 1; k < i; k++) assert_string_not_equal(r->cell[0], c.rec[k].cell[0]);
            int county = -1, type = -1;
            for (int k = 0; k < 12; k++)
                if (!strcmp(r->cell[1], COUNTIES[k])) county = k;
            for (int k = 0; k < 5; k++)
                if (!strcmp(r->cell[2], types[k])) type = k;
            assert_true(county >= 0 && type >= 0);
            assert_true(strlen(r->cell[3]) > 0);
            assert_true(atoi(r->cell[4]) > 0);
            if (!strcmp(r->cell[5], "needs_upgrade")) upgrade++;
            else if (!strcmp(r->cell[5], "ok")) ok++;
            else fail_msg("condition %s", r->cell[5]);
            per[county][type]++;
        }
        int with_dc = 0, without_dc = 0;
        for (int k = 0; k < 12; k++) {
            assert_true(per[k][0] >= 1);  /* village courtyards */
            assert_true(per[k][1] >= 1);  /* township homes */
            assert_int_equal(per[k][2], 1); /* one welfare institution */
            assert_true(per[k][3] <= 1 && per[k][4] <= 1);
            if (per[k][4]) with_dc++;
            else without_dc++;
        }
        assert_true(with_dc >= 1 && without_dc >= 1);
        assert_true(upgrade >= 1 && ok >= 1);
        csv_free(&c);
        remove_tree(run.dir);
    }
}

static void test_options_rejected(void **state)
{
    (void)state;
    GenOptions o = gen_default_options();
    char *err = NULL;
    o.bad_rate = 1.5;
    assert_int_equal(gen_write(&o, stdout, stdout, NULL, NULL, &err), -1);
    assert_non_null(err);
    free(err);
    o.bad_rate = 0;
    o.count = GEN_MAX_COUNT + 1;
    assert_int_equal(gen_write(&o, stdout, stdout, NULL, NULL, &err), -1);
    free(err);
    /* a stale expected_review.csv does not outlive a run without malformed rows */
    Run run = gen_run(100, 1, 0.1, NULL);
    assert_true(file_exists(run.dir, "expected_review.csv"));
    o = gen_default_options();
    o.count = 100;
    assert_int_equal(gen_write_dir(&o, run.dir, NULL, &err), 0);
    assert_false(file_exists(run.dir, "expected_review.csv"));
    remove_tree(run.dir);
}

/* The verb, when the doudi binary ($DOUDI) has it: the same bytes as the library. */
static void test_cli(void **state)
{
    (void)state;
    const char *env = getenv("DOUDI");
    char doudi[1024], cmd[2048];
    char cwd[512];
    if (!env || !*env || !getcwd(cwd, sizeof cwd)) {
        print_message("[   SKIP   ] $DOUDI is not set\n");
        skip();
    }
    /* absolute, since the usage-error runs below happen in another directory */
    if (env[0] == '/') snprintf(doudi, sizeof doudi, "%s", env);
    else snprintf(doudi, sizeof doudi, "%s/%s", cwd, env);
    snprintf(cmd, sizeof cmd, "'%s' gen --help >/dev/null 2>&1", doudi);
    if (system(cmd) != 0) {
        print_message("[   SKIP   ] $DOUDI has no gen verb\n");
        skip();
    }
    Run lib = gen_run(800, 77, 0.05, "2021-12-31");
    char *dir = make_tmpdir();
    snprintf(cmd, sizeof cmd,
             "'%s' gen --count 800 --seed 77 --bad-rate 5%% --as-of 2021-12-31 --out '%s/sub' 2>/dev/null",
             doudi, dir);
    assert_int_equal(system(cmd), 0);
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_true(same_file(lib.dir, sub, "persons.csv"));
    assert_true(same_file(lib.dir, sub, "institutions.csv"));
    assert_true(same_file(lib.dir, sub, "expected_review.csv"));
    static const char *const bad[] = {
        "gen --seed 1", "gen --count 10", "gen --count -1 --seed 1", "gen --count 10 --seed x",
        "gen --count 10 --seed 1 --bad-rate 2", "gen --count 10 --seed 1 --as-of 2021-02-30",
        "gen --count 10 --seed 1 --encoding latin1", "gen --count 10 --seed 1 --frobnicate",
        "gen --count 10 --seed 1 --encoding gbk --bom",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s 2>/dev/null", dir, doudi, bad[i]);
        int rc = system(cmd);
        assert_true(WIFEXITED(rc));
        assert_int_equal(WEXITSTATUS(rc), 2);
    }
    assert_false(file_exists(dir, "persons.csv"));
    char *subdir = strdup(sub);
    remove_tree(subdir);
    remove_tree(dir);
    remove_tree(lib.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_rows_well_formed),
        cmocka_unit_test(test_realism),
        cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_institutions),
        cmocka_unit_test(test_options_rejected),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
