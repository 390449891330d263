/* completeness.h — what a rule file must hold beyond names and types.
 *
 * Two checks that run on the checked Rules, after every expression has its type and symbol:
 *
 *   - citations: a policy that declares `cite required` wants every category, placement
 *     branch, schedule group and the capacity plan to say which clause it rests on;
 *   - the forms count each person once: a table whose rows are all of the form
 *     `primary == X` / `primary in {…}` (or the same on the placement, with `!=`, `not in`,
 *     `and`, `or`, `not`) splits people by that value, so each value must be counted by
 *     exactly one row — none, and its people vanish from the total; two, and they are counted
 *     twice. The same holds for the count columns of a group that has a total column (a
 *     `count` with no condition). The values to cover are every category, or every placement
 *     value — for a table with capacity columns (one row per institution type), the types the
 *     capacity plan lists. Rows or columns of any other form are left to the run, which
 *     verifies the rows person by person (completeness_run_rows: the compiler marks them in
 *     the FormInfo, forms.c stops the run at the first person counted by no row or by two).
 *
 * Declarations typed at the REPL over a rule file are left out of both: the file's forms cannot
 * be expected to count an experiment. Errors go to the DiagList, each with a note that shows
 * where the fix goes. */
#ifndef DOUDI_COMPLETENESS_H
#define DOUDI_COMPLETENESS_H

#include "check.h"

/* Run both checks; r must come from check_module (with or without errors). */
void completeness_check(const Rules *r, DiagList *dl);

/* What is left to the run (the compiler marks it in the FormInfo): whether table t has a
 * total row and rows the checker could not prove count every target once — a table with
 * capacity columns excepted, whose rows are the plan's institution types and leave out, by
 * design, the people placed elsewhere. A group's count columns are not verified at run time:
 * beside a total column, columns of another form are often "of which" counts (其中: poor, of
 * several categories) that overlap by design; only those the checker proves are held to a
 * partition. */
bool completeness_run_rows(const Rules *r, const Decl *t);

#endif
