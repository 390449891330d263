/* xlsx_int.h — the workbook reader's parts, private to xlsx*.c.
 *
 *   xlsx.c        opening: the zip, the package's relationships, workbook.xml (sheets, date
 *                 system), styles.xml (which cell styles are dates), sharedStrings.xml
 *   xlsx_sheet.c  streaming the chosen sheet's rows, one expat suspension per row
 *   xlsx_cell.c   a cell's value as text: numbers, serial dates, escapes; date formats */
#ifndef DOUDI_XLSX_INT_H
#define DOUDI_XLSX_INT_H

#include "xlsx.h"
#include "base/util.h"

#include <expat.h>
#include <zip.h>

/* One cell of the row being read: where its text and error are in the row's buffers. */
typedef struct XlsxCell {
    uint32_t col;              /* 0-based */
    size_t off, len;           /* text in XlsxReader.cells */
    size_t err;                /* error text in XlsxReader.errs, or SIZE_MAX */
    uint8_t kind;              /* XlsxCellKind */
} XlsxCell;

struct XlsxReader {
    XML_Parser xp;             /* the sheet's parser; first, as in every parser's user data, so
                                  the DOCTYPE handler can stop whichever parser calls it */
    const char *name;          /* the path, or "<memory>", for messages */
    char *owned_name;
    void *mem;                 /* the workbook's bytes when opened from memory */
    zip_t *za;
    zip_file_t *part_zf;       /* a part being read whole (parse_part), and its parser */
    XML_Parser part_xp;

    /* workbook.xml */
    bool date1904;
    char *sheet_name;          /* the chosen sheet */
    bool sheet_default;        /* it is the first visible one */
    char *sheet_part;          /* its zip entry name */

    /* styles.xml: whether cellXfs[i] formats numbers as dates */
    uint8_t *xf_date;
    size_t nxf;

    /* sharedStrings.xml: string i is sst + sst_off[i] (NUL-terminated) */
    StrBuf sst;
    uint32_t *sst_off;
    size_t nsst, sst_cap;
    size_t max_shared;

    /* the sheet's stream */
    zip_file_t *zf;
    bool suspended;            /* the parser stopped at a row's end, mid-buffer */
    bool final_fed;            /* the last (empty, final) buffer was given to the parser */
    bool sheet_end;            /* </sheetData> seen: the rows are over */
    bool done;
    char fatal[256];           /* a file-level error met while parsing ("" if none), without
                                  the file's name, as XlsxRecord.error */

    /* the row being read */
    bool in_row, row_ready;
    uint32_t row, last_row;    /* its number; the previous row's */
    uint32_t next_col;         /* 0-based column of a cell without a reference */
    char row_error[160];
    uint32_t row_error_col;
    StrBuf cells, errs;        /* the cells' texts and errors, NUL-terminated each */
    XlsxCell *cell;
    size_t ncell, cell_cap;
    size_t width;              /* pad rows to this many cells */

    /* the cell being read */
    bool in_cell, in_value, in_inline, in_t;
    int in_rph;                /* depth inside a phonetic run, whose text is not the cell's */
    char cell_type[12];        /* its t attribute: "s", "n", "b", "e", "str", "inlineStr", "d" */
    uint32_t cell_style;
    uint32_t cell_col;
    bool cell_bad;             /* its reference was bad: the row is malformed */
    StrBuf value;

    /* the row handed out */
    char **ptrs;
    size_t *lens;
    uint8_t *kinds;
    const char **cerrs;
    size_t out_cap;
    StrBuf raw;
};

/* ---- xlsx_cell.c ------------------------------------------------------------------------ */

/* Whether number format `id` with format code `code` (NULL for a built-in id) shows a date. */
bool xlsx_format_is_date(uint32_t id, const char *code);

/* The cell reference "F12" as a 0-based column and a 1-based row; false if malformed. The row
 * part may be missing (*row is then 0). */
bool xlsx_parse_ref(const char *ref, uint32_t *col, uint32_t *row);

/* Decode OOXML's _xHHHH_ escapes in place (sb->items[from..count)). */
void xlsx_unescape(StrBuf *sb, size_t from);

/* A number cell's value `v` as text into out (appended); *err gets a reason (static or in
 * errbuf) when the value is not to be used. Returns the cell's kind. */
uint8_t xlsx_number_text(const char *v, size_t n, bool is_date, bool date1904, StrBuf *out, char *errbuf,
                         size_t errlen);
/* A t="d" cell (ISO 8601) as YYYY-MM-DD[ HH:MM:SS]. */
uint8_t xlsx_iso_date_text(const char *v, size_t n, StrBuf *out, char *errbuf, size_t errlen);

/* ---- xlsx_sheet.c ------------------------------------------------------------------------ */

/* Set up streaming of r->sheet_part: check the part inflates whole (CRC), then open it and
 * make the parser. False with *error set on failure. */
bool xlsx_sheet_start(XlsxReader *r, char **error);
void xlsx_sheet_free(XlsxReader *r);

/* ---- xlsx.c -------------------------------------------------------------------------------- */

/* A message for libzip's error `ze` while doing `what` (a part name, or NULL for the archive). */
char *xlsx_zip_message(const XlsxReader *r, zip_error_t *ze, const char *what);
/* The local part of an expat name "uri\x01local" (or the name itself). */
const char *xlsx_local(const char *name);
/* Attribute `local` (with no namespace) of an element, or NULL. */
const char *xlsx_attr(const char **attrs, const char *local);
/* Refuse a DOCTYPE (no OOXML part has one; it would open the door to entity expansion). */
void xlsx_refuse_doctype(XML_Parser xp);

#endif
