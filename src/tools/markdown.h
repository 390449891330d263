/* markdown.h — writing Markdown for merge-request comments (GitLab and GitHub read the same
 * CommonMark with tables): inline text escaped so a name cannot open a link, a table cell or
 * emphasis; code spans; and a size budget, since a comment has a limit.
 *
 * The reports that write Markdown (testing_render.c, diff_render.c) put every piece of text
 * that comes from a rule file or a population through md_text or md_code. */
#ifndef DOUDI_MARKDOWN_H
#define DOUDI_MARKDOWN_H

#include "base/util.h"

/* s as inline text: the punctuation Markdown reads (\ ` * _ [ ] < > | # ~ !) backslash-escaped,
 * & as &amp; (so no entity is read), line ends as spaces. At most max bytes of s (0: all), cut
 * on a character boundary with "…". */
void md_text(StrBuf *out, const char *s, size_t max);
/* s as an inline code span, fenced with more backticks than it holds; line ends as spaces. */
void md_code(StrBuf *out, const char *s);

/* A document with a size limit: pieces are added whole or not at all. Once a piece did not
 * fit, the document is full: later pieces are refused too, so it never skips a part and goes
 * on with the next as if nothing were missing. */
typedef struct MdDoc {
    StrBuf out;
    size_t limit;              /* bytes the whole document may take */
    size_t reserve;            /* bytes kept for what must still be written at the end */
    bool full;                 /* a piece did not fit */
} MdDoc;

/* Whether `more` bytes still fit, leaving the reserve free. */
bool md_fits(const MdDoc *d, size_t more);
/* Append `piece` when the document is not full and it fits (true); else mark the document
 * full and leave it as it is (false). */
bool md_add(MdDoc *d, const StrBuf *piece);
/* Append `piece` from the reserve (what closes the document: the reserve was kept for it). */
void md_close(MdDoc *d, const StrBuf *piece);

/* A table (or a list) whose heading is written with its first row, so that a heading never
 * stands without rows; rows that do not fit are counted, and end() says how many. */
typedef struct MdTable {
    MdDoc *doc;
    StrBuf head;               /* the heading and the table's header lines */
    size_t rows, left;         /* rows written; rows left out */
} MdTable;

void md_table_row(MdTable *t, const StrBuf *row);
/* Write "*N more rows are in the full report.*" when rows were left out after some were
 * written (from the reserve), and free the table. Returns the rows left out. */
size_t md_table_end(MdTable *t);

#endif
