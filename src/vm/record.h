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
/* The same for values whose ranges the caller has checked already (the import's reading of a
 * row checks each cell's): the `require`s alone. */
bool record_check_requires(Vm *vm, const RecordInfo *ri, const int64_t *values, RecordCheck *out);

/* ---- the compact record ------------------------------------------------------------------
 *
 * A record as a C programmer would lay it out, for holding many in memory: each field as
 * narrow as its type allows — a byte for a bool, an enum (up to 256 values) or an int whose
 * declared range lies in 0..255; four bytes (int32) for a date's day number or an int whose
 * range fits; eight for text (the pointer), numbers, percents and other ints. Fields are
 * sorted by width, widest first, declaration order within a width, with no padding: the
 * Zhengzhou person is 74 bytes instead of 288 (five text pointers among them). The layout is
 * a function of the record's verified schema alone, so a compiled rule file and the same
 * program loaded from a .ddc lay a record out alike, and nothing in it needs verifying.
 * Packing is lossless or refused: a value that does not fit its slot (a record that would
 * fail validation anyway) makes record_pack return false, and the caller keeps the int64
 * record for that one. */
typedef struct RecordLayout {
    uint32_t size;             /* bytes of one packed record */
    uint32_t nfields;
    uint32_t n8, n4, n1;       /* fields of each width */
    uint32_t *order;           /* field indexes in packed order: n8 wide, n4 int32, n1 bytes */
    uint32_t *offset;          /* per field (declaration order): its byte offset */
    uint8_t *width;            /* per field: 8, 4 or 1 */
    /* the packed order as runs of consecutive fields of one width, what unpacking loops over:
     * the Zhengzhou person is three (five texts, the birth date, thirty bytes) */
    uint32_t nruns;
    struct RecordRun { uint32_t field, count, width; } *runs;
} RecordLayout;

void record_layout_init(RecordLayout *l, const Program *p, const RecordInfo *ri);
void record_layout_free(RecordLayout *l);
/* values (int64 per field, as vm_run takes them) into l->size bytes at out. */
bool record_pack(const RecordLayout *l, const int64_t *values, uint8_t *out);
/* The packed record back into an int64 per field (values[field index]). */
void record_unpack(const RecordLayout *l, const uint8_t *rec, int64_t *values);
/* vm_run over a packed record: its fields widened straight into the field registers. */
bool record_run(Vm *vm, uint32_t entry, const RecordLayout *l, const uint8_t *rec);

/* Where the VM's last run stopped and why: "overflow at rules.doudi:12:5". */
void record_stop_reason(const Vm *vm, char *out, size_t n);

#endif
