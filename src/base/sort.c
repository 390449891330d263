/* sort.c — see sort.h. */
#include "sort.h"
#include "util.h"

#include <string.h>

enum { SHORT_RUN = 12 };   /* runs this short are sorted by insertion */

static void insertion_sort(char *a, char *one, size_t n, size_t size, SortCompare cmp, void *ctx)
{
    for (size_t i = 1; i < n; i++) {
        size_t j = i;
        if (cmp(a + (j - 1) * size, a + i * size, ctx) <= 0) continue;
        memcpy(one, a + i * size, size);
        do {
            memcpy(a + j * size, a + (j - 1) * size, size);
            j--;
        } while (j > 0 && cmp(a + (j - 1) * size, one, ctx) > 0);
        memcpy(a + j * size, one, size);
    }
}

/* tmp holds at least n / 2 elements (and one, for the insertion sort). */
static void merge_sort(char *a, char *tmp, size_t n, size_t size, SortCompare cmp, void *ctx)
{
    if (n <= SHORT_RUN) {
        insertion_sort(a, tmp, n, size, cmp, ctx);
        return;
    }
    size_t half = n / 2;
    char *right = a + half * size;
    merge_sort(a, tmp, half, size, cmp, ctx);
    merge_sort(right, tmp, n - half, size, cmp, ctx);
    if (cmp(right - size, right, ctx) <= 0) return;   /* already in order */
    memcpy(tmp, a, half * size);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n) {
        /* the left one first when equal: stable */
        if (cmp(a + j * size, tmp + i * size, ctx) < 0) memcpy(a + k++ * size, a + j++ * size, size);
        else memcpy(a + k++ * size, tmp + i++ * size, size);
    }
    memcpy(a + k * size, tmp + i * size, (half - i) * size);   /* what is left of the right stays */
}

void sort_with(void *base, size_t n, size_t size, SortCompare cmp, void *ctx)
{
    if (n < 2 || size == 0) return;
    char *tmp = xmalloc((n / 2 + 1) * size);
    merge_sort(base, tmp, n, size, cmp, ctx);
    free(tmp);
}
