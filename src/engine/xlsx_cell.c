/* xlsx_cell.c — one cell's value as text (see xlsx.h for what each kind becomes).
 *
 * Numbers are read from the XML's decimal text as digits and a decimal exponent, never through
 * a double: "0.30000000000000004" rounds to 15 significant digits as Excel shows it, and an
 * 18-digit number keeps the digits the file has. Serial dates are split into whole days and a
 * fraction of a day the same way, the fraction rounded to the second. */
#include "xlsx_int.h"
#include "base/date.h"

#include <stdio.h>
#include <string.h>

enum {
    EXCEL_DIGITS = 15,         /* significant digits Excel keeps */
    ID_DIGITS_MAX = 20,        /* longer integers are not ids: written as the file has them */
    PLAIN_MAX = 20,            /* beyond 10^±20 a number is written as the file has it */
    FRAC_DIGITS = 12,          /* of a serial's time of day */
};

/* ---- number formats ------------------------------------------------------------------------- */

/* Built-in ids that show dates (ECMA-376 §18.8.30, with the East Asian ids 27–36 and 50–58
 * that Chinese Excel uses: yyyy"年"m"月" and the like). Times alone (18–21, 45–47) are not. */
static bool builtin_date(uint32_t id)
{
    return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

/* A custom format shows a date when, outside quoted text, escapes and [..] sections, it has a
 * year or day letter, or a month 'm' where no hour or second makes 'm' minutes. */
bool xlsx_format_is_date(uint32_t id, const char *code)
{
    if (!code) return builtin_date(id);
    bool y_or_d = false, m = false, h_or_s = false;
    for (const char *s = code; *s; s++) {
        char c = *s;
        if (c == '"') {
            while (s[1] && s[1] != '"') s++;
            if (s[1]) s++;
        } else if (c == '\\' || c == '_' || c == '*') {
            if (s[1]) s++;                            /* the next character is literal */
        } else if (c == '[') {
            const char *e = strchr(s, ']');
            if (!e) break;
            if (s[1] == 'h' || s[1] == 'H' || s[1] == 's' || s[1] == 'S' || s[1] == 'm' || s[1] == 'M') h_or_s = true;
            s = e;
        } else if (c == 'y' || c == 'Y' || c == 'd' || c == 'D') {
            y_or_d = true;
        } else if (c == 'm' || c == 'M') {
            m = true;
        } else if (c == 'h' || c == 'H' || c == 's' || c == 'S') {
            h_or_s = true;
        }
    }
    return y_or_d || (m && !h_or_s);
}

/* ---- references and escapes ----------------------------------------------------------------- */

bool xlsx_parse_ref(const char *ref, uint32_t *col, uint32_t *row)
{
    uint32_t c = 0, r = 0;
    size_t i = 0;
    for (; i < 3 && ((ref[i] >= 'A' && ref[i] <= 'Z') || (ref[i] >= 'a' && ref[i] <= 'z')); i++)
        c = c * 26 + (uint32_t)((ref[i] | 0x20) - 'a' + 1);
    if (i == 0 || c > XLSX_MAX_COLUMNS) return false;
    size_t d = i;
    for (; ref[i] >= '0' && ref[i] <= '9' && i - d < 8; i++) r = r * 10 + (uint32_t)(ref[i] - '0');
    if (ref[i] || r > XLSX_MAX_ROWS || (i > d && r == 0)) return false;
    *col = c - 1;
    *row = r;
    return true;
}

const char *xlsx_column_name(uint32_t n, char out[4])
{
    char tmp[4];
    size_t k = 0;
    if (n > XLSX_MAX_COLUMNS) n = 0;
    while (n > 0 && k < 3) {
        tmp[k++] = (char)('A' + (n - 1) % 26);
        n = (n - 1) / 26;
    }
    for (size_t i = 0; i < k; i++) out[i] = tmp[k - 1 - i];
    out[k] = '\0';
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* _xHHHH_ at s (n bytes left): the code point, or -1. */
static long escape_at(const char *s, size_t n)
{
    if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_') return -1;
    long cp = 0;
    for (int i = 2; i < 6; i++) {
        int h = hexval(s[i]);
        if (h < 0) return -1;
        cp = cp * 16 + h;
    }
    return cp;
}

void xlsx_unescape(StrBuf *sb, size_t from)
{
    if (sb->count <= from || !memchr(sb->items + from, '_', sb->count - from)) return;
    char *p = sb->items;
    size_t o = from;
    for (size_t i = from; i < sb->count;) {
        long cp = escape_at(p + i, sb->count - i);
        if (cp <= 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {   /* NUL and surrogates stay as written */
            p[o++] = p[i++];
            continue;
        }
        if (cp < 0x80) {
            p[o++] = (char)cp;
        } else if (cp < 0x800) {
            p[o++] = (char)(0xC0 | cp >> 6);
            p[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            p[o++] = (char)(0xE0 | cp >> 12);
            p[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
            p[o++] = (char)(0x80 | (cp & 0x3F));
        }
        i += 7;
    }
    sb->count = o;
    p[o] = '\0';                                     /* there is room: the text only shrank */
}

/* ---- decimal text --------------------------------------------------------------------------- */

/* A number as significant digits (no leading or trailing zeros) and the count of digits before
 * the decimal point: value = 0.digits * 10^point. "0" has no digits. */
typedef struct Decimal {
    bool neg;
    char digits[48];           /* the first 47 significant digits; more do not matter here */
    size_t n;
    long point;
} Decimal;

static void dec_put(Decimal *d, char c, bool before_point)
{
    if (d->n == 0 && c == '0') {                     /* a leading zero */
        if (!before_point) d->point--;
        return;
    }
    if (before_point) d->point++;
    if (d->n < sizeof d->digits - 1) d->digits[d->n++] = c;
}

/* -?digits[.digits][(e|E)[+-]digits], spaces around; false if not that. */
static bool dec_parse(const char *s, size_t n, Decimal *d)
{
    *d = (Decimal){0};
    size_t i = 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) d->neg = s[i++] == '-';
    size_t digits = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) dec_put(d, s[i], true);
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) dec_put(d, s[i], false);
    if (digits == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool eneg = false;
        long e = 0;
        size_t from = ++i;
        if (i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-', from++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 100000) e = e * 10 + (s[i] - '0');
        if (i == from) return false;
        d->point += eneg ? -e : e;
    }
    while (d->n && d->digits[d->n - 1] == '0') d->n--;
    d->digits[d->n] = '\0';
    if (d->n == 0) d->neg = false, d->point = 0;
    return i == n;
}

/* Round to `keep` significant digits, half away from zero. */
static void dec_round(Decimal *d, size_t keep)
{
    if (d->n <= keep) return;
    bool up = d->digits[keep] >= '5';
    d->n = keep;
    for (size_t i = keep; up && i-- > 0;) {
        if (d->digits[i] == '9') {
            d->digits[i] = '0';
        } else {
            d->digits[i]++;
            up = false;
        }
    }
    if (up) {                                        /* 999.. became 1000.. */
        d->digits[0] = '1';
        d->n = 1;
        d->point++;
    }
    while (d->n && d->digits[d->n - 1] == '0') d->n--;
    d->digits[d->n] = '\0';
}

/* The decimal written out in full: -0.0012, 1500, 3.25. */
static void dec_write(const Decimal *d, StrBuf *out)
{
    if (d->n == 0) {
        sb_putc(out, '0');
        return;
    }
    if (d->neg) sb_putc(out, '-');
    long n = (long)d->n;
    if (d->point <= 0) {
        sb_puts(out, "0.");
        for (long i = d->point; i < 0; i++) sb_putc(out, '0');
        sb_putn(out, d->digits, d->n);
    } else if (d->point >= n) {
        sb_putn(out, d->digits, d->n);
        for (long i = n; i < d->point; i++) sb_putc(out, '0');
    } else {
        sb_putn(out, d->digits, (size_t)d->point);
        sb_putc(out, '.');
        sb_putn(out, d->digits + d->point, d->n - (size_t)d->point);
    }
}

/* ---- serial dates --------------------------------------------------------------------------- */

/* Split a nonnegative serial into whole days and seconds of the day (rounded; 86400 carries). */
static bool serial_split(const Decimal *d, int64_t *days, uint32_t *secs)
{
    if (d->point > 7) return false;                  /* beyond any date */
    int64_t whole = 0;
    for (long i = 0; i < d->point; i++) whole = whole * 10 + (i < (long)d->n ? d->digits[i] - '0' : 0);
    uint64_t frac = 0;                               /* FRAC_DIGITS digits after the point */
    for (long k = 0; k < FRAC_DIGITS; k++) {
        long i = d->point + k;
        frac = frac * 10 + (uint64_t)(i >= 0 && i < (long)d->n ? d->digits[i] - '0' : 0);
    }
    const uint64_t scale = 1000000000000ull;         /* 10^FRAC_DIGITS */
    uint64_t s = (frac * 86400 + scale / 2) / scale;
    if (s == 86400) whole++, s = 0;
    *days = whole;
    *secs = (uint32_t)s;
    return true;
}

/* The serial's day as a day number (date.h) in the workbook's date system; false with a reason. */
static bool serial_day(int64_t serial, bool date1904, int64_t *day, char *errbuf, size_t errlen)
{
    if (date1904) {
        *day = days_from_civil(1904, 1, 1) + serial;
        return true;
    }
    if (serial == 0) {
        snprintf(errbuf, errlen, "date serial 0 is Excel's 1900-01-00, which is no date");
        return false;
    }
    if (serial == 60) {
        snprintf(errbuf, errlen, "date serial 60 is 1900-02-29, a day that never was (Excel counts 1900 as a leap year)");
        return false;
    }
    /* Serial 1 is 1900-01-01; from 61 on, Excel's day 60 that never was shifts the count. */
    *day = serial < 60 ? days_from_civil(1899, 12, 31) + serial : days_from_civil(1899, 12, 30) + serial;
    return true;
}

static uint8_t date_text(const Decimal *d, const char *v, size_t n, bool date1904, StrBuf *out, char *errbuf,
                         size_t errlen)
{
    int64_t whole, day, y;
    uint32_t secs;
    unsigned m, dd;
    if (d->neg) snprintf(errbuf, errlen, "a negative date serial (%.*s) is no date", (int)(n > 40 ? 40 : n), v);
    else if (!serial_split(d, &whole, &secs)) snprintf(errbuf, errlen, "date serial %.*s is beyond 9999-12-31", (int)(n > 40 ? 40 : n), v);
    else if (serial_day(whole, date1904, &day, errbuf, errlen)) {
        civil_from_days(day, &y, &m, &dd);
        if (y > 9999) {
            snprintf(errbuf, errlen, "date serial %.*s is beyond 9999-12-31", (int)(n > 40 ? 40 : n), v);
        } else {
            sb_printf(out, "%04lld-%02u-%02u", (long long)y, m, dd);
            if (secs) sb_printf(out, " %02u:%02u:%02u", secs / 3600, secs / 60 % 60, secs % 60);
            return XLSX_DATE;
        }
    }
    sb_putn(out, v, n);
    return XLSX_ERROR;
}

/* ---- a number cell ---------------------------------------------------------------------------- */

uint8_t xlsx_number_text(const char *v, size_t n, bool is_date, bool date1904, StrBuf *out, char *errbuf,
                         size_t errlen)
{
    errbuf[0] = '\0';
    Decimal d;
    if (!dec_parse(v, n, &d)) {
        snprintf(errbuf, errlen, "the cell's number '%.*s' cannot be read", (int)(n > 40 ? 40 : n), v);
        sb_putn(out, v, n);
        return XLSX_ERROR;
    }
    if (is_date) return date_text(&d, v, n, date1904, out, errbuf, errlen);
    bool integral = d.point >= (long)d.n;
    if (d.point > PLAIN_MAX || d.point < -PLAIN_MAX) {
        sb_putn(out, v, n);                          /* 1E+300: no ledger value; as written */
        return XLSX_NUMBER;
    }
    if (integral && d.point > EXCEL_DIGITS && d.point <= ID_DIGITS_MAX) {
        size_t at = out->count;
        dec_write(&d, out);
        snprintf(errbuf, errlen,
                 "the number %.*s has %ld digits, but Excel keeps only %d: its last digits are lost (type ids "
                 "into a column formatted as text)", (int)(out->count - at), out->items + at, d.point, EXCEL_DIGITS);
        return XLSX_NUMBER;
    }
    dec_round(&d, EXCEL_DIGITS);
    dec_write(&d, out);
    return XLSX_NUMBER;
}

/* ---- a t="d" cell ------------------------------------------------------------------------------ */

uint8_t xlsx_iso_date_text(const char *v, size_t n, StrBuf *out, char *errbuf, size_t errlen)
{
    errbuf[0] = '\0';
    bool shape = n >= 10 && v[4] == '-' && v[7] == '-';
    for (size_t i = 0; shape && i < 10; i++)
        if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9')) shape = false;
    if (!shape || (n > 10 && v[10] != 'T')) {
        sb_putn(out, v, n);                          /* not ISO 8601: the date parser decides */
        return XLSX_DATE;
    }
    sb_putn(out, v, 10);
    size_t end = n;                                   /* the time, without a zone */
    for (size_t i = 11; i < n; i++)
        if (v[i] == 'Z' || v[i] == '+' || v[i] == '-') {
            end = i;
            break;
        }
    bool midnight = true;
    for (size_t i = 11; i < end; i++)
        if (v[i] != '0' && v[i] != ':' && v[i] != '.') midnight = false;
    if (n > 10 && !midnight) {
        sb_putc(out, ' ');
        sb_putn(out, v + 11, end - 11);
    }
    return XLSX_DATE;
}
