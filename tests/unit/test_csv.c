/* test_csv.c — src/csv.c, the streaming CSV reader.
 *
 * Records are compared as one short string per input: each record is "LINE[field][field]",
 * a malformed one adds "!reason", and records are separated by spaces; CR and LF inside a
 * field show as \r and \n. So `"x\ny",z` + `next` reads "1[x\ny][z] 3[next]". Expected values
 * are worked out from RFC 4180 and the rules in csv.h (line = the physical line where a record
 * starts, counting every LF, CRLF and lone CR), not copied from the reader's output.
 *
 * Every table case is read again with input chunks of 1, 2, 3, 5 and 7 bytes, so each quote,
 * CRLF and multi-byte character also falls across a buffer refill. GBK/GB18030 input is made
 * with iconv(3) from UTF-8 text in the test, or read from the small fixtures in
 * tests/fixtures/csv/ (see the README there). The streaming tests write temporary files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <iconv.h>
#include <unistd.h>

#include "engine/csv.h"
#include "base/util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof *(a))
#define MEM(lit) (lit), sizeof(lit) - 1      /* a string literal's bytes, NULs included */

/* tests/fixtures/csv/, found from this file's own path (the build compiles it from the
 * repository root, so __FILE__ is "tests/unit/test_csv.c" or an absolute path). */
static char *fixture(const char *name)
{
    const char *me = __FILE__;
    const char *cut = strstr(me, "unit/test_csv.c");
    assert_non_null(cut);
    StrBuf sb = {0};
    sb_putn(&sb, me, (size_t)(cut - me));
    sb_printf(&sb, "fixtures/csv/%s", name);
    return sb_take(&sb);
}

/* xorshift64*: deterministic, so a failing fuzz case repeats. */
static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

/* ---- reading everything into one string ------------------------------------------------ */

static void show_bytes(StrBuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') sb_puts(sb, "\\n");
        else if (s[i] == '\r') sb_puts(sb, "\\r");
        else if (s[i] == '\0') sb_puts(sb, "\\0");
        else sb_putc(sb, s[i]);
    }
}

/* Check what every record must satisfy, whatever the input. */
static void check_invariants(const CsvRecord *rec, int rc, uint32_t prev_line)
{
    assert_true(rc == 1 || rc == -1);
    assert_true(rec->count >= 1);
    assert_true(rec->line > prev_line);                  /* records start on distinct lines */
    assert_non_null(rec->raw);
    assert_int_equal(rec->raw[rec->raw_len], '\0');
    assert_true(utf8_valid(rec->raw, rec->raw_len));
    assert_true((rc == 1) == (rec->error[0] == '\0'));
    size_t total = 0;
    for (size_t i = 0; i < rec->count; i++) {
        assert_non_null(rec->fields[i]);
        assert_int_equal(rec->fields[i][rec->lens[i]], '\0');
        assert_true(utf8_valid(rec->fields[i], rec->lens[i]));
        assert_true(rec->field_lines[i] >= rec->line);
        assert_true(rec->field_cols[i] >= 1);
        if (i) assert_true(rec->field_lines[i] >= rec->field_lines[i - 1]);
        total += rec->lens[i];
    }
    assert_true(total <= rec->raw_len);                  /* quotes and commas only add */
    if (rc == -1) {
        assert_true(rec->error_col >= 1 && rec->error_col <= rec->count + 1);
        assert_true(rec->error_line >= rec->line);
    }
}

/* When set, read_all also gives where each field starts (line:column), where an error is,
 * and each record's raw text: what a reader must give alike however its input is chunked
 * (a whole line in the buffer takes another path through the reader than a line cut in
 * pieces). */
static bool show_positions;

static void show_record_positions(StrBuf *sb, const CsvRecord *rec, int rc)
{
    sb_putc(sb, '{');
    for (size_t i = 0; i < rec->count; i++) sb_printf(sb, "%s%u:%u", i ? " " : "", rec->field_lines[i], rec->field_cols[i]);
    if (rc < 0) sb_printf(sb, " error at field %u, %u:%u", rec->error_col, rec->error_line, rec->error_char);
    sb_puts(sb, " raw ");
    show_bytes(sb, rec->raw, rec->raw_len);
    sb_putc(sb, '}');
}

/* All records of a reader as "LINE[a][b] LINE[c]!reason ..."; the reader is closed. */
static char *read_all(CsvReader *r)
{
    StrBuf sb = {0};
    CsvRecord rec;
    int rc;
    uint32_t prev = 0;
    size_t guard = 0;
    while ((rc = csv_next(r, &rec)) != 0) {
        check_invariants(&rec, rc, prev);
        prev = rec.line;
        assert_true(++guard < 10000000);
        if (sb.count) sb_putc(&sb, ' ');
        sb_printf(&sb, "%u", rec.line);
        for (size_t i = 0; i < rec.count; i++) {
            sb_putc(&sb, '[');
            show_bytes(&sb, rec.fields[i], rec.lens[i]);
            sb_putc(&sb, ']');
        }
        if (rc < 0) sb_printf(&sb, "!%s", rec.error);
        if (show_positions) show_record_positions(&sb, &rec, rc);
    }
    assert_int_equal(rec.count, 0);                       /* the end leaves an empty record */
    assert_string_equal(rec.error, "");
    assert_int_equal(csv_next(r, &rec), 0);               /* and stays at the end */
    csv_close(r);
    return sb_take(&sb);
}

static CsvReader *open_mem_n(const char *data, size_t n, const char *enc, size_t chunk)
{
    char *err = NULL;
    CsvReader *r = csv_open_memory(data, n, enc, &err);
    if (!r) fail_msg("csv_open_memory failed: %s", err);
    if (chunk) csv_set_chunk_size(r, chunk);
    return r;
}

static char *read_mem(const char *data, size_t chunk)
{
    return read_all(open_mem_n(data, strlen(data), NULL, chunk));
}

static void assert_reads_at(const char *input, const char *want, const char *file, int line)
{
    static const size_t chunks[] = {0, 1, 2, 3, 5, 7};
    for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
        char *got = read_mem(input, chunks[i]);
        int same = strcmp(got, want) == 0;
        if (!same) {
            StrBuf in = {0};
            show_bytes(&in, input, strlen(input));
            print_error("%s:%d: input \"%s\" (chunk %zu)\n  want: %s\n  got:  %s\n", file, line,
                        sb_str(&in), chunks[i], want, got);
            sb_free(&in);
        }
        free(got);
        if (!same) _fail(file, line);
    }
    /* and the positions alike, whole lines or cut */
    show_positions = true;
    char *whole = read_mem(input, 0);
    for (size_t i = 1; i < ARRAY_LEN(chunks); i++) {
        char *got = read_mem(input, chunks[i]);
        int same = strcmp(got, whole) == 0;
        if (!same)
            print_error("%s:%d: positions (chunk %zu)\n  whole: %s\n  cut:   %s\n", file, line, chunks[i], whole, got);
        free(got);
        if (!same) {
            free(whole);
            show_positions = false;
            _fail(file, line);
        }
    }
    free(whole);
    show_positions = false;
}
#define assert_reads(input, want) assert_reads_at((input), (want), __FILE__, __LINE__)

/* ---- RFC 4180 syntax ---------------------------------------------------------------------- */

typedef struct Case {
    const char *input, *want;
} Case;

static const Case syntax_cases[] = {
    /* plain records, line ends, the last line */
    {"a,b,c\n", "1[a][b][c]"},
    {"a,b,c", "1[a][b][c]"},
    {"a,b\r\nc,d\r\n", "1[a][b] 2[c][d]"},
    {"a,b\r\nc,d", "1[a][b] 2[c][d]"},
    {"a,b\rc,d\r", "1[a][b] 2[c][d]"},                     /* lone CR, old Mac Excel */
    {"a\nb\r\nc\rd", "1[a] 2[b] 3[c] 4[d]"},
    {"x", "1[x]"},
    {"", ""},
    /* empty fields */
    {"a,b,\n", "1[a][b][]"},
    {"a,b,", "1[a][b][]"},
    {",\n", "1[][]"},
    {",,,\n", "1[][][][]"},                                /* a line of commas is a record */
    {",a", "1[][a]"},
    {"a,,b\n", "1[a][][b]"},
    {"\"\"\n", "1[]"},
    {"\"\",\"\"", "1[][]"},
    /* empty lines are skipped but counted */
    {"\n", ""},
    {"\n\n\r\n\r", ""},
    {"a\n\n\nb\n", "1[a] 4[b]"},
    {"\r\n\r\na\r\n", "3[a]"},
    {"a\r\n\rb\n", "1[a] 3[b]"},
    {"a\n\n", "1[a]"},
    {"  \n", "1[  ]"},                                     /* spaces are data */
    {" a , b \n", "1[ a ][ b ]"},
    /* quoted fields */
    {"\"a,b\",c\n", "1[a,b][c]"},
    {"\"a\",\"b\"", "1[a][b]"},
    {"\"he said \"\"hi\"\"\",x\n", "1[he said \"hi\"][x]"},
    {"\"\"\"\"\n", "1[\"]"},
    {"\"\"\"\"\"\"", "1[\"\"]"},
    {"\"a\"\"\",b", "1[a\"][b]"},
    {"\",\",\",\"\n", "1[,][,]"},
    {"\"a\"\r\n\"b\"\r\n", "1[a] 2[b]"},
    {"\"a\"", "1[a]"},
    {"\"a\",", "1[a][]"},
    /* line breaks inside quotes: the next record's line counts them */
    {"\"x\ny\",z\nnext,1\n", "1[x\\ny][z] 3[next][1]"},
    {"\"x\r\ny\",z\r\nnext,1\r\n", "1[x\\r\\ny][z] 3[next][1]"},
    {"\"x\ry\",z\rnext\r", "1[x\\ry][z] 3[next]"},
    {"\"a\n\nb\",\"c\nd\"\ne\n", "1[a\\n\\nb][c\\nd] 5[e]"},   /* an empty line inside quotes is data */
    {"h\n\"\n\"\n\nq\n", "1[h] 2[\\n] 5[q]"},
    {"\"\r\n\r\n\"", "1[\\r\\n\\r\\n]"},
    {"a,\"b\nc\"", "1[a][b\\nc]"},
    /* a quote inside an unquoted field is kept (csv.h) */
    {"ab\"c,d\n", "1[ab\"c][d]"},
    {"12\"3\n", "1[12\"3]"},
    {"a\"\"b\n", "1[a\"\"b]"},
    {"a\"\n", "1[a\"]"},
    {" \"a\",b\n", "1[ \"a\"][b]"},
    {"x,a\"b\"c,y", "1[x][a\"b\"c][y]"},
    /* UTF-8 passes through */
    {"身份证号,姓名\n410122195001011234,张三\n", "1[身份证号][姓名] 2[410122195001011234][张三]"},
    {"\"郑州市,中牟县\",“引号”\n", "1[郑州市,中牟县][“引号”]"},
    /* malformed: text after a closing quote; the rest of the line goes with it */
    {"\"a\"b,c\nd,e\n", "1[a]!unexpected character after closing quote 2[d][e]"},
    {"x,\"a\" ,c\r\nd\r\n", "1[x][a]!unexpected character after closing quote 2[d]"},
    /* ... but when the quote opened on an earlier line, the record is cut after that line and
     * the lines below are read again */
    {"\"a\nb\"x,c\nd\n",
     "1[a]!unexpected character after closing quote (at line 2, of a quoted field starting at line 1) "
     "2[b\"x][c] 3[d]"},
    {"\"a\"b", "1[a]!unexpected character after closing quote"},
    {"\"a\"\"\"b\n", "1[a\"]!unexpected character after closing quote"},
    {"\"a\"张\nb\n", "1[a]!unexpected character after closing quote 2[b]"},
    /* ... skipping to the line end without regard to quotes, so a quote later on that line
     * does not swallow the lines below it */
    {"\"a\"b,\"c\nd\"\ne\n", "1[a]!unexpected character after closing quote 2[d\"] 3[e]"},
    /* malformed: a quote never closed; reading resumes on the line after the quote's */
    {"a,b\n\"c,d\n", "1[a][b] 2[c,d]!unterminated quoted field starting at line 2"},
    {"a,b\n\"c,d", "1[a][b] 2[c,d]!unterminated quoted field starting at line 2"},
    {"\"", "1[]!unterminated quoted field starting at line 1"},
    {"a,\"", "1[a][]!unterminated quoted field starting at line 1"},
    {"a,b\n\"c,d\ne,f\n\ng\n",
     "1[a][b] 2[c,d]!unterminated quoted field starting at line 2 3[e][f] 5[g]"},
    {"x,\"c\r\ne,f\r\ng\r\n", "1[x][c]!unterminated quoted field starting at line 1 2[e][f] 3[g]"},
    {"\"a\nb\",\"c\nd,e\nf\n",
     "1[a\\nb][c]!unterminated quoted field starting at line 2 3[d][e] 4[f]"},
    /* the lines after the resume point are read afresh: "" there is no longer an escape */
    {"1,\"x\n2,y\"\"\n3\n", "1[1][x]!unterminated quoted field starting at line 1 2[2][y\"\"] 3[3]"},
    /* two in a row */
    {"\"a\n\"b\nc\n",
     "1[a]!unexpected character after closing quote (at line 2, of a quoted field starting at line 1) "
     "2[b]!unterminated quoted field starting at line 2 3[c]"},
    {"\"a\n\"\"b\nc\n",
     "1[a]!unterminated quoted field starting at line 1 2[]!unexpected character after closing quote 3[c]"},
};

static void test_syntax_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(syntax_cases); i++) assert_reads(syntax_cases[i].input, syntax_cases[i].want);
}

/* A byte 0 near the start: not a text file at all (a device, a workbook), refused at open. */
static void test_nul_not_text(void **state)
{
    (void)state;
    static const char data[] = "a\0b,c\n";
    char *err = NULL;
    assert_null(csv_open_memory(data, sizeof data - 1, NULL, &err));
    assert_string_equal(err, "<memory>: not a text file (a byte 0 at byte offset 1): a CSV ledger is text — a "
                             "workbook must be given as the .xlsx itself, or saved as CSV");
    free(err);
}

/* Past the first 8000 bytes a byte 0 is data of its field (the value reader refuses it there,
 * for that row alone). */
static void test_nul_in_field(void **state)
{
    (void)state;
    StrBuf in = {0};
    for (int i = 0; i < 1000; i++) sb_puts(&in, "1234567,\n");   /* 9000 bytes of rows */
    sb_putn(&in, "a\0b,c\n", 6);
    CsvReader *r = open_mem_n(in.items, in.count, NULL, 0);
    CsvRecord rec;
    for (int i = 0; i < 1000; i++) assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.count, 2);
    assert_int_equal(rec.lens[0], 3);
    assert_memory_equal(rec.fields[0], "a\0b", 4);
    assert_string_equal(rec.fields[1], "c");
    assert_int_equal(rec.raw_len, 5);
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);
    sb_free(&in);
}

/* ---- positions, raw text, errors ------------------------------------------------------------ */

static void test_raw_text(void **state)
{
    (void)state;
    CsvReader *r = open_mem_n(MEM("\"x\r\ny\",z\r\n\n  a ,\"b\"\"c\"\nlast"), NULL, 0);
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 1);
    assert_string_equal(rec.raw, "\"x\r\ny\",z");          /* the line end is not part of it */
    assert_int_equal(rec.raw_len, 8);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 4);
    assert_string_equal(rec.raw, "  a ,\"b\"\"c\"");
    assert_string_equal(rec.fields[1], "b\"c");
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 5);
    assert_string_equal(rec.raw, "last");
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);
}

static void test_field_positions(void **state)
{
    (void)state;
    /* Line 1: ab,"c      line 2: d",ef      columns count characters, not bytes. */
    CsvReader *r = open_mem_n(MEM("ab,\"c\nd\",ef\n张三,李四,\"王\"\n"), NULL, 0);
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.count, 3);
    assert_int_equal(rec.field_lines[0], 1);
    assert_int_equal(rec.field_cols[0], 1);
    assert_int_equal(rec.field_lines[1], 1);
    assert_int_equal(rec.field_cols[1], 4);                /* its opening quote */
    assert_int_equal(rec.field_lines[2], 2);
    assert_int_equal(rec.field_cols[2], 4);                /* d=1 "=2 ,=3 e=4 */
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 3);
    assert_int_equal(rec.field_cols[0], 1);
    assert_int_equal(rec.field_cols[1], 4);                /* 张=1 三=2 ,=3 李=4 */
    assert_int_equal(rec.field_cols[2], 7);
    assert_string_equal(rec.fields[2], "王");
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);
}

/* Lines without quotes (the plain path, which cuts sixteen bytes at a time) of random fields —
 * empty, ASCII, or with two-, three- and four-byte characters, of lengths that put commas and
 * wide characters on every side of a sixteen-byte boundary — against what the test works out
 * itself: each field's text and length, its line, and its column in characters. Read whole
 * (the plain path) and a byte at a time (the general one), which must agree; and with
 * positions off, the same fields and no positions. */
static void test_plain_lines_random(void **state)
{
    (void)state;
    static const char *const atoms[] = {"a", "7", " ", "-", "\xC3\xA9", "\xE5\xBC\xA0", "\xF0\x9F\x98\x80"};
    static const uint32_t atom_chars = 1;   /* every atom is one character */
    enum { LINES = 400, MAXF = 40 };
    StrBuf in = {0};
    char *want[LINES][MAXF];
    uint32_t nf[LINES], col[LINES][MAXF];
    for (int l = 0; l < LINES; l++) {
        nf[l] = 1 + (uint32_t)(rng() % MAXF);
        uint32_t c = 1;
        for (uint32_t f = 0; f < nf[l]; f++) {
            StrBuf field = {0};
            size_t atoms_in = rng() % 4 == 0 ? 0 : (size_t)(rng() % 12);
            if (f == 0 && !atoms_in) atoms_in = 1;   /* an empty line is no record: skipped */
            for (size_t a = 0; a < atoms_in; a++) sb_puts(&field, atoms[rng() % ARRAY_LEN(atoms)]);
            want[l][f] = xstrdup(sb_str(&field));
            col[l][f] = c;
            c += (uint32_t)atoms_in * atom_chars + 1;
            sb_puts(&in, want[l][f]);
            sb_putc(&in, f + 1 < nf[l] ? ',' : '\n');
            sb_free(&field);
        }
    }
    /* whole and a byte at a time, with positions and without (the importer's way) */
    for (int way = 0; way < 4; way++) {
        size_t chunk = (size_t)(way & 1);
        bool positions = way < 2;
        CsvReader *r = open_mem_n(in.items, in.count, NULL, chunk);
        csv_set_positions(r, positions);
        CsvRecord rec;
        for (int l = 0; l < LINES; l++) {
            assert_int_equal(csv_next(r, &rec), 1);
            assert_int_equal(rec.line, l + 1);
            assert_int_equal(rec.count, nf[l]);
            if (!positions) {
                assert_null(rec.field_lines);
                assert_null(rec.field_cols);
            }
            for (uint32_t f = 0; f < nf[l]; f++) {
                assert_string_equal(rec.fields[f], want[l][f]);
                assert_int_equal(rec.lens[f], strlen(want[l][f]));
                if (!positions) continue;
                assert_int_equal(rec.field_lines[f], l + 1);
                if (rec.field_cols[f] != col[l][f])
                    print_error("line %d field %u \"%s\": column %u, want %u\n", l + 1, f, want[l][f],
                                rec.field_cols[f], col[l][f]);
                assert_int_equal(rec.field_cols[f], col[l][f]);
            }
        }
        assert_int_equal(csv_next(r, &rec), 0);
        csv_close(r);
    }
    for (int l = 0; l < LINES; l++)
        for (uint32_t f = 0; f < nf[l]; f++) free(want[l][f]);
    sb_free(&in);
}

static void test_junk_after_quote_details(void **state)
{
    (void)state;
    const char *in = "id,name\n张三,\"a\"b,c\n\n1,2\n";
    CsvReader *r = open_mem_n(in, strlen(in), NULL, 0);
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(csv_next(r, &rec), -1);
    assert_string_equal(rec.error, "unexpected character after closing quote");
    assert_int_equal(rec.line, 2);
    assert_int_equal(rec.error_col, 2);                     /* the second field */
    assert_int_equal(rec.error_line, 2);
    assert_int_equal(rec.error_char, 7);                    /* 张=1 三=2 ,=3 "=4 a=5 "=6 b=7 */
    assert_string_equal(rec.raw, "张三,\"a\"b,c");
    assert_int_equal(rec.count, 2);
    assert_string_equal(rec.fields[0], "张三");
    assert_string_equal(rec.fields[1], "a");
    /* recovery: the next record, with its own line number (an empty line between) */
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 4);
    assert_string_equal(rec.error, "");
    assert_int_equal(rec.error_col, 0);
    assert_string_equal(rec.fields[0], "1");
    assert_string_equal(rec.fields[1], "2");
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);
}

static void test_unterminated_details(void **state)
{
    (void)state;
    const char *in = "a,b\r\nc,\"d\r\ne,f\r\ng,h";
    CsvReader *r = open_mem_n(in, strlen(in), NULL, 0);
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(csv_next(r, &rec), -1);
    assert_string_equal(rec.error, "unterminated quoted field starting at line 2");
    assert_int_equal(rec.line, 2);
    assert_int_equal(rec.error_col, 2);
    assert_int_equal(rec.error_line, 2);
    assert_int_equal(rec.error_char, 3);
    assert_string_equal(rec.raw, "c,\"d");                  /* cut at the end of line 2 */
    assert_int_equal(rec.count, 2);
    assert_string_equal(rec.fields[1], "d");
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 3);
    assert_string_equal(rec.raw, "e,f");
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 4);
    assert_string_equal(rec.raw, "g,h");
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);
}

/* A stray quote at the start of a field swallows the rows below it until the next quote in the
 * file (here the opening quote of a good field on line 8), where "unexpected character after
 * closing quote" shows up. Every swallowed row must still come back as a record of its own. */
static void test_stray_quote_recovery(void **state)
{
    (void)state;
    const char *in = "id,name,county,note\n"
                     "2,王五,410122,a\n"
                     "3,\"张三,410122,b\n"
                     "4,赵六,410122,c\n"
                     "5,钱七,410122,d\n"
                     "\n"
                     "7,孙八,410181,e\n"
                     "8,李四,\"官渡镇,东村\",f\n"
                     "9,周九,410181,g\n";
    CsvReader *r = open_mem_n(in, strlen(in), NULL, 0);
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 2);
    assert_int_equal(csv_next(r, &rec), -1);
    assert_int_equal(rec.line, 3);
    assert_string_equal(rec.error, "unexpected character after closing quote (at line 8, of a quoted field "
                                   "starting at line 3)");
    assert_int_equal(rec.error_col, 2);
    assert_int_equal(rec.error_line, 3);
    assert_int_equal(rec.error_char, 3);
    assert_string_equal(rec.raw, "3,\"张三,410122,b");
    assert_int_equal(rec.count, 2);
    assert_string_equal(rec.fields[1], "张三,410122,b");
    static const uint32_t lines[] = {4, 5, 7, 8, 9};
    static const char *const ids[] = {"4", "5", "7", "8", "9"};
    for (size_t i = 0; i < ARRAY_LEN(lines); i++) {
        assert_int_equal(csv_next(r, &rec), 1);
        assert_int_equal(rec.line, lines[i]);
        assert_int_equal(rec.count, 4);
        assert_string_equal(rec.fields[0], ids[i]);
    }
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);

    /* With no quote further on, the same rows come back, after "unterminated". */
    char *got = read_mem("1,a\n2,\"b,c\n3,d\n4,e\n", 0);
    assert_string_equal(got, "1[1][a] 2[2][b,c]!unterminated quoted field starting at line 2 3[3][d] 4[4][e]");
    free(got);
}

/* ---- the record size limit ---------------------------------------------------------------- */

static void test_max_record(void **state)
{
    (void)state;
    /* An open quote at line 2, never closed, 50 lines above the limit: the same records come
     * back as with no limit, only the reason differs. */
    StrBuf in = {0};
    sb_puts(&in, "h\n\"q\n");
    for (int i = 0; i < 50; i++) sb_printf(&in, "%d,x\n", i + 3);
    StrBuf want_tail = {0};
    for (int i = 0; i < 50; i++) sb_printf(&want_tail, " %d[%d][x]", i + 3, i + 3);

    char *got = read_mem(sb_str(&in), 0);
    StrBuf want = {0};
    sb_printf(&want, "1[h] 2[q]!unterminated quoted field starting at line 2%s", sb_str(&want_tail));
    assert_string_equal(got, sb_str(&want));
    free(got);

    for (size_t chunk = 1; chunk <= 4096; chunk *= 8) {
        CsvReader *r = open_mem_n(in.items, in.count, NULL, chunk);
        csv_set_max_record(r, 64);
        got = read_all(r);
        want.count = 0;
        sb_printf(&want, "1[h] 2[q]!quoted field starting at line 2 not closed within 64 bytes%s",
                  sb_str(&want_tail));
        assert_string_equal(got, sb_str(&want));
        free(got);
    }

    /* An unquoted line over the limit is skipped to its end; a line at the limit is fine. */
    in.count = 0;
    sb_puts(&in, "short\n");
    for (int i = 0; i < 200; i++) sb_puts(&in, "长");       /* 600 bytes */
    sb_puts(&in, "\n");
    for (int i = 0; i < 100; i++) sb_putc(&in, 'z');
    sb_puts(&in, "\nnext\n");
    for (size_t chunk = 1; chunk <= 4096; chunk *= 4) {
        CsvReader *r = open_mem_n(in.items, in.count, NULL, chunk);
        csv_set_max_record(r, 100);
        CsvRecord rec;
        assert_int_equal(csv_next(r, &rec), 1);
        assert_int_equal(csv_next(r, &rec), -1);
        assert_string_equal(rec.error, "record longer than 100 bytes");
        assert_int_equal(rec.line, 2);
        assert_true(utf8_valid(rec.raw, rec.raw_len));
        assert_true(rec.raw_len >= 100 - 3 && rec.raw_len < 100 + chunk + 8);  /* whole characters */
        assert_int_equal(csv_next(r, &rec), 1);
        assert_int_equal(rec.line, 3);
        assert_int_equal(rec.lens[0], 100);
        assert_int_equal(csv_next(r, &rec), 1);
        assert_int_equal(rec.line, 4);
        assert_string_equal(rec.fields[0], "next");
        assert_int_equal(csv_next(r, &rec), 0);
        csv_close(r);
    }
    sb_free(&in);
    sb_free(&want);
    sb_free(&want_tail);
}

/* ---- encodings ------------------------------------------------------------------------------ */

/* `utf8` converted to `to` with iconv; caller frees. */
static char *convert(const char *utf8, const char *to, size_t *len)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t il = strlen(utf8), cap = il * 4 + 16, ol = cap;
    char *out = malloc(cap), *ip = (char *)utf8, *op = out;
    assert_non_null(out);
    assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    *len = cap - ol;
    return out;
}

static const char *ledger_utf8 =
    "身份证号,姓名,区县代码\n"
    "410122195001011234,张三,410122\n"
    "\"41012219600202567X\",\"李四,小名\"\"四儿\"\"\",410122\r\n"
    "410181197003031111,\"王\n五\",410181\n";

static const char *ledger_want =
    "1[身份证号][姓名][区县代码] 2[410122195001011234][张三][410122] "
    "3[41012219600202567X][李四,小名\"四儿\"][410122] 4[410181197003031111][王\\n五][410181]";

static void test_detect_utf8_with_chinese(void **state)
{
    (void)state;
    CsvReader *r = open_mem_n(ledger_utf8, strlen(ledger_utf8), NULL, 0);
    assert_string_equal(csv_encoding(r), "utf-8");
    char *got = read_all(r);
    assert_string_equal(got, ledger_want);
    free(got);
    r = open_mem_n("id,x\n1,2\n", 9, NULL, 0);            /* ASCII is UTF-8 */
    assert_string_equal(csv_encoding(r), "utf-8");
    csv_close(r);
    r = open_mem_n("", 0, NULL, 0);
    assert_string_equal(csv_encoding(r), "utf-8");
    csv_close(r);
}

/* The whole-file UTF-8 check against utf8_valid, over random texts of bytes around
 * three-byte characters: leads with any continuation (E4), with restricted ones (E0, ED),
 * continuations at either end of their range, bytes that are never UTF-8, ASCII between; a
 * forced UTF-8 reading opens exactly the valid ones. */
static void test_utf8_check_random(void **state)
{
    (void)state;
    static const unsigned char bytes[] = {'a', ',', '\n', 0xE4, 0xB8, 0xAD, 0xE0, 0xA0, 0x9F, 0xED, 0x80, 0xBF,
                                          0xEF, 0xC2, 0xC0, 0xF0, 0x90, 0xF4, 0xFF};
    static const char *const chars[] = {"\xE4\xB8\xAD", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEF\xBF\xBF"};
    uint32_t seed = 12345;
    char buf[48];
    int valid = 0;
    for (int t = 0; t < 20000; t++) {
        size_t n = 1 + (seed = seed * 1103515245u + 12345u) % 40;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 8) % 3 != 0 && i + 3 <= n) {   /* mostly whole characters: valid texts common */
                memcpy(buf + i, chars[(seed >> 12) % 4], 3);
                i += 2;
            } else {   /* else ASCII half the time, any of the bytes the other half */
                buf[i] = (char)bytes[(seed >> 20) % 2 ? (seed >> 16) % 3 : (seed >> 16) % sizeof bytes];
            }
        }
        char *err = NULL;
        CsvReader *r = csv_open_memory(buf, n, "UTF-8", &err);
        bool want = utf8_valid(buf, n);
        if ((r != NULL) != want)
            fail_msg("text %d (%zu bytes): opened %d, valid %d (%s)", t, n, r != NULL, want, err ? err : "");
        valid += want;
        if (r) csv_close(r);
        free(err);
    }
    if (valid < 1000 || valid > 19000) fail_msg("%d valid texts of 20000: want both kinds well represented", valid);
}

static void test_bom(void **state)
{
    (void)state;
    StrBuf in = {0};
    sb_puts(&in, "\xEF\xBB\xBF");
    sb_puts(&in, ledger_utf8);
    CsvReader *r = open_mem_n(in.items, in.count, NULL, 0);
    assert_string_equal(csv_encoding(r), "utf-8 (BOM)");
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    assert_string_equal(rec.fields[0], "身份证号");        /* no U+FEFF in the first header */
    assert_int_equal(rec.field_cols[0], 1);
    assert_int_equal(rec.raw_len, strlen("身份证号,姓名,区县代码"));
    csv_close(r);
    char *got = read_all(open_mem_n(in.items, in.count, NULL, 3));
    assert_string_equal(got, ledger_want);
    free(got);
    /* forced UTF-8 also skips it */
    got = read_all(open_mem_n(in.items, in.count, "UTF-8", 0));
    assert_string_equal(got, ledger_want);
    free(got);
    /* a BOM alone, a BOM and empty lines */
    r = open_mem_n("\xEF\xBB\xBF", 3, NULL, 0);
    assert_string_equal(csv_encoding(r), "utf-8 (BOM)");
    got = read_all(r);
    assert_string_equal(got, "");
    free(got);
    got = read_all(open_mem_n(MEM("\xEF\xBB\xBF\r\n\r\nx"), NULL, 0));
    assert_string_equal(got, "3[x]");
    free(got);
    /* a quoted first field right after the BOM (Excel quotes headers with commas) */
    got = read_all(open_mem_n(MEM("\xEF\xBB\xBF\"a,b\",c"), NULL, 0));
    assert_string_equal(got, "1[a,b][c]");
    free(got);
    sb_free(&in);
}

static void test_gbk_detected_and_forced(void **state)
{
    (void)state;
    size_t n;
    char *gbk = convert(ledger_utf8, "GBK", &n);
    assert_false(utf8_valid(gbk, n));
    static const char *const names[] = {NULL, "gbk", "GBK", "gb18030", "GB18030", "auto", "cp936"};
    static const size_t chunks[] = {0, 1, 7};
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        for (size_t c = 0; c < ARRAY_LEN(chunks); c++) {
            CsvReader *r = open_mem_n(gbk, n, names[i], chunks[c]);
            assert_string_equal(csv_encoding(r), "gb18030");
            char *got = read_all(r);
            assert_string_equal(got, ledger_want);
            free(got);
        }
    free(gbk);
}

static void test_gbk_fixture(void **state)
{
    (void)state;
    char *path = fixture("gbk.csv");
    char *err = NULL;
    CsvReader *r = csv_open(path, NULL, &err);
    if (!r) fail_msg("%s", err);
    assert_string_equal(csv_encoding(r), "gb18030");
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.count, 4);
    assert_string_equal(rec.fields[0], "身份证号");
    assert_string_equal(rec.fields[1], "姓名");
    assert_string_equal(rec.fields[2], "区县代码");
    assert_string_equal(rec.fields[3], "乡镇（街道）");
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 2);
    assert_string_equal(rec.fields[1], "张三");
    assert_string_equal(rec.fields[3], "官渡镇,东村");
    assert_string_equal(rec.raw, "410122195001011234,张三,410122,\"官渡镇,东村\"");
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 3);
    assert_string_equal(rec.fields[0], "41012219600202567X");
    assert_string_equal(rec.fields[1], "李四");
    assert_string_equal(rec.fields[3], "多行\r\n地址");
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 5);                          /* record 3 took lines 3 and 4 */
    assert_string_equal(rec.fields[1], "王五");
    assert_int_equal(rec.count, 4);
    assert_string_equal(rec.fields[3], "");
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);
    free(path);
}

static void test_gb18030_beyond_gbk(void **state)
{
    (void)state;
    char *path = fixture("gb18030_ext.csv");
    char *err = NULL;
    CsvReader *r = csv_open(path, NULL, &err);
    if (!r) fail_msg("%s", err);
    assert_string_equal(csv_encoding(r), "gb18030");
    char *got = read_all(r);
    assert_string_equal(got, "1[id][姓名] 2[1][王䶮] 3[2][𠀀]");
    free(got);
    free(path);

    /* The GB18030 byte order mark is dropped like the UTF-8 one. */
    got = read_all(open_mem_n(MEM("\x84\x31\x95\x33id,\xD0\xD5\xC3\xFB\n"), "gb18030", 0));
    assert_string_equal(got, "1[id][姓名]");
    free(got);
    /* CP936's euro sign, the single byte 0x80 that GB18030 leaves unassigned. */
    CsvReader *e = open_mem_n(MEM("\xD6\xD0,\x80 5\n"), NULL, 0);
    assert_string_equal(csv_encoding(e), "gb18030");
    got = read_all(e);
    assert_string_equal(got, "1[中][€ 5]");
    free(got);
}

static void test_bom_fixture(void **state)
{
    (void)state;
    char *path = fixture("utf8_bom.csv");
    char *err = NULL;
    CsvReader *r = csv_open(path, NULL, &err);
    if (!r) fail_msg("%s", err);
    assert_string_equal(csv_encoding(r), "utf-8 (BOM)");
    char *got = read_all(r);
    assert_string_equal(got, "1[身份证号][姓名] 2[410122195001011234][张三]");
    free(got);
    free(path);
}

/* An open that must fail, with a message containing `want`. */
static void assert_open_fails_at(const char *data, size_t n, const char *enc, const char *want,
                                 const char *file, int line)
{
    char *err = NULL;
    CsvReader *r = csv_open_memory(data, n, enc, &err);
    if (r) {
        csv_close(r);
        print_error("%s:%d: the open succeeded; want an error with \"%s\"\n", file, line, want);
        _fail(file, line);
    }
    if (!err || !strstr(err, want)) {
        print_error("%s:%d: want an error with \"%s\", got \"%s\"\n", file, line, want, err ? err : "(null)");
        free(err);
        _fail(file, line);
    }
    free(err);
}
#define assert_open_fails(data, n, enc, want) assert_open_fails_at((data), (n), (enc), (want), __FILE__, __LINE__)

static void test_encoding_errors(void **state)
{
    (void)state;
    size_t n;
    char *gbk = convert("id,身份\nx\n", "GBK", &n);         /* 身 = C9 ED */
    /* GBK forced as UTF-8: the first non-UTF-8 byte is named, with its offset and line */
    assert_open_fails(gbk, n, "utf-8", "<memory>: not valid UTF-8: byte 0xC9 at byte offset 3, line 1");
    assert_open_fails(gbk, n, "UTF8", "byte offset 3");
    free(gbk);
    gbk = convert("a\r\nb\nc\rdd,姓名\n", "GBK", &n);      /* 姓 = D0 D5, on line 4 */
    assert_open_fails(gbk, n, "utf-8", "byte 0xD0 at byte offset 10, line 4");
    free(gbk);
    /* UTF-8 forced as GBK: "中," is E4 B8 AD 2C; E4 B8 is a GBK pair, AD 2C is not */
    assert_open_fails("a,\xE4\xB8\xAD,b\n", 8, "gbk", "not valid GB18030/GBK: byte 0xAD at byte offset 4, line 1");
    /* a character cut short by the end of the file */
    assert_open_fails("a,\xD6", 3, "gb18030", "cut short by the end of the file at byte offset 2, line 1");
    assert_open_fails("a,\xE4\xB8", 4, "utf-8", "cut short by the end of the file at byte offset 2, line 1");
    /* neither encoding */
    assert_open_fails("a,\xFF\xFF\n", 5, NULL,
                      "cannot tell the encoding: not UTF-8 (byte 0xFF at byte offset 2, line 1) nor "
                      "GB18030/GBK (byte 0xFF at byte offset 2, line 1)");
    /* BOM and encoding disagree */
    assert_open_fails("\xEF\xBB\xBFid\n", 6, "gbk", "starts with a UTF-8 byte order mark");
    assert_open_fails("\xEF\xBB\xBFid,\xD0\xD5\n", 9, NULL, "not valid UTF-8 (though it starts with a UTF-8 byte order mark)");
    assert_open_fails("\xEF\xBB\xBFid,\xD0\xD5\n", 9, NULL, "byte 0xD0 at byte offset 6");
    /* UTF-16 */
    assert_open_fails("\xFF\xFEi\0d\0", 6, NULL, "UTF-16");
    assert_open_fails("\xFE\xFF\0i\0d", 6, NULL, "UTF-16");
    /* an unknown name */
    assert_open_fails("a\n", 2, "latin1", "unknown encoding 'latin1'");
    /* overlong, surrogate, beyond U+10FFFF are not UTF-8 */
    assert_open_fails("\xC0\xAF", 2, "utf-8", "byte 0xC0 at byte offset 0");
    assert_open_fails("ab\xED\xA0\x80", 5, "utf-8", "byte 0xED at byte offset 2");
    assert_open_fails("\xF4\x90\x80\x80", 4, "utf-8", "byte 0xF4 at byte offset 0");
    /* a NULL error pointer is allowed */
    assert_null(csv_open_memory("\xFF", 1, "utf-8", NULL));
}

static void test_open_file_errors(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(csv_open("/nonexistent/ledger.csv", NULL, &err));
    assert_non_null(strstr(err, "/nonexistent/ledger.csv: "));
    assert_non_null(strstr(err, strerror(ENOENT)));
    free(err);
    err = NULL;
    assert_null(csv_open("/", NULL, &err));
    assert_non_null(strstr(err, "is a directory"));
    free(err);
    err = NULL;
    assert_null(csv_open("/dev/null", "ebcdic", &err));
    assert_non_null(strstr(err, "unknown encoding"));
    free(err);
    err = NULL;
    char *path = fixture("gbk.csv");
    assert_null(csv_open(path, "utf-8", &err));
    assert_non_null(strstr(err, "gbk.csv: not valid UTF-8: byte 0xC9 at byte offset 0, line 1"));
    free(err);
    free(path);
}

/* A pipe cannot be read twice: it is taken into memory, and read the same way. */
static void test_pipe(void **state)
{
    (void)state;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    size_t n;
    char *gbk = convert(ledger_utf8, "GBK", &n);
    assert_int_equal(write(fd[1], gbk, n), (ssize_t)n);
    close(fd[1]);
    free(gbk);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", fd[0]);
    char *err = NULL;
    CsvReader *r = csv_open(path, NULL, &err);
    if (!r) fail_msg("%s", err);
    close(fd[0]);
    assert_string_equal(csv_encoding(r), "gb18030");
    char *got = read_all(r);
    assert_string_equal(got, ledger_want);
    free(got);
}

/* ---- streaming -------------------------------------------------------------------------------- */

static char *temp_path(void)
{
    const char *dir = getenv("TMPDIR");
    StrBuf sb = {0};
    sb_printf(&sb, "%s/doudi-test-csv-XXXXXX", dir && *dir ? dir : "/tmp");
    char *path = sb_take(&sb);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* 200,000 records, read from a file: every line number right, and the reader's buffers the same
 * size after the last record as after the 1000th. */
static void test_many_records_flat_memory(void **state)
{
    (void)state;
    enum { N = 200000 };
    char *path = temp_path();
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("身份证号,姓名,备注\r\n", f);
    for (int i = 0; i < N; i++) {
        if (i % 1000 == 500) fputs("\r\n", f);                         /* an empty line */
        if (i % 100 == 7) fprintf(f, "%06d,\"名字%d\",\"两行\r\n备注\"\r\n", i, i);
        else fprintf(f, "%06d,名字%d,\r\n", i, i);
    }
    assert_int_equal(fclose(f), 0);

    char *err = NULL;
    CsvReader *r = csv_open(path, NULL, &err);
    if (!r) fail_msg("%s", err);
    assert_string_equal(csv_encoding(r), "utf-8");
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    uint32_t line = 2;
    size_t after_1000 = 0;
    char want[64];
    for (int i = 0; i < N; i++) {
        if (i % 1000 == 500) line++;
        int rc = csv_next(r, &rec);
        if (rc != 1 || rec.line != line) fail_msg("record %d: rc %d line %u, want line %u", i, rc, rec.line, line);
        snprintf(want, sizeof want, "%06d", i);
        assert_string_equal(rec.fields[0], want);
        snprintf(want, sizeof want, "名字%d", i);
        assert_string_equal(rec.fields[1], want);
        assert_int_equal(rec.count, 3);
        line += i % 100 == 7 ? 2 : 1;
        if (i == 1000) after_1000 = csv_buffer_bytes(r);
    }
    assert_int_equal(csv_next(r, &rec), 0);
    size_t at_end = csv_buffer_bytes(r);
    assert_int_equal(at_end, after_1000);
    assert_true(at_end < 128 * 1024);                     /* the 64 KiB input buffer and a little */
    csv_close(r);
    unlink(path);
    free(path);
}

/* The same through GB18030 conversion (a temporary file), fewer records. */
static void test_gbk_file_streaming(void **state)
{
    (void)state;
    enum { N = 20000 };
    StrBuf text = {0};
    sb_puts(&text, "身份证号,姓名\r\n");
    for (int i = 0; i < N; i++) sb_printf(&text, "%06d,\"郑州,%d\"\r\n", i, i);
    size_t n;
    char *gbk = convert(sb_str(&text), "GBK", &n);
    char *path = temp_path();
    write_file(path, gbk, n);
    free(gbk);
    sb_free(&text);

    char *err = NULL;
    CsvReader *r = csv_open(path, "GBK", &err);
    if (!r) fail_msg("%s", err);
    assert_string_equal(csv_encoding(r), "gb18030");
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    assert_string_equal(rec.fields[1], "姓名");
    size_t after_100 = 0;
    char want[64];
    for (int i = 0; i < N; i++) {
        assert_int_equal(csv_next(r, &rec), 1);
        assert_int_equal(rec.line, (uint32_t)i + 2);
        snprintf(want, sizeof want, "郑州,%d", i);
        assert_string_equal(rec.fields[1], want);
        if (i == 100) after_100 = csv_buffer_bytes(r);
    }
    assert_int_equal(csv_next(r, &rec), 0);
    assert_int_equal(csv_buffer_bytes(r), after_100);
    csv_close(r);
    unlink(path);
    free(path);
}

/* An unterminated quote far from the end of a file: reading resumes on the next line, which
 * lies many input buffers back (so the reader seeks), and every later record is read. */
static void test_unterminated_quote_recovery_in_file(void **state)
{
    (void)state;
    enum { N = 20000 };
    StrBuf text = {0};
    sb_puts(&text, "id,name\n1,\"broken\n");
    for (int i = 0; i < N; i++) sb_printf(&text, "%d,姓名%d\n", i + 2, i);
    static const char *const encs[] = {"UTF-8", "GBK"};
    for (size_t e = 0; e < 2; e++) {
        size_t n = text.count;
        char *bytes = e ? convert(sb_str(&text), "GBK", &n) : xstrdup(sb_str(&text));
        char *path = temp_path();
        write_file(path, bytes, n);
        free(bytes);
        char *err = NULL;
        CsvReader *r = csv_open(path, encs[e], &err);
        if (!r) fail_msg("%s", err);
        CsvRecord rec;
        assert_int_equal(csv_next(r, &rec), 1);
        assert_int_equal(csv_next(r, &rec), -1);
        assert_string_equal(rec.error, "unterminated quoted field starting at line 2");
        assert_string_equal(rec.raw, "1,\"broken");
        char want[64];
        for (int i = 0; i < N; i++) {
            assert_int_equal(csv_next(r, &rec), 1);
            assert_int_equal(rec.line, (uint32_t)i + 3);
            snprintf(want, sizeof want, "姓名%d", i);
            assert_string_equal(rec.fields[1], want);
        }
        assert_int_equal(csv_next(r, &rec), 0);
        csv_close(r);
        unlink(path);
        free(path);
    }
    sb_free(&text);
}

/* A 1 MB field, quoted (with quotes, commas and line breaks in it) and unquoted. */
static void test_very_long_field(void **state)
{
    (void)state;
    enum { M = 1 << 20 };
    char *value = malloc(M + 1);
    assert_non_null(value);
    size_t lines_in_value = 0;
    static const char pool[] = "abc,\"\nyx";
    for (size_t i = 0; i < M; i++) {
        value[i] = pool[rng() % 8];
        if (value[i] == '\n') lines_in_value++;
    }
    value[M] = '\0';

    StrBuf text = {0};
    sb_puts(&text, "id,big\r\n1,\"");
    for (size_t i = 0; i < M; i++) {
        if (value[i] == '"') sb_putc(&text, '"');
        sb_putc(&text, value[i]);
    }
    sb_puts(&text, "\"\r\n2,after\r\n");

    char *path = temp_path();
    write_file(path, text.items, text.count);
    char *err = NULL;
    CsvReader *r = csv_open(path, NULL, &err);
    if (!r) fail_msg("%s", err);
    CsvRecord rec;
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 2);
    assert_int_equal(rec.count, 2);
    assert_int_equal(rec.lens[1], M);
    assert_memory_equal(rec.fields[1], value, M);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 3 + lines_in_value);
    assert_string_equal(rec.fields[1], "after");
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);

    /* unquoted: no commas, quotes or line breaks */
    text.count = 0;
    sb_puts(&text, "x,");
    for (size_t i = 0; i < M; i++) sb_puts(&text, i % 2 ? "z" : "\xE9\xBE\x84");   /* 龄 */
    sb_puts(&text, ",y\nlast");
    write_file(path, text.items, text.count);
    r = csv_open(path, NULL, &err);
    if (!r) fail_msg("%s", err);
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.count, 3);
    assert_int_equal(rec.lens[1], M / 2 * 4);
    assert_string_equal(rec.fields[2], "y");
    assert_int_equal(rec.field_cols[2], 3 + M + 1);            /* characters, not bytes */
    assert_int_equal(csv_next(r, &rec), 1);
    assert_int_equal(rec.line, 2);
    assert_int_equal(csv_next(r, &rec), 0);
    csv_close(r);

    unlink(path);
    free(path);
    sb_free(&text);
    free(value);
}

/* ---- fuzz ------------------------------------------------------------------------------------- */

/* Random inputs biased towards what matters to a CSV reader. Each is read whole (under ASan in
 * `make SAN=1 test`), its records checked against the invariants, and read again in small
 * chunks, which must give exactly the same records. Detection must agree with utf8_valid.
 * DOUDI_FUZZ_ITERS=N in the environment runs N inputs instead of 1000. */
static void test_fuzz(void **state)
{
    (void)state;
    static const char *const atoms[] = {
        "\"", "\"", "\"", ",", ",", "\n", "\r\n", "\r", "a", "b", "1", " ", "\"\"",
        "张", "\xEF\xBB\xBF", "\xD6\xD0", "\x80", "\xFF", "\xE4\xB8", "\0", "\t", "x\"y",
    };
    static const char *const encs[] = {NULL, NULL, NULL, "utf-8", "gbk"};
    StrBuf in = {0};
    const char *env = getenv("DOUDI_FUZZ_ITERS");     /* more for a long local run */
    int iters = env && atoi(env) > 0 ? atoi(env) : 1000;
    for (int iter = 0; iter < iters; iter++) {
        in.count = 0;
        size_t len = (size_t)(rng() % 400);
        bool raw_bytes = rng() % 4 == 0;
        while (in.count < len) {
            if (raw_bytes && rng() % 3 == 0) {
                sb_putc(&in, (char)(rng() & 0xFF));
            } else {
                const char *a = atoms[rng() % ARRAY_LEN(atoms)];
                if (*a) sb_puts(&in, a);
                else sb_putc(&in, '\0');
            }
        }
        const char *enc = encs[rng() % ARRAY_LEN(encs)];
        char *err = NULL;
        CsvReader *r = csv_open_memory(in.items, in.count, enc, &err);

        /* encoding decisions, against utf8_valid */
        bool bom = in.count >= 3 && !memcmp(in.items, "\xEF\xBB\xBF", 3);
        bool utf16 = in.count >= 2 && ((unsigned char)in.items[0] == 0xFF && (unsigned char)in.items[1] == 0xFE);
        utf16 = utf16 || (in.count >= 2 && (unsigned char)in.items[0] == 0xFE && (unsigned char)in.items[1] == 0xFF);
        bool valid8 = bom ? utf8_valid(in.items + 3, in.count - 3) : utf8_valid(in.items, in.count);
        bool text = !memchr(in.items, 0, in.count);   /* inputs are shorter than the 8000-byte probe */
        if (!text) {
            assert_null(r);
        } else if (enc && !strcmp(enc, "utf-8")) {
            assert_true((r != NULL) == valid8);
        } else if (!enc && valid8 && !utf16) {
            assert_non_null(r);
            assert_string_equal(csv_encoding(r), bom ? "utf-8 (BOM)" : "utf-8");
        }
        if (!r) {
            assert_non_null(err);
            assert_true(strlen(err) > 0);
            free(err);
            continue;
        }
        size_t max = rng() % 3 == 0 ? (size_t)(1 + rng() % 64) : 0;
        if (max) csv_set_max_record(r, max);
        show_positions = true;
        char *whole = read_all(r);
        size_t chunk = 1 + (size_t)(rng() % 9);
        r = csv_open_memory(in.items, in.count, enc, &err);
        assert_non_null(r);
        csv_set_chunk_size(r, chunk);
        if (max) csv_set_max_record(r, max);
        char *chunked = read_all(r);
        show_positions = false;
        if (strcmp(whole, chunked) != 0) {
            StrBuf shown = {0};
            show_bytes(&shown, in.items, in.count);
            print_error("fuzz %d (chunk %zu, max %zu): input \"%s\"\n  whole:   %s\n  chunked: %s\n", iter,
                        chunk, max, sb_str(&shown), whole, chunked);
            sb_free(&shown);
            free(whole);
            free(chunked);
            fail();
        }
        free(whole);
        free(chunked);
    }
    sb_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_table),
        cmocka_unit_test(test_nul_not_text),
        cmocka_unit_test(test_nul_in_field),
        cmocka_unit_test(test_raw_text),
        cmocka_unit_test(test_field_positions),
        cmocka_unit_test(test_plain_lines_random),
        cmocka_unit_test(test_junk_after_quote_details),
        cmocka_unit_test(test_unterminated_details),
        cmocka_unit_test(test_stray_quote_recovery),
        cmocka_unit_test(test_max_record),
        cmocka_unit_test(test_detect_utf8_with_chinese),
        cmocka_unit_test(test_utf8_check_random),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_gbk_detected_and_forced),
        cmocka_unit_test(test_gbk_fixture),
        cmocka_unit_test(test_gb18030_beyond_gbk),
        cmocka_unit_test(test_bom_fixture),
        cmocka_unit_test(test_encoding_errors),
        cmocka_unit_test(test_open_file_errors),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_many_records_flat_memory),
        cmocka_unit_test(test_gbk_file_streaming),
        cmocka_unit_test(test_unterminated_quote_recovery_in_file),
        cmocka_unit_test(test_very_long_field),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
