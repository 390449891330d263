/* import.h — ledgers (CSV text or an .xlsx workbook, rows.h) into the SQLite store, validated
 * by the rule file.
 *
 * Every row is read whole and checked against its record declaration — types, enum values
 * (identifier or label), ranges, fields without default present, key unique in the file, and
 * the record's `require` constraints (run by the VM) — before it is written. A bad row goes
 * to the review table with its line, column and reason, and is reported; it never stops the
 * good rows. Rows are upserted by key, so importing the same file again changes nothing. The
 * whole import is one transaction. */
#ifndef DOUDI_IMPORT_H
#define DOUDI_IMPORT_H

#include "ledger.h"
#include "vm/vm.h"

#include <stdio.h>

typedef struct ImportStats {
    uint64_t rows;             /* data rows read */
    uint64_t added, updated, unchanged;
    uint64_t review;           /* rows sent to review */
    char encoding[32];         /* what the file was read as: utf-8, gb18030, ..., xlsx */
    char sheet[128];           /* a workbook's sheet read, or "" */
} ImportStats;

typedef struct ImportOptions {
    const char *encoding;      /* a CSV's: NULL to detect, or utf-8 / gbk / gb18030 */
    const char *sheet;         /* a workbook's sheet: NULL for the first */
} ImportOptions;

/* Import `path` as records of type p->records[record]. The header may follow title rows (an
 * official ledger's title, merged across the columns): the first row naming enough fields is
 * it. Each bad row is reported to `report` (may be NULL) as `path:LINE:COL: reason` (a
 * workbook's as `file.xlsx!F12: reason`). Returns false (nothing written) on a file-level
 * error: unreadable, bad encoding, a missing column, a database failure. */
bool import_file(Ledger *l, const Program *p, Vm *vm, uint32_t record, const char *path,
                 const ImportOptions *opt, FILE *report, ImportStats *stats, char **error);

/* Which field of ri a header cell names (its identifier, any case, or its label, full-width
 * parentheses read as ASCII ones): the field's index plus one, or 0 — as the import matches
 * its header; for whatever reads a ledger file's header again (the review export). */
uint32_t import_header_field(const RecordInfo *ri, const char *cell, size_t len);

#endif
