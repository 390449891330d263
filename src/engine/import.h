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

#include "base/strset.h"
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
    /* NULL, or the keys to store: a row with any other key is read and checked (a bad one is
     * reviewed as always), then passed over — for a few persons of a large file (the people a
     * diff explains) */
    const StrSet *only_keys;
} ImportOptions;

/* Import `path` as records of type p->records[record]. The header may follow title rows (an
 * official ledger's title, merged across the columns): the first row naming enough fields is
 * it. Each bad row is reported to `report` (may be NULL) as `path:LINE:COL: reason` (a
 * workbook's as `file.xlsx!F12: reason`). Returns false (nothing written) on a file-level
 * error: unreadable, bad encoding, a missing column, a database failure. */
bool import_file(Ledger *l, const Program *p, Vm *vm, uint32_t record, const char *path,
                 const ImportOptions *opt, FILE *report, ImportStats *stats, char **error);

/* Reading and validating the rows of a ledger file, as the import does, for whatever else reads
 * one (the streaming run, run.h): the header found and mapped to the record's fields, then each
 * row checked — its shape, each cell (types, enum values, ranges, defaults) and the record's
 * `require` constraints — with the same reasons at the same line and column. The caller sets
 * p, vm, ri, src, values and owned (ri->nfields + 1 each, zeroed); row_check_header fills the
 * rest, which row_check_free frees. Keys unique in the file are the caller's to check (the import knows the ledger's). */
struct Row;
struct RowSource;

typedef struct RowCheck {
    const Program *p;
    Vm *vm;
    const RecordInfo *ri;
    struct RowSource *src;     /* rows.h */
    int64_t *values;           /* the row's values in field order (text into the row or owned) */
    char **owned;              /* text values made by the general reader: row_check_release */
    bool owns;                 /* whether the general reader ran since the last release */
    int *column_of;            /* field index -> 0-based column, or -1 */
    size_t ncolumns;           /* in the header */
    uint32_t header_line;
    uint32_t col;              /* a row turned down: 1-based column (0: the whole row) */
    char reason[600];          /* and why, in English (msg.h translates it) */
    struct EnumSpellings *spell;   /* per field: an enum's spellings read without the general
                                      reader (row_check_header makes them; row_check_free) */
    struct FieldPlan *plan;    /* per field: what reading a row's cell needs, packed (ditto) */
} RowCheck;

/* Find the header (title rows above it skipped) and map its columns: false with *error (the
 * file empty or unreadable, a column twice, a field without default missing). `path` names
 * the file in the messages. */
bool row_check_header(RowCheck *c, const char *path, char **error);
/* Check the row just read into c->values: false with c->col and c->reason when it is bad. */
bool row_check(RowCheck *c, const struct Row *rec);
/* Free the row's owned text values (after each row, good or bad). */
void row_check_release(RowCheck *c);
/* Free what row_check_header made (column_of and the spellings), when the file is done. */
void row_check_free(RowCheck *c);

/* Which field of ri a header cell names (its identifier, any case, or its label, full-width
 * parentheses read as ASCII ones): the field's index plus one, or 0 — as the import matches
 * its header; for whatever reads a ledger file's header again (the review export). */
uint32_t import_header_field(const RecordInfo *ri, const char *cell, size_t len);

#endif
