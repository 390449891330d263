/* date.c — see date.h. The civil-date conversions are Howard Hinnant's exact algorithms. */
#include "date.h"

#include <stdio.h>

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool date_valid(int64_t y, unsigned m, unsigned d)
{
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    unsigned max = mdays[m - 1] + (m == 2 && leap(y));
    return d <= max;
}

bool date_parse(const char *s, size_t n, int64_t *days)
{
    if (n != 10 || s[4] != '-' || s[7] != '-') return false;
    int v[3] = {0, 0, 0};
    const int pos[3][2] = {{0, 4}, {5, 7}, {8, 10}};
    for (int k = 0; k < 3; k++)
        for (int i = pos[k][0]; i < pos[k][1]; i++) {
            if (s[i] < '0' || s[i] > '9') return false;
            v[k] = v[k] * 10 + (s[i] - '0');
        }
    if (!date_valid(v[0], (unsigned)v[1], (unsigned)v[2])) return false;
    *days = days_from_civil(v[0], (unsigned)v[1], (unsigned)v[2]);
    return true;
}

void date_format(int64_t days, char out[16])
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, m, d);
}

int64_t years_between(int64_t from, int64_t to)
{
    int64_t y1, y2;
    unsigned m1, d1, m2, d2;
    civil_from_days(from, &y1, &m1, &d1);
    civil_from_days(to, &y2, &m2, &d2);
    int64_t years = y2 - y1;
    /* Compare (month, day); 29 Feb in a year without it is treated as 1 March. */
    if (m1 == 2 && d1 == 29 && !leap(y2)) { m1 = 3; d1 = 1; }
    if (m2 < m1 || (m2 == m1 && d2 < d1)) years--;
    return years;
}
