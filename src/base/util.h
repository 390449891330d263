/* util.h — small shared helpers: checked allocation, growable arrays, string builder,
 * UTF-8 decoding and display width. Everything in doudi that allocates goes through
 * xmalloc/xcalloc/xrealloc, and frees through xfree, so that running out of memory has one
 * exit (oom.h: the host's hook, calls abandoned without a leak). To that end free() means
 * xfree() in every file that includes this header. */
#ifndef DOUDI_UTIL_H
#define DOUDI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* free(), and the block forgotten by a guarded call that recorded it (oom.h). */
void xfree(void *p);
#define free(p) xfree(p)
/* A large block about to be filled, page by page (a table of millions of keys, a run's result
 * rows): asks the kernel for huge pages where it gives them on request, one fault per 2 MiB
 * instead of per 4 KiB. Only advice: nothing changes where it is not followed. */
void memory_advise_huge(void *p, size_t n);

/* Growable array of T: struct { T *items; size_t count, cap; }. */
#define VEC(T) struct { T *items; size_t count, cap; }
#define VEC_PUSH(v, x)                                                          \
    do {                                                                        \
        if ((v)->count == (v)->cap) {                                           \
            (v)->cap = (v)->cap ? (v)->cap * 2 : 8;                             \
            (v)->items = xrealloc((v)->items, (v)->cap * sizeof *(v)->items);   \
        }                                                                       \
        (v)->items[(v)->count++] = (x);                                         \
    } while (0)
#define VEC_FREE(v) do { free((v)->items); (v)->items = NULL; (v)->count = (v)->cap = 0; } while (0)

/* Growable byte string, always NUL-terminated once anything was appended. */
typedef struct StrBuf {
    char *items;
    size_t count, cap;
} StrBuf;

void sb_putn(StrBuf *sb, const char *s, size_t n);
/* One byte: written in place when there is room (a CSV writer's commas and newlines, millions
 * of them), through sb_putn otherwise. */
static inline void sb_putc(StrBuf *sb, char c)
{
    if (sb->count + 2 <= sb->cap) {
        sb->items[sb->count++] = c;
        sb->items[sb->count] = '\0';
    } else {
        sb_putn(sb, &c, 1);
    }
}
void sb_puts(StrBuf *sb, const char *s);
void sb_printf(StrBuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap);
void sb_pad(StrBuf *sb, int cells);           /* append spaces */
void sb_reserve(StrBuf *sb, size_t extra);    /* room for `extra` more bytes, without appending */
const char *sb_str(StrBuf *sb);               /* "" when empty */
char *sb_take(StrBuf *sb);                    /* caller owns the result; sb is reset */
void sb_free(StrBuf *sb);
void sb_json_string(StrBuf *sb, const char *s); /* append s as a quoted JSON string */

/* A formatted string the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Decode one UTF-8 code point at s (n bytes available). Returns its length in bytes
 * (1 for an invalid byte, which decodes as U+FFFD). */
int utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Terminal cells taken by a code point: 2 for East Asian wide/full-width, else 1. */
int utf8_cp_width(uint32_t cp);
/* Display width of the first n bytes of s. */
int utf8_width(const char *s, size_t n);
/* Number of code points in the first n bytes of s. */
int utf8_chars(const char *s, size_t n);
bool utf8_valid(const char *s, size_t n);

/* Read a whole file; NULL with errno set on failure. *len receives its size. */
char *read_file(const char *path, size_t *len);

/* Levenshtein distance over bytes, capped: returns > cap as soon as it exceeds cap. */
int edit_distance(const char *a, const char *b, int cap);

#endif
