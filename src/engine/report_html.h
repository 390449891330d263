/* report_html.h — a run as people look at it: one self-contained HTML page (`doudi report
 * --format html`), in Chinese with the rule file's labels, printable on A4.
 *
 * Sections: the run's stamp (the rule file and its SHA-256, as_of, when, the counts); the city
 * — people per category, per placement and per year as bar charts with their numbers, and
 * every form for the city; then a section per county (a printed page break before each) with
 * its forms as tables, the yearly schedule per group as a stacked chart of the years against
 * the group's cumulative quotas (with its table), the capacity plan (required against existing
 * beds as a chart; new institutions, upgrades and the tasks of each year as a table); the
 * review queue counted by column and reason; and near misses, when given. Numbers are the
 * run's, as stored; nothing is evaluated again here (near misses are computed by the caller,
 * tools/nearmiss.c, and handed in).
 *
 * The page needs nothing outside itself: the CSS is inline, the charts are inline SVG
 * (svg.c), no script, no image, no font, no link out. Tables carry what a program checking
 * them needs: each form's table names its form and unit (data-form, data-unit), each cell its
 * row and column (data-row, data-col), so every number can be compared with the JSON report. */
#ifndef DOUDI_REPORT_HTML_H
#define DOUDI_REPORT_HTML_H

#include "ledger.h"

/* Near misses (tools/nearmiss.c fills this in): for each category, how many persons are
 * not in it although all but one of its conditions hold, and which condition. */
typedef struct NearMissCategory {
    uint32_t rule;             /* the category's RuleInfo, an index into Program.rules */
    uint64_t members;          /* evaluated persons in the category */
    uint64_t others;           /* evaluated persons not in it */
    uint64_t near;             /* of the others, those one condition short of it */
    uint64_t *by_atom;         /* by atom of the rule: the others that atom alone keeps out */
} NearMissCategory;

typedef struct NearMiss {
    char as_of[16];            /* the date they were evaluated at */
    uint64_t persons;          /* records read */
    uint64_t evaluated;
    uint64_t review;           /* not evaluated: unreadable, refused by a check, or stopped */
    uint32_t ncategories;
    NearMissCategory *categories;   /* in declaration order */
} NearMiss;

void nearmiss_free(NearMiss *nm);
/* A condition's words for people beside its source text: the label of the field, let or
 * category it names when it is one (`not has_caretaker` → 有人照料), or NULL. */
const char *nearmiss_atom_label(const Program *p, const AtomInfo *a);

/* Write the report of run `run` (0: the latest) to `path` (NULL: stdout). near may be NULL. */
bool report_html(Ledger *l, const Program *p, int64_t run, const NearMiss *near, const char *path, char **error);

#endif
