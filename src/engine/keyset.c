/* keyset.c — a set of record keys for an import (see keyset.h). */
#include "keyset.h"
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

static void keyset_grow(KeySet *ks)
{
    size_t cap = ks->cap ? ks->cap * 2 : 4096;
    KeySlot *slots = xcalloc(cap, sizeof *slots);
    memory_advise_huge(slots, cap * sizeof *slots);
    for (size_t i = 0; i < ks->cap; i++) {
        if (!ks->slots[i].off) continue;
        size_t j = ks->slots[i].hash & (cap - 1);
        while (slots[j].off) j = (j + 1) & (cap - 1);
        slots[j] = ks->slots[i];
    }
    free(ks->slots);
    ks->slots = slots;
    ks->cap = cap;
}

void keyset_reserve(KeySet *ks, size_t n, size_t bytes)
{
    while ((n + 1) * 10 > ks->cap * 7) keyset_grow(ks);
    if (bytes > ks->text_cap) {
        ks->text_cap = bytes;
        ks->text = xrealloc(ks->text, ks->text_cap);
        memory_advise_huge(ks->text, ks->text_cap);
    }
}

/* The slot of key: its own, or the empty one where it would go. */
static KeySlot *find(KeySet *ks, const char *key, size_t len, uint32_t h)
{
    if ((ks->count + 1) * 10 > ks->cap * 7) keyset_grow(ks);
    size_t j = h & (ks->cap - 1);
    for (;;) {
        KeySlot *s = &ks->slots[j];
        if (!s->off) return s;
        if (s->hash == h) {
            const char *t = ks->text + s->off - 1;
            if (strncmp(t, key, len) == 0 && t[len] == '\0') return s;
        }
        j = (j + 1) & (ks->cap - 1);
    }
}

static void put(KeySet *ks, KeySlot *s, const char *key, size_t len, uint32_t h, uint32_t line)
{
    if (ks->text_len + len + 1 > ks->text_cap) {
        ks->text_cap = ks->text_cap ? ks->text_cap * 2 : 65536;
        while (ks->text_len + len + 1 > ks->text_cap) ks->text_cap *= 2;
        ks->text = xrealloc(ks->text, ks->text_cap);
    }
    memcpy(ks->text + ks->text_len, key, len);
    ks->text[ks->text_len + len] = '\0';
    *s = (KeySlot){.off = ks->text_len + 1, .hash = h, .line = line};
    ks->text_len += len + 1;
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
    if (s->off) return;
    put(ks, s, key, len, h, STORED_BIT);
    ks->in_ledger++;
}

uint32_t keyset_see(KeySet *ks, const char *key, size_t len, uint32_t line, bool *stored)
{
    uint32_t h = hash_key(key, len);
    KeySlot *s = find(ks, key, len, h);
    line &= ~STORED_BIT;
    if (!s->off) {
        put(ks, s, key, len, h, line);
        *stored = false;
        return 0;
    }
    *stored = (s->line & STORED_BIT) != 0;
    uint32_t first = s->line & ~STORED_BIT;
    if (first) return first;
    s->line |= line;
    return 0;
}

uint32_t keyset_line(const KeySet *ks, const char *key, size_t len)
{
    if (!ks->cap) return 0;
    uint32_t h = hash_key(key, len);
    for (size_t j = h & (ks->cap - 1); ks->slots[j].off; j = (j + 1) & (ks->cap - 1)) {
        const KeySlot *s = &ks->slots[j];
        const char *t = ks->text + s->off - 1;
        if (s->hash == h && strncmp(t, key, len) == 0 && t[len] == '\0') return s->line & ~STORED_BIT;
    }
    return 0;
}

void keyset_free(KeySet *ks)
{
    free(ks->slots);
    free(ks->text);
    memset(ks, 0, sizeof *ks);
}
