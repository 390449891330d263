/* schedule.c — the yearly schedule (see schedule.h). */
#include "schedule.h"
#include "base/fixed.h"
#include "base/quicksort.h"
#include "base/sort.h"

#include <stdlib.h>
#include <string.h>

static void add_group(Schedule *s, const ScheduleGroupInfo *gi, const Vm *vm)
{
    ScheduleGroup *g = &s->groups[s->ngroups++];
    g->nshares = gi->nyears;
    g->years = xcalloc(gi->nyears + 1, sizeof *g->years);
    g->cumulative = xcalloc(gi->nyears + 1, sizeof *g->cumulative);
    for (uint32_t i = 0; i < gi->nyears; i++) {
        g->years[i] = gi->years[i];
        g->cumulative[i] = vm->regs[gi->share_reg[i]];
    }
}

Schedule *schedule_new(const Program *p, const Vm *vm)
{
    const ScheduleInfo *si = p->schedule;
    if (!si) return NULL;
    Schedule *s = xcalloc(1, sizeof *s);
    s->groups = xcalloc(si->ngroups + 1, sizeof *s->groups);
    s->group_of = xmalloc((p->ncategories + 1) * sizeof *s->group_of);
    for (uint32_t c = 0; c < p->ncategories; c++) s->group_of[c] = -1;
    for (uint32_t gi = 0; gi < si->ngroups; gi++) {
        add_group(s, &si->groups[gi], vm);
        for (uint32_t c = 0; c < p->ncategories && c < 64; c++)
            if (si->groups[gi].categories >> c & 1) s->group_of[c] = (int32_t)gi;
    }
    uint32_t n, first = program_rules(p, RULE_KEY, &n);
    s->nkeys = n;
    s->key_kind = xcalloc(n + 1, 1);
    s->key_desc = xcalloc(n + 1, sizeof *s->key_desc);
    for (uint32_t i = 0; i < n; i++) {
        s->key_kind[i] = p->rules[first + i].value_kind;
        s->key_desc[i] = p->rules[first + i].desc;
    }
    return s;
}

void schedule_free(Schedule *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->ngroups; i++) {
        free(s->groups[i].years);
        free(s->groups[i].cumulative);
    }
    free(s->groups);
    free(s->group_of);
    free(s->key_kind);
    free(s->key_desc);
    free(s->partition);
    free(s->group);
    free(s->keys);
    free(s->person);
    free(s->person_key);
    sb_free(&s->key_text);
    strset_free(&s->strings);
    free(s);
}

uint32_t schedule_intern(Schedule *s, const char *text)
{
    return strset_add(&s->strings, text, NULL);
}

/* A person's text (an order key, the record key): kept in key_text, its offset returned. Not
 * interned: such texts are mostly one a person (the id), and a table of them all only costs. */
static size_t keep_text(Schedule *s, const char *text)
{
    size_t at = s->key_text.count;
    sb_putn(&s->key_text, text, strlen(text) + 1);
    return at;
}

static void grow(Schedule *s, size_t cap)
{
    s->cap = cap;
    s->partition = xrealloc(s->partition, s->cap * sizeof *s->partition);
    s->group = xrealloc(s->group, s->cap * sizeof *s->group);
    s->keys = xrealloc(s->keys, s->cap * (s->nkeys ? s->nkeys : 1) * sizeof *s->keys);
    s->person = xrealloc(s->person, s->cap * sizeof *s->person);
    s->person_key = xrealloc(s->person_key, s->cap * sizeof *s->person_key);
}

void schedule_reserve(Schedule *s, size_t n)
{
    if (n > s->cap) grow(s, n);
    sb_reserve(&s->key_text, n * 20);
}

bool schedule_add(Schedule *s, const char *partition, int category, const int64_t *key_values,
                  const char *record_key, uint32_t person)
{
    if (category < 0 || s->group_of[category] < 0) return false;
    if (s->count == s->cap) grow(s, s->cap ? s->cap * 2 : 1024);
    size_t i = s->count++;
    s->partition[i] = schedule_intern(s, partition ? partition : "");
    s->group[i] = (uint32_t)s->group_of[category];
    for (uint32_t k = 0; k < s->nkeys; k++)
        s->keys[i * s->nkeys + k] = s->key_kind[k] == VK_TEXT
            ? (int64_t)keep_text(s, (const char *)(intptr_t)key_values[k]) : key_values[k];
    s->person[i] = person;
    s->person_key[i] = keep_text(s, record_key);
    return true;
}

const char *schedule_person_key(const Schedule *s, size_t i)
{
    return s->key_text.items + s->person_key[i];
}

const char *schedule_key_text(const Schedule *s, size_t i, uint32_t k)
{
    return s->key_text.items + s->keys[i * s->nkeys + k];
}

/* ---- ranking ---------------------------------------------------------------------------------- */

static int compare_key(const Schedule *s, uint32_t k, int64_t a, int64_t b)
{
    int c;
    if (s->key_kind[k] == VK_TEXT) c = strcmp(s->key_text.items + a, s->key_text.items + b);
    else c = a < b ? -1 : a > b;
    return s->key_desc[k] ? -c : c;
}

static int compare_entries(const Schedule *s, size_t a, size_t b)
{
    if (s->partition[a] != s->partition[b]) return s->partition[a] < s->partition[b] ? -1 : 1;
    if (s->group[a] != s->group[b]) return s->group[a] < s->group[b] ? -1 : 1;
    for (uint32_t k = 0; k < s->nkeys; k++) {
        int c = compare_key(s, k, s->keys[a * s->nkeys + k], s->keys[b * s->nkeys + k]);
        if (c) return c;
    }
    return strcmp(schedule_person_key(s, a), schedule_person_key(s, b));
}

/* Ranking compares each entry with some twenty others, and compare_entries reads five tables
 * and a text for it. So each entry is first written as a row of words that compare as
 * unsigned integers in the same order — partition and group, then each order key (a number
 * with its sign bit flipped, a text as its first 24 bytes big-endian — a resident id whole,
 * whose first 16 are alike for the people of a county born on one day; inverted when
 * descending), then the record key's first 24 bytes, the last tie-break — as many as fit in
 * RANK_WORDS and up to and including the first text (past a text longer than 24 bytes the words
 * no longer follow the order); rows whose words are all equal are compared by compare_entries
 * itself. A row with the entry's index is one cache line, sorted in place. */
enum { RANK_WORDS = 7 };

typedef struct RankRow {
    uint64_t word[RANK_WORDS];
    uint64_t index;
} RankRow;

/* Up to three words of a text, as many as fit from word w on; the next word. */
static size_t put_text_words(RankRow *row, size_t w, const char *t, uint64_t flip)
{
    size_t n = strlen(t);
    for (unsigned part = 0; part < 3 && w < RANK_WORDS; part++) row->word[w++] = sort_key_word(t, n, part) ^ flip;
    return w;
}

static void rank_row(const Schedule *s, size_t i, RankRow *row)
{
    size_t w = 0;
    row->word[w++] = (uint64_t)s->partition[i] << 32 | s->group[i];
    uint32_t k = 0;
    for (; k < s->nkeys && w < RANK_WORDS; k++) {
        uint64_t flip = s->key_desc[k] ? ~0ull : 0;
        int64_t v = s->keys[i * s->nkeys + k];
        if (s->key_kind[k] == VK_TEXT) {
            w = put_text_words(row, w, s->key_text.items + v, flip);
            break;
        }
        row->word[w++] = ((uint64_t)v ^ 1ull << 63) ^ flip;
    }
    if (k == s->nkeys) w = put_text_words(row, w, schedule_person_key(s, i), 0);
    while (w < RANK_WORDS) row->word[w++] = 0;
    row->index = i;
}

static inline int compare_rank_rows(const RankRow *a, const RankRow *b, const Schedule *s)
{
    for (size_t w = 0; w < RANK_WORDS; w++)
        if (a->word[w] != b->word[w]) return a->word[w] < b->word[w] ? -1 : 1;
    return compare_entries(s, (size_t)a->index, (size_t)b->index);
}

/* Every entry's record key differs, so the order is total and any sort gives the same one. */
QUICKSORT_DEFINE(sort_rank_rows, RankRow, const Schedule *, compare_rank_rows)

/* The entries' indexes in ranking order. */
static size_t *rank_order(const Schedule *s)
{
    RankRow *rows = xmalloc((s->count + 1) * sizeof *rows);
    for (size_t i = 0; i < s->count; i++) rank_row(s, i, &rows[i]);
    sort_rank_rows(rows, s->count, s);
    size_t *order = xmalloc((s->count + 1) * sizeof *order);
    for (size_t i = 0; i < s->count; i++) order[i] = (size_t)rows[i].index;
    free(rows);
    return order;
}

int64_t schedule_quota(const ScheduleGroup *g, uint32_t k, int64_t n)
{
    int64_t q = fixed_quota(g->cumulative[k], n);
    return q < n ? q : n;
}

static int64_t year_for_rank(const ScheduleGroup *g, int64_t rank, int64_t n)
{
    for (uint32_t i = 0; i < g->nshares; i++)
        if (rank < schedule_quota(g, i, n)) return g->years[i];
    return g->nshares ? g->years[g->nshares - 1] : 0;
}

void schedule_assign(Schedule *s, int64_t *years) { schedule_assign_ranked(s, years, NULL, NULL); }

void schedule_assign_ranked(Schedule *s, int64_t *years, int64_t *ranks, int64_t *sizes)
{
    size_t *order = rank_order(s);
    size_t start = 0;
    while (start < s->count) {
        size_t end = start;
        size_t a = order[start];
        while (end < s->count && s->partition[order[end]] == s->partition[a] && s->group[order[end]] == s->group[a]) end++;
        const ScheduleGroup *g = &s->groups[s->group[a]];
        int64_t n = (int64_t)(end - start);
        for (size_t r = start; r < end; r++) {
            years[order[r]] = year_for_rank(g, (int64_t)(r - start), n);
            if (ranks) ranks[order[r]] = (int64_t)(r - start) + 1;
            if (sizes) sizes[order[r]] = n;
        }
        start = end;
    }
    free(order);
}
