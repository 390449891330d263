/* explain_people.h — a person's outcome explained as a county office is asked about it: a
 * one-line verdict, each category's conditions in the rule file's labels with the values read,
 * for a non-target the nearest category and what would have to change, the placement, and the
 * year (the group, the rank of N, the order keys, each year's cumulative quota and cut-off),
 * each decision with its clause (cite) and the rule file's line. Text in the current language
 * (base/msg.h) or JSON members.
 *
 * It reads one traced run of the person entry (the same bytecode that computes outcomes, as
 * vm/explain.c does) and runs the targets entry for a target (the schedule's keys and filter).
 * The nearest category comes from probing conditions on that bytecode (nearmiss.h). */
#ifndef DOUDI_EXPLAIN_PEOPLE_H
#define DOUDI_EXPLAIN_PEOPLE_H

#include "engine/ledger.h"
#include "vm/vm.h"

/* What a stored run says of the person's year; NULL when there is no run (eval, the REPL). */
typedef struct ExplainYear {
    bool in_run;               /* the run has a result for the person */
    bool has_year;
    int64_t year;
    bool has_rank;             /* false: not scheduled, or a run stored before ledger format 2 */
    const char *partition;
    int64_t group, rank;
    int nyears;                /* the group's years, from ledger_schedule_years */
    const ScheduleYearRow *years;
} ExplainYear;

/* Text: the verdict line and the sections, to come before the rule-by-rule trace. */
void explain_people_text(const Program *p, Vm *vm, const VmTrace *trace, const ExplainYear *y, StrBuf *out);
/* JSON: members (each starting with a comma) to add to the explanation's object: "verdict",
 * "people" (categories with labelled conditions and values), "nearest", "year". */
void explain_people_json(const Program *p, Vm *vm, const VmTrace *trace, const ExplainYear *y, StrBuf *out);

/* HTML: one printable page (self-contained, A4) with the same content; run_lines (may be NULL)
 * are the stored run's lines, one paragraph each. */
void explain_people_html(const Program *p, Vm *vm, const VmTrace *trace, const ExplainYear *y, const char *run_lines,
                         StrBuf *out);

#endif
