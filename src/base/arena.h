/* arena.h — bump allocator for the AST and everything whose lifetime is one parse/check
 * session. One arena_free releases it all, so the parser needs no destructors and error
 * recovery cannot leak. */
#ifndef DOUDI_ARENA_H
#define DOUDI_ARENA_H

#include <stddef.h>

typedef struct ArenaChunk ArenaChunk;
typedef struct Arena {
    ArenaChunk *head;   /* newest chunk first */
} Arena;

void *arena_alloc(Arena *a, size_t n);          /* zeroed, 16-byte aligned */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
void arena_free(Arena *a);

/* Growable array in an arena (old storage stays until arena_free). */
#define ARENA_PUSH(arena, v, x)                                                          \
    do {                                                                                 \
        if ((v)->count == (v)->cap) {                                                    \
            size_t ncap_ = (v)->cap ? (v)->cap * 2 : 4;                                  \
            void *nitems_ = arena_alloc((arena), ncap_ * sizeof *(v)->items);            \
            if ((v)->count) memcpy(nitems_, (v)->items, (v)->count * sizeof *(v)->items); \
            (v)->items = nitems_;                                                        \
            (v)->cap = ncap_;                                                            \
        }                                                                                \
        (v)->items[(v)->count++] = (x);                                                  \
    } while (0)

#endif
