/* keyset.h — a set of record keys for an import: each key with the line of the file where it
 * was first seen (0: not in this file yet) and whether the ledger held it before the import.
 *
 * Built for millions of keys: each key lives in one growing buffer (no allocation per key) as
 * an entry — its line, then its text — and the table holds 8-byte slots, the entry's place and
 * the key's hash: a probe reads the entry only when the hashes agree, and a table of millions
 * of slots, touched at random, takes half the pages and cache lines a wider slot would. */
#ifndef DOUDI_KEYSET_H
#define DOUDI_KEYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct KeySlot {
    uint32_t at;               /* 1 + the entry's place in KeySet.entries, in 4-byte units; 0: empty */
    uint32_t hash;
} KeySlot;

typedef struct KeySet {
    KeySlot *slots;
    size_t cap, count;         /* cap a power of two */
    /* the entries, each 4-byte aligned: a uint32_t line (first line in this file, 0: not seen
     * in it; its top bit: the ledger held the key), the key's text, NUL */
    uint32_t *entries;
    size_t entries_len, entries_cap;   /* in uint32_t units */
    size_t in_ledger;          /* keys added with keyset_add_stored */
} KeySet;

/* Make room for n keys of about `bytes` bytes in all, so that a set whose size is known
 * beforehand (a file's rows, estimated from its size) is not grown and rehashed on the way. */
void keyset_reserve(KeySet *ks, size_t n, size_t bytes);
/* The key's slot fetched into the cache ahead of keyset_see: a table of millions of keys costs
 * a cache miss a probe, which the row's checks can hide when asked early. Only a hint. */
void keyset_prefetch(const KeySet *ks, const char *key, size_t len);
/* Note a key the ledger holds (before this import). */
void keyset_add_stored(KeySet *ks, const char *key, size_t len);
/* The key seen at `line` of the file: 0 when it is new to the file (and now noted), else the
 * line where the file had it first. *stored says whether the ledger held it before. */
uint32_t keyset_see(KeySet *ks, const char *key, size_t len, uint32_t line, bool *stored);
/* The line of the file where the key was first seen; 0 when this file has not had it. */
uint32_t keyset_line(const KeySet *ks, const char *key, size_t len);
void keyset_free(KeySet *ks);

#endif
