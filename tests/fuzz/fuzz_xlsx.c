/* fuzz_xlsx.c — libFuzzer harness for the .xlsx reader (src/engine/xlsx*.c).
 *
 * Two kinds of input:
 *   - a whole workbook file (it starts with "PK"): the zip container's handling;
 *   - anything else is the text of the parts, separated by lines "----": the sheet, the shared
 *     strings, the styles, workbook.xml (those left out take a plain default). The harness
 *     packs them into a valid zip (stored, with right checksums) before reading, so mutations
 *     reach the XML handling instead of stopping at a checksum error.
 * The workbook is opened from memory twice, for the first sheet and for a sheet named "Data",
 * every row is read and each cell's text touched, so the sanitizers see any read past a cell
 * or a row. A small shared-strings limit makes the limit's error path reachable.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc -Iinclude tests/fuzz/fuzz_xlsx.c \
 *       src/engine/xlsx.c src/engine/xlsx_cell.c src/engine/xlsx_sheet.c src/base/util.c \
 *       src/base/date.c -lzip -lexpat -o build/fuzz_xlsx
 *   build/fuzz_xlsx tests/fuzz/corpus/fuzz_xlsx */
#define _GNU_SOURCE                        /* memmem */
#include "engine/xlsx.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

/* every cell's last byte is read into it, so the sanitizers see a read past a cell */
static volatile size_t sink;

static void read_all(const uint8_t *data, size_t size, const char *sheet)
{
    XlsxOptions opt = {.sheet = sheet, .max_shared = 1 << 20};
    char *error = NULL;
    XlsxReader *r = xlsx_open_memory(data, size, &opt, &error);
    if (!r) {
        if (!error || !error[0]) abort();            /* a failure always says why */
        free(error);
        return;
    }
    XlsxRecord rec;
    int rc;
    xlsx_set_width(r, 3);
    while ((rc = xlsx_next(r, &rec)) != 0) {
        if (rc == -2) {
            if (!rec.error[0]) abort();
            break;
        }
        if (rec.count == 0 || strlen(rec.raw) != rec.raw_len) abort();
        for (size_t i = 0; i < rec.count; i++) {
            if (strlen(rec.fields[i]) > rec.lens[i]) abort();
            sink += rec.lens[i] ? (unsigned char)rec.fields[i][rec.lens[i] - 1] : 0;
            if (rec.cell_errors[i]) sink += strlen(rec.cell_errors[i]);
            if (rec.kinds[i] > XLSX_ERROR) abort();
        }
    }
    xlsx_close(r);
}

/* ---- packing parts into a zip ----------------------------------------------------------- */

static const char *const part_names[] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
                                         "xl/workbook.xml"};
static const char *const defaults[] = {
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData/></worksheet>",
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>",
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>",
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
    "<sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
};
static const char rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
    "</Relationships>";

static void add(zip_t *za, const char *name, const void *p, size_t n)
{
    zip_source_t *fs = zip_source_buffer(za, p, n, 0);
    zip_int64_t idx = fs ? zip_file_add(za, name, fs, ZIP_FL_OVERWRITE) : -1;
    if (idx < 0) abort();
    zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
}

/* A zip of the parts in data (separated by "\n----\n"); NULL if libzip cannot make it. */
static uint8_t *pack(const uint8_t *data, size_t size, size_t *out_len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    if (!za) abort();
    const char *p = (const char *)data, *end = p + size;
    for (size_t k = 0; k < 4; k++) {
        const char *sep = p ? memmem(p, (size_t)(end - p), "\n----\n", 6) : NULL;
        if (p) add(za, part_names[k], p, (size_t)((sep ? sep : end) - p));
        else add(za, part_names[k], defaults[k], strlen(defaults[k]));
        p = sep ? sep + 6 : NULL;
    }
    add(za, "xl/_rels/workbook.xml.rels", rels, sizeof rels - 1);
    if (zip_close(za) != 0) abort();
    uint8_t *buf = NULL;
    zip_stat_t st;
    if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
        buf = malloc(st.size ? st.size : 1);
        *out_len = (size_t)zip_source_read(src, buf, st.size);
        zip_source_close(src);
    }
    zip_source_free(src);
    zip_error_fini(&ze);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
        read_all(data, size, NULL);
        read_all(data, size, "Data");
        return 0;
    }
    size_t len = 0;
    uint8_t *zip = pack(data, size, &len);
    if (!zip) return 0;
    read_all(zip, len, NULL);
    free(zip);
    return 0;
}
