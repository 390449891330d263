/* gen.h — a deterministic synthetic Zhengzhou population (`doudi gen`).
 *
 * Writes the CSV contract of INTERPRETATION §1 directly (persons.csv, institutions.csv); it
 * knows nothing of rule files or the compiler. Same options → byte-identical files: the
 * generator has its own PRNG (splitmix64 seeding xoshiro256**, one stream per row), uses no
 * time, locale or libm, and streams rows, so memory does not grow with the count (a fixed
 * ~2 MB table of used resident-id sequence numbers guarantees unique ids).
 *
 * What a population holds, by construction:
 * - about 1% of rows (every 97th) are archetypes that together reach every category of §3 as
 *   the primary one with centralized placement (so every schedule group of §5), every placement
 *   branch of §4, home care, and persons in several categories; any 2,000 consecutive rows hold
 *   the whole set;
 * - edge rows, 0.5% each (every 200th, at seed-dependent offsets): born exactly 18 and exactly
 *   60 years before as_of and one day later (one day short), born on 29 February, exactly 3 and
 *   exactly 4 ADL items lost, persons in several categories; 0.1% each: a village cell holding a
 *   comma, a village cell holding a line break (both RFC 4180-quoted), an empty village;
 * - ids whose check digit is X are written with a lowercase x one time in five (valid: §1
 *   reads a lowercase x as X);
 *   At millions of rows an edge birthday's ids run out (12 counties × 2 sexes × 500 sequences =
 *   12,000 people per date); further edge rows then take the day before.
 * - with bad_rate R, the first k rows hold floor(R·k) malformed ones (archetype rows never are:
 *   a malformed row due there moves to the next row), cycling through the GenBadKind kinds
 *   below. Each malformed row has exactly one defect; the duplicate-id row is a copy of the
 *   most recent good row. expected_review.csv lists them: header `line,column,kind`, then one
 *   row per malformed record in file order — line: the persons.csv line where the record
 *   starts (header = line 1; a quoted line break in an earlier row counts), column: the
 *   1-based offending column (0 = the whole row), kind: gen_bad_kind_name().
 */
#ifndef DOUDI_GEN_H
#define DOUDI_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Largest --count accepted (the id space per county and birth date is 1,000 sequences). */
#define GEN_MAX_COUNT 100000000ULL

/* The kinds of malformed person rows, in the order the generator cycles through them. */
typedef enum GenBadKind {
    GEN_BAD_ID_CHECK_DIGIT,       /* id: wrong GB 11643-1999 check digit          column 1  */
    GEN_BAD_ID_LENGTH,            /* id: 17 characters (check digit dropped)      column 1  */
    GEN_BAD_BIRTH_DATE_MISMATCH,  /* birth_date a valid date ≠ id digits 7–14     column 6  */
    GEN_BAD_SEX_MISMATCH,         /* sex ≠ parity of id digit 17                  column 7  */
    GEN_BAD_GRADE_ZERO_WITH_TYPE, /* disability_grade 0, disability_type ≠ none   column 15 */
    GEN_BAD_GRADE_WITHOUT_TYPE,   /* disability_grade 1–4, disability_type none   column 15 */
    GEN_BAD_GRADE_OUT_OF_RANGE,   /* disability_grade 7 (type ≠ none)             column 15 */
    GEN_BAD_ENUM,                 /* an enum cell not in its enum ("some")        its column */
    GEN_BAD_BOOL,                 /* a bool cell "maybe" or "2"                   its column */
    GEN_BAD_DATE,                 /* birth_date not a date ("1950-02-30")         column 6  */
    GEN_BAD_EMPTY_CELL,           /* a required cell empty                        its column */
    GEN_BAD_DUPLICATE_ID,         /* the id of an earlier good row (a copy of it) column 1  */
    GEN_BAD_TOO_FEW_COLUMNS,      /* the row stops after 30 of 36 cells           column 0  */
    GEN_BAD_KINDS
} GenBadKind;

/* "id_check_digit", "id_length", ... — the kind column of expected_review.csv. */
const char *gen_bad_kind_name(int kind);

/* The person columns (§1 order, identifiers) and the institution columns. */
enum { GEN_PERSON_COLUMNS = 36, GEN_INSTITUTION_COLUMNS = 6 };
extern const char *const gen_person_columns[GEN_PERSON_COLUMNS];
extern const char *const gen_institution_columns[GEN_INSTITUTION_COLUMNS];

/* Zhengzhou's twelve counties: 6-digit code and name. */
enum { GEN_COUNTIES = 12 };
extern const char *const gen_county_codes[GEN_COUNTIES];
extern const char *const gen_county_names[GEN_COUNTIES];

typedef struct GenOptions {
    uint64_t count;       /* person rows */
    uint64_t seed;
    double bad_rate;      /* 0..1 */
    int64_t as_of;        /* day number (date.h); ages are reckoned at it */
    bool gbk;             /* persons.csv in GBK instead of UTF-8 */
    bool bom;             /* persons.csv starts with a UTF-8 byte-order mark */
    /* Called every 65,536 rows and at the end, when set. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
} GenOptions;

/* Defaults: count 0, seed 0, bad_rate 0, as_of 2021-04-01, UTF-8, no BOM. */
GenOptions gen_default_options(void);

typedef struct GenStats {
    uint64_t persons;                    /* data rows written to persons.csv */
    uint64_t bad;                        /* of which malformed */
    uint64_t bad_by_kind[GEN_BAD_KINDS];
    uint64_t institutions;
    uint64_t lines;                      /* lines in persons.csv, header included */
} GenStats;

/* Write persons.csv, institutions.csv and, when bad_rate > 0, expected_review.csv
 * (`line,column,kind`) into dir, creating dir (and its parents) when missing. Each file is
 * written under a temporary name and renamed when complete. With bad_rate 0 a stale
 * expected_review.csv left in dir by an earlier run is removed. Returns 0, or -1 with a
 * message in *err (caller frees). stats may be NULL. */
int gen_write_dir(const GenOptions *o, const char *dir, GenStats *stats, char **err);

/* The same, to open streams; review may be NULL (then nothing is written to it). */
int gen_write(const GenOptions *o, FILE *persons, FILE *institutions, FILE *review,
              GenStats *stats, char **err);

#endif
