/* fixed.c — fixed-point numbers (see fixed.h). */
#include "fixed.h"

#include <stdio.h>
#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* acc = acc * 10 + d, staying at most limit. */
static bool push_digit(uint64_t *acc, unsigned d, uint64_t limit)
{
    if (*acc > (limit - d) / 10) return false;
    *acc = *acc * 10 + d;
    return true;
}

FixedParse fixed_parse(const char *s, size_t n, unsigned decimals, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    size_t int_start = i;
    while (i < n && is_digit(s[i])) i++;
    size_t int_end = i, frac_start = i, frac_end = i;
    if (i < n && s[i] == '.') {
        frac_start = ++i;
        while (i < n && is_digit(s[i])) i++;
        frac_end = i;
        if (decimals == 0) return FIXED_SYNTAX;
    }
    if (i != n || (int_end == int_start && frac_end == frac_start)) return FIXED_SYNTAX;
    for (size_t k = frac_start + decimals; k < frac_end; k++)
        if (s[k] != '0') return FIXED_EXCESS_DECIMALS;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, acc = 0;
    for (size_t k = int_start; k < int_end; k++)
        if (!push_digit(&acc, (unsigned)(s[k] - '0'), limit)) return FIXED_RANGE;
    for (unsigned k = 0; k < decimals; k++) {
        size_t at = frac_start + k;
        if (!push_digit(&acc, at < frac_end ? (unsigned)(s[at] - '0') : 0, limit)) return FIXED_RANGE;
    }
    *out = !neg ? (int64_t)acc : acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    return FIXED_OK;
}

bool fixed_from_int(int64_t v, int64_t *out) { return !__builtin_mul_overflow(v, (int64_t)FIXED_SCALE, out); }

/* q = n / d rounded half away from zero, exactly; false when it does not fit in int64. */
static bool div_round(__int128 n, __int128 d, int64_t *out)
{
    __int128 q = n / d, r = n % d;
    if (r < 0) r = -r;
    if (2 * r >= (d < 0 ? -d : d)) q += (n < 0) != (d < 0) ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN) return false;
    *out = (int64_t)q;
    return true;
}

bool fixed_mul(int64_t a, int64_t b, int64_t *out) { return div_round((__int128)a * b, FIXED_SCALE, out); }

bool fixed_div(int64_t a, int64_t b, int64_t *out)
{
    if (b == 0) return false;
    return div_round((__int128)a * FIXED_SCALE, b, out);
}

int64_t fixed_floor(int64_t v)
{
    int64_t q = v / FIXED_SCALE;
    return v % FIXED_SCALE < 0 ? q - 1 : q;
}

int64_t fixed_ceil(int64_t v)
{
    int64_t q = v / FIXED_SCALE;
    return v % FIXED_SCALE > 0 ? q + 1 : q;
}

int64_t fixed_round(int64_t v)
{
    int64_t q = v / FIXED_SCALE, r = v % FIXED_SCALE;
    if (r >= FIXED_SCALE / 2) return q + 1;
    if (r <= -FIXED_SCALE / 2) return q - 1;
    return q;
}

int64_t fixed_quota(int64_t share, int64_t n)
{
    __int128 q = (__int128)share * n;
    if (q <= 0) return 0;
    q = (q + FIXED_SCALE - 1) / FIXED_SCALE;
    return q > INT64_MAX ? INT64_MAX : (int64_t)q;
}

void fixed_format(int64_t v, unsigned decimals, StrBuf *out)
{
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, scale = 1;
    for (unsigned i = 0; i < decimals; i++) scale *= 10;
    uint64_t whole = mag / scale, frac = mag % scale;
    sb_printf(out, "%s%llu", v < 0 ? "-" : "", (unsigned long long)whole);
    if (!frac) return;
    char digits[24];
    snprintf(digits, sizeof digits, "%0*llu", (int)decimals, (unsigned long long)frac);
    size_t k = strlen(digits);
    while (k > 0 && digits[k - 1] == '0') k--;
    sb_putc(out, '.');
    sb_putn(out, digits, k);
}
