/* strset.h — a set of byte strings with dense ids: doudi's one string hash table.
 *
 * Each distinct string added gets the next id (0, 1, 2, ... in order of first addition) and
 * keeps it; the set owns a copy of every string, NUL-terminated, at a stable address. What a
 * caller wants to know about each string (a symbol, a line number, a register) lives in the
 * caller's own array indexed by id, so one table serves as a set (a key seen before?), an
 * interning table (a string to a small number and back) and a map (id to anything).
 *
 * Keys are byte strings with a length, so they may hold NUL bytes: a (kind, value) pair or any
 * small struct can be a key too. Lookup is open addressing with linear probing over a table
 * kept at most half full, so adding and finding are O(length) on average.
 *
 * Storage comes from malloc (strset_free releases it), or from an Arena when the set is made
 * with strset_init_arena: then it lives until the arena is freed and strset_free is optional.
 * A zero-initialised StrSet is an empty malloc-backed set. */
#ifndef DOUDI_STRSET_H
#define DOUDI_STRSET_H

#include "arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRSET_NONE UINT32_MAX   /* "not in the set" */

typedef struct StrSetChunk StrSetChunk;

typedef struct StrSetEntry {
    const char *text;          /* the set's copy, NUL-terminated after len bytes */
    uint32_t len;              /* bytes in text */
    uint32_t hash;             /* of text, kept so growing never rehashes a string */
} StrSetEntry;

typedef struct StrSet {
    StrSetEntry *items;        /* by id */
    size_t count, cap;
    uint32_t *slots;           /* id + 1 per slot, 0 for an empty one; a power of two long */
    size_t nslots;
    StrSetChunk *chunks;       /* the copies of the strings (newest chunk first) */
    Arena *arena;              /* where everything is allocated; NULL: malloc */
} StrSet;

/* An empty set whose storage comes from `a` (freed with it). */
void strset_init_arena(StrSet *s, Arena *a);
/* Release a malloc-backed set (an arena-backed one only forgets its contents). */
void strset_free(StrSet *s);

/* The id of s[0..len), adding it when absent; *added (may be NULL) says which happened. */
uint32_t strset_add_n(StrSet *s, const char *text, size_t len, bool *added);
uint32_t strset_add(StrSet *s, const char *text, bool *added);
/* The id of a string, or STRSET_NONE. */
uint32_t strset_find_n(const StrSet *s, const char *text, size_t len);
uint32_t strset_find(const StrSet *s, const char *text);

/* The set's copy of string `id` (NUL-terminated; valid until the set is freed) and its length. */
const char *strset_text(const StrSet *s, uint32_t id);
size_t strset_len(const StrSet *s, uint32_t id);
/* How many distinct strings were added. */
size_t strset_count(const StrSet *s);

/* The hash strset uses (FNV-1a, 32 bits): for callers that keep their own tables beside it. */
uint32_t strset_hash(const char *text, size_t len);

#endif
