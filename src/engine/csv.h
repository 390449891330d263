/* csv.h — a streaming RFC 4180 reader for ledgers exported by Excel.
 *
 * Encoding. Whatever the file's encoding, fields come back as UTF-8.
 *   - A UTF-8 byte order mark (EF BB BF) is skipped; the file is UTF-8 ("utf-8 (BOM)").
 *   - Otherwise, if the whole file is valid UTF-8 it is UTF-8 ("utf-8"). Pure ASCII is UTF-8.
 *   - Otherwise it is GB18030 (a superset of GBK and GB2312, what Excel on Chinese Windows
 *     writes as "CSV (逗号分隔)"), converted to UTF-8 with iconv ("gb18030"). Two extras: a
 *     GB18030 byte order mark (84 31 95 33) is dropped, and a lone byte 0x80 — unassigned in
 *     GB18030, the euro sign in Windows code page 936 — is read as "€".
 *   A forced encoding (the `encoding` argument) is one of utf-8, gbk, gb18030 (case-insensitive;
 *   also utf8, cp936, gb2312; all the GB names read as GB18030). Bytes that are invalid in the
 *   chosen encoding are an error at open naming the byte offset (0-based, from the start of the
 *   file, BOM included), the line and the byte: nothing is read from a file that is not wholly
 *   valid, so an import never lands half a file. A file with a UTF-8 BOM forced to GB18030, and
 *   a UTF-16 file (BOM FF FE or FE FF, Excel's "Unicode text") are refused with a message saying so.
 *   Detection reads the file once at open. UTF-8 is then streamed through a fixed buffer, so
 *   memory stays flat however large the file; GB18030 is converted once into an anonymous
 *   temporary file (tmpfile(3); in memory if that fails) and streamed from there.
 *   A short GBK text can happen to be valid UTF-8 (the classic "联通"); detection then says
 *   UTF-8 — real ledgers with a Chinese header are long enough that this does not happen, and
 *   the encoding can be forced.
 *
 * Syntax (RFC 4180, as Excel writes and reads it):
 *   - Comma separator. Fields may be enclosed in double quotes; inside quotes "" is one quote,
 *     and commas and line breaks are data (kept as they are: CRLF stays CRLF).
 *   - Line ends are LF, CRLF, or a lone CR (old Mac Excel); each counts as one line. The last
 *     line may lack one.
 *   - Empty lines are skipped, but counted. A line of only commas is a record of empty fields.
 *   - A quote inside an unquoted field (ab"c, 12"3) is kept literally, as Excel does. Only a
 *     quote that is the first character of a field opens a quoted field; ` "a"` (space first)
 *     is the unquoted text ` "a"`.
 *   - Malformed records are returned (csv_next returns -1) with the reason, and the reader
 *     resynchronises at the next physical line, so one bad row never hides the rows after it.
 *     A quoted field that spans lines and then proves malformed is most likely a stray quote
 *     (`1,"张三,...`) that swallowed the rows below it: the bad record is cut at the end of the
 *     line where that quote opened (its raw text and fields stop there), and reading resumes
 *     on the next line, so the swallowed lines are read again as records of their own.
 *       * "unexpected character after closing quote" ("a"b,c) on the quote's own line: the
 *         rest of the line is skipped (without regard to quotes) and belongs to the raw text.
 *       * "unexpected character after closing quote (at line L, of a quoted field starting at
 *         line N)": the same when the quote opened on an earlier line N: cut after line N.
 *       * "unterminated quoted field starting at line N": a quote never closed: cut after line N.
 *       * "quoted field starting at line N not closed within M bytes": a quote still open after
 *         CSV_MAX_RECORD bytes (so a stray quote cannot make the reader hold the rest of a
 *         multi-gigabyte file in memory): cut after line N.
 *       * "record longer than M bytes": an unquoted line over the limit; skipped to its end.
 *
 * Records. csv_next fills a CsvRecord whose pointers stay valid until the next csv_next or
 * csv_close. Fields are NUL-terminated (and have lengths, since a field may contain NUL). */
#ifndef DOUDI_CSV_H
#define DOUDI_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

/* Records larger than this (raw bytes) are malformed: see above. */
#define CSV_MAX_RECORD ((size_t)64 << 20)

typedef struct CsvReader CsvReader;

typedef struct CsvRecord {
    char **fields;             /* count fields, each NUL-terminated UTF-8, quotes removed */
    size_t *lens;              /* byte length of each field */
    size_t count;              /* >= 1 for every record returned */
    uint32_t line;             /* physical line where the record starts; 1 = first line */
    uint32_t *field_lines;     /* physical line where field i starts (> line after an embedded
                                  line break in an earlier quoted field); NULL, as field_cols,
                                  when csv_set_positions turned them off */
    uint32_t *field_cols;      /* 1-based character column (code points, in line field_lines[i])
                                  where field i starts — its opening quote if quoted. NB: the
                                  field's CSV column number is simply i + 1. */
    const char *raw;           /* the record's text as UTF-8, without its final line end;
                                  NUL-terminated; for the review table */
    size_t raw_len;
    char error[160];           /* "" for a good record; the reason for a malformed one */
    uint32_t error_col;        /* malformed: 1-based CSV column (field number) of the bad field */
    uint32_t error_line;       /* malformed: physical line and 1-based character column where */
    uint32_t error_char;       /*   the problem was found (the opening quote, the stray char) */
} CsvRecord;

/* Open `path`. `encoding` NULL (or "" or "auto") detects it. On failure returns NULL and, if
 * `error` is not NULL, sets *error to a message the caller frees. */
CsvReader *csv_open(const char *path, const char *encoding, char **error);
/* The same over `len` bytes at `data` (copied: the caller may free them after the call). */
CsvReader *csv_open_memory(const void *data, size_t len, const char *encoding, char **error);
void csv_close(CsvReader *r);

/* "utf-8", "utf-8 (BOM)" or "gb18030". */
const char *csv_encoding(const CsvReader *r);

/* Read the next record into *rec:
 *    1  a record;
 *    0  end of input (and every later call);
 *   -1  a malformed record, still filled in (fields read so far, raw text, line) with the
 *       reason in rec->error; the next call carries on with the following records;
 *   -2  a read error (the file became unreadable mid-way): a file-level failure, not a bad
 *       row; rec->error says why; later calls return 0.
 * rec->error is "" when the return value is 1 or 0. */
int csv_next(CsvReader *r, CsvRecord *rec);

/* ---- introspection and tuning, mainly for tests --------------------------------------- */

/* Bytes the reader currently holds in buffers (input buffer, record text, field arrays).
 * Bounded by the largest record seen, not by the size of the file. */
size_t csv_buffer_bytes(const CsvReader *r);
/* Read the input `n` bytes at a time (default 64 KiB; n >= 1). Call before the first csv_next. */
void csv_set_chunk_size(CsvReader *r, size_t n);
/* Whether records give field_lines and field_cols (default on). Off, a line without quotes
 * is cut at its commas at about half the cost: the importer, which reports a bad cell by its
 * CSV column, turns them off. */
void csv_set_positions(CsvReader *r, bool on);
/* Change the record size limit (default CSV_MAX_RECORD; n >= 1). */
void csv_set_max_record(CsvReader *r, size_t n);

/* Writing: one cell of a CSV file doudi writes (results, forms, the notice, review rows),
 * appended to sb — quoted when it holds a comma, quote or line end; a cell a spreadsheet would
 * take for a formula (it begins with = + - @, a tab or a carriage return) gets a leading
 * apostrophe inside the quotes, so that opening the file in Excel never runs what a record
 * holds. */
void csv_write_cell(StrBuf *sb, const char *s);

#endif
