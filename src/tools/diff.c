/* diff.c — what a rule amendment changes (see diff.h; the approved-changes file is
 * docs/rule-changes.md). */
#include "diff.h"
#include "engine/import.h"
#include "engine/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool failf(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool failf(char **error, const char *fmt, ...)
{
    if (error && !*error) {
        va_list ap;
        va_start(ap, fmt);
        *error = xvasprintf(fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- names ------------------------------------------------------------------------------ */

typedef VEC(char *) Names;

static int names_find(const Names *n, const char *s)
{
    for (size_t i = 0; i < n->count; i++)
        if (!strcmp(n->items[i], s)) return (int)i;
    return -1;
}

static int names_add(Names *n, const char *s)
{
    int i = names_find(n, s);
    if (i >= 0) return i;
    VEC_PUSH(n, xstrdup(s));
    return (int)n->count - 1;
}

static void names_free(Names *n)
{
    for (size_t i = 0; i < n->count; i++) free(n->items[i]);
    VEC_FREE(n);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the figures ------------------------------------------------------------------------ */

enum { FIG_DELTA, FIG_COUNT };

typedef enum Section {
    S_CHANGED, S_CATEGORY, S_MEMBER, S_PLACEMENT, S_YEAR, S_CATYEAR, S_TRANSITION,
    S_FORM, S_FORM_COUNTIES, S_FORM_COUNTY, S_CAPACITY, S_CAPACITY_COUNTIES, S_CAPACITY_COUNTY,
} Section;

static const char *const SECTION_NAMES[] = {
    "changed", "category", "member", "placement", "year", "category_year", "transition",
    "form", "form_counties", "form_county", "capacity", "capacity_counties", "capacity_county",
};

typedef struct Figure {
    char *name;                /* as an approved-changes line names it */
    uint8_t kind;              /* FIG_DELTA: before → after; FIG_COUNT: a count, in `after` */
    uint8_t section;
    int32_t form;              /* S_FORM*: index into Diff.forms; else -1 */
    int32_t bulk;              /* a county figure: the `counties` figure approving it in bulk */
    int64_t before, after;
} Figure;

static int64_t change_of(const Figure *f) { return f->kind == FIG_COUNT ? f->after : f->after - f->before; }

/* One side's outcome for a person: a row of the results, or `present` false (in review). */
typedef struct Outcome {
    bool present;
    char *categories, *primary, *placement;
    bool has_year;
    int64_t year;
} Outcome;

typedef struct Person {
    char *key;
    Outcome was, now;
    char *explain[2][2];       /* [old, new][text, json]; NULL: why[side] says why not */
    char *why[2];
} Person;

typedef struct DiffForm {
    char *name, *label;
} DiffForm;

typedef struct Side {
    char *rules_path;
    RunStats run;
    bool imported;
    ImportStats persons, institutions;
    bool has_institutions;
} Side;

struct doudi_diff {
    Side side[2];
    char *population;          /* NULL: diff_ledger */
    bool population_is_ledger;
    char *placement_name;      /* the new rules' placement ("care") */
    VEC(Figure) figs;
    size_t *slots;             /* name → figure index + 1, open addressing */
    size_t nslots;
    uint64_t changed;
    VEC(Person) people;
    Names cats, places;        /* the new file's, then the old file's own, in declaration order */
    Names vocab;               /* what an approved-changes file may name: see known() */
    VEC(DiffForm) forms;
    size_t nvalues;            /* the transition matrix: places, none[, review] */
    int64_t *matrix;
    bool has_review;
    /* the last diff_expect */
    bool checked;
    char *expect_path;
    size_t approvals;
    Names mismatches;
};

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static size_t add_figure(Diff *d, const char *name, int kind, Section section, int64_t before, int64_t after)
{
    Figure f = {xstrdup(name), (uint8_t)kind, (uint8_t)section, -1, -1, before, after};
    VEC_PUSH(&d->figs, f);
    return d->figs.count - 1;
}

static void index_figures(Diff *d)
{
    free(d->slots);
    d->nslots = 16;
    while (d->nslots < 2 * d->figs.count) d->nslots *= 2;
    d->slots = xcalloc(d->nslots, sizeof *d->slots);
    for (size_t i = 0; i < d->figs.count; i++) {
        size_t s = hash_text(d->figs.items[i].name) & (d->nslots - 1);
        while (d->slots[s]) s = (s + 1) & (d->nslots - 1);
        d->slots[s] = i + 1;
    }
}

static Figure *find_figure(const Diff *d, const char *name)
{
    if (!d->nslots) return NULL;
    for (size_t s = hash_text(name) & (d->nslots - 1); d->slots[s]; s = (s + 1) & (d->nslots - 1))
        if (!strcmp(d->figs.items[d->slots[s] - 1].name, name)) return &d->figs.items[d->slots[s] - 1];
    return NULL;
}

/* Names an approved-changes line may use, as "KIND\037NAME[\037NAME]". */
static void vocab_add(Diff *d, const char *kind, const char *a, const char *b)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s\037%s%s%s", kind, a, b ? "\037" : "", b ? b : "");
    names_add(&d->vocab, sb_str(&sb));
    sb_free(&sb);
}

static bool known(const Diff *d, const char *kind, const char *a, const char *b)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s\037%s%s%s", kind, a, b ? "\037" : "", b ? b : "");
    bool found = names_find(&d->vocab, sb_str(&sb)) >= 0;
    sb_free(&sb);
    return found;
}

/* The words that begin the other kinds of line: a category so named needs the long form
 * `category NAME YEAR` for its people per year. */
static bool is_keyword(const char *s)
{
    static const char *const words[] = {"changed", "category", "member", "placement", "year", "form", "capacity"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (!strcmp(s, words[i])) return true;
    return false;
}

static void catyear_name(StrBuf *sb, const char *cat, const char *year)
{
    sb_printf(sb, "%s%s %s", is_keyword(cat) ? "category " : "", cat, year);
}

/* ---- counting outcomes: a small map (dimension, a, b) → before, after --------------------- */

typedef struct TKey {
    int dim;
    int64_t a, b;
} TKey;

typedef struct Tally {
    TKey *keys;
    int64_t (*n)[2];
    size_t count, cap;
    size_t *slots, nslots;
} Tally;

static size_t tkey_hash(const TKey *k)
{
    uint64_t h = (uint64_t)k->dim * 0x9E3779B97F4A7C15ull ^ (uint64_t)k->a * 0xC2B2AE3D27D4EB4Full ^
                 (uint64_t)k->b * 0x165667B19E3779F9ull;
    return (size_t)(h ^ (h >> 29));
}

static int64_t *tally_find(const Tally *t, int dim, int64_t a, int64_t b)
{
    if (!t->nslots) return NULL;
    TKey k = {dim, a, b};
    for (size_t s = tkey_hash(&k) & (t->nslots - 1); t->slots[s]; s = (s + 1) & (t->nslots - 1)) {
        const TKey *e = &t->keys[t->slots[s] - 1];
        if (e->dim == dim && e->a == a && e->b == b) return t->n[t->slots[s] - 1];
    }
    return NULL;
}

static void tally_rehash(Tally *t)
{
    free(t->slots);
    t->nslots = t->nslots ? t->nslots * 2 : 64;
    t->slots = xcalloc(t->nslots, sizeof *t->slots);
    for (size_t i = 0; i < t->count; i++) {
        size_t s = tkey_hash(&t->keys[i]) & (t->nslots - 1);
        while (t->slots[s]) s = (s + 1) & (t->nslots - 1);
        t->slots[s] = i + 1;
    }
}

static int64_t *tally(Tally *t, int dim, int64_t a, int64_t b)
{
    int64_t *n = tally_find(t, dim, a, b);
    if (n) return n;
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->keys = xrealloc(t->keys, t->cap * sizeof *t->keys);
        t->n = xrealloc(t->n, t->cap * sizeof *t->n);
    }
    t->keys[t->count] = (TKey){dim, a, b};
    t->n[t->count][0] = t->n[t->count][1] = 0;
    t->count++;
    if (2 * t->count >= t->nslots) tally_rehash(t);
    else {
        size_t s = tkey_hash(&t->keys[t->count - 1]) & (t->nslots - 1);
        while (t->slots[s]) s = (s + 1) & (t->nslots - 1);
        t->slots[s] = t->count;
    }
    return t->n[t->count - 1];
}

static void tally_free(Tally *t)
{
    free(t->keys);
    free(t->n);
    free(t->slots);
}

typedef struct TEntry {
    TKey key;
    int64_t n[2];
} TEntry;

static int compare_entries(const void *x, const void *y)
{
    const TKey *a = &((const TEntry *)x)->key, *b = &((const TEntry *)y)->key;
    if (a->dim != b->dim) return a->dim < b->dim ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    return 0;
}

/* Ranks: a rule file's value by its position in Diff.cats / Diff.places, then these. */
enum { R_NONE = 1 << 20, R_REVIEW };
static const int64_t Y_NONE = INT64_MAX - 1, Y_REVIEW = INT64_MAX;

static int64_t rank_of(Names *n, const char *s)
{
    return names_add(n, s);    /* a name the runs gave is always known; a new one goes last */
}

static const char *rank_name(const Names *n, int64_t r)
{
    return r == R_NONE ? "none" : r == R_REVIEW ? "review" : n->items[r];
}

static void year_text(int64_t y, char out[24])
{
    if (y == Y_NONE) strcpy(out, "none");
    else if (y == Y_REVIEW) strcpy(out, "review");
    else snprintf(out, 24, "%lld", (long long)y);
}

/* ---- reading the two runs' results ------------------------------------------------------- */

typedef struct Row {
    const char *key, *categories, *primary, *placement;
    bool has_year;
    int64_t year;
} Row;

static void read_row(sqlite3_stmt *st, Row *r)
{
    r->key = (const char *)sqlite3_column_text(st, 0);
    r->categories = (const char *)sqlite3_column_text(st, 1);
    r->primary = (const char *)sqlite3_column_text(st, 2);
    r->placement = (const char *)sqlite3_column_text(st, 3);
    r->has_year = sqlite3_column_type(st, 4) != SQLITE_NULL;
    r->year = r->has_year ? sqlite3_column_int64(st, 4) : 0;
    if (!r->categories) r->categories = "";
    if (!r->primary) r->primary = "";
    if (!r->placement) r->placement = "";
}

/* `tok` (len bytes) is one of the |-separated names of `list`. */
static bool has_token(const char *list, const char *tok, size_t len)
{
    for (const char *s = list; *s;) {
        const char *e = strchr(s, '|');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == len && !memcmp(s, tok, len)) return true;
        if (!e) break;
        s = e + 1;
    }
    return false;
}

static size_t token_count(const char *list)
{
    if (!*list) return 0;
    size_t n = 1;
    for (; *list; list++) n += *list == '|';
    return n;
}

/* The same set of categories (each run lists them in its own file's order). */
static bool same_categories(const char *a, const char *b)
{
    if (!strcmp(a, b)) return true;
    if (token_count(a) != token_count(b)) return false;
    for (const char *s = a; *s;) {
        const char *e = strchr(s, '|');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (!has_token(b, s, n)) return false;
        if (!e) break;
        s = e + 1;
    }
    return true;
}

static bool same_outcome(const Row *a, const Row *b)
{
    if (!a || !b) return !a && !b;
    return same_categories(a->categories, b->categories) && !strcmp(a->primary, b->primary) &&
           !strcmp(a->placement, b->placement) && a->has_year == b->has_year && (!a->has_year || a->year == b->year);
}

static void count_outcome(Diff *d, Tally *t, int side, const Row *r)
{
    int64_t cat = !r ? R_REVIEW : *r->primary ? rank_of(&d->cats, r->primary) : R_NONE;
    int64_t place = !r ? R_REVIEW : *r->placement ? rank_of(&d->places, r->placement) : R_NONE;
    int64_t year = !r ? Y_REVIEW : r->has_year ? r->year : Y_NONE;
    tally(t, S_CATEGORY, cat, 0)[side]++;
    tally(t, S_PLACEMENT, place, 0)[side]++;
    tally(t, S_YEAR, year, 0)[side]++;
    if (!r) return;
    if (*r->primary) tally(t, S_CATYEAR, cat, year)[side]++;
    for (const char *s = r->categories; *s;) {
        const char *e = strchr(s, '|');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char *name = xstrndup(s, n);
        tally(t, S_MEMBER, rank_of(&d->cats, name), 0)[side]++;
        free(name);
        if (!e) break;
        s = e + 1;
    }
}

static Outcome keep_outcome(const Row *r)
{
    if (!r) return (Outcome){0};
    return (Outcome){true, xstrdup(r->categories), xstrdup(r->primary), xstrdup(r->placement), r->has_year, r->year};
}

static void free_outcome(Outcome *o)
{
    free(o->categories);
    free(o->primary);
    free(o->placement);
}

static sqlite3_stmt *results_of(Ledger *l, int64_t run, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT key, categories, primary_category, placement, year FROM results WHERE run = ?1 ORDER BY key", error);
    if (st) sqlite3_bind_int64(st, 1, run);
    return st;
}

/* Merge the two runs' results by key: count every person on both sides, the transitions,
 * and keep the first `limit` people who changed. */
static bool merge_results(Diff *d, Ledger *l, Tally *t, int limit, char **error)
{
    sqlite3_stmt *a = results_of(l, d->side[0].run.run_id, error);
    sqlite3_stmt *b = a ? results_of(l, d->side[1].run.run_id, error) : NULL;
    bool ok = a && b;
    int ra = ok ? sqlite3_step(a) : SQLITE_DONE, rb = ok ? sqlite3_step(b) : SQLITE_DONE;
    while (ok && (ra == SQLITE_ROW || rb == SQLITE_ROW)) {
        Row x = {0}, y = {0};
        if (ra == SQLITE_ROW) read_row(a, &x);
        if (rb == SQLITE_ROW) read_row(b, &y);
        int c = ra != SQLITE_ROW ? 1 : rb != SQLITE_ROW ? -1 : strcmp(x.key, y.key);
        const Row *was = c <= 0 ? &x : NULL, *now = c >= 0 ? &y : NULL;
        count_outcome(d, t, 0, was);
        count_outcome(d, t, 1, now);
        int64_t from = !was ? R_REVIEW : *was->placement ? rank_of(&d->places, was->placement) : R_NONE;
        int64_t to = !now ? R_REVIEW : *now->placement ? rank_of(&d->places, now->placement) : R_NONE;
        tally(t, S_TRANSITION, from, to)[0]++;
        if (!same_outcome(was, now)) {
            d->changed++;
            if (d->people.count < (size_t)limit) {
                Person p = {xstrdup(was ? was->key : now->key), keep_outcome(was), keep_outcome(now), {{0}}, {0}};
                VEC_PUSH(&d->people, p);
            }
        }
        if (c <= 0) ra = sqlite3_step(a);
        if (c >= 0) rb = sqlite3_step(b);
    }
    if (ok && (ra != SQLITE_DONE || rb != SQLITE_DONE)) ok = failf(error, "%s: %s", l->path, sqlite3_errmsg(l->db));
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    return ok;
}

/* The figures of the people: the tally in order, then the transition matrix. */
static void people_figures(Diff *d, Tally *t)
{
    add_figure(d, "changed", FIG_COUNT, S_CHANGED, 0, (int64_t)d->changed);
    TEntry *e = xcalloc(t->count + 1, sizeof *e);
    for (size_t i = 0; i < t->count; i++) e[i] = (TEntry){t->keys[i], {t->n[i][0], t->n[i][1]}};
    qsort(e, t->count, sizeof *e, compare_entries);
    size_t nplaces = d->places.count;
    d->has_review = tally_find(t, S_CATEGORY, R_REVIEW, 0) != NULL;
    d->nvalues = nplaces + 1 + d->has_review;
    d->matrix = xcalloc(d->nvalues * d->nvalues + 1, sizeof *d->matrix);
    StrBuf name = {0};
    for (size_t k = 0; k < t->count; k++) {
        const TKey *key = &e[k].key;
        const int64_t *n = e[k].n;
        char y[24];
        name.count = 0;
        switch (key->dim) {
        case S_CATEGORY: sb_printf(&name, "category %s", rank_name(&d->cats, key->a)); break;
        case S_MEMBER: sb_printf(&name, "member %s", rank_name(&d->cats, key->a)); break;
        case S_PLACEMENT: sb_printf(&name, "placement %s", rank_name(&d->places, key->a)); break;
        case S_YEAR:
            year_text(key->a, y);
            sb_printf(&name, "year %s", y);
            break;
        case S_CATYEAR:
            year_text(key->b, y);
            catyear_name(&name, rank_name(&d->cats, key->a), y);
            break;
        case S_TRANSITION: {
            size_t from = key->a == R_NONE ? nplaces : key->a == R_REVIEW ? nplaces + 1 : (size_t)key->a;
            size_t to = key->b == R_NONE ? nplaces : key->b == R_REVIEW ? nplaces + 1 : (size_t)key->b;
            d->matrix[from * d->nvalues + to] = n[0];
            if (key->a == key->b || n[0] == 0) continue;
            sb_printf(&name, "placement %s -> %s", rank_name(&d->places, key->a), rank_name(&d->places, key->b));
            add_figure(d, sb_str(&name), FIG_COUNT, S_TRANSITION, 0, n[0]);
            continue;
        }
        }
        add_figure(d, sb_str(&name), FIG_DELTA, (Section)key->dim, n[0], n[1]);
    }
    sb_free(&name);
    free(e);
}

/* ---- the forms ------------------------------------------------------------------------------ */

static int row_index(const FormInfo *t, const char *name)
{
    for (size_t i = 0; t && i < t->nrows; i++)
        if (!strcmp(t->rows[i].name, name)) return (int)i;
    return -1;
}

static int column_index(const FormInfo *t, const char *name)
{
    for (size_t i = 0; t && i < t->ncols; i++)
        if (!strcmp(t->cols[i].name, name)) return (int)i;
    return -1;
}

static const ReportSheet *sheet_of(const Report *rep, const char *partition)
{
    for (size_t i = 1; rep && i < rep->nsheets; i++)
        if (rep->sheets[i].partition && !strcmp(rep->sheets[i].partition, partition)) return &rep->sheets[i];
    return NULL;
}

/* Compare one sheet cell by cell over the new form's layout (a blank cell is 0; a cell blank
 * on both sides is no figure). Returns how many cells differ. */
static size_t compare_sheet(Diff *d, int form, const Report *rn, const ReportSheet *sn, const Report *ro,
                            const ReportSheet *so, const char *part, Section section, int32_t bulk)
{
    const FormInfo *nt = rn->table, *ot = ro ? ro->table : NULL;
    size_t changed = 0;
    StrBuf name = {0};
    for (size_t r = 0; r < nt->nrows; r++) {
        int orow = row_index(ot, nt->rows[r].name);
        for (size_t c = 0; c < nt->ncols; c++) {
            int ocol = column_index(ot, nt->cols[c].name);
            size_t ni = r * rn->ncols + c;
            bool nblank = !sn || sn->blank[ni];
            size_t oi = orow >= 0 && ocol >= 0 ? (size_t)orow * ro->ncols + (size_t)ocol : 0;
            bool oblank = !so || orow < 0 || ocol < 0 || so->blank[oi];
            if (nblank && oblank) continue;
            int64_t before = oblank ? 0 : so->cells[oi], after = nblank ? 0 : sn->cells[ni];
            if (before != after) changed++;
            if (bulk >= 0 && before == after) continue;
            name.count = 0;
            sb_printf(&name, "form %s %s %s %s", nt->name, part, nt->rows[r].name,
                      nt->cols[c].name);
            size_t f = add_figure(d, sb_str(&name), FIG_DELTA, section, before, after);
            d->figs.items[f].form = form;
            d->figs.items[f].bulk = bulk;
        }
    }
    sb_free(&name);
    return changed;
}

static bool compare_form(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n, const FormInfo *nt, char **error)
{
    const char *fname = nt->name;
    Report rn = {0}, ro = {0};
    bool have_old = report_find_form(o->p, fname) != NULL;
    if (!report_load(l, n->p, fname, NULL, d->side[1].run.run_id, true, &rn, error)) return false;
    if (have_old && !report_load(l, o->p, fname, NULL, d->side[0].run.run_id, true, &ro, error)) {
        report_free(&rn);
        return false;
    }
    int form = (int)d->forms.count;
    DiffForm fi = {xstrdup(fname), xstrdup(nt->label ? nt->label : "")};
    VEC_PUSH(&d->forms, fi);
    vocab_add(d, "form", fname, NULL);
    for (size_t i = 0; i < nt->nrows; i++) vocab_add(d, "row", fname, nt->rows[i].name);
    for (size_t i = 0; i < nt->ncols; i++) vocab_add(d, "column", fname, nt->cols[i].name);
    const Report *old = have_old ? &ro : NULL;
    compare_sheet(d, form, &rn, &rn.sheets[0], old, old ? &ro.sheets[0] : NULL, "city", S_FORM, -1);
    StrBuf name = {0};
    sb_printf(&name, "form %s counties", fname);
    size_t counties = add_figure(d, sb_str(&name), FIG_COUNT, S_FORM_COUNTIES, 0, 0);
    d->figs.items[counties].form = form;
    sb_free(&name);
    Names parts = {0};
    for (size_t i = 1; i < rn.nsheets; i++) names_add(&parts, rn.sheets[i].partition);
    for (size_t i = 1; old && i < ro.nsheets; i++) names_add(&parts, ro.sheets[i].partition);
    qsort(parts.items, parts.count, sizeof *parts.items, compare_strings);
    size_t changed = 0;
    for (size_t i = 0; i < parts.count; i++)
        changed += compare_sheet(d, form, &rn, sheet_of(&rn, parts.items[i]), old, sheet_of(old, parts.items[i]),
                                 parts.items[i], S_FORM_COUNTY, (int32_t)counties);
    d->figs.items[counties].after = (int64_t)changed;
    names_free(&parts);
    report_free(&rn);
    if (have_old) report_free(&ro);
    return true;
}

/* ---- the capacity plan ---------------------------------------------------------------------- */

static const char *const PLAN_COLUMNS[] = {"demand", "required_beds", "existing", "existing_beds", "new", "upgrades",
                                           "tasks"};
enum { NPLAN = sizeof PLAN_COLUMNS / sizeof *PLAN_COLUMNS };

typedef struct Plan {
    Names parts, types, cols;
    Tally cells;               /* (0, part, type << 16 | col) → before, after */
} Plan;

static bool read_plan(Plan *pl, Ledger *l, int side, int64_t run, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT partition, type, demand, required_beds, existing, existing_beds, new, upgrades, tasks "
        "FROM capacity_plan WHERE run = ?1", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t p = names_add(&pl->parts, (const char *)sqlite3_column_text(st, 0));
        int64_t t = names_add(&pl->types, (const char *)sqlite3_column_text(st, 1));
        for (int c = 0; c < NPLAN; c++) tally(&pl->cells, 0, p, t << 16 | c)[side] += sqlite3_column_int64(st, 2 + c);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return failf(error, "%s: %s", l->path, sqlite3_errmsg(l->db));
    st = ledger_prepare(l, "SELECT partition, type, year, n FROM capacity_years WHERE run = ?1 ORDER BY year", error);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, run);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char col[40];
        snprintf(col, sizeof col, "build_%lld", (long long)sqlite3_column_int64(st, 2));
        int64_t p = names_add(&pl->parts, (const char *)sqlite3_column_text(st, 0));
        int64_t t = names_add(&pl->types, (const char *)sqlite3_column_text(st, 1));
        int64_t c = names_add(&pl->cols, col);
        tally(&pl->cells, 0, p, t << 16 | c)[side] += sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return failf(error, "%s: %s", l->path, sqlite3_errmsg(l->db));
    return true;
}

static void add_cap_items(Plan *pl, const Program *p)
{
    for (size_t i = 0; p->capacity && i < p->capacity->nitems; i++) {
        int32_t type = p->capacity->items[i].type;
        if (p->placement_enum >= 0 && type >= 0 && (uint32_t)type < p->enums[p->placement_enum].count)
            names_add(&pl->types, p->enums[p->placement_enum].values[type]);
    }
}

static bool compare_capacity(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n, char **error)
{
    if (!o->p->capacity && !n->p->capacity) return true;
    Plan pl = {0};
    add_cap_items(&pl, n->p);
    add_cap_items(&pl, o->p);
    for (int c = 0; c < NPLAN; c++) names_add(&pl.cols, PLAN_COLUMNS[c]);
    bool ok = read_plan(&pl, l, 0, d->side[0].run.run_id, error) && read_plan(&pl, l, 1, d->side[1].run.run_id, error);
    /* the build years after the plan's own columns, in year order */
    size_t ncols = pl.cols.count, *corder = xcalloc(ncols + 1, sizeof *corder);
    for (size_t c = 0; c < ncols; c++) corder[c] = c;
    for (size_t c = NPLAN + 1; c < ncols; c++)
        for (size_t k = c; k > NPLAN && strcmp(pl.cols.items[corder[k - 1]], pl.cols.items[corder[k]]) > 0; k--) {
            size_t tmp = corder[k];
            corder[k] = corder[k - 1];
            corder[k - 1] = tmp;
        }
    for (size_t t = 0; t < pl.types.count; t++) vocab_add(d, "type", pl.types.items[t], NULL);
    for (size_t c = 0; c < ncols; c++) vocab_add(d, "plan", pl.cols.items[c], NULL);
    /* partitions in byte order; "" is a plan without `per`: the city only */
    size_t nparts = pl.parts.count, *porder = xcalloc(nparts + 1, sizeof *porder);
    for (size_t p = 0; p < nparts; p++) porder[p] = p;
    for (size_t p = 1; p < nparts; p++)
        for (size_t k = p; k > 0 && strcmp(pl.parts.items[porder[k - 1]], pl.parts.items[porder[k]]) > 0; k--) {
            size_t tmp = porder[k];
            porder[k] = porder[k - 1];
            porder[k - 1] = tmp;
        }
    StrBuf name = {0};
    for (size_t t = 0; ok && t < pl.types.count; t++)
        for (size_t ci = 0; ci < ncols; ci++) {
            size_t c = corder[ci];
            int64_t sum[2] = {0, 0};
            bool any = false;
            for (size_t p = 0; p < nparts; p++) {
                const int64_t *v = tally_find(&pl.cells, 0, (int64_t)p, (int64_t)t << 16 | (int64_t)c);
                if (!v) continue;
                any = true;
                sum[0] += v[0];
                sum[1] += v[1];
            }
            if (!any) continue;
            name.count = 0;
            sb_printf(&name, "capacity city %s %s", pl.types.items[t], pl.cols.items[c]);
            add_figure(d, sb_str(&name), FIG_DELTA, S_CAPACITY, sum[0], sum[1]);
        }
    size_t counties = add_figure(d, "capacity counties", FIG_COUNT, S_CAPACITY_COUNTIES, 0, 0);
    for (size_t pi = 0; ok && pi < nparts; pi++) {
        size_t p = porder[pi];
        if (!*pl.parts.items[p]) continue;
        for (size_t t = 0; t < pl.types.count; t++)
            for (size_t ci = 0; ci < ncols; ci++) {
                const int64_t *v = tally_find(&pl.cells, 0, (int64_t)p, (int64_t)t << 16 | (int64_t)corder[ci]);
                if (!v || v[0] == v[1]) continue;
                name.count = 0;
                sb_printf(&name, "capacity %s %s %s", pl.parts.items[p], pl.types.items[t], pl.cols.items[corder[ci]]);
                size_t f = add_figure(d, sb_str(&name), FIG_DELTA, S_CAPACITY_COUNTY, v[0], v[1]);
                d->figs.items[f].bulk = (int32_t)counties;
                d->figs.items[counties].after++;
            }
    }
    sb_free(&name);
    free(corder);
    free(porder);
    names_free(&pl.parts);
    names_free(&pl.types);
    names_free(&pl.cols);
    tally_free(&pl.cells);
    return ok;
}

/* ---- a diff -------------------------------------------------------------------------------- */

static Diff *diff_new(const DiffRules *o, const DiffRules *n)
{
    Diff *d = xcalloc(1, sizeof *d);
    d->side[0].rules_path = xstrdup(o->p->source_path ? o->p->source_path : "");
    d->side[1].rules_path = xstrdup(n->p->source_path ? n->p->source_path : "");
    d->placement_name = xstrdup(n->p->placement_name ? n->p->placement_name
                                : o->p->placement_name ? o->p->placement_name : "placement");
    for (int s = 0; s < 2; s++) {
        const Program *p = s ? o->p : n->p;    /* the new file's names first */
        const EnumInfo *ce = &p->enums[p->category_enum];
        for (uint32_t i = 0; i < p->ncategories; i++) names_add(&d->cats, ce->values[i]);
        if (p->placement_enum >= 0)
            for (uint32_t i = 0; i < p->enums[p->placement_enum].count; i++)
                names_add(&d->places, p->enums[p->placement_enum].values[i]);
    }
    return d;
}

void diff_free(Diff *d)
{
    if (!d) return;
    for (int s = 0; s < 2; s++) free(d->side[s].rules_path);
    free(d->population);
    free(d->placement_name);
    for (size_t i = 0; i < d->figs.count; i++) free(d->figs.items[i].name);
    VEC_FREE(&d->figs);
    free(d->slots);
    for (size_t i = 0; i < d->people.count; i++) {
        Person *p = &d->people.items[i];
        free(p->key);
        free_outcome(&p->was);
        free_outcome(&p->now);
        for (int s = 0; s < 2; s++) {
            free(p->explain[s][0]);
            free(p->explain[s][1]);
            free(p->why[s]);
        }
    }
    VEC_FREE(&d->people);
    names_free(&d->cats);
    names_free(&d->places);
    names_free(&d->vocab);
    for (size_t i = 0; i < d->forms.count; i++) {
        free(d->forms.items[i].name);
        free(d->forms.items[i].label);
    }
    VEC_FREE(&d->forms);
    free(d->matrix);
    free(d->expect_path);
    names_free(&d->mismatches);
    free(d);
}

/* `none` and `review` stand for no value and no evaluation: a rule file may not use them. */
static bool reserved_names(const DiffRules *r, char **error)
{
    const Program *p = r->p;
    const EnumInfo *ce = &p->enums[p->category_enum];
    for (uint32_t i = 0; i < p->ncategories; i++)
        if (!strcmp(ce->values[i], "none") || !strcmp(ce->values[i], "review"))
            return failf(error, "%s: a category named '%s' cannot be compared (the diff uses '%s' itself)",
                         p->source_path, ce->values[i], ce->values[i]);
    if (p->placement_enum >= 0)
        for (uint32_t i = 0; i < p->enums[p->placement_enum].count; i++) {
            const char *v = p->enums[p->placement_enum].values[i];
            if (!strcmp(v, "none") || !strcmp(v, "review"))
                return failf(error, "%s: a placement value named '%s' cannot be compared (the diff uses '%s' itself)",
                             p->source_path, v, v);
        }
    return true;
}

static bool run_side(Diff *d, Ledger *l, const DiffRules *r, int side, char **error)
{
    char *inner = NULL;
    if (!run_rules(l, r->p, r->vm, NULL, NULL, NULL, &d->side[side].run, &inner)) {
        failf(error, "running %s: %s", d->side[side].rules_path, inner ? inner : "failed");
        free(inner);
        return false;
    }
    return true;
}

static void explain_people(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n)
{
    for (size_t i = 0; i < d->people.count; i++) {
        Person *p = &d->people.items[i];
        for (int s = 0; s < 2; s++) {
            const DiffRules *r = s ? n : o;
            for (int json = 0; json < 2 && !p->why[s]; json++) {
                char *err = NULL;
                p->explain[s][json] = r->explain(r->ctx, l, p->key, json, &err);
                if (!p->explain[s][json]) p->why[s] = err ? err : xstrdup("cannot be explained");
                else free(err);
            }
        }
    }
}

/* Both runs are done: compare them. */
static bool compare_runs(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n, int limit, char **error)
{
    Tally t = {0};
    for (size_t i = 0; i < d->cats.count; i++) {
        tally(&t, S_CATEGORY, (int64_t)i, 0);
        tally(&t, S_MEMBER, (int64_t)i, 0);
    }
    tally(&t, S_CATEGORY, R_NONE, 0);
    for (size_t i = 0; i < d->places.count; i++) tally(&t, S_PLACEMENT, (int64_t)i, 0);
    tally(&t, S_PLACEMENT, R_NONE, 0);
    tally(&t, S_YEAR, Y_NONE, 0);
    bool ok = merge_results(d, l, &t, limit, error);
    if (ok) {
        people_figures(d, &t);
        for (size_t i = 0; i < d->cats.count; i++) vocab_add(d, "category", d->cats.items[i], NULL);
        for (size_t i = 0; i < d->places.count; i++) vocab_add(d, "placement", d->places.items[i], NULL);
    }
    tally_free(&t);
    for (size_t i = 0; ok && i < n->p->nforms; i++) ok = compare_form(d, l, o, n, &n->p->forms[i], error);
    if (ok) ok = compare_capacity(d, l, o, n, error);
    if (ok) explain_people(d, l, o, n);
    if (ok) index_figures(d);
    return ok;
}

Diff *diff_ledger(Ledger *l, const DiffRules *o, const DiffRules *n, int limit, char **error)
{
    if (!reserved_names(o, error) || !reserved_names(n, error)) return NULL;
    Diff *d = diff_new(o, n);
    if (run_side(d, l, o, 0, error) && run_side(d, l, n, 1, error) && compare_runs(d, l, o, n, limit, error)) return d;
    diff_free(d);
    return NULL;
}

/* ---- the population: a directory of CSV files, or a ledger --------------------------------- */

static char *join_path(const char *dir, const char *name)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s/%s", dir, name);
    return sb_take(&sb);
}

static char *make_tmpdir(char **error)
{
    const char *base = getenv("TMPDIR");
    char *templ = join_path(base && *base ? base : "/tmp", "doudi-diff-XXXXXX");
    if (!mkdtemp(templ)) {
        failf(error, "cannot make a temporary directory in %s: %s", base && *base ? base : "/tmp", strerror(errno));
        free(templ);
        return NULL;
    }
    return templ;
}

static const char *const LEDGER_FILES[] = {"ledger.db", "ledger.db-wal", "ledger.db-shm", "ledger.db-journal"};

static void remove_tmpdir(char *dir)
{
    if (!dir) return;
    for (size_t i = 0; i < sizeof LEDGER_FILES / sizeof *LEDGER_FILES; i++) {
        char *p = join_path(dir, LEDGER_FILES[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
    free(dir);
}

static bool copy_file(const char *from, const char *to, char **error)
{
    FILE *in = fopen(from, "rb");
    if (!in) return failf(error, "cannot read %s: %s", from, strerror(errno));
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return failf(error, "cannot write %s: %s", to, strerror(errno));
    }
    char buf[65536];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    ok = fclose(out) == 0 && ok;
    fclose(in);
    return ok || failf(error, "cannot copy %s to %s: %s", from, to, strerror(errno ? errno : EIO));
}

static bool is_sqlite_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char head[16] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == 16 && !memcmp(head, "SQLite format 3", 16);
}

static bool import_side(Diff *d, Ledger *l, const DiffRules *r, int side, const char *persons,
                        const char *institutions, char **error)
{
    Side *s = &d->side[side];
    s->imported = true;
    char *inner = NULL;
    bool ok = import_csv(l, r->p, r->vm, 0, persons, NULL, NULL, &s->persons, &inner);
    if (ok && institutions && r->p->nrecords > 1) {
        s->has_institutions = true;
        ok = import_csv(l, r->p, r->vm, 1, institutions, NULL, NULL, &s->institutions, &inner);
    }
    if (!ok) failf(error, "importing the population with %s: %s", s->rules_path, inner ? inner : "failed");
    free(inner);
    return ok;
}

Diff *diff_population(const DiffRules *o, const DiffRules *n, const char *population, int limit, char **error)
{
    struct stat st;
    if (stat(population, &st) != 0) {
        failf(error, "cannot read the population %s: %s", population, strerror(errno));
        return NULL;
    }
    bool dir = S_ISDIR(st.st_mode);
    char *persons = NULL, *institutions = NULL;
    if (dir) {
        persons = join_path(population, "persons.csv");
        institutions = join_path(population, "institutions.csv");
        if (access(persons, R_OK) != 0) {
            failf(error, "the population %s holds no persons.csv (or it cannot be read)", population);
            free(persons);
            free(institutions);
            return NULL;
        }
        if (access(institutions, F_OK) != 0) {
            free(institutions);
            institutions = NULL;
        }
    } else if (!is_sqlite_file(population)) {
        failf(error, "the population %s is neither a directory with persons.csv nor a ledger (an SQLite file)",
              population);
        return NULL;
    }
    if (!reserved_names(o, error) || !reserved_names(n, error)) {
        free(persons);
        free(institutions);
        return NULL;
    }
    char *tmp = make_tmpdir(error);
    char *db = tmp ? join_path(tmp, LEDGER_FILES[0]) : NULL;
    Diff *d = tmp ? diff_new(o, n) : NULL;
    Ledger *l = NULL;
    bool ok = d != NULL;
    if (ok && !dir) {
        /* the ledger and its write-ahead log, if a writer left one: the copy then holds every
         * committed change; the file itself is only read */
        char *wal = NULL;
        StrBuf sb = {0};
        sb_printf(&sb, "%s-wal", population);
        wal = sb_take(&sb);
        ok = copy_file(population, db, error);
        if (ok && access(wal, F_OK) == 0) {
            char *to = join_path(tmp, LEDGER_FILES[1]);
            ok = copy_file(wal, to, error);
            free(to);
        }
        free(wal);
    }
    if (ok) ok = (l = ledger_open(db, error)) != NULL;
    if (ok && dir) ok = import_side(d, l, o, 0, persons, institutions, error);
    if (ok) ok = run_side(d, l, o, 0, error);
    if (ok && dir) ok = import_side(d, l, n, 1, persons, institutions, error);
    if (ok) ok = run_side(d, l, n, 1, error) && compare_runs(d, l, o, n, limit, error);
    if (ok) {
        d->population = xstrdup(population);
        d->population_is_ledger = !dir;
    }
    ledger_close(l);
    remove_tmpdir(tmp);
    free(db);
    free(persons);
    free(institutions);
    if (!ok) {
        diff_free(d);
        return NULL;
    }
    return d;
}

/* ---- figures ----------------------------------------------------------------------------- */

size_t diff_figure_count(const Diff *d) { return d->figs.count; }

const char *diff_figure(const Diff *d, size_t i, int64_t *before, int64_t *after, int64_t *change)
{
    if (i >= d->figs.count) return NULL;
    const Figure *f = &d->figs.items[i];
    if (before) *before = f->before;
    if (after) *after = f->after;
    if (change) *change = change_of(f);
    return f->name;
}

static void put_change(StrBuf *sb, const Figure *f, int64_t v)
{
    if (f->kind == FIG_COUNT || v == 0) sb_printf(sb, "%lld", (long long)v);
    else sb_printf(sb, "%+lld", (long long)v);
}

/* ---- the approved-changes file --------------------------------------------------------------- */

typedef struct Approval {
    char *name;
    int kind;
    int64_t value;
    size_t line;
} Approval;

typedef VEC(Approval) Approvals;

static bool all_digits(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

static bool year_token(const char *s, bool review_ok)
{
    return (all_digits(s) && strlen(s) <= 9) || !strcmp(s, "none") || (review_ok && !strcmp(s, "review"));
}

/* Split a line's figure into words (in a copy the caller frees); "->" and "→" are words of
 * their own, with or without spaces around them. */
static char *split_words(const char *line, char **w, size_t max, size_t *count)
{
    StrBuf sb = {0};
    for (const char *s = line; *s; s++) {
        if (!strncmp(s, "->", 2)) {
            sb_puts(&sb, " -> ");
            s++;
        } else if (!strncmp(s, "\xe2\x86\x92", 3)) {
            sb_puts(&sb, " -> ");
            s += 2;
        } else {
            sb_putc(&sb, *s == '\t' ? ' ' : *s);
        }
    }
    char *buf = sb_take(&sb);
    size_t n = 0;
    for (char *s = buf; *s;) {
        while (*s == ' ') s++;
        if (!*s) break;
        if (n < max) w[n] = s;
        n++;
        while (*s && *s != ' ') s++;
        if (*s) *s++ = '\0';
    }
    *count = n;
    return buf;
}

/* Read the figure named by a line's words into a canonical name; NULL with a message. */
static char *figure_of(const Diff *d, char **w, size_t n, int *kind, StrBuf *msg)
{
    StrBuf sb = {0};
    const char *cat = NULL, *year = NULL;
    *kind = FIG_DELTA;
    if (n == 1 && !strcmp(w[0], "changed")) {
        *kind = FIG_COUNT;
        sb_puts(&sb, "changed");
    } else if (n == 2 && !strcmp(w[0], "category")) {
        if (strcmp(w[1], "none") && strcmp(w[1], "review") && !known(d, "category", w[1], NULL))
            sb_printf(msg, "no category '%s' in either rule file", w[1]);
        else sb_printf(&sb, "category %s", w[1]);
    } else if (n == 3 && !strcmp(w[0], "category")) {
        cat = w[1], year = w[2];
    } else if (n == 2 && !strcmp(w[0], "member")) {
        if (!known(d, "category", w[1], NULL)) sb_printf(msg, "no category '%s' in either rule file", w[1]);
        else sb_printf(&sb, "member %s", w[1]);
    } else if ((n == 2 || (n == 4 && !strcmp(w[2], "->"))) &&
               !strcmp(w[0], "placement")) {
        for (size_t i = 1; i < n && !msg->count; i += 2)
            if (strcmp(w[i], "none") && strcmp(w[i], "review") && !known(d, "placement", w[i], NULL))
                sb_printf(msg, "no placement '%s' in either rule file", w[i]);
        if (!msg->count && n == 4 && !strcmp(w[1], w[3]))
            sb_printf(msg, "'%s -> %s' is no move: a transition goes from one placement to another", w[1], w[3]);
        if (!msg->count && n == 2) sb_printf(&sb, "placement %s", w[1]);
        if (!msg->count && n == 4) {
            *kind = FIG_COUNT;
            sb_printf(&sb, "placement %s -> %s", w[1], w[3]);
        }
    } else if (n == 2 && !strcmp(w[0], "year")) {
        if (!year_token(w[1], true)) sb_printf(msg, "'%s' is no year (a year, none or review)", w[1]);
        else if (all_digits(w[1])) sb_printf(&sb, "year %lld", atoll(w[1]));
        else sb_printf(&sb, "year %s", w[1]);
    } else if (n == 3 && !strcmp(w[0], "form") && !strcmp(w[2], "counties")) {
        if (!known(d, "form", w[1], NULL)) sb_printf(msg, "no form '%s' in the new rule file", w[1]);
        else {
            *kind = FIG_COUNT;
            sb_printf(&sb, "form %s counties", w[1]);
        }
    } else if (n == 5 && !strcmp(w[0], "form")) {
        if (!known(d, "form", w[1], NULL)) sb_printf(msg, "no form '%s' in the new rule file", w[1]);
        else if (!known(d, "row", w[1], w[3])) sb_printf(msg, "form %s has no row '%s'", w[1], w[3]);
        else if (!known(d, "column", w[1], w[4])) sb_printf(msg, "form %s has no column '%s'", w[1], w[4]);
        else sb_printf(&sb, "form %s %s %s %s", w[1], w[2], w[3], w[4]);
    } else if (n == 2 && !strcmp(w[0], "capacity") && !strcmp(w[1], "counties")) {
        *kind = FIG_COUNT;
        sb_puts(&sb, "capacity counties");
    } else if (n == 4 && !strcmp(w[0], "capacity")) {
        if (!known(d, "type", w[2], NULL)) sb_printf(msg, "no institution type '%s' in the capacity plan", w[2]);
        else if (!known(d, "plan", w[3], NULL))
            sb_printf(msg, "no number '%s' in the capacity plan (demand, required_beds, existing, existing_beds, "
                           "new, upgrades, tasks, build_YEAR)", w[3]);
        else sb_printf(&sb, "capacity %s %s %s", w[1], w[2], w[3]);
    } else if (n == 2 && !is_keyword(w[0])) {
        cat = w[0], year = w[1];
    } else {
        sb_puts(msg, "not a figure (docs/rule-changes.md lists them: changed, category, member, placement, year, "
                     "CATEGORY YEAR, form, capacity)");
    }
    if (cat) {
        if (!known(d, "category", cat, NULL)) sb_printf(msg, "no category '%s' in either rule file", cat);
        else if (!year_token(year, false)) sb_printf(msg, "'%s' is no year (a year or none)", year);
        else {
            char y[24];
            if (all_digits(year)) snprintf(y, sizeof y, "%lld", atoll(year));
            else snprintf(y, sizeof y, "%s", year);
            catyear_name(&sb, cat, y);
        }
    }
    if (msg->count) {
        sb_free(&sb);
        return NULL;
    }
    return sb_take(&sb);
}

/* "+12", "-3", "0" for a change; "40" for a count. */
static bool read_value(const char *s, int kind, int64_t *out, StrBuf *msg)
{
    bool sign = *s == '+' || *s == '-';
    const char *digits = s + sign;
    if (!all_digits(digits) || strlen(digits) > 15) {
        sb_printf(msg, "'%s' is not a number: write %s", s, kind == FIG_COUNT ? "a count, e.g. 40" : "a change, e.g. +12, -3 or 0");
        return false;
    }
    int64_t v = atoll(digits);
    if (kind == FIG_COUNT && sign) {
        sb_printf(msg, "a count is written without a sign: %lld", (long long)v);
        return false;
    }
    if (kind == FIG_DELTA && !sign && v != 0) {
        sb_printf(msg, "a change is written with its sign: +%lld or -%lld", (long long)v, (long long)v);
        return false;
    }
    *out = *s == '-' ? -v : v;
    return true;
}

static bool parse_approvals(const Diff *d, const char *path, const char *text, size_t len, Approvals *out,
                            StrBuf *errors)
{
    size_t line = 0;
    for (const char *s = text; s < text + len;) {
        const char *e = memchr(s, '\n', (size_t)(text + len - s));
        size_t n = e ? (size_t)(e - s) : (size_t)(text + len - s);
        char *buf = xstrndup(s, n);
        s = e ? e + 1 : text + len;
        line++;
        char *hash = strchr(buf, '#');
        if (hash) *hash = '\0';
        size_t bl = strlen(buf);
        while (bl && (buf[bl - 1] == ' ' || buf[bl - 1] == '\t' || buf[bl - 1] == '\r')) buf[--bl] = '\0';
        char *t = buf;
        while (*t == ' ' || *t == '\t') t++;
        if (line == 1 && !strncmp(t, "\xef\xbb\xbf", 3)) t += 3;
        if (!*t) {
            free(buf);
            continue;
        }
        StrBuf msg = {0};
        char *colon = strrchr(t, ':');
        char *w[8], *words = NULL;
        size_t nw = 0;
        char *name = NULL;
        int kind = FIG_DELTA;
        int64_t v = 0;
        if (!colon) {
            sb_puts(&msg, "expected FIGURE: CHANGE, e.g. 'category tekun: -3'");
        } else {
            *colon = '\0';
            char *val = colon + 1;
            while (*val == ' ' || *val == '\t') val++;
            words = split_words(t, w, 8, &nw);
            if (nw == 0) sb_puts(&msg, "no figure before ':'");
            else if (nw > 8) sb_puts(&msg, "not a figure (too many words)");
            else if ((name = figure_of(d, w, nw, &kind, &msg)) != NULL && read_value(val, kind, &v, &msg)) {
                for (size_t i = 0; i < out->count; i++)
                    if (!strcmp(out->items[i].name, name)) {
                        sb_printf(&msg, "'%s' is already approved on line %zu", name, out->items[i].line);
                        break;
                    }
            }
        }
        if (msg.count) {
            sb_printf(errors, "%s:%zu: %s\n", path, line, sb_str(&msg));
            free(name);
        } else {
            Approval a = {name, kind, v, line};
            VEC_PUSH(out, a);
        }
        sb_free(&msg);
        free(words);
        free(buf);
    }
    return errors->count == 0;
}

static void add_mismatch(Diff *d, StrBuf *out, StrBuf *line)
{
    VEC_PUSH(&d->mismatches, xstrdup(sb_str(line)));
    if (out) sb_printf(out, "%s\n", sb_str(line));
    line->count = 0;
}

int diff_expect(Diff *d, const char *path, StrBuf *mismatches, char **error)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        failf(error, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    Approvals ap = {0};
    StrBuf errors = {0};
    bool ok = parse_approvals(d, path, text, len, &ap, &errors);
    free(text);
    if (!ok) {
        if (errors.count && errors.items[errors.count - 1] == '\n') errors.items[--errors.count] = '\0';
        *error = sb_take(&errors);
        for (size_t i = 0; i < ap.count; i++) free(ap.items[i].name);
        VEC_FREE(&ap);
        return -1;
    }
    sb_free(&errors);
    names_free(&d->mismatches);
    free(d->expect_path);
    d->expect_path = xstrdup(path);
    d->checked = true;
    d->approvals = ap.count;
    bool *approved = xcalloc(d->figs.count + 1, sizeof *approved);
    StrBuf line = {0};
    for (size_t i = 0; i < ap.count; i++) {
        const Approval *a = &ap.items[i];
        const Figure *f = find_figure(d, a->name);
        Figure zero = {a->name, (uint8_t)a->kind, 0, -1, -1, 0, 0};
        if (f) approved[f - d->figs.items] = true;
        else f = &zero;
        int64_t actual = change_of(f);
        if (actual == a->value) continue;
        sb_printf(&line, "%s:%zu: expected ", path, a->line);
        put_change(&line, f, a->value);
        sb_puts(&line, ", actual ");
        put_change(&line, f, actual);
        if (f->kind == FIG_DELTA)
            sb_printf(&line, " (%s: %lld → %lld)", f->name, (long long)f->before, (long long)f->after);
        else sb_printf(&line, " (%s)", f->name);
        add_mismatch(d, mismatches, &line);
    }
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (approved[i] || change_of(f) == 0) continue;
        if (f->bulk >= 0 && approved[f->bulk]) continue;           /* approved by its `counties` line */
        if (f->section == S_FORM_COUNTIES || f->section == S_CAPACITY_COUNTIES) continue; /* cell by cell */
        sb_printf(&line, "unapproved change: %s: ", f->name);
        put_change(&line, f, change_of(f));
        if (f->kind == FIG_DELTA) sb_printf(&line, " (%lld → %lld)", (long long)f->before, (long long)f->after);
        add_mismatch(d, mismatches, &line);
    }
    sb_free(&line);
    free(approved);
    for (size_t i = 0; i < ap.count; i++) free(ap.items[i].name);
    VEC_FREE(&ap);
    return d->mismatches.count ? 1 : 0;
}

/* ---- text ------------------------------------------------------------------------------------ */

static int width_of(const char *s) { return utf8_width(s, strlen(s)); }

static void put_padded(StrBuf *sb, const char *s, int width)
{
    sb_puts(sb, s);
    sb_pad(sb, width - width_of(s));
}

static void put_right(StrBuf *sb, const char *s, int width)
{
    sb_pad(sb, width - width_of(s));
    sb_puts(sb, s);
}

static bool shown(const Figure *f)
{
    /* `review` rows only when someone is in review */
    size_t n = strlen(f->name);
    return !(n > 7 && !strcmp(f->name + n - 7, " review") && f->before == 0 && f->after == 0);
}

/* The figures of a section (and of one form, when form >= 0) to print. */
static bool selected(const Figure *f, Section s, int form, bool changed_only)
{
    return f->section == s && (form < 0 || f->form == form) && shown(f) && (!changed_only || change_of(f) != 0);
}

/* Print the selected figures, one a line: NAME  BEFORE → AFTER  CHANGE, or NAME  COUNT.
 * Returns how many. */
static size_t put_figures(StrBuf *out, const Diff *d, Section s, int form, bool changed_only)
{
    int w = 0;
    size_t n = 0;
    for (size_t i = 0; i < d->figs.count; i++)
        if (selected(&d->figs.items[i], s, form, changed_only) && width_of(d->figs.items[i].name) > w)
            w = width_of(d->figs.items[i].name);
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        if (!selected(f, s, form, changed_only)) continue;
        n++;
        char b[32], a[32];
        sb_puts(out, "  ");
        put_padded(out, f->name, w);
        if (f->kind == FIG_DELTA) {
            snprintf(b, sizeof b, "%lld", (long long)f->before);
            snprintf(a, sizeof a, "%lld", (long long)f->after);
            put_right(out, b, 9);
            sb_puts(out, " → ");
            put_right(out, a, 7);
            StrBuf c = {0};
            put_change(&c, f, change_of(f));
            put_right(out, sb_str(&c), 8);
            sb_free(&c);
        } else {
            snprintf(a, sizeof a, "%lld", (long long)f->after);
            put_right(out, a, 9);
        }
        sb_putc(out, '\n');
    }
    return n;
}

static void put_section(StrBuf *out, const Diff *d, Section s, const char *title, bool changed_only)
{
    sb_printf(out, "\n%s\n", title);
    if (!put_figures(out, d, s, -1, changed_only)) sb_puts(out, "  (no change)\n");
}

/* County cells are listed in the text when there are at most this many (JSON lists them all). */
enum { LIST_COUNTY_CELLS = 20 };

static const Figure *first_of(const Diff *d, Section s, int form)
{
    for (size_t i = 0; i < d->figs.count; i++)
        if (d->figs.items[i].section == s && (form < 0 || d->figs.items[i].form == form)) return &d->figs.items[i];
    return NULL;
}

static void put_outcome(StrBuf *out, const Diff *d, const Outcome *o)
{
    if (!o->present) {
        sb_puts(out, "not evaluated (in review)");
        return;
    }
    if (!*o->primary) {
        sb_printf(out, "not a target%s%s", *o->categories ? ", categories " : "", o->categories);
        return;
    }
    sb_printf(out, "categories %s, primary %s, %s %s, year ", o->categories, o->primary, d->placement_name,
              *o->placement ? o->placement : "none");
    if (o->has_year) sb_printf(out, "%lld", (long long)o->year);
    else sb_puts(out, "none");
}

static void put_indented(StrBuf *out, const char *text, const char *indent)
{
    for (const char *s = text; *s;) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        sb_puts(out, indent);
        sb_putn(out, s, n);
        sb_putc(out, '\n');
        if (!e) break;
        s = e + 1;
    }
}

static void put_matrix(StrBuf *out, const Diff *d)
{
    size_t nv = d->nvalues, np = d->places.count;
    const char **label = xcalloc(nv + 1, sizeof *label);
    for (size_t i = 0; i < nv; i++) label[i] = i < np ? d->places.items[i] : i == np ? "none" : "review";
    int first = width_of("before \\ after");
    for (size_t i = 0; i < nv; i++)
        if (width_of(label[i]) > first) first = width_of(label[i]);
    int *w = xcalloc(nv + 1, sizeof *w);
    for (size_t c = 0; c < nv; c++) {
        w[c] = width_of(label[c]);
        for (size_t r = 0; r < nv; r++) {
            char n[32];
            snprintf(n, sizeof n, "%lld", (long long)d->matrix[r * nv + c]);
            if ((int)strlen(n) > w[c]) w[c] = (int)strlen(n);
        }
    }
    sb_puts(out, "  ");
    put_padded(out, "before \\ after", first);
    for (size_t c = 0; c < nv; c++) {
        sb_puts(out, "  ");
        put_right(out, label[c], w[c]);
    }
    sb_putc(out, '\n');
    for (size_t r = 0; r < nv; r++) {
        sb_puts(out, "  ");
        put_padded(out, label[r], first);
        for (size_t c = 0; c < nv; c++) {
            char n[32];
            snprintf(n, sizeof n, "%lld", (long long)d->matrix[r * nv + c]);
            sb_puts(out, "  ");
            put_right(out, n, w[c]);
        }
        sb_putc(out, '\n');
    }
    free(w);
    free(label);
}

static void put_side(StrBuf *out, const Side *s, const char *which)
{
    sb_printf(out, "%s rules: %s\n  run as of %s: %llu persons, %llu targets, %llu scheduled, %llu in review\n", which,
              s->rules_path, s->run.as_of, (unsigned long long)s->run.persons, (unsigned long long)s->run.targets,
              (unsigned long long)s->run.scheduled, (unsigned long long)s->run.review);
    if (s->imported) {
        sb_printf(out, "  imported with them: persons.csv %llu rows, %llu rejected", (unsigned long long)s->persons.rows,
                  (unsigned long long)s->persons.review);
        if (s->has_institutions)
            sb_printf(out, "; institutions.csv %llu rows, %llu rejected", (unsigned long long)s->institutions.rows,
                      (unsigned long long)s->institutions.review);
        sb_putc(out, '\n');
    }
}

void diff_render_text(const Diff *d, StrBuf *out)
{
    if (d->population)
        sb_printf(out, "population: %s (%s)\n", d->population,
                  d->population_is_ledger ? "a ledger, run in a temporary copy" : "imported into a temporary ledger");
    put_side(out, &d->side[0], "old");
    put_side(out, &d->side[1], "new");
    sb_printf(out, "\nchanged: %llu %s\n", (unsigned long long)d->changed, d->changed == 1 ? "person" : "persons");
    put_section(out, d, S_CATEGORY, "people per primary category", false);
    put_section(out, d, S_MEMBER, "people in each category (a person may be in several)", false);
    put_section(out, d, S_PLACEMENT, "people per placement", false);
    put_section(out, d, S_YEAR, "people per year", false);
    put_section(out, d, S_CATYEAR, "people per primary category and year: the changes", true);
    sb_printf(out, "\ntransitions: %s before (rows) × after (columns)\n", d->placement_name);
    put_matrix(out, d);
    put_section(out, d, S_TRANSITION, "moves", false);

    sb_printf(out, "\nchanged people: %llu", (unsigned long long)d->changed);
    if (d->people.count < d->changed) sb_printf(out, ", the first %zu by key", d->people.count);
    sb_putc(out, '\n');
    for (size_t i = 0; i < d->people.count; i++) {
        const Person *p = &d->people.items[i];
        sb_printf(out, "\n  %s\n    before: ", p->key);
        put_outcome(out, d, &p->was);
        sb_puts(out, "\n    after:  ");
        put_outcome(out, d, &p->now);
        sb_putc(out, '\n');
        for (int s = 0; s < 2; s++) {
            sb_printf(out, "    -- explanation by the %s rules", s ? "new" : "old");
            if (s && p->explain[0][0] && p->explain[1][0] && !strcmp(p->explain[0][0], p->explain[1][0])) {
                sb_puts(out, ": the same, word for word\n");
                continue;
            }
            sb_putc(out, '\n');
            if (p->explain[s][0]) put_indented(out, p->explain[s][0], "      ");
            else sb_printf(out, "      not evaluated: %s\n", p->why[s]);
        }
    }

    for (size_t k = 0; k < d->forms.count; k++) {
        sb_printf(out, "\nform %s %s: the city's cells that changed\n", d->forms.items[k].name, d->forms.items[k].label);
        if (!put_figures(out, d, S_FORM, (int)k, true)) sb_puts(out, "  (no change)\n");
        const Figure *c = first_of(d, S_FORM_COUNTIES, (int)k);
        sb_printf(out, "  county cells changed: %lld  (`%s: N`, or each as `form %s COUNTY ROW COLUMN`)\n",
                  c ? (long long)c->after : 0LL, c ? c->name : "", d->forms.items[k].name);
        if (c && c->after && c->after <= LIST_COUNTY_CELLS) put_figures(out, d, S_FORM_COUNTY, (int)k, true);
    }
    if (first_of(d, S_CAPACITY, -1)) {
        sb_puts(out, "\ncapacity plan: the city's numbers that changed\n");
        if (!put_figures(out, d, S_CAPACITY, -1, true)) sb_puts(out, "  (no change)\n");
        const Figure *c = first_of(d, S_CAPACITY_COUNTIES, -1);
        sb_printf(out, "  county numbers changed: %lld  (`capacity counties: N`, or each as `capacity COUNTY TYPE "
                       "NUMBER`)\n",
                  c ? (long long)c->after : 0LL);
        if (c && c->after && c->after <= LIST_COUNTY_CELLS) put_figures(out, d, S_CAPACITY_COUNTY, -1, true);
    }
    if (d->checked) {
        sb_printf(out, "\napproved changes: %s (%zu %s)\n", d->expect_path, d->approvals,
                  d->approvals == 1 ? "figure" : "figures");
        for (size_t i = 0; i < d->mismatches.count; i++) sb_printf(out, "  %s\n", d->mismatches.items[i]);
        if (d->mismatches.count)
            sb_printf(out, "%zu %s from the approved changes\n", d->mismatches.count,
                      d->mismatches.count == 1 ? "figure differs" : "figures differ");
        else sb_puts(out, "every figure is as approved\n");
    }
}

/* ---- JSON ------------------------------------------------------------------------------------- */

static void json_side(StrBuf *out, const Side *s)
{
    sb_puts(out, "{\"rules\": ");
    sb_json_string(out, s->rules_path);
    sb_puts(out, ", \"as_of\": ");
    sb_json_string(out, s->run.as_of);
    sb_printf(out, ", \"persons\": %llu, \"targets\": %llu, \"scheduled\": %llu, \"review\": %llu",
              (unsigned long long)s->run.persons, (unsigned long long)s->run.targets,
              (unsigned long long)s->run.scheduled, (unsigned long long)s->run.review);
    if (s->imported) {
        sb_printf(out, ", \"import\": {\"persons\": {\"rows\": %llu, \"rejected\": %llu}",
                  (unsigned long long)s->persons.rows, (unsigned long long)s->persons.review);
        if (s->has_institutions)
            sb_printf(out, ", \"institutions\": {\"rows\": %llu, \"rejected\": %llu}",
                      (unsigned long long)s->institutions.rows, (unsigned long long)s->institutions.review);
        sb_putc(out, '}');
    }
    sb_putc(out, '}');
}

static void json_outcome(StrBuf *out, const Outcome *o)
{
    if (!o->present) {
        sb_puts(out, "null");
        return;
    }
    sb_puts(out, "{\"categories\": [");
    for (const char *s = o->categories; *s;) {
        const char *e = strchr(s, '|');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char *name = xstrndup(s, n);
        if (s != o->categories) sb_puts(out, ", ");
        sb_json_string(out, name);
        free(name);
        if (!e) break;
        s = e + 1;
    }
    sb_puts(out, "], \"primary\": ");
    if (*o->primary) sb_json_string(out, o->primary);
    else sb_puts(out, "null");
    sb_puts(out, ", \"placement\": ");
    if (*o->placement) sb_json_string(out, o->placement);
    else sb_puts(out, "null");
    if (o->has_year) sb_printf(out, ", \"year\": %lld}", (long long)o->year);
    else sb_puts(out, ", \"year\": null}");
}

static void json_explanation(StrBuf *out, const char *json, const char *why)
{
    if (!json) {
        sb_puts(out, "{\"error\": ");
        sb_json_string(out, why);
        sb_putc(out, '}');
        return;
    }
    size_t n = strlen(json);
    while (n && (json[n - 1] == '\n' || json[n - 1] == ' ')) n--;
    sb_putn(out, json, n);
}

void diff_render_json(const Diff *d, StrBuf *out)
{
    sb_puts(out, "{\n  \"population\": ");
    if (d->population) sb_json_string(out, d->population);
    else sb_puts(out, "null");
    sb_puts(out, ",\n  \"old\": ");
    json_side(out, &d->side[0]);
    sb_puts(out, ",\n  \"new\": ");
    json_side(out, &d->side[1]);
    sb_printf(out, ",\n  \"changed\": %llu,\n  \"placement\": ", (unsigned long long)d->changed);
    sb_json_string(out, d->placement_name);
    sb_puts(out, ",\n  \"figures\": [");
    for (size_t i = 0; i < d->figs.count; i++) {
        const Figure *f = &d->figs.items[i];
        sb_puts(out, i ? ",\n    " : "\n    ");
        sb_puts(out, "{\"section\": ");
        sb_json_string(out, SECTION_NAMES[f->section]);
        sb_puts(out, ", \"figure\": ");
        sb_json_string(out, f->name);
        if (f->kind == FIG_DELTA) sb_printf(out, ", \"before\": %lld, \"after\": %lld", (long long)f->before, (long long)f->after);
        sb_printf(out, ", \"change\": %lld}", (long long)change_of(f));
    }
    sb_puts(out, "\n  ],\n  \"transitions\": {\"values\": [");
    size_t np = d->places.count;
    for (size_t i = 0; i < d->nvalues; i++) {
        if (i) sb_puts(out, ", ");
        sb_json_string(out, i < np ? d->places.items[i] : i == np ? "none" : "review");
    }
    sb_puts(out, "], \"before_by_after\": [");
    for (size_t r = 0; r < d->nvalues; r++) {
        sb_puts(out, r ? ", [" : "[");
        for (size_t c = 0; c < d->nvalues; c++) sb_printf(out, "%s%lld", c ? ", " : "", (long long)d->matrix[r * d->nvalues + c]);
        sb_putc(out, ']');
    }
    sb_puts(out, "]},\n  \"people\": [");
    for (size_t i = 0; i < d->people.count; i++) {
        const Person *p = &d->people.items[i];
        sb_puts(out, i ? ",\n    " : "\n    ");
        sb_puts(out, "{\"key\": ");
        sb_json_string(out, p->key);
        sb_puts(out, ", \"before\": ");
        json_outcome(out, &p->was);
        sb_puts(out, ", \"after\": ");
        json_outcome(out, &p->now);
        sb_puts(out, ",\n     \"explanation_before\": ");
        json_explanation(out, p->explain[0][1], p->why[0]);
        sb_puts(out, ",\n     \"explanation_after\": ");
        json_explanation(out, p->explain[1][1], p->why[1]);
        sb_putc(out, '}');
    }
    sb_puts(out, d->people.count ? "\n  ]" : "]");
    if (d->checked) {
        sb_puts(out, ",\n  \"approved\": {\"file\": ");
        sb_json_string(out, d->expect_path);
        sb_printf(out, ", \"lines\": %zu, \"as_approved\": %s, \"mismatches\": [", d->approvals,
                  d->mismatches.count ? "false" : "true");
        for (size_t i = 0; i < d->mismatches.count; i++) {
            if (i) sb_puts(out, ", ");
            sb_json_string(out, d->mismatches.items[i]);
        }
        sb_puts(out, "]}");
    }
    sb_puts(out, "\n}\n");
}
