/* csv.c — the streaming CSV reader (see csv.h).
 *
 * Layout. Opening settles the encoding: the input is checked (UTF-8) or converted (GB18030,
 * into a temporary file) in one pass, so that what the record parser reads — "the stream" — is
 * always valid UTF-8: either the file itself from just after its BOM, or the converted copy,
 * or a memory buffer. The parser pulls the stream through a fixed input buffer and copies each
 * record's bytes twice: verbatim into `raw`, and unquoted into `text` with a NUL after each
 * field. Both are reused from record to record, so memory is bounded by the largest record.
 *
 * Recovery from an unterminated quote needs to read again from an earlier point: the stream
 * is seekable (a regular file, a temporary file or memory; anything else — a pipe — is read
 * into memory at open). Offsets in the stream are decoded-byte offsets. */
#include "csv.h"
#include "base/oom.h"
#include "base/util.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#if defined(__SSE2__) && !defined(DOUDI_NO_SIMD)
#include <emmintrin.h>
#endif

enum { DEFAULT_CHUNK = 64 * 1024 };

/* ---- byte buffers (the hot path appends byte by byte, so these are inline) ------------- */

typedef struct Bytes {
    char *p;
    size_t n, cap;
} Bytes;

static void bytes_grow(Bytes *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < extra) cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

static inline void bytes_put(Bytes *b, char c)
{
    if (b->n == b->cap) bytes_grow(b, 1);
    b->p[b->n++] = c;
}

static inline void bytes_putn(Bytes *b, const void *s, size_t n)
{
    if (b->cap - b->n < n) bytes_grow(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* ---- the reader ------------------------------------------------------------------------- */

typedef enum { S_START, S_UNQUOTED, S_QUOTED, S_AFTER_QUOTE } State;

struct CsvReader {
    /* The stream: f from byte `start` on, or mem[start..mem_len). */
    FILE *f;
    char *mem;
    size_t mem_len, mem_pos;
    uint64_t start;
    const char *encoding;

    /* Input buffer: in[in_pos..in_end) is unread; in[0] is at stream offset in_base. */
    unsigned char *in;
    size_t in_cap, in_pos, in_end;
    uint64_t in_base;
    bool eof;
    int read_errno;            /* nonzero after a read or seek error */

    uint32_t line;             /* current physical line */
    uint32_t col;              /* code points consumed on it */
    bool done;
    bool positions;            /* give each field's line and column (csv_set_positions) */
    size_t max_record;

    /* The record being read. */
    Bytes raw, text;
    size_t nfields, fcap;
    size_t *offs, *lens;
    uint32_t *lines, *cols;
    char **ptrs;
};

static bool refill(CsvReader *r)
{
    if (r->eof) return false;
    r->in_base += r->in_end;
    r->in_pos = r->in_end = 0;
    size_t n;
    if (r->f) {
        n = fread(r->in, 1, r->in_cap, r->f);
        if (n == 0 && ferror(r->f)) r->read_errno = errno ? errno : EIO;
    } else {
        n = r->mem_len - r->mem_pos < r->in_cap ? r->mem_len - r->mem_pos : r->in_cap;
        memcpy(r->in, r->mem + r->mem_pos, n);
        r->mem_pos += n;
    }
    if (n == 0) {
        r->eof = true;
        return false;
    }
    r->in_end = n;
    return true;
}

static inline int peek_byte(CsvReader *r)
{
    if (r->in_pos == r->in_end && !refill(r)) return -1;
    return r->in[r->in_pos];
}

static inline int next_byte(CsvReader *r)
{
    int c = peek_byte(r);
    if (c >= 0) r->in_pos++;
    return c;
}

static inline uint64_t stream_offset(const CsvReader *r) { return r->in_base + r->in_pos; }

/* Continue reading at stream offset `off` (not beyond what was read). */
static void seek_stream(CsvReader *r, uint64_t off)
{
    if (off >= r->in_base && off <= r->in_base + r->in_end) {
        r->in_pos = (size_t)(off - r->in_base);
        return;
    }
    if (r->f) {
        if (fseeko(r->f, (off_t)(r->start + off), SEEK_SET) != 0) r->read_errno = errno ? errno : EIO;
        clearerr(r->f);
    } else {
        r->mem_pos = (size_t)(r->start + off);
    }
    r->in_base = off;
    r->in_pos = r->in_end = 0;
    r->eof = r->read_errno != 0;
}

static inline void next_line(CsvReader *r)
{
    if (r->line < UINT32_MAX) r->line++;
    r->col = 0;
}

/* After a CR or LF was read: take the LF of a CRLF too. Returns the bytes taken (1 or 2). */
static inline int eat_line_end(CsvReader *r, int c)
{
    next_line(r);
    if (c == '\r' && peek_byte(r) == '\n') {
        r->in_pos++;
        return 2;
    }
    return 1;
}

/* Skip to just past the end of the current physical line, quotes or not; the bytes go to raw
 * while it is under the size limit. */
static void skip_line(CsvReader *r, bool keep)
{
    for (;;) {
        int c = next_byte(r);
        if (c < 0) return;
        if (c == '\r' || c == '\n') {
            eat_line_end(r, c);
            return;
        }
        if (keep && r->raw.n > r->max_record && (c & 0xC0) != 0x80) keep = false;  /* at a character */
        if (keep) bytes_put(&r->raw, (char)c);
    }
}

/* Drop a character cut short at the end of b (after at least `from`), so b stays UTF-8. */
static void trim_partial_char(Bytes *b, size_t from)
{
    size_t i = b->n, back = 0;
    while (i > from && back < 4 && ((unsigned char)b->p[i - 1] & 0xC0) == 0x80) i--, back++;
    if (i == from) return;
    unsigned char lead = (unsigned char)b->p[i - 1];
    size_t want = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    if (lead >= 0x80 && back < want) b->n = i - 1;
}

static void grow_fields(CsvReader *r)
{
    r->fcap = r->fcap ? r->fcap * 2 : 16;
    r->offs = xrealloc(r->offs, r->fcap * sizeof *r->offs);
    r->lens = xrealloc(r->lens, r->fcap * sizeof *r->lens);
    r->lines = xrealloc(r->lines, r->fcap * sizeof *r->lines);
    r->cols = xrealloc(r->cols, r->fcap * sizeof *r->cols);
    r->ptrs = xrealloc(r->ptrs, r->fcap * sizeof *r->ptrs);
}

/* Room for one more field: a test a field, the growing out of line. */
static inline void field_room(CsvReader *r)
{
    if (r->nfields == r->fcap) grow_fields(r);
}

static void field_begin(CsvReader *r)
{
    field_room(r);
    r->offs[r->nfields] = r->text.n;
    r->lines[r->nfields] = r->line;
    r->cols[r->nfields] = r->col + 1;
}

static void field_end(CsvReader *r)
{
    r->lens[r->nfields] = r->text.n - r->offs[r->nfields];
    bytes_put(&r->text, '\0');
    r->nfields++;
}

/* The record handed out; the fields' pointers made from their offsets unless the caller set
 * them (the text no longer moves). */
static void fill_record(CsvReader *r, CsvRecord *rec, uint32_t line, bool ptrs_set)
{
    bytes_put(&r->raw, '\0');
    r->raw.n--;
    if (!ptrs_set)
        for (size_t i = 0; i < r->nfields; i++) r->ptrs[i] = r->text.p + r->offs[i];
    rec->fields = r->ptrs;
    rec->lens = r->lens;
    rec->count = r->nfields;
    rec->line = line;
    rec->field_lines = r->positions ? r->lines : NULL;
    rec->field_cols = r->positions ? r->cols : NULL;
    rec->raw = r->raw.p;
    rec->raw_len = r->raw.n;
}

/* Code points in a run of valid UTF-8: the bytes that are not continuation bytes (10xxxxxx),
 * eight at a time — bit 7 set and bit 6 clear, summed by a multiply — then one at a time. */
static inline uint32_t count_chars(const unsigned char *p, size_t n)
{
    uint32_t k = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, sizeof w);
        uint64_t cont = w & ~(w << 1) & 0x8080808080808080u;
        k += 8 - (uint32_t)(((cont >> 7) * 0x0101010101010101u) >> 56);
    }
    for (; i < n; i++) k += (p[i] & 0xC0) != 0x80;
    return k;
}

/* Where the next field of a plain line starts: on the reader's line, at character column
 * col + 1. */
static inline void field_position(CsvReader *r, uint32_t col)
{
    r->lines[r->nfields] = r->line;
    r->cols[r->nfields] = col + 1;
}

/* One field of a plain line: [start, end) of its text t. The caller made room for it. */
static inline void plain_field(CsvReader *r, char *t, size_t start, size_t end)
{
    r->ptrs[r->nfields] = t + start;   /* the line's text is whole: it will not move (no offset) */
    r->lens[r->nfields] = end - start;
    r->nfields++;
    t[end] = '\0';
}

#if defined(__SSE2__) && !defined(DOUDI_NO_SIMD)
/* The line's n bytes (t[n] its LF, and fifteen readable bytes after it) cut at its commas
 * sixteen bytes at a time (SSE2, every x86-64): a mask of the commas and the LF, and one of
 * the bytes past ASCII, which tells whether a field's width in characters must be counted.
 * A ledger's fields are short (five bytes on average): one step a field, not one a byte. */
static inline void cut_plain(CsvReader *r, char *t, size_t n, uint32_t col, bool positions)
{
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n');
    size_t start = 0;
    bool wide_so_far = false;   /* a byte past ASCII in the field begun in an earlier block */
    for (size_t base = 0; base <= n; base += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + base));
        uint32_t ends = (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)));
        uint32_t wide = (uint32_t)_mm_movemask_epi8(v);
        if (n - base < 16) {   /* the last block: nothing past the LF */
            uint32_t valid = (2u << (n - base)) - 1;
            ends &= valid;
            wide &= valid;
        }
        if (r->fcap - r->nfields < 16) grow_fields(r);   /* room for this block's fields: it doubles */
        /* wide keeps only the bytes of fields still open: each end clears the bits up to it
         * (bit tricks, no shift by a variable) */
        while (ends) {
            uint32_t bit = ends & -ends, before = bit - 1;
            ends ^= bit;
            size_t end = base + (uint32_t)__builtin_ctz(bit);
            if (positions) {
                bool wide_field = wide_so_far || (wide & before);
                wide &= ~(before | bit);
                wide_so_far = false;
                field_position(r, col);
                col += (wide_field ? count_chars((const unsigned char *)t + start, end - start) : (uint32_t)(end - start)) + 1;
            }
            plain_field(r, t, start, end);
            start = end + 1;
        }
        wide_so_far = wide_so_far || wide;
    }
}
#else
/* The same a byte at a time: the field up to its comma or the line's LF (t[n]), its bytes
 * OR-ed together telling whether it is ASCII. */
static inline void cut_plain(CsvReader *r, char *t, size_t n, uint32_t col, bool positions)
{
    for (size_t start = 0;;) {
        size_t end = start;
        unsigned char c, any = 0;
        while ((c = (unsigned char)t[end]) != ',' && c != '\n') {
            any |= c;
            end++;
        }
        field_room(r);
        if (positions) field_position(r, col);
        plain_field(r, t, start, end);
        if (end == n) break;
        col += (any & 0x80 ? count_chars((const unsigned char *)t + start, end - start) : (uint32_t)(end - start)) + 1;
        start = end + 1;
    }
}
#endif

/* The common record — one line ending in LF, whole in the buffer, no quote, no CR, within the
 * size limit — split at its commas in one pass: the fields (and, when asked, the lines and
 * columns) the byte-by-byte reader below gives, at a fraction of its cost. False (nothing
 * read) for any other. */
static bool plain_line(CsvReader *r, CsvRecord *rec, uint32_t line)
{
    const unsigned char *p = r->in + r->in_pos;
    const unsigned char *nl = memchr(p, '\n', r->in_end - r->in_pos);
    if (!nl) return false;
    size_t n = (size_t)(nl - p);
    if (n > r->max_record || memchr(p, '"', n) || memchr(p, '\r', n)) return false;
    bytes_putn(&r->raw, p, n);
    bytes_putn(&r->text, p, n + 1);   /* each comma and the LF become the fields' NULs */
    if (r->text.cap - r->text.n < 15) bytes_grow(&r->text, 15);
    memset(r->text.p + r->text.n, 0, 15);   /* what cut_plain may read past the LF, defined */
    /* positions are most of a field's cost, and only some callers look at them */
    if (r->positions) cut_plain(r, r->text.p, n, r->col, true);
    else cut_plain(r, r->text.p, n, r->col, false);
    r->in_pos += n + 1;
    next_line(r);
    fill_record(r, rec, line, true);
    return true;
}

static int io_error(CsvReader *r, CsvRecord *rec)
{
    snprintf(rec->error, sizeof rec->error, "read error: %s", strerror(r->read_errno));
    r->done = true;
    return -2;
}

int csv_next(CsvReader *r, CsvRecord *rec)
{
    static char empty[1];
    /* member by member: a memset would clear the message buffer, most of the record, for
     * every row */
    rec->fields = NULL;
    rec->lens = NULL;
    rec->count = 0;
    rec->line = 0;
    rec->field_lines = rec->field_cols = NULL;
    rec->raw = empty;
    rec->raw_len = 0;
    rec->error[0] = '\0';
    rec->error_col = rec->error_line = rec->error_char = 0;
    if (r->done) return 0;
    r->raw.n = r->text.n = 0;
    r->nfields = 0;

    int c;
    for (;;) {                                       /* skip empty lines */
        c = peek_byte(r);
        if (c < 0) {
            if (r->read_errno) return io_error(r, rec);
            r->done = true;
            return 0;
        }
        if (c != '\r' && c != '\n') break;
        r->in_pos++;
        eat_line_end(r, c);
    }

    uint32_t line = r->line;
    if (plain_line(r, rec, line)) return 1;
    State st = S_START;
    /* The quoted field being read: where its quote is, and where its first line ends. */
    uint32_t q_line = 0, q_char = 0, q_resume_line = 0;
    bool q_nl = false;
    size_t q_raw = 0, q_text = 0;
    uint64_t q_resume = 0;
    field_begin(r);

    for (;;) {
        if (r->raw.n > r->max_record) goto too_long;
        if ((st == S_UNQUOTED || st == S_QUOTED) && r->in_pos < r->in_end) {
            /* Fast path: a run of ordinary bytes. */
            const unsigned char *p = r->in + r->in_pos;
            size_t n = r->in_end - r->in_pos, k = 0;
            if (n > r->max_record + 1 - r->raw.n) n = r->max_record + 1 - r->raw.n;  /* as byte by byte */
            if (st == S_UNQUOTED)
                while (k < n && p[k] != ',' && p[k] != '\r' && p[k] != '\n') k++;
            else
                while (k < n && p[k] != '"' && p[k] != '\r' && p[k] != '\n') k++;
            if (k) {
                bytes_putn(&r->raw, p, k);
                bytes_putn(&r->text, p, k);
                r->col += count_chars(p, k);
                r->in_pos += k;
                continue;
            }
        }
        c = next_byte(r);
        switch (st) {
        case S_START:
        case S_UNQUOTED:
            if (c < 0 || c == '\r' || c == '\n') {
                if (c < 0 && r->read_errno) return io_error(r, rec);
                if (c >= 0) eat_line_end(r, c);
                field_end(r);
                goto good;
            }
            if (c == ',') {
                bytes_put(&r->raw, ',');
                r->col++;
                field_end(r);
                field_begin(r);
                st = S_START;
            } else if (c == '"' && st == S_START) {
                bytes_put(&r->raw, '"');
                q_line = r->line;
                q_char = ++r->col;
                q_nl = false;
                st = S_QUOTED;
            } else {
                bytes_put(&r->raw, (char)c);
                bytes_put(&r->text, (char)c);
                r->col += (c & 0xC0) != 0x80;
                st = S_UNQUOTED;              /* a quote here is kept as it is */
            }
            break;

        case S_QUOTED:
            if (c < 0) {
                if (r->read_errno) return io_error(r, rec);
                snprintf(rec->error, sizeof rec->error, "unterminated quoted field starting at line %u",
                         q_line);
                goto cut_quote;
            }
            if (c == '"') {
                bytes_put(&r->raw, '"');
                r->col++;
                if (peek_byte(r) == '"') {
                    r->in_pos++;
                    bytes_put(&r->raw, '"');
                    bytes_put(&r->text, '"');
                    r->col++;
                } else {
                    st = S_AFTER_QUOTE;
                }
            } else if (c == '\r' || c == '\n') {
                bool first = !q_nl;
                if (first) {
                    q_nl = true;
                    q_raw = r->raw.n;
                    q_text = r->text.n;
                }
                bytes_put(&r->raw, (char)c);
                bytes_put(&r->text, (char)c);
                if (eat_line_end(r, c) == 2) {
                    bytes_put(&r->raw, '\n');
                    bytes_put(&r->text, '\n');
                }
                if (first) {
                    q_resume = stream_offset(r);
                    q_resume_line = r->line;
                }
            } else {
                bytes_put(&r->raw, (char)c);
                bytes_put(&r->text, (char)c);
                r->col += (c & 0xC0) != 0x80;
            }
            break;

        case S_AFTER_QUOTE:
            if (c < 0 || c == '\r' || c == '\n') {
                if (c < 0 && r->read_errno) return io_error(r, rec);
                if (c >= 0) eat_line_end(r, c);
                field_end(r);
                goto good;
            }
            if (c == ',') {
                bytes_put(&r->raw, ',');
                r->col++;
                field_end(r);
                field_begin(r);
                st = S_START;
                break;
            }
            if (q_nl) {
                /* The quote spans lines and then proves wrong: most likely a stray quote that
                 * swallowed the lines below it, which are read again as records. */
                snprintf(rec->error, sizeof rec->error,
                         "unexpected character after closing quote (at line %u, of a quoted field starting at line %u)",
                         r->line, q_line);
                goto cut_quote;
            }
            snprintf(rec->error, sizeof rec->error, "unexpected character after closing quote");
            rec->error_col = (uint32_t)r->nfields + 1;
            rec->error_line = r->line;
            rec->error_char = r->col + 1;
            bytes_put(&r->raw, (char)c);
            field_end(r);
            skip_line(r, true);
            goto bad;
        }
    }

too_long:
    if (st == S_QUOTED && q_nl) {
        snprintf(rec->error, sizeof rec->error, "quoted field starting at line %u not closed within %zu bytes",
                 q_line, r->max_record);
        goto cut_quote;
    }
    snprintf(rec->error, sizeof rec->error, "record longer than %zu bytes", r->max_record);
    rec->error_col = (uint32_t)r->nfields + 1;
    rec->error_line = r->line;
    rec->error_char = r->col + 1;
    trim_partial_char(&r->raw, 0);         /* the last run may have stopped inside a character */
    trim_partial_char(&r->text, r->offs[r->nfields]);
    field_end(r);
    skip_line(r, false);
    goto bad;

cut_quote:
    /* The record ends where the line of its opening quote ends; reading resumes after it. */
    rec->error_col = (uint32_t)r->nfields + 1;
    rec->error_line = q_line;
    rec->error_char = q_char;
    if (q_nl) {
        r->raw.n = q_raw;
        r->text.n = q_text;
        seek_stream(r, q_resume);
        r->line = q_resume_line;
        r->col = 0;
    }
    field_end(r);

bad:
    fill_record(r, rec, line, false);
    return -1;

good:
    fill_record(r, rec, line, false);
    return 1;
}

/* ---- opening: encoding -------------------------------------------------------------------- */

typedef enum { ENC_AUTO, ENC_UTF8, ENC_GB18030 } Encoding;

static bool parse_encoding(const char *name, Encoding *enc)
{
    if (!name || !*name || !strcasecmp(name, "auto")) *enc = ENC_AUTO;
    else if (!strcasecmp(name, "utf-8") || !strcasecmp(name, "utf8")) *enc = ENC_UTF8;
    else if (!strcasecmp(name, "gb18030") || !strcasecmp(name, "gbk") || !strcasecmp(name, "cp936") ||
             !strcasecmp(name, "gb2312"))
        *enc = ENC_GB18030;
    else return false;
    return true;
}

/* The raw input, read once to check or convert it: a file, or memory. */
typedef struct Source {
    FILE *f;
    const unsigned char *mem;
    size_t len, pos;
    int err;                   /* errno of a failed read */
} Source;

static size_t source_read(Source *s, void *buf, size_t n)
{
    if (s->f) {
        size_t got = fread(buf, 1, n, s->f);
        if (got < n && ferror(s->f)) s->err = errno ? errno : EIO;
        return got;
    }
    size_t got = s->len - s->pos < n ? s->len - s->pos : n;
    memcpy(buf, s->mem + s->pos, got);
    s->pos += got;
    return got;
}

static bool source_seek(Source *s, uint64_t off)
{
    if (s->f) {
        if (fseeko(s->f, (off_t)off, SEEK_SET) != 0) {
            s->err = errno ? errno : EIO;
            return false;
        }
        clearerr(s->f);
        return true;
    }
    s->pos = off < s->len ? (size_t)off : s->len;
    return true;
}

/* Text files have no byte 0 (git's test, over the same length): the offset of the first in the
 * source's first TEXT_PROBE bytes, or UINT64_MAX. A file that has one there — a device such as
 * /dev/zero, a workbook, an image — is not read as CSV at all. */
enum { TEXT_PROBE = 8000 };

static uint64_t first_nul(Source *s)
{
    unsigned char buf[TEXT_PROBE];
    size_t n = source_read(s, buf, sizeof buf);
    const unsigned char *z = memchr(buf, 0, n);
    return z ? (uint64_t)(z - buf) : UINT64_MAX;
}

/* Where an input stops being valid: the byte offset in the file, its line, and the byte
 * (-1: a character cut short by the end of the file). */
typedef struct BadByte {
    uint64_t offset;
    uint32_t line;
    int byte;
} BadByte;

/* Line counting over raw bytes, CR, LF and CRLF each ending one line (ASCII is the same in
 * UTF-8 and GB18030, and neither uses CR or LF inside a multi-byte character). */
typedef struct LineCount {
    uint32_t line;
    bool after_cr;
} LineCount;

static inline void count_line(LineCount *lc, unsigned char b)
{
    if ((b == '\n' && !lc->after_cr) || b == '\r')
        if (lc->line < UINT32_MAX) lc->line++;
    lc->after_cr = b == '\r';
}

/* The line of the byte at file offset `offset`, counting from `start` (line 1). */
static uint32_t line_at(Source *s, uint64_t start, uint64_t offset)
{
    unsigned char buf[DEFAULT_CHUNK];
    LineCount lc = {1, false};
    if (!source_seek(s, start)) return lc.line;
    size_t n;
    while (start < offset && (n = source_read(s, buf, sizeof buf)) > 0)
        for (size_t i = 0; i < n && start < offset; i++, start++) count_line(&lc, buf[i]);
    return lc.line;
}

/* Check that the source, from its current position (file offset `offset`), is valid UTF-8
 * (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). One pass, fixed memory:
 * ASCII eight bytes at a time, and lines counted only for a bad byte (it reads the file twice,
 * and every import of a sound one paid a byte-by-byte pass). */
static bool scan_utf8(Source *s, uint64_t offset, BadByte *bad)
{
    unsigned char buf[DEFAULT_CHUNK];
    uint64_t start = offset;
    int need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    BadByte lead = {0, 0, 0};
    size_t n;
    while ((n = source_read(s, buf, sizeof buf)) > 0) {
        size_t i = 0;
        while (i < n) {
            if (!need) {
                uint64_t w;
                while (n - i >= sizeof w && (memcpy(&w, buf + i, sizeof w), !(w & 0x8080808080808080ull))) i += sizeof w;
                if (i == n) break;
                /* a whole three-byte character whose lead allows any continuation (all but E0
                 * and ED): Chinese text, most of a ledger's non-ASCII, without the byte steps */
                unsigned char c = buf[i];
                if (n - i >= 3 && c >= 0xE1 && c <= 0xEF && c != 0xED && (buf[i + 1] & 0xC0) == 0x80 &&
                    (buf[i + 2] & 0xC0) == 0x80) {
                    i += 3;
                    continue;
                }
            }
            unsigned char b = buf[i];
            uint64_t at = offset + i++;
            if (need) {
                if (b < lo || b > hi) goto bad_byte;
                need--;
                lo = 0x80;
                hi = 0xBF;
                continue;
            }
            if (b < 0x80) continue;
            lead = (BadByte){at, 0, b};
            if (b >= 0xC2 && b <= 0xDF) need = 1;
            else if (b == 0xE0) need = 2, lo = 0xA0;
            else if (b == 0xED) need = 2, hi = 0x9F;
            else if (b >= 0xE1 && b <= 0xEF) need = 2;
            else if (b == 0xF0) need = 3, lo = 0x90;
            else if (b >= 0xF1 && b <= 0xF3) need = 3;
            else if (b == 0xF4) need = 3, hi = 0x8F;
            else goto bad_byte;
        }
        offset += n;
    }
    if (!need) return true;
    lead.byte = -1;   /* a character cut short by the end of the file */
bad_byte:
    *bad = lead;
    bad->line = line_at(s, start, lead.offset);
    return false;
}

/* Where converted text goes: a file, or memory. */
typedef struct Sink {
    FILE *f;
    Bytes mem;
    bool failed;
    int err;
} Sink;

static void sink_write(Sink *k, const char *p, size_t n)
{
    if (!n || k->failed) return;
    if (k->f) {
        if (fwrite(p, 1, n, k->f) != n) {
            k->failed = true;
            k->err = errno ? errno : EIO;
        }
    } else {
        bytes_putn(&k->mem, p, n);
    }
}

typedef enum { CONV_OK, CONV_BAD, CONV_READ, CONV_WRITE, CONV_ICONV } ConvResult;

/* Convert the whole source from GB18030 to UTF-8 into `out`, dropping a leading U+FEFF (the
 * GB18030 byte order mark, 84 31 95 33) and reading a lone 0x80 as the euro sign (CP936). */
static ConvResult convert_gb18030(Source *s, Sink *out, BadByte *bad)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        out->err = errno;
        return CONV_ICONV;
    }
    enum { IN = DEFAULT_CHUNK, OUT = 4 * DEFAULT_CHUNK };
    char *inbuf = xmalloc(IN + 16), *outbuf = xmalloc(OUT);
    size_t have = 0;
    uint64_t consumed = 0;                    /* file offset of inbuf[0] */
    LineCount lc = {1, false};
    bool first_out = true;
    ConvResult res = CONV_OK;
    for (;;) {
        size_t n = source_read(s, inbuf + have, IN);
        if (s->err) {
            res = CONV_READ;
            break;
        }
        bool eof = n == 0;
        have += n;
        char *ip = inbuf;
        size_t il = have;
        bool stop = false;
        while (il > 0 || eof) {
            char *op = outbuf;
            size_t ol = OUT;
            size_t rc = il > 0 ? iconv(cd, &ip, &il, &op, &ol) : iconv(cd, NULL, NULL, &op, &ol);
            int e = errno;
            const char *w = outbuf;
            size_t wn = (size_t)(op - outbuf);
            if (first_out && wn >= 3 && !memcmp(w, "\xEF\xBB\xBF", 3)) w += 3, wn -= 3;
            if (op != outbuf) first_out = false;
            for (size_t i = 0; i < wn; i++) count_line(&lc, (unsigned char)w[i]);
            sink_write(out, w, wn);
            if (out->failed) {
                res = CONV_WRITE;
                stop = true;
                break;
            }
            if (rc != (size_t)-1) {
                if (il == 0 && eof) stop = true;
                if (il == 0) break;
                continue;
            }
            if (e == E2BIG) continue;
            if (e == EINVAL && !eof) break;       /* a character split by the read: read more */
            if (e == EILSEQ && (unsigned char)*ip == 0x80) {
                /* Windows code page 936 (what Excel writes for "GBK") has the euro sign as the
                 * single byte 0x80, which GB18030 leaves unassigned. */
                sink_write(out, "\xE2\x82\xAC", 3);
                first_out = false;
                ip++;
                il--;
                continue;
            }
            *bad = (BadByte){consumed + (uint64_t)(ip - inbuf), lc.line,
                             e == EINVAL ? -1 : (unsigned char)*ip};
            res = CONV_BAD;
            stop = true;
            break;
        }
        if (stop) break;
        consumed += (uint64_t)(ip - inbuf);
        memmove(inbuf, ip, il);
        have = il;
    }
    iconv_close(cd);
    free(inbuf);
    free(outbuf);
    return res;
}

/* ---- opening: readers ----------------------------------------------------------------------- */

static CsvReader *reader_new(const char *encoding)
{
    CsvReader *r = xcalloc(1, sizeof *r);
    r->encoding = encoding;
    r->in_cap = DEFAULT_CHUNK;
    r->in = xmalloc(r->in_cap);
    r->line = 1;
    r->max_record = CSV_MAX_RECORD;
    r->positions = true;
    return r;
}

static void set_error(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(char **error, const char *fmt, ...)
{
    if (!error) return;
    va_list ap;
    va_start(ap, fmt);
    *error = xvasprintf(fmt, ap);
    va_end(ap);
}

/* "byte 0xD6 at byte offset 12, line 2" */
static void describe_bad(char *buf, size_t n, const BadByte *b)
{
    if (b->byte < 0)
        snprintf(buf, n, "a character cut short by the end of the file at byte offset %llu, line %u",
                 (unsigned long long)b->offset, b->line);
    else
        snprintf(buf, n, "byte 0x%02X at byte offset %llu, line %u", (unsigned)b->byte,
                 (unsigned long long)b->offset, b->line);
}

/* Open over a source (a regular file, or memory owned by the caller of this function: `mem`
 * is adopted by the reader when it is read as UTF-8). `name` prefixes messages. */
/* A FILE the reader opens is closed by a guarded call abandoned for memory (base/oom.h) as
 * well as here: registered when opened, taken back when closed. */
static FILE *registered(FILE *f)
{
    if (f) oom_undo_push(oom_undo_fclose, f);
    return f;
}

static void close_file(FILE *f)
{
    oom_undo_drop(f);
    fclose(f);
}

static CsvReader *open_source(Source *s, char *owned_mem, const char *name, const char *encoding,
                              char **error)
{
    Encoding enc;
    if (!parse_encoding(encoding, &enc)) {
        set_error(error, "unknown encoding '%s' (expected utf-8, gbk or gb18030)", encoding);
        goto fail;
    }
    unsigned char head[3] = {0, 0, 0};
    size_t nhead = source_read(s, head, 3);
    if (s->err) goto read_fail;
    bool bom = nhead == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF;
    if (bom && enc == ENC_GB18030) {
        set_error(error, "%s: the file starts with a UTF-8 byte order mark, but it was to be read as GB18030",
                  name);
        goto fail;
    }
    if (enc == ENC_AUTO && nhead >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF))) {
        set_error(error, "%s: the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" or \"CSV\"",
                  name);
        goto fail;
    }

    if (!source_seek(s, 0)) goto read_fail;
    uint64_t nul = first_nul(s);
    if (s->err) goto read_fail;
    if (nul != UINT64_MAX) {
        set_error(error, "%s: not a text file (a byte 0 at byte offset %llu): a CSV ledger is text — a workbook must be "
                  "given as the .xlsx itself, or saved as CSV", name, (unsigned long long)nul);
        goto fail;
    }

    char why[160];
    BadByte bad8 = {0, 0, 0}, badgb = {0, 0, 0};
    uint64_t start = bom ? 3 : 0;
    if (enc != ENC_GB18030) {
        if (!source_seek(s, start)) goto read_fail;
        bool ok = scan_utf8(s, start, &bad8);
        if (s->err) goto read_fail;
        if (ok) {
            if (!source_seek(s, start)) goto read_fail;
            CsvReader *r = reader_new(bom ? "utf-8 (BOM)" : "utf-8");
            r->f = s->f;
            r->mem = owned_mem;
            r->mem_len = s->len;
            r->mem_pos = (size_t)start;
            r->start = start;
            return r;
        }
        if (enc == ENC_UTF8 || bom) {
            describe_bad(why, sizeof why, &bad8);
            set_error(error, "%s: not valid UTF-8%s: %s", name,
                      bom ? " (though it starts with a UTF-8 byte order mark)" : "", why);
            goto fail;
        }
    }

    /* GB18030: convert to a temporary file, or to memory if there is none to be had. */
    Sink sink = {0};
    sink.f = registered(tmpfile());
    ConvResult cr;
    for (;;) {
        if (!source_seek(s, 0)) goto read_fail;
        cr = convert_gb18030(s, &sink, &badgb);
        if (cr != CONV_WRITE || !sink.f) break;
        close_file(sink.f);                      /* the disk is full: try memory */
        sink = (Sink){0};
    }
    if (cr == CONV_OK && sink.f && (fflush(sink.f) != 0 || fseeko(sink.f, 0, SEEK_SET) != 0)) {
        cr = CONV_WRITE;
        sink.err = errno;
    }
    if (cr != CONV_OK) {
        if (sink.f) close_file(sink.f);
        free(sink.mem.p);
        if (cr == CONV_READ) goto read_fail;
        if (cr == CONV_ICONV) {
            set_error(error, "%s: this system's iconv cannot convert GB18030: %s", name, strerror(sink.err));
        } else if (cr == CONV_WRITE) {
            set_error(error, "%s: cannot write the converted text: %s", name, strerror(sink.err));
        } else if (enc == ENC_AUTO) {
            char why8[160];
            describe_bad(why8, sizeof why8, &bad8);
            describe_bad(why, sizeof why, &badgb);
            set_error(error, "%s: cannot tell the encoding: not UTF-8 (%s) nor GB18030/GBK (%s)", name, why8, why);
        } else {
            describe_bad(why, sizeof why, &badgb);
            set_error(error, "%s: not valid GB18030/GBK: %s", name, why);
        }
        goto fail;
    }
    if (s->f) close_file(s->f);
    free(owned_mem);
    CsvReader *r = reader_new("gb18030");
    if (sink.f) {
        r->f = sink.f;
    } else {
        r->mem = sink.mem.p;
        r->mem_len = sink.mem.n;
    }
    return r;

read_fail:
    set_error(error, "%s: cannot read: %s", name, strerror(s->err ? s->err : EIO));
fail:
    if (s->f) close_file(s->f);
    free(owned_mem);
    return NULL;
}

CsvReader *csv_open_memory(const void *data, size_t len, const char *encoding, char **error)
{
    char *copy = xmalloc(len ? len : 1);
    if (len) memcpy(copy, data, len);
    Source s = {.mem = (const unsigned char *)copy, .len = len};
    return open_source(&s, copy, "<memory>", encoding, error);
}

/* Copy a stream into an anonymous temporary file; NULL with the reason when it cannot be read,
 * cannot be stored, or is not text (a byte 0 in its first TEXT_PROBE bytes: /dev/zero). */
static FILE *spool_stream(FILE *in, const char *path, char **error)
{
    FILE *out = registered(tmpfile());
    if (!out) {
        set_error(error, "%s: cannot keep a copy of the stream to read it: %s", path, strerror(errno));
        return NULL;
    }
    char buf[DEFAULT_CHUNK];
    size_t n;
    uint64_t total = 0;
    int err = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (total < TEXT_PROBE) {
            size_t probe = TEXT_PROBE - total < n ? (size_t)(TEXT_PROBE - total) : n;
            const char *z = memchr(buf, 0, probe);
            if (z) {
                set_error(error, "%s: not a text file (a byte 0 at byte offset %llu): a CSV ledger is text", path,
                          (unsigned long long)(total + (uint64_t)(z - buf)));
                close_file(out);
                return NULL;
            }
        }
        if (fwrite(buf, 1, n, out) != n) {
            err = errno ? errno : EIO;
            set_error(error, "%s: cannot keep a copy of the stream to read it: %s", path, strerror(err));
            close_file(out);
            return NULL;
        }
        total += n;
    }
    if (ferror(in)) err = errno ? errno : EIO;
    if (!err && (fflush(out) != 0 || fseeko(out, 0, SEEK_SET) != 0)) err = errno ? errno : EIO;
    if (err) {
        set_error(error, "%s: cannot read: %s", path, strerror(err));
        close_file(out);
        return NULL;
    }
    return out;
}

CsvReader *csv_open(const char *path, const char *encoding, char **error)
{
    Encoding enc;
    if (!parse_encoding(encoding, &enc)) {
        set_error(error, "unknown encoding '%s' (expected utf-8, gbk or gb18030)", encoding);
        return NULL;
    }
    FILE *f = registered(fopen(path, "rb"));
    if (!f) {
        set_error(error, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        set_error(error, "%s: %s", path, strerror(errno));
        close_file(f);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        set_error(error, "%s: is a directory", path);
        close_file(f);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        /* A pipe or device cannot be read twice: it is copied to an anonymous temporary file
         * and read from there, memory flat however long it runs. */
        FILE *spool = spool_stream(f, path, error);
        close_file(f);
        if (!spool) return NULL;
        Source s = {.f = spool};
        return open_source(&s, NULL, path, encoding, error);
    }
    Source s = {.f = f};
    return open_source(&s, NULL, path, encoding, error);
}

void csv_close(CsvReader *r)
{
    if (!r) return;
    if (r->f) close_file(r->f);
    free(r->mem);
    free(r->in);
    free(r->raw.p);
    free(r->text.p);
    free(r->offs);
    free(r->lens);
    free(r->lines);
    free(r->cols);
    free(r->ptrs);
    free(r);
}

const char *csv_encoding(const CsvReader *r) { return r->encoding; }

size_t csv_buffer_bytes(const CsvReader *r)
{
    return r->in_cap + r->raw.cap + r->text.cap +
           r->fcap * (sizeof *r->offs + sizeof *r->lens + sizeof *r->lines + sizeof *r->cols + sizeof *r->ptrs);
}

void csv_set_chunk_size(CsvReader *r, size_t n)
{
    if (n == 0 || r->in_pos != r->in_end || r->in_base != 0) return;   /* only before reading */
    free(r->in);
    r->in = xmalloc(n);
    r->in_cap = n;
}

void csv_set_positions(CsvReader *r, bool on) { r->positions = on; }

void csv_set_max_record(CsvReader *r, size_t n)
{
    if (n) r->max_record = n;
}

/* ---- writing ------------------------------------------------------------------------------ */

void csv_write_cell(StrBuf *sb, const char *s)
{
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
    /* per byte: 0 plain, 1 to be quoted, 2 the end */
    static const unsigned char kind[256] = {[0] = 2, [','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1};
    size_t n = 0;
    unsigned char k;
    bool quote = formula;
    while ((k = kind[(unsigned char)s[n]]) != 2) {
        quote |= k;
        n++;
    }
    if (!quote) {
        sb_putn(sb, s, n);
        return;
    }
    sb_putc(sb, '"');
    if (formula) sb_putc(sb, '\'');
    for (; *s; s++) {
        if (*s == '"') sb_putc(sb, '"');
        sb_putc(sb, *s);
    }
    sb_putc(sb, '"');
}
