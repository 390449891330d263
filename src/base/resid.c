/* resid.c — resident identity numbers (see resid.h). */
#include "resid.h"
#include "date.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Exactly 18 bytes (strnlen reads no further than a shorter string's terminator). */
static bool id_length_ok(const char *id) { return strnlen(id, 19) == 18; }

static unsigned digits(const char *s, int n)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

/* The last id whose date was read, and the date: a rule file asks valid_resident_id(id) and
 * then id_birth_date(id) of the same id, for every row (one per thread: runs may share none). */
static _Thread_local struct {
    char id[18];
    bool set;
    int64_t days;
} last_date;

/* Digits 7–14 (1-based) as a real date YYYYMMDD; the caller checked the length. */
static bool id_date(const char *id, int64_t *days)
{
    if (last_date.set && memcmp(last_date.id, id, 18) == 0) {
        *days = last_date.days;
        return true;
    }
    for (int i = 6; i < 14; i++)
        if (!is_digit(id[i])) return false;
    unsigned y = digits(id + 6, 4), m = digits(id + 10, 2), d = digits(id + 12, 2);
    if (!date_valid(y, m, d)) return false;
    *days = days_from_civil(y, m, d);
    memcpy(last_date.id, id, 18);
    last_date.days = *days;
    last_date.set = true;
    return true;
}

static const unsigned check_weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char check_chars[] = "10X98765432";

/* Σ dᵢwᵢ over the first 17 characters into *sum; false at the first that is not a digit. */
static bool weighed_sum(const char *id, unsigned *sum)
{
    *sum = 0;
    for (int i = 0; i < 17; i++) {
        unsigned d = (unsigned)(unsigned char)id[i] - '0';
        if (d > 9) return false;
        *sum += d * check_weight[i];
    }
    return true;
}

char resident_id_check_char(const char *first17)
{
    unsigned sum;
    weighed_sum(first17, &sum);   /* the caller gives digits */
    return check_chars[sum % 11];
}

bool resident_id_birth(const char *id, int64_t *days)
{
    return id && id_length_ok(id) && id_date(id, days);
}

bool resident_id_valid(const char *id)
{
    if (!id || !id_length_ok(id)) return false;
    unsigned sum;   /* the digits checked and weighed in one pass */
    if (!weighed_sum(id, &sum)) return false;
    unsigned province = digits(id, 2);
    int64_t days;
    if (province < 11 || province > 82 || !id_date(id, &days)) return false;
    return id[17] == check_chars[sum % 11];
}

bool resident_id_wrong_length(const char *id, int *chars)
{
    *chars = id ? utf8_chars(id, strlen(id)) : 0;
    return *chars != 18 && *chars != 15;
}

int resident_id_male(const char *id)
{
    if (!id || !id_length_ok(id) || !is_digit(id[16])) return -1;
    return (id[16] - '0') & 1;
}

/* The length of the id starting at text[i] (18 or 15), or 0 when none starts there: a run
 * of exactly 17 digits and a digit or X/x, or of exactly 15 digits, not part of a longer run. */
static bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* Whether text[i..i+len) lies inside a hexadecimal word of 32 characters or more with a letter
 * in it — a commit hash, a SHA-256 — whose digits are no id. Anything else that holds an id's
 * digits is masked, letters around it or not: privacy first. */
static bool inside_hash(const char *text, size_t i, size_t len, size_t n)
{
    size_t a = i, b = i + len;
    while (a > 0 && is_hex(text[a - 1])) a--;
    while (b < n && is_hex(text[b])) b++;
    if (b - a < 32) return false;
    for (size_t k = a; k < b; k++)
        if (!is_digit(text[k])) return true;
    return false;
}

static size_t id_at(const char *text, size_t i, size_t n)
{
    if (i > 0 && is_digit(text[i - 1])) return 0;
    size_t k = 0;
    while (i + k < n && is_digit(text[i + k])) k++;
    size_t len = 0;
    if (k == 15) len = (i + k < n && (text[i + k] == 'X' || text[i + k] == 'x')) ? 0 : 15;
    else if (k == 18) len = 18;
    else if (k == 17 && i + 17 < n && (text[i + 17] == 'X' || text[i + 17] == 'x') &&
             !(i + 18 < n && (is_digit(text[i + 18]) || text[i + 18] == 'X' || text[i + 18] == 'x')))
        len = 18;
    return len && !inside_hash(text, i, len, n) ? len : 0;
}

/* "YYYY-MM-DD" of the birth date in the id at `id` (len 18 or 15: the older form writes the
 * year's last two digits, of the 1900s); false when the digits are no date. */
static bool birth_text(const char *id, size_t len, char out[11])
{
    const char *d = id + 6;
    if (len == 18) snprintf(out, 11, "%.4s-%.2s-%.2s", d, d + 4, d + 6);
    else snprintf(out, 11, "19%.2s-%.2s-%.2s", d, d + 2, d + 4);
    int64_t days;
    return date_parse(out, 10, &days);
}

/* Every occurrence of the date `date` (YYYY-MM-DD) in text becomes ****-**-**. */
static void mask_date(char *text, const char *date)
{
    for (char *at = strstr(text, date); at; at = strstr(at + 10, date)) memcpy(at, "****-**-**", 10);
}

void resident_id_mask_date(char *text, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    char date[11];
    if ((n == 18 || n == 15) && id_at(id, 0, n) == n && birth_text(id, n, date)) mask_date(text, date);
}

void resident_id_mask(char *text)
{
    size_t n = strlen(text);
    /* the birth dates the ids encode first, while the ids can still be read */
    for (size_t i = 0; i < n; i++) {
        size_t len = id_at(text, i, n);
        char date[11];
        if (len && birth_text(text + i, len, date)) mask_date(text, date);
        if (len) i += len - 1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = id_at(text, i, n);
        if (len == 18) memset(text + i + 6, '*', 8);
        else if (len == 15) memset(text + i + 6, '*', 6);
        if (len) i += len - 1;
    }
}
