/* strset.c — a set of byte strings with dense ids (see strset.h).
 *
 * Three arrays: the entries by id (text, length, hash), the open-addressing slots (id + 1),
 * and chunks holding the copies of the strings. Copies are bump-allocated from chunks so that
 * a million short names cost a few allocations, and they never move, so strset_text pointers
 * stay valid while the set grows. */
#include "strset.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum { CHUNK_BYTES = 64 * 1024, FIRST_SLOTS = 16 };

struct StrSetChunk {
    StrSetChunk *next;
    size_t used, cap;
    char bytes[];
};

void strset_init_arena(StrSet *s, Arena *a)
{
    *s = (StrSet){.arena = a};
}

void strset_free(StrSet *s)
{
    if (!s->arena) {
        for (StrSetChunk *c = s->chunks, *next; c; c = next) {
            next = c->next;
            free(c);
        }
        free(s->items);
        free(s->slots);
    }
    *s = (StrSet){.arena = s->arena};
}

uint32_t strset_hash(const char *text, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)text[i]) * 1099511628211ull;
    /* fold and mix, so the low bits that pick a slot depend on every byte */
    uint32_t x = (uint32_t)(h ^ (h >> 32));
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static void *alloc_zeroed(StrSet *s, size_t n)
{
    return s->arena ? arena_alloc(s->arena, n) : xcalloc(1, n);
}

/* A copy of text[0..len) with a NUL after it, from the current chunk or a new one. */
static const char *copy_text(StrSet *s, const char *text, size_t len)
{
    if (s->arena) {
        char *p = arena_alloc(s->arena, len + 1);
        memcpy(p, text, len);
        return p;
    }
    StrSetChunk *c = s->chunks;
    if (!c || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > CHUNK_BYTES ? len + 1 : CHUNK_BYTES;
        c = xmalloc(sizeof *c + cap);
        c->next = s->chunks;
        c->used = 0;
        c->cap = cap;
        s->chunks = c;
    }
    char *p = c->bytes + c->used;
    memcpy(p, text, len);
    p[len] = '\0';
    c->used += len + 1;
    return p;
}

static void grow_items(StrSet *s)
{
    size_t cap = s->cap ? s->cap * 2 : FIRST_SLOTS / 2;
    StrSetEntry *items = alloc_zeroed(s, cap * sizeof *items);
    if (s->count) memcpy(items, s->items, s->count * sizeof *items);
    if (!s->arena) free(s->items);
    s->items = items;
    s->cap = cap;
}

/* Twice the slots, every id placed again from its kept hash. */
static void grow_slots(StrSet *s)
{
    size_t n = s->nslots ? s->nslots * 2 : FIRST_SLOTS;
    uint32_t *slots = alloc_zeroed(s, n * sizeof *slots);
    for (size_t id = 0; id < s->count; id++) {
        size_t j = s->items[id].hash & (n - 1);
        while (slots[j]) j = (j + 1) & (n - 1);
        slots[j] = (uint32_t)id + 1;
    }
    if (!s->arena) free(s->slots);
    s->slots = slots;
    s->nslots = n;
}

/* The slot holding text, or the empty slot where it would go. */
static size_t probe(const StrSet *s, const char *text, size_t len, uint32_t hash)
{
    size_t j = hash & (s->nslots - 1);
    for (;; j = (j + 1) & (s->nslots - 1)) {
        uint32_t id1 = s->slots[j];
        if (!id1) return j;
        const StrSetEntry *e = &s->items[id1 - 1];
        if (e->hash == hash && e->len == len && memcmp(e->text, text, len) == 0) return j;
    }
}

uint32_t strset_add_n(StrSet *s, const char *text, size_t len, bool *added)
{
    if ((s->count + 1) * 2 > s->nslots) grow_slots(s);
    uint32_t hash = strset_hash(text, len);
    size_t j = probe(s, text, len, hash);
    if (s->slots[j]) {
        if (added) *added = false;
        return s->slots[j] - 1;
    }
    if (s->count == s->cap) grow_items(s);
    uint32_t id = (uint32_t)s->count++;
    s->items[id] = (StrSetEntry){copy_text(s, text, len), (uint32_t)len, hash};
    s->slots[j] = id + 1;
    if (added) *added = true;
    return id;
}

uint32_t strset_add(StrSet *s, const char *text, bool *added)
{
    return strset_add_n(s, text, strlen(text), added);
}

uint32_t strset_find_n(const StrSet *s, const char *text, size_t len)
{
    if (!s->nslots) return STRSET_NONE;
    size_t j = probe(s, text, len, strset_hash(text, len));
    return s->slots[j] ? s->slots[j] - 1 : STRSET_NONE;
}

uint32_t strset_find(const StrSet *s, const char *text)
{
    return strset_find_n(s, text, strlen(text));
}

const char *strset_text(const StrSet *s, uint32_t id) { return s->items[id].text; }
size_t strset_len(const StrSet *s, uint32_t id) { return s->items[id].len; }
size_t strset_count(const StrSet *s) { return s->count; }
