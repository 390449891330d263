/* date.h — calendar dates as day numbers (days since 1970-01-01, proleptic Gregorian), the
 * one representation used by the language, the VM and the ledger. */
#ifndef DOUDI_DATE_H
#define DOUDI_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
bool date_valid(int64_t y, unsigned m, unsigned d);
/* Parse exactly YYYY-MM-DD (n bytes); false if malformed or not a real date. */
bool date_parse(const char *s, size_t n, int64_t *days);
/* Write YYYY-MM-DD. */
void date_format(int64_t days, char out[16]);
/* Whole years from `from` to `to`: one less when this year's birthday has not yet come;
 * a 29 February birthday counts as passed on 1 March in a common year. */
int64_t years_between(int64_t from, int64_t to);

#endif
