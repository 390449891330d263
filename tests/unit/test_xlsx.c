/* test_xlsx.c — src/engine/xlsx*.c, the workbook reader, and src/engine/rows.c, the row source
 * over CSV and XLSX.
 *
 * Workbooks are made by the test, not checked in: tests/fixtures/xlsx/make_workbooks.py writes
 * them with openpyxl (and part by part with zipfile, for what openpyxl does not write, and the
 * broken ones), run with Debian's /usr/bin/python3; libxlsxwriter writes two more below (with
 * shared strings, and in constant-memory mode with inline strings). Rows are compared as one
 * string each: "LINE: cell|cell|..." with a cell's error after it in {braces} and a malformed
 * row's reason after " !". Every expected value is worked out by hand in the comments:
 *   - 1900 system: serial 1 = 1900-01-01, 59 = 1900-02-28, 60 = the 1900-02-29 Excel invents,
 *     61 = 1900-03-01, 25569 = 1970-01-01, so serial s >= 61 is day s - 25569 since 1970:
 *     21313 = 1958-05-08 (day -4256, see test_values.c), 44287 = 2021-04-01 (day 18718);
 *   - 1904 system: serial 0 = 1904-01-01, 1462 days after the 1900 system's day 0, so
 *     1958-05-08 is 21313 - 1462 = 19851 there, and 25569 is 1970-01-01 + 1462 = 1974-01-02;
 *   - a fraction f of a day is round(f * 86400) seconds: .35416666667 -> 30600 s = 08:30:00,
 *     .75 -> 18:00:00, .999999999 -> 86399.9999 s, rounded to the next day's midnight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "engine/rows.h"
#include "engine/xlsx_int.h"
#include "tmpdir.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof *(a))

static const char *const PYTHON = "/usr/bin/python3";
static char *dir;                  /* the workbooks, made once for all tests */
static bool have_fixtures;

/* ---- reading a whole sheet into strings ----------------------------------------------------- */

static char *row_text(const XlsxRecord *rec, int rc)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%u: ", rec->line);
    for (size_t i = 0; i < rec->count; i++) {
        if (i) sb_putc(&sb, '|');
        for (size_t k = 0; k < rec->lens[i]; k++) {
            char c = rec->fields[i][k];
            if (c == '\r') sb_puts(&sb, "\\r");
            else if (c == '\n') sb_puts(&sb, "\\n");
            else sb_putc(&sb, c);
        }
        if (rec->cell_errors[i]) sb_printf(&sb, "{%s}", rec->cell_errors[i]);
    }
    if (rc == -1) sb_printf(&sb, " !%s", rec->error);
    return sb_take(&sb);
}

static char *path_of(const char *name) { return xasprintf("%s/%s", dir, name); }

/* Read every row of `name` (sheet NULL: the first) and compare with want[0..n). A -2 ends the
 * list as "ERROR: reason". */
static void expect_rows_at(const char *name, const char *sheet, const char *const *want, size_t n, const char *file,
                           int line)
{
    char *path = path_of(name), *error = NULL;
    XlsxReader *r = xlsx_open(path, &(XlsxOptions){.sheet = sheet}, &error);
    if (!r) fail_msg("%s:%d: %s does not open: %s", file, line, name, error);
    XlsxRecord rec;
    int rc;
    size_t i = 0;
    bool ok = true;
    while ((rc = xlsx_next(r, &rec)) != 0) {
        char *got = rc == -2 ? xasprintf("ERROR: %s", rec.error) : row_text(&rec, rc);
        if (i >= n || strcmp(got, want[i]) != 0) {
            print_error("%s:%d: %s row #%zu\n  want: %s\n  got:  %s\n", file, line, name, i, i < n ? want[i] : "(none)", got);
            ok = false;
        }
        free(got);
        i++;
        if (rc == -2) break;
    }
    if (i < n) {
        print_error("%s:%d: %s has %zu rows, want %zu (next: %s)\n", file, line, name, i, n, want[i]);
        ok = false;
    }
    xlsx_close(r);
    free(path);
    if (!ok) _fail(file, line);
}
#define expect_rows(name, sheet, want) expect_rows_at((name), (sheet), (want), ARRAY_LEN(want), __FILE__, __LINE__)

/* The error opening `name`, which must fail. */
static char *open_error(const char *name, const char *sheet)
{
    char *path = path_of(name), *error = NULL;
    XlsxReader *r = xlsx_open(path, &(XlsxOptions){.sheet = sheet}, &error);
    assert_null(r);
    assert_non_null(error);
    free(path);
    return error;
}

static void assert_open_error(const char *name, const char *sheet, const char *want_tail)
{
    char *err = open_error(name, sheet), *path = path_of(name);
    char *want = xasprintf("%s: %s", path, want_tail);
    if (strcmp(err, want) != 0) fail_msg("%s\n  want: %s\n  got:  %s", name, want, err);
    free(want);
    free(path);
    free(err);
}

#define SKIP_WITHOUT_FIXTURES()                                                                       \
    do {                                                                                              \
        if (!have_fixtures) {                                                                         \
            print_message("[   SKIP   ] %s has no openpyxl (apt-get install python3-openpyxl)\n", PYTHON); \
            skip();                                                                                   \
        }                                                                                             \
    } while (0)

/* ---- workbooks written by openpyxl -------------------------------------------------------------- */

static void test_openpyxl_first_sheet(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    static const char *const want[] = {
        "1: 郑州市XX区特殊贫困群体摸底台账",               /* merged A1:F1: the text is in A1 */
        "2: 身份证号|姓名|出生日期|低保对象|残疾等级|收入",
        /* yyyy-mm-dd on serial 21313; True; 2; 1.5 */
        "3: 410102195805081234|张三|1958-05-08|TRUE|2|1.5",
        /* 21313.35416666667 in yyyy-mm-dd hh:mm; "3" typed as text; 0.1 + 0.2 written 0.3 */
        "4: 41010219580508123X|李四|1958-05-08 08:30:00|FALSE|3|0.3",
        /* the id as a number is written 4.101021958050812e+17: 18 digits, the last two lost;
         * 44287 in yyyy"年"m"月"d"日"; 1500.0 written 1500 */
        ("5: 410102195805081200{the number 410102195805081200 has 18 digits, but Excel keeps only 15: its "
         "last digits are lost (type ids into a column formatted as text)}|王五|2021-04-01|否|0|1500"),
        /* row 6 has only a formatted blank cell: skipped. G7 is 0.5 in h:mm, a time, not a date */
        "7: 410102195805081234|||||-0.25|0.5",
    };
    expect_rows("openpyxl.xlsx", NULL, want);
}

static void test_openpyxl_sheet_by_name(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    static const char *const want[] = {"1: 机构编号|床位数", "2: J001|60"};
    expect_rows("openpyxl.xlsx", "机构", want);
    static const char *const hidden[] = {"1: x"};
    expect_rows("openpyxl.xlsx", "隐藏", hidden);               /* hidden, but named */
    assert_open_error("openpyxl.xlsx", "Sheet1", "the workbook has no sheet named 'Sheet1' (its sheets: 台账, 机构, 隐藏)");

    char *path = path_of("openpyxl.xlsx"), *error = NULL;
    XlsxReader *r = xlsx_open(path, &(XlsxOptions){.sheet = "机构"}, &error);
    assert_non_null(r);
    assert_string_equal(xlsx_sheet_name(r), "机构");
    assert_false(xlsx_sheet_is_default(r));
    assert_false(xlsx_date1904(r));
    xlsx_close(r);
    r = xlsx_open(path, NULL, &error);
    assert_non_null(r);
    assert_string_equal(xlsx_sheet_name(r), "台账");
    assert_true(xlsx_sheet_is_default(r));
    xlsx_close(r);
    free(path);
}

static void test_first_visible_sheet(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    static const char *const want[] = {"1: shown"};              /* the hidden first tab is passed over */
    expect_rows("hidden_first.xlsx", NULL, want);
}

static void test_openpyxl_1904(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    /* openpyxl writes 19851, 0 and 42825 (= 44287 - 1462) in the 1904 system */
    static const char *const want[] = {"1: 出生日期", "2: 1958-05-08", "3: 1904-01-01", "4: 2021-04-01"};
    expect_rows("epoch1904.xlsx", NULL, want);
    char *path = path_of("epoch1904.xlsx"), *error = NULL;
    XlsxReader *r = xlsx_open(path, NULL, &error);
    assert_non_null(r);
    assert_true(xlsx_date1904(r));
    xlsx_close(r);
    free(path);
}

static void test_empty_sheet(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    static const char *const want[] = {NULL};
    expect_rows_at("empty.xlsx", NULL, want, 0, __FILE__, __LINE__);
}

/* ---- workbooks written part by part --------------------------------------------------------------- */

/* The cells of raw.xlsx that do not depend on the date system (see make_workbooks.py). */
#define RAW_ROW1 "1: 姓名|张三 |a\\r\\nb_x0041_"     /* rich text without its phonetic run; _x005F_ is '_' */
#define RAW_ROW2 "2: 李四|#N/A{the cell holds Excel's error value #N/A}|李四!|1958-05-08|1958-05-08 08:30:00"
/* cells without references are A.., a row without one is row 3; 4.1010219580508102E+17 has 18
 * digits; 1.5E+3 = 1500; -0 = 0; TRUE; shared string 99 of 3 */
#define RAW_ROW3                                                                                         \
    "3: 410102195805081020{the number 410102195805081020 has 18 digits, but Excel keeps only 15: its last " \
    "digits are lost (type ids into a column formatted as text)}|1500|0|TRUE|{shared string '99' does not " \
    "exist (the workbook has 3)}"
/* row 7 is an empty <row/>: skipped; C8 keeps its comma and quotes; 0.30000000000000004 has 17
 * significant digits, 15 of them are 0.3 */
#define RAW_ROW8 "8: ||has, a \"quote\"|||||0.3"
/* 24 digits is no id: as written; 0.1234567890123456789 to 15 digits; 999999999999999.9 to 15
 * digits carries into 1000000000000000 */
#define RAW_ROW9 "9: |123456789012345678901234|0.123456789012346|1000000000000000"

static void test_raw_1900(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    static const char *const want[] = {
        RAW_ROW1, RAW_ROW2, RAW_ROW3,
        /* format 14: serial 0, 59, 60, 61, 25569, 2958465, -1 */
        ("5: 0{date serial 0 is Excel's 1900-01-00, which is no date}|1900-02-28|60{date serial 60 is 1900-02-29, "
         "a day that never was (Excel counts 1900 as a leap year)}|1900-03-01|1970-01-01|9999-12-31|-1{a negative "
         "date serial (-1) is no date}"),
        /* 21313 in a custom yyyy"年"m"月" is a date; 0.5 in built-in 20 (h:mm) is not; 21313 in 0.00" d" is
         * not (the d is quoted); 21313.999999999 in built-in 57 rounds to the next midnight; .75 is 18:00;
         * style 99 does not exist: a number */
        "6: 1958-05-08|0.5|21313|1958-05-09|1958-05-08 18:00:00|21313",
        RAW_ROW8, RAW_ROW9,
    };
    expect_rows("raw.xlsx", NULL, want);
}

static void test_raw_1904(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    static const char *const want[] = {
        RAW_ROW1, RAW_ROW2, RAW_ROW3,
        /* 1904: 0 = 1904-01-01; 59 = 1904-02-29 (1904 is a leap year: 31 days of January, then
         * February 1 is serial 31, February 29 serial 59); 60 = 1904-03-01; 61 = 1904-03-02;
         * 25569 = 1974-01-02; 2958465 + 1462 is past 9999-12-31 */
        ("5: 1904-01-01|1904-02-29|1904-03-01|1904-03-02|1974-01-02|2958465{date serial 2958465 is beyond "
         "9999-12-31}|-1{a negative date serial (-1) is no date}"),
        /* 21313 in 1904 is 1958-05-08 + 1462 days = 1962-05-09 */
        "6: 1962-05-09|0.5|21313|1962-05-10|1962-05-09 18:00:00|21313",
        RAW_ROW8, RAW_ROW9,
    };
    expect_rows("raw1904.xlsx", "data", want);                   /* the name, ignoring case */
}

/* ---- broken files ----------------------------------------------------------------------------------- */

static void test_broken_files(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    assert_open_error("corrupt.xlsx", NULL, "the workbook is damaged: xl/worksheets/sheet1.xml fails its checksum (CRC)");
    assert_open_error("truncated.xlsx", NULL,
                      "not a zip archive, as an .xlsx workbook is: the file is damaged, cut short, or not a workbook");
    assert_open_error("notworkbook.xlsx", NULL, "a zip archive, but not an Excel workbook (it has no xl/workbook.xml)");
    assert_open_error("docx.xlsx", NULL,
                      "a zip archive, but not an Excel workbook (its main part word/document.xml is no workbook)");
    assert_open_error("nothere.xlsx", NULL, "No such file or directory");
    /* An XML error in the sheet is met when reached: the rows before it, then -2. */
    static const char *const bad[] = {RAW_ROW1, RAW_ROW2, "ERROR: sheet 'Data' is not well-formed XML after row 2 (unclosed token)"};
    expect_rows("badxml.xlsx", NULL, bad);
    static const char *const dtd[] = {"ERROR: xl/sheets/data.xml has a DOCTYPE, which no workbook part has"};
    expect_rows("dtd.xlsx", NULL, dtd);
}

static void test_shared_strings_limit(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    char *path = path_of("raw.xlsx"), *error = NULL;
    /* raw.xlsx's shared strings hold 6 + 7 bytes of text before the third, which alone is
     * longer (the limit applies to the text as written, escapes and all) */
    XlsxReader *r = xlsx_open(path, &(XlsxOptions){.max_shared = 24}, &error);
    assert_null(r);
    char *want = xasprintf("%s: xl/strings.xml: the shared strings hold more than 24 bytes of text: save the sheet as "
                           "CSV UTF-8 and import that", path);
    assert_string_equal(error, want);
    free(want);
    free(error);
    r = xlsx_open(path, &(XlsxOptions){.max_shared = 1024}, &error);
    assert_non_null(r);
    xlsx_close(r);
    free(path);
}

/* ---- workbooks written by libxlsxwriter ------------------------------------------------------------- */

/* The same ledger twice: with shared strings (the default), and in constant-memory mode, which
 * writes inline strings. */
static char *write_xlsxwriter(const char *name, bool constant_memory)
{
    char *path = path_of(name);
    lxw_workbook_options opt = {.constant_memory = constant_memory, .tmpdir = dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    assert_non_null(wb);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "台账");
    lxw_format *date = workbook_add_format(wb), *datetime = workbook_add_format(wb), *title = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    format_set_num_format(datetime, "yyyy/m/d h:mm");
    format_set_bold(title);
    worksheet_merge_range(ws, 0, 0, 0, 3, "郑州市中原区特殊贫困群体摸底台账", title);
    const char *header[] = {"身份证号", "姓名", "出生日期", "低保对象"};
    for (int c = 0; c < 4; c++) worksheet_write_string(ws, 1, (lxw_col_t)c, header[c], NULL);
    lxw_datetime born = {1958, 5, 8, 0, 0, 0};
    worksheet_write_string(ws, 2, 0, "410102195805081234", NULL);
    worksheet_write_string(ws, 2, 1, "张三", NULL);
    worksheet_write_datetime(ws, 2, 2, &born, date);
    worksheet_write_boolean(ws, 2, 3, 1, NULL);
    worksheet_write_string(ws, 3, 0, "00123", NULL);          /* a number stored as text */
    worksheet_write_number(ws, 3, 1, 2.5, NULL);
    worksheet_write_number(ws, 3, 2, 21313.5, datetime);      /* noon */
    worksheet_write_boolean(ws, 3, 3, 0, NULL);
    worksheet_write_formula_num(ws, 4, 0, "=1+1", NULL, 2);
    worksheet_write_number(ws, 4, 1, 1e15, NULL);
    worksheet_write_string(ws, 4, 2, "张三", NULL);           /* the same shared string again */
    lxw_worksheet *second = workbook_add_worksheet(wb, "第二");
    worksheet_write_string(second, 0, 0, "a", NULL);
    worksheet_write_number(second, 0, 1, 1, NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    return path;
}

static const char *const xlsxwriter_rows[] = {
    "1: 郑州市中原区特殊贫困群体摸底台账",        /* the merge's blank cells B1:D1 hold no value */
    "2: 身份证号|姓名|出生日期|低保对象",
    "3: 410102195805081234|张三|1958-05-08|TRUE",
    /* 21313.5 in yyyy/m/d h:mm is noon: the date parser will refuse it by name */
    "4: 00123|2.5|1958-05-08 12:00:00|FALSE",
    /* the formula's cached value; 10^15 is 16 digits */
    ("5: 2|1000000000000000{the number 1000000000000000 has 16 digits, but Excel keeps only 15: its last digits "
     "are lost (type ids into a column formatted as text)}|张三"),
};

static void test_xlsxwriter_shared_strings(void **state)
{
    char *path = write_xlsxwriter("xlsxwriter.xlsx", false);
    expect_rows_at("xlsxwriter.xlsx", NULL, xlsxwriter_rows, ARRAY_LEN(xlsxwriter_rows), __FILE__, __LINE__);
    static const char *const second[] = {"1: a|1"};
    expect_rows("xlsxwriter.xlsx", "第二", second);
    free(path);
}

static void test_xlsxwriter_inline_strings(void **state)
{
    char *path = write_xlsxwriter("xlsxwriter-cm.xlsx", true);
    expect_rows_at("xlsxwriter-cm.xlsx", NULL, xlsxwriter_rows, ARRAY_LEN(xlsxwriter_rows), __FILE__, __LINE__);
    free(path);
}

/* Memory does not grow with the rows: a sheet of 2,000 rows and one of 20,000 (inline strings,
 * so no shared strings table either) leave the reader holding the same bytes. */
static size_t memory_after(size_t nrows)
{
    char *name = xasprintf("flat-%zu.xlsx", nrows), *path = path_of(name);
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    char id[32];
    for (size_t i = 0; i < nrows; i++) {
        snprintf(id, sizeof id, "4101021958%08zu", i);
        worksheet_write_string(ws, (lxw_row_t)i, 0, id, NULL);
        worksheet_write_string(ws, (lxw_row_t)i, 1, "张三", NULL);
        worksheet_write_number(ws, (lxw_row_t)i, 2, (double)i, NULL);
    }
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    char *error = NULL;
    XlsxReader *r = xlsx_open(path, NULL, &error);
    assert_non_null(r);
    XlsxRecord rec;
    size_t rows = 0;
    while (xlsx_next(r, &rec) == 1) rows++;
    assert_int_equal(rows, nrows);
    assert_int_equal(rec.count, 0);
    size_t bytes = xlsx_memory_bytes(r);
    xlsx_close(r);
    free(path);
    free(name);
    return bytes;
}

static void test_memory_flat(void **state)
{
    size_t small = memory_after(2000), big = memory_after(20000);
    assert_int_equal(small, big);
    assert_true(big < 64 * 1024);
}

/* ---- the row source ----------------------------------------------------------------------------------- */

static uint32_t names_field(void *ctx, const char *cell, size_t len)
{
    const char *const *fields = ctx;
    for (uint32_t i = 0; fields[i]; i++)
        if (strlen(fields[i]) == len && !memcmp(fields[i], cell, len)) return i + 1;
    return 0;
}

static const char *const ledger_fields[] = {"身份证号", "姓名", "出生日期", "低保对象", "残疾等级", "收入", NULL};

static char *write_file(const char *name, const char *text)
{
    char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_rows_xlsx_header_after_title(void **state)
{
    SKIP_WITHOUT_FIXTURES();
    char *path = path_of("openpyxl.xlsx"), *error = NULL;
    RowSource *s = rows_open(path, NULL, &error);
    assert_non_null(s);
    assert_int_equal(rows_kind(s), ROWS_XLSX);
    assert_string_equal(rows_encoding(s), "xlsx");
    assert_string_equal(rows_sheet(s), "台账");
    Row row;
    size_t skipped = 0;
    assert_int_equal(rows_find_header(s, names_field, (void *)ledger_fields, 2, &row, &skipped), 1);
    assert_int_equal(skipped, 1);                                /* the merged title */
    assert_int_equal(row.line, 2);
    assert_int_equal(row.count, 6);
    assert_string_equal(row.cells[5], "收入");
    assert_int_equal(rows_next(s, &row), 1);
    assert_int_equal(row.line, 3);
    assert_string_equal(row.cells[2], "1958-05-08");
    assert_int_equal(row.kinds[2], XLSX_DATE);
    assert_int_equal(row.kinds[3], XLSX_BOOL);
    assert_null(row.cell_errors[0]);
    assert_string_equal(row.raw, "410102195805081234,张三,1958-05-08,TRUE,2,1.5");
    assert_int_equal(rows_next(s, &row), 1);
    assert_int_equal(rows_next(s, &row), 1);
    assert_non_null(row.cell_errors[0]);                         /* the id typed as a number */
    assert_int_equal(rows_next(s, &row), 1);                     /* row 7, padded to the header */
    assert_int_equal(row.line, 7);
    assert_int_equal(row.count, 7);                              /* ... and G7 beyond it */
    assert_string_equal(row.cells[1], "");
    assert_int_equal(rows_next(s, &row), 0);

    StrBuf sb = {0};
    rows_where(s, 12, 6, &sb);
    sb_puts(&sb, " ");
    rows_where(s, 12, 0, &sb);
    char *want = xasprintf("%s!F12 %s!12:12", path, path);
    assert_string_equal(sb_str(&sb), want);
    free(want);
    char col[12];
    assert_string_equal(rows_column_name(s, 28, col), "AB");
    rows_close(s);

    /* A sheet chosen by name that is not the first is named in positions. */
    s = rows_open(path, &(RowsOptions){.sheet = "机构"}, &error);
    assert_non_null(s);
    sb.count = 0;
    rows_where(s, 2, 1, &sb);
    want = xasprintf("%s!机构!A2", path);
    assert_string_equal(sb_str(&sb), want);
    free(want);
    sb_free(&sb);
    rows_close(s);
    free(path);
}

static void test_rows_csv_header_after_title(void **state)
{
    char *path = write_file("title.csv", "郑州市XX区特殊贫困群体摸底台账,,,\n填报单位：中原区,,,\n身份证号,姓名,出生日期,备注\n"
                                         "410102195805081234,张三,1958-05-08 00:00:00,\n");
    char *error = NULL;
    RowSource *s = rows_open(path, NULL, &error);
    assert_non_null(s);
    assert_int_equal(rows_kind(s), ROWS_CSV);
    assert_string_equal(rows_encoding(s), "utf-8");
    assert_null(rows_sheet(s));
    Row row;
    size_t skipped = 0;
    assert_int_equal(rows_find_header(s, names_field, (void *)ledger_fields, 2, &row, &skipped), 1);
    assert_int_equal(skipped, 2);
    assert_int_equal(row.line, 3);
    assert_int_equal(rows_next(s, &row), 1);
    assert_int_equal(row.line, 4);
    assert_null(row.cell_errors);
    assert_null(row.kinds);
    assert_string_equal(row.cells[2], "1958-05-08 00:00:00");
    StrBuf sb = {0};
    rows_where(s, 4, 3, &sb);
    sb_puts(&sb, " ");
    rows_where(s, 4, 0, &sb);
    char *want = xasprintf("%s:4:3 %s:4", path, path);
    assert_string_equal(sb_str(&sb), want);
    free(want);
    sb_free(&sb);
    char col[12];
    assert_string_equal(rows_column_name(s, 28, col), "28");
    rows_close(s);
    free(path);
}

static void test_rows_header_not_found(void **state)
{
    char *path = write_file("noheader.csv", "标题\nid,name\n1,2\n");
    char *error = NULL;
    RowSource *s = rows_open(path, NULL, &error);
    assert_non_null(s);
    Row row;
    size_t skipped = 0;
    assert_int_equal(rows_find_header(s, names_field, (void *)ledger_fields, 2, &row, &skipped), 1);
    assert_int_equal(skipped, SIZE_MAX);                         /* none: the first row back */
    assert_int_equal(row.line, 1);
    assert_int_equal(row.count, 1);
    assert_string_equal(row.cells[0], "标题");
    assert_string_equal(row.raw, "标题");
    rows_close(s);
    free(path);

    path = write_file("nothing.csv", "");
    s = rows_open(path, NULL, &error);
    assert_non_null(s);
    assert_int_equal(rows_find_header(s, names_field, (void *)ledger_fields, 2, &row, &skipped), 0);
    rows_close(s);
    free(path);
}

static void test_rows_open_refusals(void **state)
{
    char *error = NULL;
    /* An OLE compound file: .xls, or an .xlsx with a password. */
    char *path = path_of("old.xls");
    FILE *f = fopen(path, "wb");
    fwrite("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0", 1, 12, f);
    fclose(f);
    assert_null(rows_open(path, NULL, &error));
    char *want = xasprintf("%s: an Excel 97-2003 workbook (.xls) or a password-protected one, which doudi does not "
                           "read: open it in Excel and save it, without a password, as an Excel workbook (.xlsx) or "
                           "as CSV UTF-8", path);
    assert_string_equal(error, want);
    free(want);
    free(error);
    free(path);
    /* Text named .xlsx. */
    path = write_file("text.xlsx", "id,name\n");
    assert_null(rows_open(path, NULL, &error));
    want = xasprintf("%s: named as a workbook, but not one (an .xlsx file is a zip archive; this one is not)", path);
    assert_string_equal(error, want);
    free(want);
    free(error);
    free(path);
    /* --sheet on a CSV. */
    path = write_file("plain.csv", "id,name\n");
    assert_null(rows_open(path, &(RowsOptions){.sheet = "x"}, &error));
    want = xasprintf("%s: --sheet is for a workbook (.xlsx); this is a text file", path);
    assert_string_equal(error, want);
    free(want);
    free(error);
    free(path);
    path = path_of("missing.csv");
    assert_null(rows_open(path, NULL, &error));
    want = xasprintf("%s: No such file or directory", path);
    assert_string_equal(error, want);
    free(want);
    free(error);
    free(path);
}

/* ---- the cell conversions on their own ------------------------------------------------------------ */

static void test_number_text(void **state)
{
    static const struct {
        const char *v;
        bool date, d1904;
        const char *want, *err;    /* err: the start of the cell error, or NULL */
    } cases[] = {
        {"0", false, false, "0", NULL},
        {"-0.0", false, false, "0", NULL},
        {"007", false, false, "7", NULL},
        {"1.50", false, false, "1.5", NULL},
        {"-1.25E-2", false, false, "-0.0125", NULL},
        {"1E+3", false, false, "1000", NULL},
        {"2.5e0", false, false, "2.5", NULL},
        {"123456789012345", false, false, "123456789012345", NULL},             /* 15 digits: fine */
        {"1234567890123456", false, false, "1234567890123456", "the number 1234567890123456 has 16 digits"},
        {"410102195805081234", false, false, "410102195805081234", "the number 410102195805081234 has 18 digits"},
        {"0.1234567890123456", false, false, "0.123456789012346", NULL},        /* 16 significant: rounded */
        {"0.99999999999999999", false, false, "1", NULL},
        {"1E+25", false, false, "1E+25", NULL},                                  /* no ledger value: as written */
        {"abc", false, false, "abc", "the cell's number 'abc' cannot be read"},
        {"1.", false, false, "1", NULL},
        {".5", false, false, "0.5", NULL},
        {"1e", false, false, "1e", "the cell's number '1e' cannot be read"},
        {"", false, false, "", "the cell's number '' cannot be read"},
        /* dates: 1900 and 1904 (see the head of this file) */
        {"21313", true, false, "1958-05-08", NULL},
        {"21313.0", true, false, "1958-05-08", NULL},
        {"2.1313E4", true, false, "1958-05-08", NULL},
        {"21313.5", true, false, "1958-05-08 12:00:00", NULL},
        {"21313.000011574", true, false, "1958-05-08 00:00:01", NULL},          /* 1/86400 = .0000115740 */
        {"21313.000005", true, false, "1958-05-08", NULL},                      /* 0.432 s rounds down */
        {"1", true, false, "1900-01-01", NULL},
        {"19851", true, true, "1958-05-08", NULL},
        {"1E+8", true, false, "1E+8", "date serial 1E+8 is beyond 9999-12-31"},
        {"2958466", true, false, "2958466", "date serial 2958466 is beyond 9999-12-31"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        StrBuf out = {0};
        char err[256];
        xlsx_number_text(cases[i].v, strlen(cases[i].v), cases[i].date, cases[i].d1904, &out, err, sizeof err);
        bool ok = !strcmp(sb_str(&out), cases[i].want) &&
                  (cases[i].err ? !strncmp(err, cases[i].err, strlen(cases[i].err)) : !err[0]);
        if (!ok) fail_msg("'%s': want '%s' {%s}, got '%s' {%s}", cases[i].v, cases[i].want,
                          cases[i].err ? cases[i].err : "", sb_str(&out), err);
        sb_free(&out);
    }
}

static void test_date_formats(void **state)
{
    static const struct {
        uint32_t id;
        const char *code;
        bool date;
    } cases[] = {
        {14, NULL, true}, {22, NULL, true}, {31, NULL, true}, {57, NULL, true}, {0, NULL, false},
        {2, NULL, false}, {18, NULL, false}, {20, NULL, false}, {46, NULL, false}, {49, NULL, false},
        {164, "yyyy-mm-dd", true}, {164, "yyyy\"年\"m\"月\"d\"日\"", true}, {164, "[$-804]yyyy\"年\"m\"月\"", true},
        {164, "m/d", true}, {164, "mmm", true}, {164, "dddd", true}, {164, "yyyy/m/d h:mm", true},
        {164, "h:mm", false}, {164, "[h]:mm:ss", false}, {164, "mm:ss", false}, {164, "0.00\" d\"", false},
        {164, "0.0\\d", false}, {164, "General", false}, {164, "#,##0.00_);[Red](#,##0.00)", false},
        {164, "0%", false}, {164, "@", false}, {164, "[Red]0", false}, {164, "[m]", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (xlsx_format_is_date(cases[i].id, cases[i].code) != cases[i].date)
            fail_msg("format %u '%s': want %s", cases[i].id, cases[i].code ? cases[i].code : "(built-in)",
                     cases[i].date ? "a date" : "no date");
}

static void test_refs_and_columns(void **state)
{
    static const struct {
        const char *ref;
        bool ok;
        uint32_t col, row;
    } refs[] = {
        {"A1", true, 0, 1}, {"F12", true, 5, 12}, {"Z9", true, 25, 9}, {"AA1", true, 26, 1}, {"XFD1048576", true, 16383, 1048576},
        {"xfd1", true, 16383, 1}, {"B", true, 1, 0}, {"XFE1", false, 0, 0}, {"A1048577", false, 0, 0}, {"A0", false, 0, 0},
        {"1A", false, 0, 0}, {"", false, 0, 0}, {"AAAA1", false, 0, 0}, {"A1 ", false, 0, 0}, {"A-1", false, 0, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(refs); i++) {
        uint32_t c = 99, r = 99;
        bool ok = xlsx_parse_ref(refs[i].ref, &c, &r);
        if (ok != refs[i].ok || (ok && (c != refs[i].col || r != refs[i].row)))
            fail_msg("'%s': got %d %u %u", refs[i].ref, ok, c, r);
    }
    static const struct {
        uint32_t n;
        const char *name;
    } cols[] = {{1, "A"}, {6, "F"}, {26, "Z"}, {27, "AA"}, {52, "AZ"}, {53, "BA"}, {702, "ZZ"}, {703, "AAA"},
                {16384, "XFD"}, {0, ""}, {16385, ""}};
    char out[4];
    for (size_t i = 0; i < ARRAY_LEN(cols); i++) assert_string_equal(xlsx_column_name(cols[i].n, out), cols[i].name);
}

static void test_unescape(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"a_x000D_b", "a\rb"}, {"_x4E2D_", "中"}, {"_x005F_x0041_", "_x0041_"}, {"_x00e9_", "é"},
        {"_x0000_", "_x0000_"}, {"_xD800_", "_xD800_"}, {"_x41_", "_x41_"}, {"_x004g_", "_x004g_"}, {"x_", "x_"},
        {"no escapes", "no escapes"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        StrBuf sb = {0};
        sb_puts(&sb, "k:");
        sb_puts(&sb, cases[i].in);
        xlsx_unescape(&sb, 2);
        assert_string_equal(sb_str(&sb) + 2, cases[i].want);
        assert_memory_equal(sb.items, "k:", 2);
        sb_free(&sb);
    }
}

/* ---- setup -------------------------------------------------------------------------------------------- */

static int setup(void **state)
{
    dir = make_tmpdir_tagged("xlsx");
    char *cmd = xasprintf("%s -c 'import openpyxl' >/dev/null 2>&1 && %s tests/fixtures/xlsx/make_workbooks.py %s",
                          PYTHON, PYTHON, dir);
    have_fixtures = system(cmd) == 0;
    free(cmd);
    return 0;
}

static int teardown(void **state)
{
    remove_tree(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openpyxl_first_sheet),
        cmocka_unit_test(test_openpyxl_sheet_by_name),
        cmocka_unit_test(test_first_visible_sheet),
        cmocka_unit_test(test_openpyxl_1904),
        cmocka_unit_test(test_empty_sheet),
        cmocka_unit_test(test_raw_1900),
        cmocka_unit_test(test_raw_1904),
        cmocka_unit_test(test_broken_files),
        cmocka_unit_test(test_shared_strings_limit),
        cmocka_unit_test(test_xlsxwriter_shared_strings),
        cmocka_unit_test(test_xlsxwriter_inline_strings),
        cmocka_unit_test(test_memory_flat),
        cmocka_unit_test(test_rows_xlsx_header_after_title),
        cmocka_unit_test(test_rows_csv_header_after_title),
        cmocka_unit_test(test_rows_header_not_found),
        cmocka_unit_test(test_rows_open_refusals),
        cmocka_unit_test(test_number_text),
        cmocka_unit_test(test_date_formats),
        cmocka_unit_test(test_refs_and_columns),
        cmocka_unit_test(test_unescape),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
