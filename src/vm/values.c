/* values.c — see values.h.
 *
 * Everything here is exact integer work on the VM's representation: numbers and percents are
 * read digit by digit into fixed point (no strtod, so 0.1 is exactly 1000 and nothing depends
 * on the locale), with overflow checked at every step. Errors quote the value as read, cut to
 * a few dozen bytes at a character boundary, with control characters and bytes that are not
 * UTF-8 shown as '?', so a reason always fits on one line of valid UTF-8. */
#include "values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/fixed.h"
#include "base/strset.h"

enum { QUOTE_MAX = 40, ENUM_LIST_MAX = 10 };
#define DATE_FORMAT_MAX ((int64_t)1 << 40)

/* ---- errors ------------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4)))
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* s shown safely: at most QUOTE_MAX bytes, cut at a character, '?' for control characters and
 * invalid bytes, "..." when cut. */
static const char *quote(const char *s, size_t n, char out[QUOTE_MAX + 8])
{
    size_t o = 0, i = 0;
    while (i < n) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        bool bad = cp < 0x20 || cp == 0x7F || (cp == 0xFFFD && len == 1);
        size_t take = bad ? 1 : (size_t)len;
        if (o + take > QUOTE_MAX) { memcpy(out + o, "...", 3); o += 3; break; }
        if (bad) out[o++] = '?';
        else { memcpy(out + o, s + i, take); o += take; }
        i += (size_t)len;
    }
    out[o] = '\0';
    return out;
}

/* ---- trimming and small matchers --------------------------------------------------------- */

static bool ascii_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Length of a trimmable space starting at s (0 if none). */
static size_t space_at(const unsigned char *s, size_t n)
{
    if (n >= 1 && ascii_space(s[0])) return 1;
    if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0) return 2;                    /* U+00A0 */
    if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3;    /* U+3000 */
    return 0;
}

/* Length of a trimmable space ending at s + n (0 if none). */
static size_t space_before(const unsigned char *s, size_t n)
{
    if (n >= 1 && ascii_space(s[n - 1])) return 1;
    if (n >= 2 && s[n - 2] == 0xC2 && s[n - 1] == 0xA0) return 2;
    if (n >= 3 && s[n - 3] == 0xE3 && s[n - 2] == 0x80 && s[n - 1] == 0x80) return 3;
    return 0;
}

void value_trim(const char **s, size_t *n)
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t len = *n, k;
    while ((k = space_at(p, len)) > 0) { p += k; len -= k; }
    while ((k = space_before(p, len)) > 0) len -= k;
    *s = (const char *)p;
    *n = len;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* s (n bytes) equals word, ASCII case-insensitively. */
static bool ieq(const char *s, size_t n, const char *word)
{
    if (strlen(word) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (lower(s[i]) != lower(word[i])) return false;
    return true;
}

static bool eq(const char *s, size_t n, const char *word)
{
    return word && strlen(word) == n && memcmp(s, word, n) == 0;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

const char *value_kind_name(uint8_t kind)
{
    static const char *const names[] = {"?", "int", "number", "percent", "bool", "text", "date", "enum"};
    return kind <= VK_ENUM ? names[kind] : "?";
}

/* ---- bool and enum ----------------------------------------------------------------------- */

static bool parse_bool(const char *s, size_t n, int64_t *out, char *err, size_t errlen)
{
    static const char *const yes[] = {"1", "true", "yes", "y"}, *const no[] = {"0", "false", "no", "n"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (ieq(s, n, yes[i])) { *out = 1; return true; }
        if (ieq(s, n, no[i])) { *out = 0; return true; }
    }
    if (eq(s, n, "是")) { *out = 1; return true; }
    if (eq(s, n, "否")) { *out = 0; return true; }
    char q[QUOTE_MAX + 8];
    return fail(err, errlen, "'%s' is not a yes/no value (1/0, true/false, yes/no, 是/否)", quote(s, n, q));
}

int32_t value_enum_lookup(const EnumInfo *e, const char *s, size_t n)
{
    for (uint32_t i = 0; i < e->count; i++)
        if (eq(s, n, e->values[i])) return (int32_t)i;
    for (uint32_t i = 0; i < e->count; i++)
        if (ieq(s, n, e->values[i])) return (int32_t)i;
    for (uint32_t i = 0; e->labels && i < e->count; i++)
        if (eq(s, n, e->labels[i])) return (int32_t)i;
    for (uint32_t i = 0; e->codes && i < e->count; i++)
        if (eq(s, n, e->codes[i])) return (int32_t)i;
    return -1;
}

/* The one value whose identifier or code is one edit from s (a digit dropped, doubled or
 * mistyped: 41O184, 4101220), or -1 when none is, or when two are: a guess between two is no
 * help, and a guess two edits away (hotel → home) is more often wrong than right. */
static int32_t enum_near(const EnumInfo *e, const char *s, size_t n)
{
    char word[64];
    if (n >= sizeof word) return -1;
    memcpy(word, s, n);
    word[n] = '\0';
    int cap = 1, best_d = cap + 1;
    int32_t best = -1;
    bool tie = false;
    for (uint32_t i = 0; i < e->count; i++) {
        int d = edit_distance(word, e->values[i], cap);
        if (e->codes && e->codes[i]) {
            int dc = edit_distance(word, e->codes[i], cap);
            if (dc < d) d = dc;
        }
        if (d < best_d) { best = (int32_t)i; best_d = d; tie = false; }
        else if (d == best_d && d <= cap) tie = true;
    }
    return tie ? -1 : best;
}

/* A value as a review reason lists it: "home 居家供养"; with codes, as clerks write it (the
 * identifier is accepted all the same, but the list must stay short): "中原区 410102". */
static void enum_value_text(const EnumInfo *e, uint32_t i, StrBuf *sb)
{
    bool label = e->labels && e->labels[i];
    if (e->codes && e->codes[i]) {
        sb_printf(sb, "%s %s", label ? e->labels[i] : e->values[i], e->codes[i]);
        return;
    }
    sb_puts(sb, e->values[i]);
    if (label) sb_printf(sb, " %s", e->labels[i]);
}

static const EnumInfo *enum_of(const Program *p, int32_t enum_index)
{
    if (!p || enum_index < 0 || (uint32_t)enum_index >= p->nenums) return NULL;
    return &p->enums[enum_index];
}

static bool parse_enum(const EnumInfo *e, const char *s, size_t n, int64_t *out, char *err, size_t errlen)
{
    int32_t k = value_enum_lookup(e, s, n);
    if (k >= 0) { *out = k; return true; }
    StrBuf sb = {0};
    int32_t near = enum_near(e, s, n);
    if (near >= 0) {
        sb_puts(&sb, "; did you mean "); /* not a message: part of an English text shown through msg_text */
        enum_value_text(e, (uint32_t)near, &sb);
        sb_putc(&sb, '?');
    }
    char *hint = sb_take(&sb);
    for (uint32_t i = 0; i < e->count && i < ENUM_LIST_MAX; i++) {
        if (i) sb_puts(&sb, ", ");
        enum_value_text(e, i, &sb);
    }
    if (e->count > ENUM_LIST_MAX) sb_printf(&sb, ", and %u more", e->count - ENUM_LIST_MAX);
    char q[QUOTE_MAX + 8];
    fail(err, errlen, "'%s' is not one of: %s%s", quote(s, n, q), sb_str(&sb), hint);
    free(hint);
    sb_free(&sb);
    return false;
}

/* ---- int, number, percent ---------------------------------------------------------------- */


static bool parse_int(const char *s, size_t n, int64_t *out, char *err, size_t errlen)
{
    char q[QUOTE_MAX + 8];
    switch (fixed_parse(s, n, 0, out)) {
    case FIXED_OK: return true;
    case FIXED_RANGE: return fail(err, errlen, "'%s' is too large", quote(s, n, q));
    default: return fail(err, errlen, "'%s' is not a whole number", quote(s, n, q));
    }
}

static bool parse_number(const char *s, size_t n, int64_t *out, char *err, size_t errlen)
{
    char q[QUOTE_MAX + 8];
    switch (fixed_parse(s, n, 4, out)) {
    case FIXED_OK: return true;
    case FIXED_RANGE: return fail(err, errlen, "'%s' is too large", quote(s, n, q));
    case FIXED_EXCESS_DECIMALS: return fail(err, errlen, "'%s' has more than 4 decimals", quote(s, n, q));
    default: return fail(err, errlen, "'%s' is not a number", quote(s, n, q));
    }
}

/* Strip a trailing '%' or '％' (and spaces before it); true when there was one. */
static bool strip_percent(const char *s, size_t *n)
{
    size_t len = *n;
    if (len >= 1 && s[len - 1] == '%') len -= 1;
    else if (len >= 3 && memcmp(s + len - 3, "％", 3) == 0) len -= 3;
    else return false;
    while (len > 0 && ascii_space((unsigned char)s[len - 1])) len--;
    *n = len;
    return true;
}

/* 30% / 12.5% (2 decimals: the value has 4), or a fraction of at most 1 in magnitude. */
static bool parse_percent(const char *s, size_t n, int64_t *out, char *err, size_t errlen)
{
    char q[QUOTE_MAX + 8];
    size_t m = n;
    bool pct = strip_percent(s, &m);
    int64_t v = 0;
    switch (fixed_parse(s, m, pct ? 2 : 4, &v)) {
    case FIXED_OK: break;
    case FIXED_RANGE: return fail(err, errlen, "'%s' is too large", quote(s, n, q));
    case FIXED_EXCESS_DECIMALS:
        return fail(err, errlen, "'%s' has more than %d decimals", quote(s, n, q), pct ? 2 : 4);
    default: return fail(err, errlen, "'%s' is not a percent (30%% or 0.3)", quote(s, n, q));
    }
    if (!pct && (v > FIXED_SCALE || v < -FIXED_SCALE)) {
        if (v % 100 != 0)
            return fail(err, errlen, "'%s' is ambiguous for a percent: write it with %% or as a fraction of 1",
                        quote(s, n, q));
        StrBuf frac = {0};
        value_format(NULL, VK_NUMBER, -1, v / 100, false, &frac);
        fail(err, errlen, "'%s' is ambiguous for a percent: write %s%% or the fraction %s", quote(s, n, q),
             quote(s, n, q), sb_str(&frac));
        sb_free(&frac);
        return false;
    }
    *out = v;
    return true;
}

/* ---- date ---------------------------------------------------------------------------------- */

/* Between min and max digits at s[*i]; false if fewer. */
static bool read_digits(const char *s, size_t n, size_t *i, size_t min, size_t max, unsigned *v)
{
    size_t k = 0;
    *v = 0;
    while (*i + k < n && k < max && is_digit(s[*i + k])) *v = *v * 10 + (unsigned)(s[*i + k++] - '0');
    *i += k;
    return k >= min && !(*i < n && is_digit(s[*i]));
}

/* s[*i] starts with lit; step over it. */
static bool read_lit(const char *s, size_t n, size_t *i, const char *lit, size_t litlen)
{
    if (n - *i < litlen || memcmp(s + *i, lit, litlen) != 0) return false;
    *i += litlen;
    return true;
}

/* The shapes of a date: YYYYMMDD, YYYY<sep>M<sep>D (sep one of - / .), YYYY年M月D日. *end is
 * where the date ends: the whole text for YYYYMMDD, else the caller checks what follows. */
static bool date_shape(const char *s, size_t n, unsigned *y, unsigned *m, unsigned *d, size_t *end)
{
    size_t i = 0;
    size_t lead = 0;
    while (lead < n && is_digit(s[lead])) lead++;
    if (n == 8 && lead == 8) {                           /* YYYYMMDD (2021-4-1 is 8 bytes too) */
        unsigned v[3] = {0, 0, 0};
        for (size_t k = 0; k < 8; k++) {
            unsigned *part = &v[k < 4 ? 0 : k < 6 ? 1 : 2];
            *part = *part * 10 + (unsigned)(s[k] - '0');
        }
        *y = v[0];
        *m = v[1];
        *d = v[2];
        *end = n;
        return true;
    }
    if (!read_digits(s, n, &i, 4, 4, y) || i >= n) return false;
    if (s[i] == '-' || s[i] == '/' || s[i] == '.') {
        char sep[1] = {s[i++]};
        bool ok = read_digits(s, n, &i, 1, 2, m) && read_lit(s, n, &i, sep, 1) && read_digits(s, n, &i, 1, 2, d);
        *end = i;
        return ok;
    }
    bool ok = read_lit(s, n, &i, "年", 3) && read_digits(s, n, &i, 1, 2, m) && read_lit(s, n, &i, "月", 3) &&
              read_digits(s, n, &i, 1, 2, d) && read_lit(s, n, &i, "日", 3);
    *end = i;
    return ok;
}

/* A time of day as Excel and its CSV exports write it after a date: one space or 'T', then
 * H:MM, H:MM:SS or H:MM:SS.fff (hours 0-23). Its seconds since midnight (fractions of a
 * second only need to be zero or not: *frac) into *secs. */
static bool time_shape(const char *s, size_t n, unsigned *secs, bool *frac)
{
    size_t i = 0;
    unsigned h, mi, se = 0;
    if (n == 0 || (s[0] != ' ' && s[0] != 'T')) return false;
    i = 1;
    if (!read_digits(s, n, &i, 1, 2, &h) || !read_lit(s, n, &i, ":", 1) || !read_digits(s, n, &i, 2, 2, &mi))
        return false;
    if (read_lit(s, n, &i, ":", 1) && !read_digits(s, n, &i, 2, 2, &se)) return false;
    *frac = false;
    if (i < n && s[i] == '.') {
        size_t from = ++i;
        for (; i < n && is_digit(s[i]); i++)
            if (s[i] != '0') *frac = true;
        if (i == from) return false;
    }
    if (i != n || h > 23 || mi > 59 || se > 59) return false;
    *secs = h * 3600 + mi * 60 + se;
    return true;
}

static bool parse_date(const char *s, size_t n, int64_t *out, char *err, size_t errlen)
{
    char q[QUOTE_MAX + 8];
    unsigned y, m, d, secs = 0;
    size_t end = 0;
    bool frac = false;
    if (!date_shape(s, n, &y, &m, &d, &end) || (end < n && !time_shape(s + end, n - end, &secs, &frac)))
        return fail(err, errlen, "'%s' is not a date (YYYY-MM-DD)", quote(s, n, q));
    if (!date_valid(y, m, d)) return fail(err, errlen, "'%s' is not a calendar date (YYYY-MM-DD)", quote(s, n, q));
    /* A spreadsheet keeps a date as a date-time: midnight is the date itself, any other time of
     * day is a value that was meant as something else (or typed into the wrong column). */
    if (secs || frac) {
        char t[QUOTE_MAX + 8];
        if (frac) quote(s + end + 1, n - end - 1, t);              /* as written: 08:30:00.5 */
        else if (secs % 60) snprintf(t, sizeof t, "%02u:%02u:%02u", secs / 3600, secs / 60 % 60, secs % 60);
        else snprintf(t, sizeof t, "%02u:%02u", secs / 3600, secs / 60 % 60);
        return fail(err, errlen, "'%s' has a time of day %s: a date is wanted", quote(s, n, q), t);
    }
    *out = days_from_civil(y, m, d);
    return true;
}

/* ---- text ---------------------------------------------------------------------------------- */

/* 17 digits and a lowercase 'x': a resident id whose check character is 10. */
static bool lowercase_id(const char *s, size_t n)
{
    if (n != 18 || s[17] != 'x') return false;
    for (size_t i = 0; i < 17; i++)
        if (!is_digit(s[i])) return false;
    return true;
}

static bool parse_text(const char *s, size_t n, int64_t *out, char **owned, char *err, size_t errlen)
{
    if (!owned) return fail(err, errlen, "a text value needs a place to be stored");
    if (memchr(s, '\0', n)) return fail(err, errlen, "text contains a NUL character");
    if (!utf8_valid(s, n)) return fail(err, errlen, "text is not valid UTF-8 (save the file as CSV UTF-8)");
    char *copy = xstrndup(s, n);
    if (lowercase_id(copy, n)) copy[17] = 'X';
    *owned = copy;
    *out = (int64_t)(intptr_t)copy;
    return true;
}

/* ---- parse --------------------------------------------------------------------------------- */

bool value_parse_kind(const Program *p, uint8_t kind, int32_t enum_index, const char *text, size_t len,
                      int64_t *out, char **owned, char *err, size_t errlen)
{
    if (owned) *owned = NULL;
    if (err && errlen) err[0] = '\0';
    if (!text) len = 0;
    value_trim(&text, &len);
    if (len == 0) return fail(err, errlen, "empty");
    int64_t v = 0;
    bool ok;
    switch (kind) {
    case VK_INT: ok = parse_int(text, len, &v, err, errlen); break;
    case VK_NUMBER: ok = parse_number(text, len, &v, err, errlen); break;
    case VK_PERCENT: ok = parse_percent(text, len, &v, err, errlen); break;
    case VK_BOOL: ok = parse_bool(text, len, &v, err, errlen); break;
    case VK_DATE: ok = parse_date(text, len, &v, err, errlen); break;
    case VK_TEXT: ok = parse_text(text, len, &v, owned, err, errlen); break;
    case VK_ENUM: {
        const EnumInfo *e = enum_of(p, enum_index);
        ok = e ? parse_enum(e, text, len, &v, err, errlen) : fail(err, errlen, "unknown enum #%d", (int)enum_index);
        break;
    }
    default: ok = fail(err, errlen, "unknown value kind %u", (unsigned)kind);
    }
    if (ok) *out = v;
    return ok;
}

bool value_parse(const Program *p, const FieldInfo *f, const char *text, size_t len,
                 int64_t *out, char **owned, char *err, size_t errlen)
{
    return value_parse_kind(p, f->kind, f->enum_index, text, len, out, owned, err, errlen);
}

/* ---- format -------------------------------------------------------------------------------- */

/* v in units of 10^-decimals, as the shortest decimal. */
void value_format(const Program *p, uint8_t kind, int32_t enum_index, int64_t v, bool labels, StrBuf *out)
{
    switch (kind) {
    case VK_NUMBER: fixed_format(v, 4, out); return;
    case VK_PERCENT: fixed_format(v, 2, out); sb_putc(out, '%'); return;
    case VK_BOOL: sb_puts(out, v ? "true" : "false"); return;
    case VK_DATE: {
        /* day numbers this far out (years beyond ±3 billion) come only from a bug; the civil
         * conversion would overflow on them */
        if (v < -DATE_FORMAT_MAX || v > DATE_FORMAT_MAX) { sb_printf(out, "#%lld", (long long)v); return; }
        int64_t y;
        unsigned m, d;
        civil_from_days(v, &y, &m, &d);
        sb_printf(out, "%04lld-%02u-%02u", (long long)y, m, d);
        return;
    }
    case VK_TEXT: {
        const char *s = (const char *)(intptr_t)v;
        if (s) sb_puts(out, s);
        return;
    }
    case VK_ENUM: {
        const EnumInfo *e = enum_of(p, enum_index);
        if (!e || v < 0 || (uint64_t)v >= e->count) { sb_printf(out, "#%lld", (long long)v); return; }
        sb_puts(out, e->values[v]);
        if (labels && e->labels && e->labels[v]) sb_printf(out, " (%s)", e->labels[v]);
        return;
    }
    default: sb_printf(out, "%lld", (long long)v); return;
    }
}

/* ---- range --------------------------------------------------------------------------------- */

bool value_in_range(const Program *p, const FieldInfo *f, int64_t v, char *err, size_t errlen)
{
    if (f->kind == VK_TEXT) return true;
    bool ok = f->range_kind == 1 ? v >= f->range_lo && v <= f->range_hi
            : f->range_kind == 2 ? v >= 0 && v < 64 && ((uint64_t)f->range_lo >> v & 1)
            : true;
    if (ok) return true;
    StrBuf sb = {0};
    value_format(p, f->kind, f->enum_index, v, false, &sb);
    if (f->range_kind == 1) {
        sb_puts(&sb, " is outside "); /* not a message: a reason stored in English, shown through msg_text */
        value_format(p, f->kind, f->enum_index, f->range_lo, false, &sb);
        sb_puts(&sb, "..");
        value_format(p, f->kind, f->enum_index, f->range_hi, false, &sb);
    } else {
        sb_puts(&sb, " is not one of "); /* not a message: a reason stored in English, shown through msg_text */
        const char *sep = "";
        for (int k = 0; k < 64; k++) {
            if (!((uint64_t)f->range_lo >> k & 1)) continue;
            sb_puts(&sb, sep);
            value_format(p, f->kind, f->enum_index, k, false, &sb);
            sep = ", ";
        }
    }
    fail(err, errlen, "%s", sb_str(&sb));
    sb_free(&sb);
    return false;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

typedef struct Json {
    const char *s;
    size_t n, i;
    char *err;
    size_t errlen;
} Json;

__attribute__((format(printf, 3, 4)))
static bool jfail(Json *j, size_t at, const char *fmt, ...)
{
    if (j->err && j->errlen) {
        char reason[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
        snprintf(j->err, j->errlen, "%s at byte %zu", reason, at);
    }
    return false;
}

/* "expected WHAT, found X at byte N". */
static bool jexpect(Json *j, const char *what)
{
    if (j->i >= j->n) return jfail(j, j->i, "expected %s, found the end of the input", what);
    uint32_t cp;
    int len = utf8_decode(j->s + j->i, j->n - j->i, &cp);
    if (cp < 0x20 || cp == 0x7F || (cp == 0xFFFD && len == 1))
        return jfail(j, j->i, "expected %s, found byte 0x%02X", what, (unsigned char)j->s[j->i]);
    return jfail(j, j->i, "expected %s, found '%.*s'", what, len, j->s + j->i);
}

static void jspace(Json *j)
{
    while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r'))
        j->i++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits at s[at]; -1 if not. */
static int32_t hex4(const Json *j, size_t at)
{
    if (j->n < 4 || at > j->n - 4) return -1;
    int32_t v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hexval(j->s[at + k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static void put_utf8(StrBuf *out, uint32_t cp)
{
    char b[4];
    int n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12); b[1] = (char)(0x80 | (cp >> 6 & 0x3F)); b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | cp >> 18); b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (char)(0x80 | (cp >> 6 & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sb_putn(out, b, (size_t)n);
}

/* A \u escape at s[i] ('\\'), with its low surrogate if it is a high one. */
static bool junicode(Json *j, StrBuf *out)
{
    size_t at = j->i;
    int32_t cp = hex4(j, at + 2);
    if (cp < 0) return jfail(j, at, "invalid \\u escape (4 hex digits expected)");
    j->i += 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return jfail(j, at, "unpaired surrogate \\u%04X", (unsigned)cp);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        int32_t lo = j->i + 1 < j->n && j->s[j->i] == '\\' && j->s[j->i + 1] == 'u' ? hex4(j, j->i + 2) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) return jfail(j, at, "unpaired surrogate \\u%04X", (unsigned)cp);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        j->i += 6;
    }
    if (cp == 0) return jfail(j, at, "\\u0000 (a NUL character) is not allowed");
    put_utf8(out, (uint32_t)cp);
    return true;
}

static bool jescape(Json *j, StrBuf *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    char c = j->s[j->i + 1];
    if (c == 'u') return junicode(j, out);
    const char *hit = c ? strchr(from, c) : NULL;
    if (!hit) {
        char q[QUOTE_MAX + 8];
        uint32_t cp;
        int len = utf8_decode(j->s + j->i + 1, j->n - j->i - 1, &cp);
        return jfail(j, j->i, "invalid escape '\\%s'", quote(j->s + j->i + 1, (size_t)len, q));
    }
    sb_putc(out, to[hit - from]);
    j->i += 2;
    return true;
}

/* A string at s[i] == '"', unescaped into out (reset first). */
static bool jstring(Json *j, StrBuf *out)
{
    size_t start = j->i++;
    out->count = 0;
    sb_putn(out, "", 0);
    while (j->i < j->n) {
        unsigned char c = (unsigned char)j->s[j->i];
        if (c == '"') { j->i++; return true; }
        if (c == '\\') {
            if (j->i + 1 >= j->n) break;
            if (!jescape(j, out)) return false;
        } else if (c < 0x20) {
            return jfail(j, j->i, "control character U+%04X in a string (write it as an escape)", c);
        } else if (c < 0x80) {
            sb_putc(out, (char)c);
            j->i++;
        } else {
            uint32_t cp;
            int len = utf8_decode(j->s + j->i, j->n - j->i, &cp);
            if (cp == 0xFFFD && len == 1) return jfail(j, j->i, "invalid UTF-8 in a string");
            sb_putn(out, j->s + j->i, (size_t)len);
            j->i += (size_t)len;
        }
    }
    return jfail(j, start, "unterminated string");
}

static bool jdigits(Json *j)
{
    size_t from = j->i;
    while (j->i < j->n && is_digit(j->s[j->i])) j->i++;
    return j->i > from;
}

/* A number as JSON writes it: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static bool jnumber(Json *j, StrBuf *out)
{
    size_t start = j->i;
    if (j->s[j->i] == '-') j->i++;
    bool ok;
    if (j->i < j->n && j->s[j->i] == '0') {
        j->i++;
        ok = !(j->i < j->n && is_digit(j->s[j->i]));
    } else {
        ok = jdigits(j);
    }
    if (ok && j->i < j->n && j->s[j->i] == '.') { j->i++; ok = jdigits(j); }
    if (ok && j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
        j->i++;
        if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-')) j->i++;
        ok = jdigits(j);
    }
    if (!ok) return jfail(j, start, "invalid number");
    out->count = 0;
    sb_putn(out, j->s + start, j->i - start);
    return true;
}

static bool jword(Json *j, const char *word)
{
    size_t n = strlen(word);
    if (j->n - j->i < n || memcmp(j->s + j->i, word, n) != 0) return false;
    j->i += n;
    return true;
}

/* The value of member `name` into out; *is_null for null. */
static bool jvalue(Json *j, const char *name, StrBuf *out, bool *is_null)
{
    *is_null = false;
    out->count = 0;
    sb_putn(out, "", 0);
    if (j->i >= j->n) return jexpect(j, "a value");
    char c = j->s[j->i];
    if (c == '"') return jstring(j, out);
    if (c == '-' || is_digit(c)) return jnumber(j, out);
    if (jword(j, "true")) { sb_puts(out, "true"); return true; }
    if (jword(j, "false")) { sb_puts(out, "false"); return true; }
    if (jword(j, "null")) { *is_null = true; return true; }
    if (c == '{' || c == '[') {
        char q[QUOTE_MAX + 8];
        return jfail(j, j->i, "member '%s': nested objects and arrays are not supported",
                     quote(name, strlen(name), q));
    }
    return jexpect(j, "a value");
}

/* After '{': the members, through the closing '}'. */
static bool jmembers(Json *j, StrSet *seen, StrBuf *name, StrBuf *value, json_member_fn cb, void *ctx)
{
    jspace(j);
    if (j->i < j->n && j->s[j->i] == '}') { j->i++; return true; }
    for (;;) {
        if (j->i >= j->n || j->s[j->i] != '"') return jexpect(j, "a member name (a string)");
        size_t name_at = j->i;
        if (!jstring(j, name)) return false;
        bool added;
        strset_add_n(seen, sb_str(name), name->count, &added);
        if (!added) {
            char q[QUOTE_MAX + 8];
            return jfail(j, name_at, "duplicate member '%s'", quote(name->items, name->count, q));
        }
        jspace(j);
        if (j->i >= j->n || j->s[j->i] != ':') return jexpect(j, "':' after the member name");
        j->i++;
        jspace(j);
        bool is_null;
        if (!jvalue(j, sb_str(name), value, &is_null)) return false;
        if (!cb(sb_str(name), sb_str(value), value->count, is_null, ctx)) {
            if (j->err && j->errlen) j->err[0] = '\0';
            return false;
        }
        jspace(j);
        if (j->i < j->n && j->s[j->i] == '}') { j->i++; return true; }
        if (j->i >= j->n || j->s[j->i] != ',') return jexpect(j, "',' or '}'");
        size_t comma = j->i++;
        jspace(j);
        if (j->i < j->n && j->s[j->i] == '}') return jfail(j, comma, "trailing comma before '}'");
    }
}

bool json_parse_flat_object(const char *text, size_t len, json_member_fn cb, void *ctx, char *err, size_t errlen)
{
    Json j = {.s = text ? text : "", .n = text ? len : 0, .err = err, .errlen = errlen};
    if (err && errlen) err[0] = '\0';
    if (j.n >= 3 && memcmp(j.s, "\xEF\xBB\xBF", 3) == 0) j.i = 3;
    jspace(&j);
    if (j.i >= j.n || j.s[j.i] != '{') return jexpect(&j, "'{' (a JSON object)");
    j.i++;
    StrSet seen = {0};         /* the member names so far: a repeated one is an error */
    StrBuf name = {0}, value = {0};
    bool ok = jmembers(&j, &seen, &name, &value, cb, ctx);
    strset_free(&seen);
    sb_free(&name);
    sb_free(&value);
    if (!ok) return false;
    jspace(&j);
    if (j.i < j.n) return jfail(&j, j.i, "unexpected text after the object");
    return true;
}

void value_text_literal(const char *s, StrBuf *out)
{
    sb_putc(out, '"');
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') sb_printf(out, "\\%c", *s);
        else if (*s == '\n') sb_puts(out, "\\n");
        else if (*s == '\t') sb_puts(out, "\\t");
        else sb_putc(out, *s);
    }
    sb_putc(out, '"');
}
