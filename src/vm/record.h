/* record.h — what a record must satisfy before it is evaluated, in one place: every field in
 * its declared range, then the record's `require`s, in order, the first that fails being the
 * reason. The importer, a run, the rule-file tests, the embedding API and the ledger scan all
 * ask here, so a record is accepted or refused for the same reason everywhere. Also where
 * the VM stopped a record, as people read it ("overflow at rules.doudi:12:5"). */
#ifndef DOUDI_RECORD_H
#define DOUDI_RECORD_H

#include "vm.h"

#include <stddef.h>

typedef enum RecordVerdict {
    RECORD_OK,
    RECORD_RANGE,              /* `field` is outside its declared range */
    RECORD_REQUIRE,            /* `require` (an index into RecordInfo.requires) failed */
    RECORD_STOPPED,            /* evaluating the requires stopped (an overflow, a malformed id) */
} RecordVerdict;

typedef struct RecordCheck {
    RecordVerdict verdict;
    int32_t field;             /* RECORD_RANGE */
    int32_t require;           /* RECORD_REQUIRE */
    char reason[400];          /* a message: "disability_grade: 5 is outside 0..4", the require's
                                  own message, or where evaluation stopped */
} RecordCheck;

/* Check `values`, a record of type ri of the VM's program. True when it may be evaluated. */
bool record_check(Vm *vm, const RecordInfo *ri, const int64_t *values, RecordCheck *out);

/* Where the VM's last run stopped and why: "overflow at rules.doudi:12:5". */
void record_stop_reason(const Vm *vm, char *out, size_t n);

#endif
