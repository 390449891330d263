/* diff.h — what a rule amendment changes (`doudi diff OLD NEW --population P`).
 *
 * The old and the new rule file are run over the same population as two runs of one ledger;
 * the runs' stored results are compared person by person (both read in key order and merged),
 * and their stored forms and capacity plans cell by cell. Nothing is evaluated a third time:
 * only the explanations of the changed people listed are computed again (by the caller's
 * `explain`, see DiffRules).
 *
 * Everything the comparison reports is a *figure*: a number before and after (or a count),
 * named exactly as a line of an approved-changes file names it (docs/rule-changes.md):
 *
 *   changed                                  persons whose outcome differs (a count)
 *   category C | member C | placement P | year Y      people per primary category, per
 *                                            category they are in, per placement, per year
 *   C Y                                      people of primary category C placed in year Y
 *   placement A -> B                         people moved from A to B (a count)
 *   form F city|COUNTY ROW COLUMN            a cell of a form of the new rule file
 *   form F counties                          how many county cells of form F changed (a count)
 *   capacity city|COUNTY TYPE COLUMN         a number of the capacity plan
 *   capacity counties                        how many county numbers of the plan changed
 *
 * Values `none` (not a target, no placement, no year) and `review` (not evaluated: the person
 * was rejected on import or sent to review by the run) stand beside the rule file's own.
 * A person's outcome is the results file's row (DESIGN "Results file"): the set of
 * categories, the primary category, the placement and the year; it "changed" when any of
 * them differs, or when the person was evaluated by one run and not by the other. */
#ifndef DOUDI_DIFF_H
#define DOUDI_DIFF_H

#include "engine/ledger.h"
#include "engine/run.h"
#include "vm/vm.h"

#include <stdio.h>

/* One side of the comparison: a compiled program (it carries the schedule, the forms and the
 * capacity plan) and a VM of it. */
typedef struct DiffRules {
    const Program *p;
    Vm *vm;
    /* The explanation of the person `key` as the ledger holds it now, text or JSON; NULL with
     * *error (the reason it cannot be evaluated) when there is none. ctx is passed back. */
    char *(*explain)(void *ctx, Ledger *l, const char *key, bool json, char **error);
    void *ctx;
} DiffRules;

typedef struct doudi_diff Diff;

/* population: a directory holding persons.csv (and institutions.csv), run straight from its
 * files by each rule file (the streaming run, engine/stream.h: each side reads the population
 * as its own import would) into a scratch ledger in memory, the listed people's rows alone
 * imported afterwards for their explanations — or a ledger file, copied (with its -wal file,
 * if any) into a mkdtemp() directory and run there: the file itself is only read; the
 * directory is removed afterwards. limit: how many changed people (the first by key) to keep
 * with both explanations. */
Diff *diff_population(const DiffRules *old_rules, const DiffRules *new_rules, const char *population, int limit,
                      char **error);
/* The same on an open ledger: both runs are stored in it. */
Diff *diff_ledger(Ledger *l, const DiffRules *old_rules, const DiffRules *new_rules, int limit, char **error);
void diff_free(Diff *d);

/* Check the figures against an approved-changes file (docs/rule-changes.md): 0 when every
 * figure is as approved, 1 when not (each mismatch a line in *mismatches, also kept for the
 * rendering), -1 when the file cannot be read or a line cannot be understood (*error). */
int diff_expect(Diff *d, const char *path, StrBuf *mismatches, char **error);

/* The approved-changes file the figures pass with, written over the one at `path` (when it
 * exists) with the least change: its comments, layout and the lines still right stay; a
 * line whose change moved gets its new value, one whose figure no longer changes goes
 * (`changed` stays); the figures no line approves are appended (diff_write.c). `out` gets the
 * whole text, `log` a line per change (`FILE:LINE: FIGURE: OLD → NEW`, `... added`, `...
 * removed: ...`). Returns how many lines changed (0: the file already passes), -1 when the
 * file cannot be read or holds a line that is no figure (*error names each). */
int diff_write_expect(Diff *d, const char *path, StrBuf *out, StrBuf *log, char **error);

/* The report, with the approved-changes verdict when diff_expect ran. Ids are not masked. */
void diff_render_text(const Diff *d, StrBuf *out);
void diff_render_json(const Diff *d, StrBuf *out);

/* A comment for a merge request: GitHub's limit is 65,536 characters a comment, GitLab's
 * larger; 60,000 bytes stay under both. */
enum { DIFF_MARKDOWN_LIMIT = 60000 };

typedef struct DiffMarkdown {
    size_t limit;              /* bytes the comment may take; 0: DIFF_MARKDOWN_LIMIT */
    int people;                /* changed people to list (at most those the diff kept) */
    bool show_ids;             /* false: resident ids masked (410122********1234) */
    const char *title;         /* the heading; NULL: "Rule change: OLD → NEW" */
    const char *approval_note; /* a sentence about the approval, after the count, or NULL */
    const char *full_text, *full_json; /* where the full reports are written, or NULL */
} DiffMarkdown;

/* The report as Markdown, at most opt->limit bytes (when the limit leaves room for the
 * heading, the verdict and the closing lines: a few hundred bytes): the count of changed
 * people and the approved-changes verdict with each difference; people per category (primary
 * and member), placement and year, before → after and Δ; the changes per category and year;
 * the moves between placements; each form's cells and the capacity plan's numbers that
 * change, the city's then each county's; the first changed people, each with a one-line
 * reason. A section that does not fit is left out with everything after it, and the comment
 * says so; the closing line names the full report. */
void diff_render_markdown(const Diff *d, const DiffMarkdown *opt, StrBuf *out);

/* Every figure, in report order: its name, before and after, and its change (after − before;
 * for a count, the count). NULL when i is out of range. */
size_t diff_figure_count(const Diff *d);
const char *diff_figure(const Diff *d, size_t i, int64_t *before, int64_t *after, int64_t *change);

#endif
