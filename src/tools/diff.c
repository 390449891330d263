/* diff.c — what a rule amendment changes (see diff.h): both rule files run over one ledger,
 * their results merged person by person, their forms and capacity plans cell by cell. */
#include "diff_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/report.h"

bool diff_failf(char **error, const char *fmt, ...)
{
    if (error && !*error) {
        va_list ap;
        va_start(ap, fmt);
        *error = xvasprintf(fmt, ap);
        va_end(ap);
    }
    return false;
}

const char *const SECTION_NAMES[] = {
    "changed", "category", "member", "placement", "year", "category_year", "transition",
    "form", "form_counties", "form_county", "capacity", "capacity_counties", "capacity_county",
};

/* ---- names ------------------------------------------------------------------------------ */


int diff_names_find(const Names *n, const char *s)
{
    for (size_t i = 0; i < n->count; i++)
        if (!strcmp(n->items[i], s)) return (int)i;
    return -1;
}

int diff_names_add(Names *n, const char *s)
{
    int i = diff_names_find(n, s);
    if (i >= 0) return i;
    VEC_PUSH(n, xstrdup(s));
    return (int)n->count - 1;
}

void diff_names_free(Names *n)
{
    for (size_t i = 0; i < n->count; i++) free(n->items[i]);
    VEC_FREE(n);
}

int diff_compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

uint64_t diff_hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

size_t diff_add_figure(Diff *d, const char *name, int kind, Section section, int64_t before, int64_t after)
{
    Figure f = {xstrdup(name), (uint8_t)kind, (uint8_t)section, -1, -1, before, after};
    VEC_PUSH(&d->figs, f);
    return d->figs.count - 1;
}

void diff_index_figures(Diff *d)
{
    free(d->slots);
    d->nslots = 16;
    while (d->nslots < 2 * d->figs.count) d->nslots *= 2;
    d->slots = xcalloc(d->nslots, sizeof *d->slots);
    for (size_t i = 0; i < d->figs.count; i++) {
        size_t s = diff_hash_text(d->figs.items[i].name) & (d->nslots - 1);
        while (d->slots[s]) s = (s + 1) & (d->nslots - 1);
        d->slots[s] = i + 1;
    }
}

Figure *diff_find_figure(const Diff *d, const char *name)
{
    if (!d->nslots) return NULL;
    for (size_t s = diff_hash_text(name) & (d->nslots - 1); d->slots[s]; s = (s + 1) & (d->nslots - 1))
        if (!strcmp(d->figs.items[d->slots[s] - 1].name, name)) return &d->figs.items[d->slots[s] - 1];
    return NULL;
}

/* Names an approved-changes line may use, as "KIND\037NAME[\037NAME]". */
void diff_vocab_add(Diff *d, const char *kind, const char *a, const char *b)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s\037%s%s%s", kind, a, b ? "\037" : "", b ? b : "");
    diff_names_add(&d->vocab, sb_str(&sb));
    sb_free(&sb);
}

bool diff_known(const Diff *d, const char *kind, const char *a, const char *b)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s\037%s%s%s", kind, a, b ? "\037" : "", b ? b : "");
    bool found = diff_names_find(&d->vocab, sb_str(&sb)) >= 0;
    sb_free(&sb);
    return found;
}

/* The words that begin the other kinds of line: a category so named needs the long form
 * `category NAME YEAR` for its people per year. */
bool diff_is_keyword(const char *s)
{
    static const char *const words[] = {"changed", "category", "member", "placement", "year", "form", "capacity"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (!strcmp(s, words[i])) return true;
    return false;
}

void diff_catyear_name(StrBuf *sb, const char *cat, const char *year)
{
    sb_printf(sb, "%s%s %s", diff_is_keyword(cat) ? "category " : "", cat, year); /* not a message: a figure's name, as the approved-changes file writes it */
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
    return diff_names_add(n, s);    /* a name the runs gave is always known; a new one goes last */
}

static const char *rank_name(const Names *n, int64_t r)
{
    return r == R_NONE ? "none" : r == R_REVIEW ? "review" : n->items[r];
}

void diff_year_text(int64_t y, char out[24])
{
    if (y == Y_NONE) strcpy(out, "none");
    else if (y == Y_REVIEW) strcpy(out, "review");
    else snprintf(out, 24, "%lld", (long long)y);
}

/* ---- reading the two runs' results ------------------------------------------------------- */

typedef ResultRow Row;

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

/* Merge the two runs' results by key: count every person on both sides, the transitions,
 * and keep the first `limit` people who changed. */
static bool merge_results(Diff *d, Ledger *l, Tally *t, int limit, char **error)
{
    LedgerResults *a = ledger_results(l, d->side[0].run.run_id, error);
    LedgerResults *b = a ? ledger_results(l, d->side[1].run.run_id, error) : NULL;
    bool ok = a && b;
    Row x = {0}, y = {0};
    int ra = ok ? ledger_results_next(a, &x, error) : 0, rb = ok && ra >= 0 ? ledger_results_next(b, &y, error) : 0;
    while (ok && ra >= 0 && rb >= 0 && (ra == 1 || rb == 1)) {
        int c = ra != 1 ? 1 : rb != 1 ? -1 : strcmp(x.key, y.key);
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
        if (c <= 0) ra = ledger_results_next(a, &x, error);
        if (c >= 0) rb = ledger_results_next(b, &y, error);
    }
    if (ra < 0 || rb < 0) ok = false;
    ledger_results_close(a);
    ledger_results_close(b);
    return ok;
}

/* The figures of the people: the tally in order, then the transition matrix. */
static void people_figures(Diff *d, Tally *t)
{
    diff_add_figure(d, "changed", FIG_COUNT, S_CHANGED, 0, (int64_t)d->changed);
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
        case S_CATEGORY: sb_printf(&name, "category %s", rank_name(&d->cats, key->a)); break; /* not a message: a figure's name, as the approved-changes file writes it */
        case S_MEMBER: sb_printf(&name, "member %s", rank_name(&d->cats, key->a)); break; /* not a message: a figure's name, as the approved-changes file writes it */
        case S_PLACEMENT: sb_printf(&name, "placement %s", rank_name(&d->places, key->a)); break; /* not a message: a figure's name, as the approved-changes file writes it */
        case S_YEAR:
            diff_year_text(key->a, y);
            sb_printf(&name, "year %s", y); /* not a message: a figure's name, as the approved-changes file writes it */
            break;
        case S_CATYEAR:
            diff_year_text(key->b, y);
            diff_catyear_name(&name, rank_name(&d->cats, key->a), y);
            break;
        case S_TRANSITION: {
            size_t from = key->a == R_NONE ? nplaces : key->a == R_REVIEW ? nplaces + 1 : (size_t)key->a;
            size_t to = key->b == R_NONE ? nplaces : key->b == R_REVIEW ? nplaces + 1 : (size_t)key->b;
            d->matrix[from * d->nvalues + to] = n[0];
            if (key->a == key->b || n[0] == 0) continue;
            sb_printf(&name, "placement %s -> %s", rank_name(&d->places, key->a), rank_name(&d->places, key->b)); /* not a message: a figure's name, as the approved-changes file writes it */
            diff_add_figure(d, sb_str(&name), FIG_COUNT, S_TRANSITION, 0, n[0]);
            continue;
        }
        }
        diff_add_figure(d, sb_str(&name), FIG_DELTA, (Section)key->dim, n[0], n[1]);
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
            sb_printf(&name, "form %s %s %s %s", nt->name, part, nt->rows[r].name, /* not a message: a figure's name, as the approved-changes file writes it */
                      nt->cols[c].name);
            size_t f = diff_add_figure(d, sb_str(&name), FIG_DELTA, section, before, after);
            d->figs.items[f].form = form;
            d->figs.items[f].bulk = bulk;
        }
    }
    sb_free(&name);
    return changed;
}

/* The targets a stored form's rows leave out, city-wide: those of the run less the people its
 * rows count, read from a count column without condition. -1 for a form without a total row
 * (rows that may overlap: their sum is no count of people) or without such a column. */
static int64_t outside_rows(const Report *rep, uint64_t targets)
{
    const FormInfo *t = rep->table;
    int col = -1;
    bool total = false;
    for (size_t c = 0; c < t->ncols && col < 0; c++)
        if (t->cols[c].cell == FORM_COUNT && t->cols[c].reg < 0) col = (int)c;
    for (size_t r = 0; r < t->nrows; r++) total |= t->rows[r].total;
    if (col < 0 || !total || !rep->nsheets) return -1;
    const ReportSheet *s = &rep->sheets[0];
    int64_t in = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        size_t i = r * rep->ncols + (size_t)col;
        if (!t->rows[r].total && !s->blank[i]) in += s->cells[i];
    }
    return (int64_t)targets - in;
}

static const char *total_label(const FormInfo *t)
{
    for (size_t r = 0; r < t->nrows; r++)
        if (t->rows[r].total) return t->rows[r].label ? t->rows[r].label : t->rows[r].name;
    return NULL;
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
    const char *tl = total_label(nt);
    DiffForm fi = {xstrdup(fname), xstrdup(nt->label ? nt->label : ""), {-1, outside_rows(&rn, d->side[1].run.targets)},
                   tl ? xstrdup(tl) : NULL};
    if (have_old) fi.outside[0] = outside_rows(&ro, d->side[0].run.targets);
    VEC_PUSH(&d->forms, fi);
    diff_vocab_add(d, "form", fname, NULL);
    for (size_t i = 0; i < nt->nrows; i++) diff_vocab_add(d, "row", fname, nt->rows[i].name);
    for (size_t i = 0; i < nt->ncols; i++) diff_vocab_add(d, "column", fname, nt->cols[i].name);
    const Report *old = have_old ? &ro : NULL;
    compare_sheet(d, form, &rn, &rn.sheets[0], old, old ? &ro.sheets[0] : NULL, "city", S_FORM, -1);
    StrBuf name = {0};
    sb_printf(&name, "form %s counties", fname); /* not a message: a figure's name, as the approved-changes file writes it */
    size_t counties = diff_add_figure(d, sb_str(&name), FIG_COUNT, S_FORM_COUNTIES, 0, 0);
    d->figs.items[counties].form = form;
    sb_free(&name);
    Names parts = {0};
    for (size_t i = 1; i < rn.nsheets; i++) diff_names_add(&parts, rn.sheets[i].partition);
    for (size_t i = 1; old && i < ro.nsheets; i++) diff_names_add(&parts, ro.sheets[i].partition);
    if (parts.count) qsort(parts.items, parts.count, sizeof *parts.items, diff_compare_strings);   /* none: no array */
    size_t changed = 0;
    for (size_t i = 0; i < parts.count; i++)
        changed += compare_sheet(d, form, &rn, sheet_of(&rn, parts.items[i]), old, sheet_of(old, parts.items[i]),
                                 parts.items[i], S_FORM_COUNTY, (int32_t)counties);
    d->figs.items[counties].after = (int64_t)changed;
    diff_names_free(&parts);
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

typedef struct PlanSide {
    Plan *pl;
    int side;
} PlanSide;

static bool plan_row(void *ctx, const CapacityRow *r)
{
    PlanSide *ps = ctx;
    Plan *pl = ps->pl;
    int64_t p = diff_names_add(&pl->parts, r->partition), t = diff_names_add(&pl->types, r->type);
    const int64_t v[NPLAN] = {r->demand, r->required_beds, r->existing, r->existing_beds, r->build, r->upgrades, r->tasks};
    for (int c = 0; c < NPLAN; c++) tally(&pl->cells, 0, p, t << 16 | c)[ps->side] += v[c];
    return true;
}

static bool plan_year(void *ctx, const char *partition, const char *type, int64_t year, int64_t n)
{
    PlanSide *ps = ctx;
    Plan *pl = ps->pl;
    char col[40];
    snprintf(col, sizeof col, "build_%lld", (long long)year);
    int64_t p = diff_names_add(&pl->parts, partition), t = diff_names_add(&pl->types, type);
    int64_t c = diff_names_add(&pl->cols, col);
    tally(&pl->cells, 0, p, t << 16 | c)[ps->side] += n;
    return true;
}

static bool read_plan(Plan *pl, Ledger *l, int side, int64_t run, char **error)
{
    PlanSide ps = {pl, side};
    return ledger_each_capacity(l, run, plan_row, &ps, error) && ledger_each_capacity_year(l, run, plan_year, &ps, error);
}

static void add_cap_items(Plan *pl, const Program *p)
{
    for (size_t i = 0; p->capacity && i < p->capacity->nitems; i++) {
        int32_t type = p->capacity->items[i].type;
        if (p->placement_enum >= 0 && type >= 0 && (uint32_t)type < p->enums[p->placement_enum].count)
            diff_names_add(&pl->types, p->enums[p->placement_enum].values[type]);
    }
}

static bool compare_capacity(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n, char **error)
{
    if (!o->p->capacity && !n->p->capacity) return true;
    Plan pl = {0};
    add_cap_items(&pl, n->p);
    add_cap_items(&pl, o->p);
    for (int c = 0; c < NPLAN; c++) diff_names_add(&pl.cols, PLAN_COLUMNS[c]);
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
    for (size_t t = 0; t < pl.types.count; t++) diff_vocab_add(d, "type", pl.types.items[t], NULL);
    for (size_t c = 0; c < ncols; c++) diff_vocab_add(d, "plan", pl.cols.items[c], NULL);
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
            sb_printf(&name, "capacity city %s %s", pl.types.items[t], pl.cols.items[c]); /* not a message: a figure's name, as the approved-changes file writes it */
            diff_add_figure(d, sb_str(&name), FIG_DELTA, S_CAPACITY, sum[0], sum[1]);
        }
    size_t counties = diff_add_figure(d, "capacity counties", FIG_COUNT, S_CAPACITY_COUNTIES, 0, 0);
    for (size_t pi = 0; ok && pi < nparts; pi++) {
        size_t p = porder[pi];
        if (!*pl.parts.items[p]) continue;
        for (size_t t = 0; t < pl.types.count; t++)
            for (size_t ci = 0; ci < ncols; ci++) {
                const int64_t *v = tally_find(&pl.cells, 0, (int64_t)p, (int64_t)t << 16 | (int64_t)corder[ci]);
                if (!v || v[0] == v[1]) continue;
                name.count = 0;
                sb_printf(&name, "capacity %s %s %s", pl.parts.items[p], pl.types.items[t], pl.cols.items[corder[ci]]); /* not a message: a figure's name, as the approved-changes file writes it */
                size_t f = diff_add_figure(d, sb_str(&name), FIG_DELTA, S_CAPACITY_COUNTY, v[0], v[1]);
                d->figs.items[f].bulk = (int32_t)counties;
                d->figs.items[counties].after++;
            }
    }
    sb_free(&name);
    free(corder);
    free(porder);
    diff_names_free(&pl.parts);
    diff_names_free(&pl.types);
    diff_names_free(&pl.cols);
    tally_free(&pl.cells);
    return ok;
}

/* ---- a diff -------------------------------------------------------------------------------- */

Diff *diff_new(const DiffRules *o, const DiffRules *n)
{
    Diff *d = xcalloc(1, sizeof *d);
    d->side[0].rules_path = xstrdup(o->p->source_path ? o->p->source_path : "");
    d->side[1].rules_path = xstrdup(n->p->source_path ? n->p->source_path : "");
    d->placement_name = xstrdup(n->p->placement_name ? n->p->placement_name
                                : o->p->placement_name ? o->p->placement_name : "placement");
    for (int s = 0; s < 2; s++) {
        const Program *p = s ? o->p : n->p;    /* the new file's names first */
        const EnumInfo *ce = &p->enums[p->category_enum];
        for (uint32_t i = 0; i < p->ncategories; i++) diff_names_add(&d->cats, ce->values[i]);
        if (p->placement_enum >= 0)
            for (uint32_t i = 0; i < p->enums[p->placement_enum].count; i++)
                diff_names_add(&d->places, p->enums[p->placement_enum].values[i]);
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
    diff_names_free(&d->cats);
    diff_names_free(&d->places);
    diff_names_free(&d->vocab);
    for (size_t i = 0; i < d->forms.count; i++) {
        free(d->forms.items[i].name);
        free(d->forms.items[i].label);
        free(d->forms.items[i].total_label);
    }
    VEC_FREE(&d->forms);
    free(d->matrix);
    free(d->expect_path);
    diff_names_free(&d->mismatches);
    free(d);
}

/* `none` and `review` stand for no value and no evaluation: a rule file may not use them. */
bool diff_reserved_names(const DiffRules *r, char **error)
{
    const Program *p = r->p;
    const EnumInfo *ce = &p->enums[p->category_enum];
    for (uint32_t i = 0; i < p->ncategories; i++)
        if (!strcmp(ce->values[i], "none") || !strcmp(ce->values[i], "review"))
            return diff_failf(error, "%s: a category named '%s' cannot be compared (the diff uses '%s' itself)",
                         p->source_path, ce->values[i], ce->values[i]);
    if (p->placement_enum >= 0)
        for (uint32_t i = 0; i < p->enums[p->placement_enum].count; i++) {
            const char *v = p->enums[p->placement_enum].values[i];
            if (!strcmp(v, "none") || !strcmp(v, "review"))
                return diff_failf(error, "%s: a placement value named '%s' cannot be compared (the diff uses '%s' itself)",
                             p->source_path, v, v);
        }
    return true;
}

bool diff_run_side(Diff *d, Ledger *l, const DiffRules *r, int side, char **error)
{
    char *inner = NULL;
    if (!run_rules(l, r->p, r->vm, NULL, NULL, NULL, &d->side[side].run, &inner)) {
        diff_failf(error, "running %s: %s", d->side[side].rules_path, inner ? inner : "failed");
        free(inner);
        return false;
    }
    return true;
}

void diff_explain_people(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n)
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
bool diff_compare_runs(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n, int limit, char **error)
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
        for (size_t i = 0; i < d->cats.count; i++) diff_vocab_add(d, "category", d->cats.items[i], NULL);
        for (size_t i = 0; i < d->places.count; i++) diff_vocab_add(d, "placement", d->places.items[i], NULL);
    }
    tally_free(&t);
    for (size_t i = 0; ok && i < n->p->nforms; i++) ok = compare_form(d, l, o, n, &n->p->forms[i], error);
    if (ok) ok = compare_capacity(d, l, o, n, error);
    if (ok) diff_index_figures(d);
    return ok;
}

Diff *diff_ledger(Ledger *l, const DiffRules *o, const DiffRules *n, int limit, char **error)
{
    if (!diff_reserved_names(o, error) || !diff_reserved_names(n, error)) return NULL;
    Diff *d = diff_new(o, n);
    if (diff_run_side(d, l, o, 0, error) && diff_run_side(d, l, n, 1, error) && diff_compare_runs(d, l, o, n, limit, error)) {
        diff_explain_people(d, l, o, n);
        return d;
    }
    diff_free(d);
    return NULL;
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

void diff_put_change(StrBuf *sb, const Figure *f, int64_t v)
{
    if (f->kind == FIG_COUNT || v == 0) sb_printf(sb, "%lld", (long long)v);
    else sb_printf(sb, "%+lld", (long long)v);
}
