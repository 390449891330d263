/* handwritten.h — the Zhengzhou rules as a C programmer would write them for one survey, by
 * hand, with libc only: `make bench`'s end-to-end baseline (bench_stream.c).
 *
 * persons.csv and institutions.csv in (RFC 4180, UTF-8, the columns found by their names in
 * the header); every row checked as the rule file's record declarations check it (the id's
 * length and check digit, the birth date and sex against the id, the enums, yes/no values and
 * the grade's range, the grade 0 exactly when there is no disability, no empty cell but the
 * three with defaults, the row's width, the id unique: a second row with an id is dropped);
 * each person's categories, primary category and placement (INTERPRETATION §3–4); the yearly
 * schedule per county and primary category (§5: ranked by ADL items lost, categories, age, id);
 * the results file (`id,categories,primary_category,placement,year`, sorted by id); the two
 * forms' counted cells per county and the capacity plan (§6: demand, beds with 10% headroom,
 * institutions to build and upgrade, spread 30/30/40% over 2021–2023). No allocation per row
 * beyond the growing arrays; one pass over the file, one sort for the results, one per group
 * for the schedule. */
#ifndef HANDWRITTEN_H
#define HANDWRITTEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum { HW_COUNTIES = 12, HW_CATEGORIES = 6, HW_PLACEMENTS = 6, HW_YEARS = 3 };

/* The counted cells of 附件1 (rows: primary category; columns: dibao, low_income,
 * registered_poor, subtotal, home, central) and 附件2 (rows: placement; columns: each primary
 * category, then persons), and the capacity plan, per county. */
typedef struct HwCounty {
    int64_t a1[HW_CATEGORIES][6];
    int64_t a2[HW_PLACEMENTS][HW_CATEGORIES + 1];
    int64_t existing[HW_PLACEMENTS], existing_beds[HW_PLACEMENTS], upgrades[HW_PLACEMENTS];
    int64_t required_beds[HW_PLACEMENTS], build[HW_PLACEMENTS], tasks[HW_PLACEMENTS];
    int64_t per_year[HW_PLACEMENTS][HW_YEARS];
} HwCounty;

typedef struct HwResult {
    uint64_t rows, persons, rejected, targets, scheduled;
    HwCounty county[HW_COUNTIES];
} HwResult;

/* Names, in the rule file's orders, for comparing with what doudi stored. */
extern const char *const HW_COUNTY_CODE[HW_COUNTIES];
extern const char *const HW_CATEGORY[HW_CATEGORIES];
extern const char *const HW_PLACEMENT[HW_PLACEMENTS];
extern const char *const HW_A1_COLUMN[6];
extern const int HW_YEAR[HW_YEARS];

/* Run the pipeline: false (with a message on stderr) when a file cannot be read or lacks a
 * column. */
bool hw_run(const char *persons, const char *institutions, const char *results, HwResult *out);

#endif
