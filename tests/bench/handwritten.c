/* handwritten.c — the hand-written Zhengzhou pipeline (see handwritten.h). libc only: nothing
 * of doudi is used, so that the baseline is what someone would write without it. */
#include "handwritten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const HW_COUNTY_CODE[HW_COUNTIES] = {"410102", "410103", "410104", "410105", "410106", "410108",
                                                 "410122", "410181", "410182", "410183", "410184", "410185"};
const char *const HW_CATEGORY[HW_CATEGORIES] = {"tekun", "severe_disabled", "chronic_illness",
                                                "disabled_care", "orphan", "lonely_elderly"};
const char *const HW_PLACEMENT[HW_PLACEMENTS] = {"home", "medical_rehab", "disability_center",
                                                 "welfare_institution", "village_courtyard", "township_home"};
const char *const HW_A1_COLUMN[6] = {"dibao", "low_income", "registered_poor", "subtotal", "home", "central"};
const int HW_YEAR[HW_YEARS] = {2021, 2022, 2023};

enum { HOME, MEDICAL, DISABILITY_CENTER, WELFARE, VILLAGE, TOWNSHIP };
enum { TEKUN, SEVERE, CHRONIC, DISABLED_CARE, ORPHAN, LONELY };

/* ---- CSV: RFC 4180, read in chunks, cells unquoted in place -------------------------------------- */

enum { MAX_CELLS = 64 };

typedef struct Reader {
    FILE *f;
    char *buf;
    size_t cap, len, pos;
    bool eof;
    char *cell[MAX_CELLS];
    size_t n;                  /* cells in the row; more than MAX_CELLS: n = MAX_CELLS + 1 */
} Reader;

/* The end of the record starting at pos (the index of its '\n', or len at the file's end);
 * SIZE_MAX when the buffer holds only part of it. */
static size_t record_end(const Reader *r)
{
    bool quoted = false;
    for (size_t i = r->pos; i < r->len; i++) {
        char c = r->buf[i];
        if (c == '"') quoted = !quoted;
        else if (c == '\n' && !quoted) return i;
    }
    return r->eof ? r->len : SIZE_MAX;
}

static void refill(Reader *r)
{
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
    if (r->len == r->cap) {
        r->cap *= 2;
        r->buf = realloc(r->buf, r->cap + 1);
    }
    size_t got = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
    r->len += got;
    if (got == 0) r->eof = true;
}

/* The next row's cells (NUL-terminated, in the buffer); false at the end. */
static bool next_row(Reader *r)
{
    size_t end;
    while ((end = record_end(r)) == SIZE_MAX) refill(r);
    if (r->pos >= r->len && r->eof) return false;
    char *s = r->buf + r->pos, *stop = r->buf + end;
    if (stop > s && stop[-1] == '\r') stop--;
    r->n = 0;
    for (;;) {
        char *out = s, *cell = s;
        if (*s == '"' && s < stop) {
            s++;
            while (s < stop) {
                if (*s == '"') {
                    if (s + 1 < stop && s[1] == '"') { *out++ = '"'; s += 2; continue; }
                    s++;
                    break;
                }
                *out++ = *s++;
            }
            while (s < stop && *s != ',') s++;   /* anything after the closing quote is dropped */
        } else {
            while (s < stop && *s != ',') s++;
            out = s;
        }
        bool last = s >= stop;
        *out = '\0';
        if (r->n < MAX_CELLS) r->cell[r->n] = cell;
        r->n++;
        if (last) break;
        s++;
    }
    if (r->n > MAX_CELLS) r->n = MAX_CELLS + 1;
    r->pos = end < r->len ? end + 1 : end;
    return true;
}

static bool reader_open(Reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->f = fopen(path, "rb");
    if (!r->f) return false;
    r->cap = 1 << 20;
    r->buf = malloc(r->cap + 1);
    return true;
}

static void reader_close(Reader *r)
{
    if (r->f) fclose(r->f);
    free(r->buf);
}

static int column(const Reader *r, const char *name)
{
    for (size_t i = 0; i < r->n && i < MAX_CELLS; i++)
        if (!strcmp(r->cell[i], name)) return (int)i;
    fprintf(stderr, "handwritten: no column %s\n", name);
    return -1;
}

/* ---- values ------------------------------------------------------------------------------------ */

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

static bool digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* YYYY-MM-DD, a real date: year, month, day. */
static bool parse_date(const char *s, unsigned *y, unsigned *m, unsigned *d)
{
    return strlen(s) == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4, y) && digits(s + 5, 2, m) &&
           digits(s + 8, 2, d) && *m >= 1 && *m <= 12 && *d >= 1 && *d <= month_days(*y, *m);
}

/* Whole years from birth to the survey date (29 February counts as 1 March in other years). */
static int age_at(unsigned by, unsigned bm, unsigned bd, unsigned y, unsigned m, unsigned d)
{
    if (bm == 2 && bd == 29 && !leap(y)) { bm = 3; bd = 1; }
    return (int)y - (int)by - (m < bm || (m == bm && d < bd));
}

/* 18 characters, 17 digits and a check character (GB 11643-1999); a lowercase x as X. */
static bool valid_id(char *id)
{
    if (id[0] && strlen(id) == 18 && id[17] == 'x') id[17] = 'X';
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    if (strlen(id) != 18) return false;
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (id[i] < '0' || id[i] > '9') return false;
        sum += (id[i] - '0') * w[i];
    }
    return id[17] == "10X98765432"[sum % 11];
}

static int lookup(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

static int yes_no(const char *s) { return s[0] && !s[1] && (s[0] == '0' || s[0] == '1') ? s[0] - '0' : -1; }

/* ---- persons ----------------------------------------------------------------------------------- */

enum {
    F_ID, F_COUNTY, F_BIRTH, F_SEX, F_DIBAO, F_LOW, F_REG, F_LC, F_INCOME, F_SUP, F_DTYPE, F_GRADE, F_CHRONIC,
    F_BEAR, F_MENTAL, F_ADL, F_FCARE = F_ADL + 6, F_GUARDIAN, F_DEFACTO, F_CARETAKER, F_HOME, F_WANTS = F_HOME + 7,
    F_COUNT
};
static const char *const FIELD[F_COUNT] = {
    "id", "county", "birth_date", "sex", "dibao", "low_income", "registered_poor", "labor_capacity", "income_source",
    "supporter", "disability_type", "disability_grade", "chronic_severe", "family_can_bear", "severe_mental",
    "adl_eat", "adl_dress", "adl_bed", "adl_toilet", "adl_walk", "adl_bathe", "family_care", "guardian",
    "de_facto_unsupported", "has_caretaker", "home_caregiver", "home_same_food", "home_same_housing", "home_medical",
    "home_activity_space", "home_heating_cooling", "home_pocket_money", "wants_central"};

static const char *const SEX[] = {"male", "female"};
static const char *const LABOR[] = {"full", "partial", "none"};
static const char *const SUPPORTER[] = {"none", "unable", "able"};
static const char *const DTYPE[] = {"none", "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"};
static const char *const FCARE[] = {"adequate", "heavy", "none"};
static const char *const GUARDIAN[] = {"capable", "incapable", "none"};
static const char *const WANTS[] = {"yes", "no", "undecided"};

/* A person as the pipeline keeps them: the id and the outcome. */
typedef struct Person {
    char id[18];
    uint8_t mask;
    int8_t primary, placement;
    int16_t year;
} Person;

/* A scheduled person: what their rank is decided by. */
typedef struct Entry {
    uint8_t county, group, adl_lost, ncats;
    int16_t age;
    uint32_t person;
} Entry;

typedef struct Pipeline {
    Person *persons;
    size_t npersons, cap;
    Entry *entries;
    size_t nentries, ecap;
    uint64_t *seen;            /* open addressing over id hashes: person index + 1, 0 empty */
    size_t seen_cap;
    HwResult *out;
} Pipeline;

static uint64_t hash_id(const char *id)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 18; i++) h = (h ^ (unsigned char)id[i]) * 1099511628211ull;
    return h;
}

/* True when the id is new (and now noted). */
static bool first_time(Pipeline *pl, const char *id, uint32_t index)
{
    if (2 * (pl->npersons + 1) > pl->seen_cap) {
        size_t cap = pl->seen_cap ? pl->seen_cap * 2 : 1 << 16;
        uint64_t *t = calloc(cap, sizeof *t);
        for (size_t i = 0; i < pl->seen_cap; i++)
            if (pl->seen[i]) {
                size_t j = hash_id(pl->persons[pl->seen[i] - 1].id) & (cap - 1);
                while (t[j]) j = (j + 1) & (cap - 1);
                t[j] = pl->seen[i];
            }
        free(pl->seen);
        pl->seen = t;
        pl->seen_cap = cap;
    }
    size_t j = hash_id(id) & (pl->seen_cap - 1);
    while (pl->seen[j]) {
        if (!memcmp(pl->persons[pl->seen[j] - 1].id, id, 18)) return false;
        j = (j + 1) & (pl->seen_cap - 1);
    }
    pl->seen[j] = (uint64_t)index + 1;
    return true;
}

/* One row: checked, evaluated, counted; false when the row is dropped. */
static bool person_row(Pipeline *pl, char **c, size_t ncells, const int *col, size_t width)
{
    if (ncells != width) return false;
    int v[F_COUNT];
    char *id = c[col[F_ID]];
    if (!valid_id(id)) return false;
    int county = lookup(c[col[F_COUNTY]], HW_COUNTY_CODE, HW_COUNTIES);
    unsigned by, bm, bd, iy, im, idd;
    if (county < 0 || !parse_date(c[col[F_BIRTH]], &by, &bm, &bd)) return false;
    if ((v[F_SEX] = lookup(c[col[F_SEX]], SEX, 2)) < 0 || (v[F_LC] = lookup(c[col[F_LC]], LABOR, 3)) < 0 ||
        (v[F_SUP] = lookup(c[col[F_SUP]], SUPPORTER, 3)) < 0 || (v[F_DTYPE] = lookup(c[col[F_DTYPE]], DTYPE, 8)) < 0 ||
        (v[F_FCARE] = lookup(c[col[F_FCARE]], FCARE, 3)) < 0 ||
        (v[F_GUARDIAN] = lookup(c[col[F_GUARDIAN]], GUARDIAN, 3)) < 0 || (v[F_WANTS] = lookup(c[col[F_WANTS]], WANTS, 3)) < 0)
        return false;
    static const int flags[] = {F_DIBAO, F_LOW, F_REG, F_INCOME, F_CHRONIC, F_BEAR, F_MENTAL, F_ADL, F_ADL + 1,
                                F_ADL + 2, F_ADL + 3, F_ADL + 4, F_ADL + 5, F_DEFACTO, F_CARETAKER, F_HOME, F_HOME + 1,
                                F_HOME + 2, F_HOME + 3, F_HOME + 4, F_HOME + 5, F_HOME + 6};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        if ((v[flags[i]] = yes_no(c[col[flags[i]]])) < 0) return false;
    const char *g = c[col[F_GRADE]];
    if (!g[0] || g[1] || g[0] < '0' || g[0] > '4') return false;
    v[F_GRADE] = g[0] - '0';
    /* the record's requires: birth date and sex as the id says, grade 0 exactly without disability */
    digits(id + 6, 4, &iy), digits(id + 10, 2, &im), digits(id + 12, 2, &idd);
    if (iy != by || im != bm || idd != bd) return false;
    if (((id[16] - '0') % 2 == 1) != (v[F_SEX] == 0)) return false;
    if ((v[F_GRADE] == 0) != (v[F_DTYPE] == 0)) return false;
    uint32_t index = (uint32_t)pl->npersons;
    if (pl->npersons == pl->cap) {
        pl->cap = pl->cap ? pl->cap * 2 : 1 << 16;
        pl->persons = realloc(pl->persons, pl->cap * sizeof *pl->persons);
    }
    Person *p = &pl->persons[index];
    memcpy(p->id, id, 18);
    if (!first_time(pl, id, index)) return false;
    pl->npersons++;

    /* §2–4: the person's categories, primary category and placement */
    int age = age_at(by, bm, bd, 2021, 4, 1);
    int lost = 0;
    for (int i = 0; i < 6; i++) lost += !v[F_ADL + i];
    int self_care = lost == 0 ? 0 : lost <= 3 ? 1 : 2;   /* full, partial, none */
    bool poor = v[F_DIBAO] || v[F_LOW] || v[F_REG], minor = age < 18, elderly = age >= 60;
    int lc = v[F_LC], dt = v[F_DTYPE], grade = v[F_GRADE];
    bool cat[6];
    cat[TEKUN] = lc == 2 && !v[F_INCOME] && v[F_SUP] <= 1 && (elderly || minor || grade >= 1);
    cat[SEVERE] = poor && grade >= 1 && grade <= 2 && dt >= 4 && dt <= 6;
    cat[CHRONIC] = poor && v[F_CHRONIC] && self_care != 0 && !v[F_BEAR];
    cat[DISABLED_CARE] = poor && lc >= 1 && v[F_FCARE] >= 1;
    cat[ORPHAN] = minor && (v[F_GUARDIAN] >= 1 || v[F_DEFACTO]);
    cat[LONELY] = poor && elderly && !v[F_CARETAKER] && self_care != 0;
    int mask = 0, ncats = 0;
    for (int i = 0; i < 6; i++) mask |= cat[i] << i, ncats += cat[i];
    p->mask = (uint8_t)mask;
    p->primary = (int8_t)(mask ? __builtin_ctz((unsigned)mask) : -1);
    p->placement = -1;
    p->year = -1;
    if (!mask) return true;
    bool home_met = true;
    for (int i = 0; i < 7; i++) home_met = home_met && v[F_HOME + i];
    int place = home_met && v[F_WANTS] != 0                     ? HOME
              : (v[F_MENTAL] || v[F_CHRONIC]) && self_care != 0 ? MEDICAL
              : cat[SEVERE]                                     ? DISABILITY_CENTER
              : cat[ORPHAN]                                     ? WELFARE
              : self_care == 0                                  ? VILLAGE
              : self_care == 1                                  ? TOWNSHIP
                                                                : WELFARE;
    p->placement = (int8_t)place;
    pl->out->targets++;

    /* the forms' cells */
    HwCounty *hc = &pl->out->county[county];
    int64_t *a1 = hc->a1[p->primary];
    a1[0] += v[F_DIBAO];
    a1[1] += !v[F_DIBAO] && v[F_LOW];
    a1[2] += !v[F_DIBAO] && !v[F_LOW] && v[F_REG];
    a1[3]++;
    a1[place == HOME ? 4 : 5]++;
    if (place == HOME) return true;
    hc->a2[place][p->primary]++;
    hc->a2[place][HW_CATEGORIES]++;

    /* §5: waits for its year; each category is ranked on its own, with its quotas */
    static const uint8_t group[6] = {0, 1, 2, 3, 4, 5};
    if (pl->nentries == pl->ecap) {
        pl->ecap = pl->ecap ? pl->ecap * 2 : 1 << 14;
        pl->entries = realloc(pl->entries, pl->ecap * sizeof *pl->entries);
    }
    pl->entries[pl->nentries++] = (Entry){(uint8_t)county, group[p->primary], (uint8_t)lost, (uint8_t)ncats,
                                          (int16_t)age, index};
    return true;
}

static Person *sort_persons;   /* for the comparators (qsort has no context) */

static int by_rank(const void *a, const void *b)
{
    const Entry *x = a, *y = b;
    if (x->county != y->county) return x->county - y->county;
    if (x->group != y->group) return x->group - y->group;
    if (x->adl_lost != y->adl_lost) return y->adl_lost - x->adl_lost;
    if (x->ncats != y->ncats) return y->ncats - x->ncats;
    if (x->age != y->age) return y->age - x->age;
    return memcmp(sort_persons[x->person].id, sort_persons[y->person].id, 18);
}

static int by_id(const void *a, const void *b) { return memcmp(((const Person *)a)->id, ((const Person *)b)->id, 18); }

/* ⌈share × n / 100⌉ people of a group of n placed by a year's end (share in percent) */
static int64_t quota(int share, int64_t n) { int64_t q = (share * n + 99) / 100; return q < n ? q : n; }

static void schedule(Pipeline *pl)
{
    /* by category: tekun and orphan all in 2021; severe_disabled 30% then all; the others 30, 60, 100% */
    static const int shares[6][HW_YEARS] = {{100, 100, 100}, {30, 100, 100}, {30, 60, 100},
                                            {30, 60, 100},   {100, 100, 100}, {30, 60, 100}};
    static const int nshares[6] = {1, 2, 3, 3, 1, 3};
    sort_persons = pl->persons;
    qsort(pl->entries, pl->nentries, sizeof *pl->entries, by_rank);
    for (size_t i = 0; i < pl->nentries;) {
        size_t j = i;
        while (j < pl->nentries && pl->entries[j].county == pl->entries[i].county &&
               pl->entries[j].group == pl->entries[i].group)
            j++;
        int64_t n = (int64_t)(j - i);
        int g = pl->entries[i].group;
        for (size_t k = i; k < j; k++) {
            int64_t rank = (int64_t)(k - i);
            int y = 0;
            while (y < nshares[g] - 1 && rank >= quota(shares[g][y], n)) y++;
            pl->persons[pl->entries[k].person].year = (int16_t)HW_YEAR[y];
        }
        i = j;
    }
    pl->out->scheduled = pl->nentries;
}

/* ---- institutions and the capacity plan -------------------------------------------------------- */

static bool institutions(const char *path, HwResult *out)
{
    Reader r;
    if (!reader_open(&r, path) || !next_row(&r)) {
        fprintf(stderr, "handwritten: cannot read %s\n", path);
        reader_close(&r);
        return false;
    }
    int ccounty = column(&r, "county"), ctype = column(&r, "type"), cbeds = column(&r, "beds"),
        ccond = column(&r, "condition");
    size_t width = r.n;
    bool ok = ccounty >= 0 && ctype >= 0 && cbeds >= 0 && ccond >= 0;
    while (ok && next_row(&r)) {
        if (r.n != width) continue;
        int county = lookup(r.cell[ccounty], HW_COUNTY_CODE, HW_COUNTIES);
        int type = lookup(r.cell[ctype], HW_PLACEMENT, HW_PLACEMENTS);
        static const char *const cond[] = {"ok", "needs_upgrade"};
        int c = lookup(r.cell[ccond], cond, 2);
        char *end;
        long beds = strtol(r.cell[cbeds], &end, 10);
        if (county < 0 || type <= HOME || c < 0 || *end || end == r.cell[cbeds] || beds <= 0) continue;
        HwCounty *hc = &out->county[county];
        hc->existing[type]++;
        hc->existing_beds[type] += beds;
        hc->upgrades[type] += c;
    }
    reader_close(&r);
    return ok;
}

static void capacity(HwResult *out)
{
    static const int64_t std_beds[HW_PLACEMENTS] = {0, 50, 40, 100, 20, 60};
    static const int cumulative[HW_YEARS] = {30, 60, 100};
    for (int c = 0; c < HW_COUNTIES; c++) {
        HwCounty *hc = &out->county[c];
        for (int t = MEDICAL; t < HW_PLACEMENTS; t++) {
            int64_t demand = hc->a2[t][HW_CATEGORIES];
            hc->required_beds[t] = (demand * 110 + 99) / 100;   /* 10% headroom */
            int64_t short_beds = hc->required_beds[t] - hc->existing_beds[t];
            hc->build[t] = short_beds > 0 ? (short_beds + std_beds[t] - 1) / std_beds[t] : 0;
            if (t == DISABILITY_CENTER && hc->existing[t] + hc->build[t] < 1) hc->build[t] = 1 - hc->existing[t];
            hc->tasks[t] = hc->build[t] + hc->upgrades[t];
            int64_t before = 0;
            for (int y = 0; y < HW_YEARS; y++) {
                int64_t upto = quota(cumulative[y], hc->tasks[t]);
                hc->per_year[t][y] = upto - before;
                before = upto;
            }
        }
    }
}

/* ---- the results file -------------------------------------------------------------------------- */

static bool write_results(Pipeline *pl, const char *path)
{
    qsort(pl->persons, pl->npersons, sizeof *pl->persons, by_id);
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fputs("id,categories,primary_category,placement,year\n", f);
    char line[256];
    for (size_t i = 0; i < pl->npersons; i++) {
        const Person *p = &pl->persons[i];
        char *s = line;
        memcpy(s, p->id, 18);
        s += 18;
        *s++ = ',';
        bool first = true;
        for (int k = 0; k < HW_CATEGORIES; k++)
            if (p->mask >> k & 1) {
                if (!first) *s++ = '|';
                s = stpcpy(s, HW_CATEGORY[k]);
                first = false;
            }
        *s++ = ',';
        if (p->primary >= 0) s = stpcpy(s, HW_CATEGORY[p->primary]);
        *s++ = ',';
        if (p->placement >= 0) s = stpcpy(s, HW_PLACEMENT[p->placement]);
        *s++ = ',';
        if (p->year >= 0) s += sprintf(s, "%d", p->year);
        *s++ = '\n';
        fwrite(line, 1, (size_t)(s - line), f);
    }
    return fclose(f) == 0;
}

bool hw_run(const char *persons, const char *inst, const char *results, HwResult *out)
{
    memset(out, 0, sizeof *out);
    Pipeline pl = {.out = out};
    Reader r;
    if (!reader_open(&r, persons) || !next_row(&r)) {
        fprintf(stderr, "handwritten: cannot read %s\n", persons);
        reader_close(&r);
        return false;
    }
    int col[F_COUNT];
    bool ok = true;
    for (int i = 0; i < F_COUNT; i++) ok = (col[i] = column(&r, FIELD[i])) >= 0 && ok;
    size_t width = r.n;
    while (ok && next_row(&r)) {
        out->rows++;
        if (!person_row(&pl, r.cell, r.n, col, width)) out->rejected++;
    }
    reader_close(&r);
    out->persons = pl.npersons;
    ok = ok && institutions(inst, out);
    if (ok) {
        schedule(&pl);
        capacity(out);
        ok = write_results(&pl, results);
    }
    free(pl.persons);
    free(pl.entries);
    free(pl.seen);
    return ok;
}
