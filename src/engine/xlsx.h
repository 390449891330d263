/* xlsx.h — a streaming reader for one sheet of an Excel workbook (.xlsx, Office Open XML).
 *
 * The workbook is read where it lies, with no converter: libzip opens the zip container and
 * inflates one part at a time; expat parses each part's XML as a stream of events (never a
 * tree). What is kept in memory while the sheet's rows stream by:
 *   - the workbook's sheet list, the number formats of its cell styles (to tell dates);
 *   - the shared strings table (sharedStrings.xml): every distinct text of the workbook, as one
 *     block of bytes plus a 4-byte offset per string. It grows with the workbook's distinct
 *     texts (names, ids typed as text), not with its rows as such, and is bounded: more than
 *     XLSX_MAX_SHARED bytes of text (xlsx_options.max_shared) is a file error at open that
 *     says to save the sheet as CSV instead;
 *   - one row: its cells' text. A row over XLSX_MAX_ROW bytes is a row error.
 * Before any row is returned the sheet's part is inflated once to the end, so a damaged or
 * cut-short zip (a CRC or inflate error) is a file error at open, with nothing read. An XML
 * error inside the sheet is found only when reached (xlsx_next returns -2).
 *
 * Which sheet: the one named (exactly, else ignoring ASCII case, as Excel does), or the first
 * visible worksheet in the workbook's tab order (workbook.xml <sheets>, resolved through
 * workbook.xml.rels; the sheetId numbers are not an order).
 *
 * Cells come back as text, as a CSV saved from the workbook would show them:
 *   - strings (shared, inline, a formula's text result) as they are, with OOXML's _xHHHH_
 *     escapes decoded and phonetic runs (<rPh>) left out;
 *   - numbers as plain decimals rounded to Excel's 15 significant digits: 1.5, 0.3 (written
 *     0.30000000000000004), 1500 (written 1.5E+3); an integer as its digits. An integer of 16
 *     or more digits — an 18-digit resident id typed as a number — has lost digits in Excel,
 *     which keeps 15: it comes back as its digits with a cell error saying so;
 *   - dates: a number in a cell whose number format is a date (the built-in date formats 14–17,
 *     22, 27–36, 50–58, or a custom format with y, d, or m not meaning minutes) is an Excel
 *     serial day in the workbook's date system: 1900 (serial 1 = 1900-01-01, 61 = 1900-03-01;
 *     60 is Excel's nonexistent 1900-02-29, a cell error) or 1904 (<workbookPr date1904>:
 *     serial 0 = 1904-01-01). It comes back as YYYY-MM-DD, with " HH:MM:SS" when the serial has
 *     a time of day (rounded to the second), which the date parser then refuses by name. A
 *     t="d" cell (an ISO 8601 date) comes back the same way;
 *   - booleans as TRUE / FALSE; an error value (#N/A, #VALUE!, ...) as its text with a cell
 *     error "the cell holds Excel's error value #N/A".
 * Rows with no text in any cell are skipped. Cells missing from a row, and cells with no
 * value (a merged range's blanks), are empty strings; a row's count runs to its last cell with
 * a value (or an error), or to the width set with xlsx_set_width if that is more.
 *
 * Records. xlsx_next fills an XlsxRecord whose pointers stay valid until the next xlsx_next or
 * xlsx_close. Its raw text is the row as one CSV line (RFC 4180 quoting), for the review table. */
#ifndef DOUDI_XLSX_H
#define DOUDI_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XLSX_MAX_SHARED ((size_t)1 << 30)   /* bytes of shared-string text */
#define XLSX_MAX_ROW ((size_t)64 << 20)     /* bytes of one row's cell text */
#define XLSX_MAX_COLUMNS 16384u             /* A..XFD, as Excel */
#define XLSX_MAX_ROWS 1048576u

typedef struct XlsxReader XlsxReader;

typedef enum XlsxCellKind {
    XLSX_EMPTY,                /* no cell, or a cell with no value */
    XLSX_TEXT,                 /* shared, inline or formula string */
    XLSX_NUMBER,
    XLSX_DATE,                 /* a date-formatted number or a t="d" cell */
    XLSX_BOOL,
    XLSX_ERROR,                /* an error value; also a cell whose value cannot be read */
} XlsxCellKind;

typedef struct XlsxRecord {
    char **fields;             /* count cells, each NUL-terminated UTF-8 */
    size_t *lens;              /* byte length of each */
    size_t count;              /* >= 1 for every record returned */
    uint32_t line;             /* the sheet's row number, as Excel shows it (1-based) */
    const uint8_t *kinds;      /* XlsxCellKind of each cell */
    const char *const *cell_errors; /* per cell: NULL, or why the cell's value is not to be used
                                  (an error value, lost digits, a bad date serial) */
    const char *raw;           /* the row as a CSV line; NUL-terminated */
    size_t raw_len;
    char error[256];           /* "" for a good row; the reason for a malformed one, or for
                                  the sheet that cannot be read on (-2), without the file's name */
    uint32_t error_col;        /* malformed: 1-based column of the bad cell, 0 for the row */
} XlsxRecord;

typedef struct XlsxOptions {
    const char *sheet;         /* NULL: the first visible worksheet */
    size_t max_shared;         /* 0: XLSX_MAX_SHARED */
} XlsxOptions;

/* Open a sheet of the workbook at `path` (opt may be NULL). On failure returns NULL and, if
 * `error` is not NULL, sets *error to a message naming the file, which the caller frees. */
XlsxReader *xlsx_open(const char *path, const XlsxOptions *opt, char **error);
/* The same over `len` bytes (copied). Messages name the file "<memory>". */
XlsxReader *xlsx_open_memory(const void *data, size_t len, const XlsxOptions *opt, char **error);
void xlsx_close(XlsxReader *r);

/* Read the next row into *rec:
 *    1  a row;
 *    0  end of the sheet (and every later call);
 *   -1  a malformed row (a cell reference out of order or beyond XFD, a row too large), still
 *       filled in with what was read, the reason in rec->error; the next call carries on;
 *   -2  the sheet cannot be read on (malformed XML, a read error): rec->error says why; later
 *       calls return 0.
 * rec->error is "" when the return value is 1 or 0. */
int xlsx_next(XlsxReader *r, XlsxRecord *rec);

/* Pad every later row with empty cells to at least n cells (a sheet leaves out empty cells at
 * a row's end; the importer sets the header's width). */
void xlsx_set_width(XlsxReader *r, size_t n);

/* The sheet being read, and whether it is the workbook's first (visible) one. */
const char *xlsx_sheet_name(const XlsxReader *r);
bool xlsx_sheet_is_default(const XlsxReader *r);
/* The workbook's date system: true for 1904. */
bool xlsx_date1904(const XlsxReader *r);

/* Bytes the reader holds: the shared strings table, styles, the current row. */
size_t xlsx_memory_bytes(const XlsxReader *r);

/* Column n (1-based, 1..16384) as letters into out ("A", "F", "XFD"); "" for 0. */
const char *xlsx_column_name(uint32_t n, char out[4]);

#endif
