/* rows.h — one interface over the two kinds of ledger file: a CSV text or an .xlsx workbook.
 *
 * The importer reads rows; where they come from is settled once, at rows_open, by the file's
 * first bytes: a zip ("PK\3\4") is a workbook, read by xlsx.h; an OLE compound file (D0 CF 11
 * E0: an .xls, or an .xlsx with a password) is refused with a message saying what to save it
 * as; anything else is text, read by csv.h (which settles the encoding). Both give a row the
 * same shape: its cells as UTF-8 text, the position to name in messages, its raw text for the
 * review table, and — for a workbook — a reason per cell whose value is not to be used.
 *
 * Positions. A CSV row is at a physical line and its cells are numbered: `persons.csv:12:6`.
 * A workbook row is at a sheet row and its cells are lettered, as Excel shows them:
 * `摸底台账.xlsx!F12` (`摸底台账.xlsx!Sheet2!F12` for a sheet chosen with --sheet that is not
 * the first). rows_where writes either.
 *
 * Title rows. Official ledgers put a title ("郑州市XX区特殊贫困群体摸底台账", merged across the
 * columns) and sometimes a line of notes above the header. rows_find_header reads rows until
 * one names enough of the record's fields (the caller says which cells name a field) and
 * skips the rows above it. */
#ifndef DOUDI_ROWS_H
#define DOUDI_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

/* Rows looked at for the header before giving up. */
#define ROWS_HEADER_SCAN 20

typedef struct RowSource RowSource;

typedef enum RowsKind { ROWS_CSV, ROWS_XLSX } RowsKind;

typedef struct RowsOptions {
    const char *encoding;      /* CSV: NULL, "", "auto" to detect; see csv.h. Ignored for XLSX */
    const char *sheet;         /* XLSX: the sheet to read, NULL for the first. Refused for CSV */
} RowsOptions;

typedef struct Row {
    char **cells;              /* count cells, NUL-terminated UTF-8 */
    size_t *lens;              /* byte length of each */
    size_t count;              /* >= 1 */
    uint32_t line;             /* CSV: physical line where the row starts; XLSX: sheet row */
    const char *const *cell_errors; /* NULL (CSV), or per cell NULL or why the cell's value is
                                  not to be used: "the cell holds Excel's error value #N/A",
                                  "the number 410102195805081000 has 18 digits, but Excel keeps
                                  only 15: ..." — to be reported like a bad value of that cell,
                                  when (and only when) the cell's column is a field's */
    const uint8_t *kinds;      /* NULL (CSV), or per cell an XlsxCellKind (xlsx.h) */
    bool utf8_checked;         /* the cells are valid UTF-8 for certain (a CSV file is checked
                                  or converted whole at open): a reader need not check again */
    const char *raw;           /* the row's text (XLSX: its cells as one CSV line); NUL-ended */
    size_t raw_len;
    char error[256];           /* "" for a good row; why a malformed row is malformed */
    uint32_t error_col;        /* malformed: 1-based column of the bad cell, 0 for the row */
} Row;

/* Open the ledger at `path` (opt may be NULL). On failure NULL, with *error (if error is not
 * NULL) a message naming the file, for the caller to free. */
RowSource *rows_open(const char *path, const RowsOptions *opt, char **error);
void rows_close(RowSource *s);

/* The next row, as csv_next / xlsx_next: 1 a row; 0 the end (and ever after); -1 a malformed
 * row, filled in, the reason in row->error (reading goes on); -2 the file cannot be read on,
 * the reason (without the file's name) in row->error. Pointers in *row stay valid until the
 * next rows_next, rows_find_header or rows_close. */
int rows_next(RowSource *s, Row *row);

/* Whether `cell` names one of the record's fields (by identifier or label): the field's index
 * plus one, or 0. */
typedef uint32_t (*rows_field_fn)(void *ctx, const char *cell, size_t len);

/* Read up to the header: the first row in which at least `need` distinct fields are named (at
 * most ROWS_HEADER_SCAN rows are looked at). Returns 1 with the header in *row and the count of
 * rows skipped above it in *skipped; every later rows_next returns the rows below it. For a
 * workbook, later rows are padded with empty cells to the header's width (a sheet leaves out
 * the empty cells at a row's end; a CSV row that is short is a real error and is not padded).
 * When no row qualifies, returns 1 with the first row in *row and *skipped = SIZE_MAX: the
 * caller reports that row's missing columns and reads no further. 0: the file has no row at
 * all. -2: as rows_next. (Malformed rows, -1, are looked at like any other.) */
int rows_find_header(RowSource *s, rows_field_fn names_field, void *ctx, size_t need, Row *row, size_t *skipped);

/* Pad later rows to n cells (XLSX only; rows_find_header does it). */
void rows_set_width(RowSource *s, size_t n);

RowsKind rows_kind(const RowSource *s);
/* What the file was read as, for the import summary: "utf-8", "utf-8 (BOM)", "gb18030", or
 * "xlsx" (the sheet's name is rows_sheet). */
const char *rows_encoding(const RowSource *s);
/* XLSX: the sheet being read; CSV: NULL. */
const char *rows_sheet(const RowSource *s);

/* Append the position of column `col` (1-based; 0 for the whole row) of the row at `line` to
 * out: "persons.csv:12:6" / "persons.csv:12:0", "台账.xlsx!F12" / "台账.xlsx!12:12". */
void rows_where(const RowSource *s, uint32_t line, uint32_t col, StrBuf *out);
/* Column `col` (1-based) as the file's user names it: "6" (CSV), "F" (XLSX). */
const char *rows_column_name(const RowSource *s, uint32_t col, char out[12]);

#endif
