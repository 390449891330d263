/* review.h — the review queue (待核查) sent back to the clerk, and taken out of review again.
 *
 * Export. Every row an import sent to review, as it was read (the raw row the importer kept; a
 * workbook's cells as read), under the header of the file it came from, read again from that
 * file (the title rows above it skipped); when the file is gone, the record's field labels in
 * declaration order stand in. One sheet per source file and record type, named after the file.
 * The offending cell is filled light red (Excel's "bad" style: fill FFC7CE, font 9C0006) and
 * carries the reason as a cell comment; a last column, 原因, holds the reason and where it was
 * ("persons.csv:12:6", "台账.xlsx!F12"; a whole row: "persons.csv:12", "台账.xlsx!12:12").
 * Every cell is text (format "@"), so an id typed into the sheet stays an id. A CSV holds the
 * same columns (UTF-8 with a BOM), for one source only. The file holds full ids: it is
 * created 0600 and replaces `path` atomically.
 *
 * Back in. The clerk corrects the sheet and imports it; the import ignores the 原因 column (it
 * names no field). The entries the rows left are keyed by their source, so the corrected rows,
 * coming from another file, cannot clear them by source: after an import, every entry of
 * another source is dropped whose row the import read again — imported cleanly, or sent to
 * review again (its new entry replaces the old): a row holding the key of a row the import
 * read, or a row equal to one read but for the entry's offending cell (the key itself
 * corrected). An import of the entry's own source replaces its entries as before. */
#ifndef DOUDI_REVIEW_H
#define DOUDI_REVIEW_H

#include "ledger.h"
#include "vm/program.h"

typedef struct ReviewExport {
    const char *path;          /* where to write; NULL: CSV to stdout */
    bool xlsx;                 /* a workbook (needs path), else CSV */
    const char *source;        /* only the entries of this file (any spelling of its path), or of the
                                  latest run ("run", "run N"); NULL: all */
} ReviewExport;

typedef struct ReviewExportStats {
    uint64_t rows;             /* rows written */
    uint64_t files;            /* source files (and record types) they came from */
} ReviewExportStats;

/* Write the review queue as `opt` says, the header and field names read with `p`'s records:
 * the rows imports sent to review, by source file, then the persons the latest run could not
 * evaluate (their records as stored, under the fields' labels; opt->source "run" or "run N"
 * takes these alone).
 * Errors: a CSV asked for while rows of several files (with their own columns) are in review
 * (the message names them: choose one with a source); the file cannot be written. */
bool review_export(Ledger *l, const Program *p, const ReviewExport *opt, ReviewExportStats *stats, char **error);

/* Whether the import read a row with this key (already normalised as review_key_norm does). */
typedef bool (*review_key_fn)(void *ctx, const char *key);

/* The review entries other sources left for record type `record`, matched against the rows an
 * import of `source` (its absolute path) reads: column_of[f] is the 0-based column of field f
 * in the file being imported (-1 when absent). NULL with *error when the ledger fails. */
typedef struct ReviewMatch ReviewMatch;
ReviewMatch *review_match_open(Ledger *l, const RecordInfo *ri, const char *source, const int *column_of,
                               char **error);
/* A row the import read (stored or sent to review again): it matches an entry whose row had the
 * same text in every field's column but the entry's offending cell — the same row, corrected
 * (so an id of 17 digits made 18 still finds its entry), when the file keeps the columns where
 * the entry's file had them, as the exported sheet does. */
void review_match_row(ReviewMatch *m, char *const *cells, const size_t *lens, size_t count);
/* Drop the entries a row matched, and those whose key cell — the column its own file's header
 * names the key, read again — holds a key `read_again` recognises as one the import read (no
 * other cell: a row may hold other people's ids; no key match when that file is gone). Frees m
 * (also on failure); read_again NULL: only frees it. */
bool review_match_close(ReviewMatch *m, review_key_fn read_again, void *ctx, char **error);

/* A key as rows are matched by: leading and trailing blanks dropped, a final x as X. Into out
 * (cap bytes, truncated); returns out. */
char *review_key_norm(const char *s, size_t n, char *out, size_t cap);

#endif
