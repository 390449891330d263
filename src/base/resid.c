/* resid.c — resident identity numbers (see resid.h). */
#include "resid.h"
#include "date.h"

#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Exactly 18 bytes, without reading past a shorter string's terminator. */
static bool id_length_ok(const char *id)
{
    for (int i = 0; i < 18; i++)
        if (!id[i]) return false;
    return id[18] == '\0';
}

static unsigned digits(const char *s, int n)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

/* Digits 7–14 (1-based) as a real date YYYYMMDD; the caller checked the length. */
static bool id_date(const char *id, int64_t *days)
{
    for (int i = 6; i < 14; i++)
        if (!is_digit(id[i])) return false;
    unsigned y = digits(id + 6, 4), m = digits(id + 10, 2), d = digits(id + 12, 2);
    if (!date_valid(y, m, d)) return false;
    *days = days_from_civil(y, m, d);
    return true;
}

char resident_id_check_char(const char *first17)
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (first17[i] - '0') * weight[i];
    return "10X98765432"[sum % 11];
}

bool resident_id_birth(const char *id, int64_t *days)
{
    return id && id_length_ok(id) && id_date(id, days);
}

bool resident_id_valid(const char *id)
{
    if (!id || !id_length_ok(id)) return false;
    for (int i = 0; i < 17; i++)
        if (!is_digit(id[i])) return false;
    unsigned province = digits(id, 2);
    int64_t days;
    if (province < 11 || province > 82 || !id_date(id, &days)) return false;
    return id[17] == resident_id_check_char(id);
}

int resident_id_male(const char *id)
{
    if (!id || !id_length_ok(id) || !is_digit(id[16])) return -1;
    return (id[16] - '0') & 1;
}

/* The length of the id starting at text[i] (18 or 15), or 0 when none starts there: a run
 * of exactly 17 digits and a digit or X/x, or of exactly 15 digits, not part of a longer run. */
static size_t id_at(const char *text, size_t i, size_t n)
{
    if (i > 0 && is_digit(text[i - 1])) return 0;
    size_t k = 0;
    while (i + k < n && is_digit(text[i + k])) k++;
    if (k == 15) return (i + k < n && (text[i + k] == 'X' || text[i + k] == 'x')) ? 0 : 15;
    if (k == 18) return 18;
    if (k == 17 && i + 17 < n && (text[i + 17] == 'X' || text[i + 17] == 'x') &&
        !(i + 18 < n && (is_digit(text[i + 18]) || text[i + 18] == 'X' || text[i + 18] == 'x')))
        return 18;
    return 0;
}

void resident_id_mask(char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        size_t len = id_at(text, i, n);
        if (len == 18) memset(text + i + 6, '*', 8);
        else if (len == 15) memset(text + i + 6, '*', 6);
        if (len) i += len - 1;
    }
}
