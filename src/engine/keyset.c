/* keyset.c — a set of record keys for an import (see keyset.h). */
#include "keyset.h"
#include "base/oom.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* The stored-before mark lives in the line's top bit: lines stay below 2^31. */
#define STORED_BIT 0x80000000u

/* Eight bytes a step (a key is hashed for every row of a file). */
static uint32_t hash_key(const char *s, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = n * k, w;
    for (; n >= sizeof w; s += sizeof w, n -= sizeof w) {
        memcpy(&w, s, sizeof w);
        h = (h ^ w) * k;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * k;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return (uint32_t)(h ^ (h >> 32));
}

static size_t slots_for(size_t n)
{
    size_t cap = 4096;
    while ((n + 1) * 10 > cap * 7) cap *= 2;
    return cap;
}

/* The table made `cap` slots wide in one allocation, every key placed again. */
static void rehash(KeySet *ks, size_t cap)
{
    KeySlot *slots = xcalloc(cap, sizeof *slots);
    memory_advise_huge(slots, cap * sizeof *slots);
    for (size_t i = 0; i < ks->cap; i++) {
        if (!ks->slots[i].at) continue;
        size_t j = ks->slots[i].hash & (cap - 1);
        while (slots[j].at) j = (j + 1) & (cap - 1);
        slots[j] = ks->slots[i];
    }
    free(ks->slots);
    ks->slots = slots;
    ks->cap = cap;
}

static void reserve_entries(KeySet *ks, size_t units)
{
    if (units <= ks->entries_cap) return;
    ks->entries = xrealloc(ks->entries, units * sizeof *ks->entries);
    ks->entries_cap = units;
}

void keyset_reserve(KeySet *ks, size_t n, size_t bytes)
{
    size_t cap = slots_for(n);
    if (cap > ks->cap) rehash(ks, cap);
    size_t units = ks->entries_len + bytes / sizeof(uint32_t);
    if (units > ks->entries_cap) {
        reserve_entries(ks, units);
        memory_advise_huge(ks->entries, units * sizeof *ks->entries);
    }
}

static const char *entry_text(const KeySet *ks, const KeySlot *s) { return (const char *)(ks->entries + s->at); }
static uint32_t *entry_line(KeySet *ks, const KeySlot *s) { return ks->entries + s->at - 1; }

static bool same_key(const KeySet *ks, const KeySlot *s, const char *key, size_t len, uint32_t h)
{
    if (s->hash != h) return false;
    const char *t = entry_text(ks, s);
    return memcmp(t, key, len) == 0 && t[len] == '\0';
}

/* The slot of key: its own, or the empty one where it would go. */
static KeySlot *find(KeySet *ks, const char *key, size_t len, uint32_t h)
{
    if ((ks->count + 1) * 10 > ks->cap * 7) rehash(ks, ks->cap ? ks->cap * 2 : 4096);
    size_t j = h & (ks->cap - 1);
    for (;;) {
        KeySlot *s = &ks->slots[j];
        if (!s->at || same_key(ks, s, key, len, h)) return s;
        j = (j + 1) & (ks->cap - 1);
    }
}

/* A new entry at the end of the buffer: the line, the text, NUL, padding to 4 bytes. A slot
 * names its entry in 32 bits of 4-byte units (16 GiB of keys); past that, as when memory runs
 * out, the import cannot go on. */
static void put(KeySet *ks, KeySlot *s, const char *key, size_t len, uint32_t h, uint32_t line)
{
    size_t units = 1 + (len + 1 + 3) / 4;
    while (ks->entries_len + units >= UINT32_MAX) oom_failed(SIZE_MAX);
    if (ks->entries_len + units > ks->entries_cap) {
        size_t cap = ks->entries_cap ? ks->entries_cap * 2 : 16384;
        while (ks->entries_len + units > cap) cap *= 2;
        reserve_entries(ks, cap);
    }
    uint32_t *e = ks->entries + ks->entries_len;
    e[units - 1] = 0;   /* the padding, NUL among it */
    e[0] = line;
    memcpy(e + 1, key, len);
    ((char *)(e + 1))[len] = '\0';
    *s = (KeySlot){.at = (uint32_t)ks->entries_len + 1, .hash = h};
    ks->entries_len += units;
    ks->count++;
}

void keyset_prefetch(const KeySet *ks, const char *key, size_t len)
{
    if (ks->cap) __builtin_prefetch(&ks->slots[hash_key(key, len) & (ks->cap - 1)]);
}

void keyset_add_stored(KeySet *ks, const char *key, size_t len)
{
    uint32_t h = hash_key(key, len);
    KeySlot *s = find(ks, key, len, h);
    if (s->at) return;
    put(ks, s, key, len, h, STORED_BIT);
    ks->in_ledger++;
}

uint32_t keyset_see(KeySet *ks, const char *key, size_t len, uint32_t line, bool *stored)
{
    uint32_t h = hash_key(key, len);
    KeySlot *s = find(ks, key, len, h);
    line &= ~STORED_BIT;
    if (!s->at) {
        put(ks, s, key, len, h, line);
        *stored = false;
        return 0;
    }
    uint32_t *seen = entry_line(ks, s);
    *stored = (*seen & STORED_BIT) != 0;
    uint32_t first = *seen & ~STORED_BIT;
    if (first) return first;
    *seen |= line;
    return 0;
}

uint32_t keyset_line(const KeySet *ks, const char *key, size_t len)
{
    if (!ks->cap) return 0;
    uint32_t h = hash_key(key, len);
    for (size_t j = h & (ks->cap - 1); ks->slots[j].at; j = (j + 1) & (ks->cap - 1))
        if (same_key(ks, &ks->slots[j], key, len, h)) return ks->entries[ks->slots[j].at - 1] & ~STORED_BIT;
    return 0;
}

void keyset_free(KeySet *ks)
{
    free(ks->slots);
    free(ks->entries);
    memset(ks, 0, sizeof *ks);
}
