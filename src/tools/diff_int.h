/* diff_int.h — what the files of `doudi diff` share (diff.h is the interface).
 *
 * diff.c runs the two rule files and computes the figures; diff_population.c makes the
 * temporary ledger a population of CSV files (or a copied ledger) is run in;
 * diff_expect.c checks the figures against an approved-changes file; diff_render.c writes
 * the report as text and JSON. */
#ifndef DOUDI_DIFF_INT_H
#define DOUDI_DIFF_INT_H

#include "diff.h"
#include "engine/import.h"

#include <stdarg.h>

/* ---- names ---- */
typedef VEC(char *) Names;
int diff_names_find(const Names *n, const char *s);
int diff_names_add(Names *n, const char *s);
void diff_names_free(Names *n);
int diff_compare_strings(const void *a, const void *b);

bool diff_failf(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the figures ------------------------------------------------------------------------ */

enum { FIG_DELTA, FIG_COUNT };

typedef enum Section {
    S_CHANGED, S_CATEGORY, S_MEMBER, S_PLACEMENT, S_YEAR, S_CATYEAR, S_TRANSITION,
    S_FORM, S_FORM_COUNTIES, S_FORM_COUNTY, S_CAPACITY, S_CAPACITY_COUNTIES, S_CAPACITY_COUNTY,
} Section;

extern const char *const SECTION_NAMES[];

typedef struct Figure {
    char *name;                /* as an approved-changes line names it */
    uint8_t kind;              /* FIG_DELTA: before → after; FIG_COUNT: a count, in `after` */
    uint8_t section;
    int32_t form;              /* S_FORM*: index into Diff.forms; else -1 */
    int32_t bulk;              /* a county figure: the `counties` figure approving it in bulk */
    int64_t before, after;
} Figure;

static inline int64_t change_of(const Figure *f) { return f->kind == FIG_COUNT ? f->after : f->after - f->before; }

/* One side's outcome for a person: a row of the results, or `present` false (in review). */
typedef struct Outcome {
    bool present;
    char *categories, *primary, *placement;
    bool has_year;
    int64_t year;
} Outcome;

typedef struct Person {
    char *key;
    Outcome was, now;
    char *explain[2][2];       /* [old, new][text, json]; NULL: why[side] says why not */
    char *why[2];
} Person;

typedef struct DiffForm {
    char *name, *label;
    /* The targets (city-wide) its rows leave out, [old, new]: a form with a total row and a
     * count column without condition (people per row) — the targets less what its rows count;
     * -1 where the form (or that side's form) has neither. */
    int64_t outside[2];
    char *total_label;         /* the new form's total row's label (or name), or NULL */
} DiffForm;

typedef struct Side {
    char *rules_path;
    RunStats run;
    bool imported;
    ImportStats persons, institutions;
    bool has_institutions;
} Side;

struct doudi_diff {
    Side side[2];
    char *population;          /* NULL: diff_ledger */
    bool population_is_ledger;
    char *placement_name;      /* the new rules' placement ("care") */
    VEC(Figure) figs;
    size_t *slots;             /* name → figure index + 1, open addressing */
    size_t nslots;
    uint64_t changed;
    VEC(Person) people;
    Names cats, places;        /* the new file's, then the old file's own, in declaration order */
    Names vocab;               /* what an approved-changes file may name: see known() */
    VEC(DiffForm) forms;
    size_t nvalues;            /* the transition matrix: places, none[, review] */
    int64_t *matrix;
    bool has_review;
    /* the last diff_expect */
    bool checked;
    char *expect_path;
    size_t approvals;
    Names mismatches;
};

/* ---- figures and what an approved-changes file may name (diff.c) ---- */
size_t diff_add_figure(Diff *d, const char *name, int kind, Section section, int64_t before, int64_t after);
void diff_index_figures(Diff *d);
Figure *diff_find_figure(const Diff *d, const char *name);
void diff_vocab_add(Diff *d, const char *kind, const char *a, const char *b);
bool diff_known(const Diff *d, const char *kind, const char *a, const char *b);
bool diff_is_keyword(const char *s);
void diff_catyear_name(StrBuf *sb, const char *cat, const char *year);
void diff_year_text(int64_t y, char out[24]);
void diff_put_change(StrBuf *sb, const Figure *f, int64_t v);

/* ---- the approved-changes file (diff_expect.c), for diff_write.c ---- */
typedef struct Approval {
    char *name;                /* the figure's canonical name */
    int kind;
    int64_t value;
    size_t line;
} Approval;

typedef VEC(Approval) Approvals;

/* The figures of an approved-changes file, in order; false (errors gets `FILE:LINE: why`
 * lines) when a line is no figure. */
bool diff_parse_approvals(const Diff *d, const char *path, const char *text, size_t len, Approvals *out,
                          StrBuf *errors);

/* ---- the comparison of two runs on one ledger (diff.c), for diff_population.c ---- */
Diff *diff_new(const DiffRules *o, const DiffRules *n);
bool diff_reserved_names(const DiffRules *r, char **error);
/* Run one side's rules as run `side` (0 old, 1 new) of the ledger. */
bool diff_run_side(Diff *d, Ledger *l, const DiffRules *r, int side, char **error);
/* Both runs are stored: compute the figures, and keep the first `limit` people who changed. */
bool diff_compare_runs(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n, int limit, char **error);
/* Explain the people kept, each side with its rules, from their records in the ledger (a
 * person the ledger does not hold gets why[side] instead). */
void diff_explain_people(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n);

#endif
