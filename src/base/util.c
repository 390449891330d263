/* util.c — see util.h. */
#define _DEFAULT_SOURCE   /* madvise, MADV_HUGEPAGE */
#include "util.h"
#include "msg.h"
#include "oom.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>


/* The allocator's answer, or NULL as the system's refusal (or the tests' injected one). */
static void *try_malloc(size_t n) { return oom_should_fail() ? NULL : malloc(n); }
static void *try_calloc(size_t c, size_t n) { return oom_should_fail() ? NULL : calloc(c, n); }
static void *try_realloc(void *p, size_t n) { return oom_should_fail() ? NULL : realloc(p, n); }

void *xmalloc(size_t n)
{
    void *p;
    while (!(p = try_malloc(n ? n : 1))) oom_failed(n);
    oom_note_alloc(p);
    return p;
}

void memory_advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    enum { HUGE = 2u << 20 };
    uintptr_t from = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
    uintptr_t to = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE - 1);
    if (to > from) (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)p, (void)n;
#endif
}

void *xcalloc(size_t count, size_t size)
{
    void *p;
    while (!(p = try_calloc(count ? count : 1, size ? size : 1))) oom_failed(count * size);
    oom_note_alloc(p);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    if (!p) return xmalloc(n);
    uintptr_t old = (uintptr_t)p;       /* the old address, only as a name once p is gone */
    void *q;
    while (!(q = try_realloc(p, n ? n : 1))) oom_failed(n);
    if ((uintptr_t)q != old) oom_note_moved(old, q);
    return q;
}


char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void sb_reserve(StrBuf *sb, size_t extra)
{
    if (sb->count + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->count + extra + 1) cap *= 2;
    sb->items = xrealloc(sb->items, cap);
    sb->cap = cap;
}

void sb_putn(StrBuf *sb, const char *s, size_t n)
{
    sb_reserve(sb, n);
    memcpy(sb->items + sb->count, s, n);
    sb->count += n;
    sb->items[sb->count] = '\0';
}

void sb_puts(StrBuf *sb, const char *s) { sb_putn(sb, s, strlen(s)); }

void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return;
    sb_reserve(sb, (size_t)n);
    vsnprintf(sb->items + sb->count, (size_t)n + 1, fmt, ap);
    sb->count += (size_t)n;
}

void sb_printf(StrBuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

char *xvasprintf(const char *fmt, va_list ap)
{
    StrBuf sb = {0};
    sb_vprintf(&sb, fmt, ap);
    return sb_take(&sb);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void sb_pad(StrBuf *sb, int cells)
{
    for (int i = 0; i < cells; i++) sb_putc(sb, ' ');
}

const char *sb_str(StrBuf *sb) { return sb->items ? sb->items : ""; }

char *sb_take(StrBuf *sb)
{
    char *s = sb->items ? sb->items : xstrdup("");
    sb->items = NULL;
    sb->count = sb->cap = 0;
    return s;
}

void sb_free(StrBuf *sb)
{
    xfree(sb->items);
    sb->items = NULL;
    sb->count = sb->cap = 0;
}

void sb_json_string(StrBuf *sb, const char *s)
{
    sb_putc(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': sb_puts(sb, "\\\""); break;
        case '\\': sb_puts(sb, "\\\\"); break;
        case '\n': sb_puts(sb, "\\n"); break;
        case '\r': sb_puts(sb, "\\r"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        default:
            if (*p < 0x20) sb_printf(sb, "\\u%04x", *p);
            else sb_putc(sb, (char)*p);
        }
    }
    sb_putc(sb, '"');
}

int utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0) { *cp = 0; return 0; }
    unsigned char c = s[0];
    int len;
    uint32_t v;
    if (c < 0x80) { *cp = c; return 1; }
    else if ((c & 0xE0) == 0xC0) { len = 2; v = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; v = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; v = c & 0x07; }
    else { *cp = 0xFFFD; return 1; }
    if ((size_t)len > n) { *cp = 0xFFFD; return 1; }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) { *cp = 0xFFFD; return 1; }
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) { *cp = 0xFFFD; return 1; }
    *cp = v;
    return len;
}

int utf8_cp_width(uint32_t cp)
{
    /* East Asian Wide and Fullwidth ranges (Unicode EastAsianWidth W/F), condensed. */
    if (cp < 0x1100) return 1;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
        (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

int utf8_width(const char *s, size_t n)
{
    int w = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        w += cp == '\t' ? 1 : utf8_cp_width(cp);
        i += (size_t)len;
    }
    return w;
}

int utf8_chars(const char *s, size_t n)
{
    int c = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        i += (size_t)utf8_decode(s + i, n - i, &cp);
        c++;
    }
    return c;
}

bool utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (cp == 0xFFFD && len == 1 && (unsigned char)s[i] >= 0x80) return false;
        i += (size_t)len;
    }
    return true;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    oom_undo_push(oom_undo_fclose, f);   /* the buffer may grow past what memory allows */
    StrBuf sb = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) sb_putn(&sb, buf, n);
    int err = ferror(f);
    oom_undo_drop(f);
    fclose(f);
    if (err) { sb_free(&sb); errno = EIO; return NULL; }
    if (len) *len = sb.count;
    return sb_take(&sb);
}

int edit_distance(const char *a, const char *b, int cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 256 || lb > 256) return cap + 1;
    int prev[257], cur[257];
    for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        int best = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (cur[j] < best) best = cur[j];
        }
        if (best > cap) return cap + 1;
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}

/* Last in the file: from here on free() is the C library's own. */
#undef free
void xfree(void *p)
{
    oom_note_free(p);
    free(p);                   /* the C library's: the macro is undone just above */
}
