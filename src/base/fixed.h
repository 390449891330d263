/* fixed.h — the fixed-point numbers of the rule language, in one place.
 *
 * `number` and `percent` values are int64 in units of 10^-4 (1.5 = 15000, 30% = 0.3 = 3000):
 * exact decimal arithmetic with no floating point, so 30% of 7 people is decided by integers.
 * Products and quotients are rounded half away from zero; ceil/floor/round give ints; a quota
 * ⌈share × n⌉ is computed in 128 bits. Every reader of a decimal — the lexer's literals, a CSV
 * cell, a param on the command line — goes through fixed_parse, so they share one limit: the
 * int64 range of the scaled value (about ±9.2·10^14 for a number). */
#ifndef DOUDI_FIXED_H
#define DOUDI_FIXED_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FIXED_DECIMALS = 4, FIXED_SCALE = 10000 };

typedef enum FixedParse {
    FIXED_OK,
    FIXED_SYNTAX,              /* not [+-]digits[.digits] */
    FIXED_RANGE,               /* outside the int64 range once scaled */
    FIXED_EXCESS_DECIMALS,     /* a non-zero digit past the allowed decimals */
} FixedParse;

/* [+-] digits [. digits] — a digit on at least one side of the point; no point at all when
 * decimals is 0 — into an integer in units of 10^-decimals (decimals ≤ 18). Digits past
 * `decimals` must be zeros. */
FixedParse fixed_parse(const char *s, size_t n, unsigned decimals, int64_t *out);

/* v × 10^4, false on overflow: an int as a number. */
bool fixed_from_int(int64_t v, int64_t *out);
/* a × b / 10^4 and a × 10^4 / b, rounded half away from zero; false when the result does not
 * fit (or b is 0). */
bool fixed_mul(int64_t a, int64_t b, int64_t *out);
bool fixed_div(int64_t a, int64_t b, int64_t *out);
/* To an int: ⌈v⌉, ⌊v⌋, v rounded half away from zero. */
int64_t fixed_ceil(int64_t v);
int64_t fixed_floor(int64_t v);
int64_t fixed_round(int64_t v);
/* ⌈share × n⌉ for a share in units of 10^-4 and a count n ≥ 0, exactly: the cumulative quota
 * of a schedule year, the beds with headroom, the yearly split of building tasks. */
int64_t fixed_quota(int64_t share, int64_t n);

/* Append v (units of 10^-decimals) as the shortest decimal: 15000 → "1.5", 20000 → "2". */
void fixed_format(int64_t v, unsigned decimals, StrBuf *out);

#endif
