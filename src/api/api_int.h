/* api_int.h — what the files of the embedding API share (include/doudi.h is the interface).
 *
 * rules.c compiles, loads and describes rules; record.c makes, validates, evaluates and
 * explains records (and the one-value-at-a-time support the REPL uses); ledger.c opens
 * ledgers, imports, runs, reports and scans; tools.c runs rule-file tests and diffs. */
#ifndef DOUDI_API_INT_H
#define DOUDI_API_INT_H

#include "doudi.h"

#include "base/oom.h"
#include "engine/ledger.h"
#include "lang/check.h"
#include "vm/program.h"
#include "vm/vm.h"

#include <stdbool.h>

struct doudi_rules {
    Program *prog;
    Vm *vm;
    VmTrace trace;
    /* the source level, kept when compiled from source (NULL when loaded from .ddc) */
    SourceFile *src;
    Arena arena;
    Rules *rules;
    /* names the rules with their params as they stand: new for each rules and each
     * doudi_set_param, never reused in the process (a record's verdict is kept against it) */
    uint64_t stamp;
};

struct doudi_record {
    const doudi_rules *r;
    uint32_t n;
    int64_t *values;
    bool *set;
    char **owned;              /* text values this record owns */
    /* the stamp of the rules (and params) under which the record, as it is, was found valid;
     * 0: not known. Setting a field clears it: a record is validated once, not per call. */
    uint64_t valid_stamp;
};

struct doudi_ledger {
    Ledger *l;
};

/* A guarded entry point (base/oom.h) whose call was abandoned for lack of memory: the call's
 * blocks freed, *error (when not NULL) set to "out of memory" if that much can be had. */
void api_out_of_memory(OomGuard *g, char **error);

/* Whether the host set an out-of-memory hook (doudi_set_alloc_failure). */
bool api_alloc_hook_set(void);
/* The threads a run asked for `jobs` gets (jobs.h): one with a hook set — a refused allocation on
 * a worker would abort instead of abandoning the guarded call — or for 0. */
unsigned api_run_threads(unsigned jobs);

/* Set *error (when not NULL) to the formatted message; returns -1. */
int api_fail(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Rules around a compiled program (taking it over): how a .ddc and the REPL get a doudi_rules. */
doudi_rules *api_wrap(Program *prog);
/* A stamp no rules have had before (see doudi_rules.stamp). */
uint64_t api_new_stamp(void);
/* The subject record's schema, or NULL. */
const RecordInfo *api_subject(const doudi_rules *r);
/* A record's explanation (doudi_explain), with what a stored run says of its year (NULL: no
 * run): the explanation for people (tools/explain_people.h), then the rules condition by
 * condition (vm/explain.h); in JSON one object with both; DOUDI_HTML a page of the first, headed
 * by run_lines (the stored run's lines, may be NULL). */
struct ExplainYear;
char *api_explain(const doudi_rules *r, const doudi_record *rec, doudi_format format, const struct ExplainYear *y,
                  const char *run_lines, char **error);
/* The key of a record as text (for messages). */
const char *api_record_key(const doudi_record *rec, StrBuf *sb);

#endif
