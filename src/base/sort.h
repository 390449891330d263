/* sort.h — a stable merge sort whose comparison takes a context.
 *
 * C11's qsort has no context argument, and a file-level variable standing in for one is shared
 * by every thread: two runs ranking their schedules at once (an embedding host's threads)
 * would each sort with the other's data. Stable, so that equal elements keep their order and
 * the result is the same on every C library. */
#ifndef DOUDI_SORT_H
#define DOUDI_SORT_H

#include <stddef.h>

typedef int (*SortCompare)(const void *a, const void *b, void *ctx);

/* Sort n elements of `size` bytes at base, in the order cmp gives (negative: a first). */
void sort_with(void *base, size_t n, size_t size, SortCompare cmp, void *ctx);

#endif
