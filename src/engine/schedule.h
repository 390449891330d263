/* schedule.h — the yearly schedule (INTERPRETATION §5), driven by the rule file's `schedule`.
 *
 * People to schedule are added one by one as the run evaluates them (their partition, their
 * primary category and the values of the declared order keys); schedule_assign then groups
 * them by partition and quota group, ranks each group by the keys (the record key last), and
 * gives the person at 0-based rank r the first year Y with r < ⌈share(Y) × N⌉, computed in
 * integers. Memory: one entry per scheduled person (its keys), nothing else per record. */
#ifndef DOUDI_SCHEDULE_H
#define DOUDI_SCHEDULE_H

#include "base/strset.h"
#include "base/util.h"
#include "vm/program.h"
#include "vm/vm.h"

typedef struct ScheduleGroup {
    uint32_t nshares;
    int64_t *years;            /* increasing */
    int64_t *cumulative;       /* fixed point (1.0 = 10000), the last 10000 */
} ScheduleGroup;

typedef struct Schedule {
    uint32_t ngroups;
    ScheduleGroup *groups;
    int32_t *group_of;         /* by category index: its group, or -1 */
    uint32_t nkeys;
    uint8_t *key_kind;         /* ValueKind of each order key */
    bool *key_desc;
    /* entries */
    size_t count, cap;
    uint32_t *partition;       /* interned partition value */
    uint32_t *group;
    int64_t *keys;             /* nkeys per entry; text keys as offsets in key_text */
    uint32_t *person;          /* the caller's handle (e.g. a row number) */
    size_t *person_key;        /* the record key, the last tie-break: its offset in key_text */
    StrBuf key_text;           /* record keys and text order keys, each NUL-terminated */
    StrSet strings;            /* interned partition values */
} Schedule;

/* From the program's schedule (program.h); NULL when it has none. Each share is read from its
 * register in vm, so a param that was overridden gives its new value. */
Schedule *schedule_new(const Program *p, const Vm *vm);
void schedule_free(Schedule *s);
/* Intern a string: the same text always gets the same small id (partitions are grouped by
 * id). */
uint32_t schedule_intern(Schedule *s, const char *text);
/* Room for n entries (their text keys some 20 bytes each), so that adding them copies
 * nothing: the tables are taken as they fill. */
void schedule_reserve(Schedule *s, size_t n);
/* Add a person whose primary category is `category`. False (not added) when that category is
 * in no group. key_values: one per order key, text keys as pointers to their text. */
bool schedule_add(Schedule *s, const char *partition, int category, const int64_t *key_values,
                  const char *record_key, uint32_t person);
/* The record key of the i-th added entry, and its k-th order key when that is text. */
const char *schedule_person_key(const Schedule *s, size_t i);
const char *schedule_key_text(const Schedule *s, size_t i, uint32_t k);
/* Rank and assign; years[i] receives the year of the i-th added entry (in add order). */
void schedule_assign(Schedule *s, int64_t *years);
/* The same, and (when not NULL) ranks[i] the entry's 1-based rank within its partition and
 * group, sizes[i] that group's size N — what an explanation shows of the year. */
void schedule_assign_ranked(Schedule *s, int64_t *years, int64_t *ranks, int64_t *sizes);
/* How many of a group of n are placed by the end of its k-th year (⌈share × n⌉, at most n). */
int64_t schedule_quota(const ScheduleGroup *g, uint32_t k, int64_t n);

#endif
