/* fuzz_csv.c — a CSV ledger read and imported with the Zhengzhou rules.
 *
 * The input is a CSV file, in whatever encoding. Three things are done with it:
 *   - it is read from memory with the encoding detected, and again from memory and from a
 *     file with small read chunks (1 to 16 bytes, so every record, quote and multi-byte
 *     character straddles the buffer's edges): every reading must give the same records,
 *     fields and errors — an oracle;
 *   - it is read forced to GB18030;
 *   - it is written to a temporary file and imported, as `doudi import` does, with the
 *     Zhengzhou rules into a fresh ledger (also on /dev/shm): as persons, or as institutions
 *     when it is no person file.
 * A fresh ledger per input keeps each run independent of the inputs before it. Making one is a
 * good part of the cost of an input, so one empty ledger is made at start-up and each input's is
 * a copy of its bytes. */
#include "fuzz.h"

#include "doudi.h"
#include "base/util.h"
#include "engine/csv.h"

static doudi_rules *rules;
static char csv_path[4096], db_path[4096];
static FILE *devnull;
static char *empty_ledger;     /* the bytes of a new ledger */
static size_t empty_ledger_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[4096], *diags = NULL;
    rules = doudi_compile_file(fuzz_tree_path("rules/zhengzhou-2021.doudi", path, sizeof path), &diags);
    FUZZ_ASSERT(rules, "%s does not compile: %s", path, diags ? diags : "");
    doudi_string_free(diags);
    fuzz_temp_path("import.csv", csv_path, sizeof csv_path);
    fuzz_temp_path("ledger.db", db_path, sizeof db_path);
    devnull = fopen("/dev/null", "w");
    FUZZ_ASSERT(devnull, "cannot open /dev/null");
    empty_ledger = fuzz_empty_ledger(db_path, &empty_ledger_len);
    return 0;
}

/* ---- reading: the same records whatever the chunk size ------------------------------------- */

/* Everything a reading gives, one record after another, as one string: of the file at `path`,
 * or of the bytes in memory when path is NULL. */
static char *read_all(const char *path, const uint8_t *data, size_t size, const char *encoding, size_t chunk)
{
    char *error = NULL;
    CsvReader *r = path ? csv_open(path, encoding, &error) : csv_open_memory(data, size, encoding, &error);
    StrBuf sb = {0};
    if (!r) {
        free(error);   /* the message names the file or not: only that it failed is compared */
        sb_puts(&sb, "refused");
        return sb_take(&sb);
    }
    if (chunk) csv_set_chunk_size(r, chunk);
    sb_printf(&sb, "%s\n", csv_encoding(r));
    CsvRecord rec;
    int rc;
    while ((rc = csv_next(r, &rec)) != 0) {
        sb_printf(&sb, "%d %u [%s] %u:%u:%u raw %zu:", rc, rec.line, rec.error, rec.error_col, rec.error_line,
                  rec.error_char, rec.raw_len);
        sb_putn(&sb, rec.raw, rec.raw_len);
        for (size_t i = 0; i < rec.count; i++) {
            sb_printf(&sb, "\n  %u:%u %zu:", rec.field_lines[i], rec.field_cols[i], rec.lens[i]);
            sb_putn(&sb, rec.fields[i], rec.lens[i]);
        }
        sb_putc(&sb, '\n');
        if (rc == -2) break;
    }
    csv_close(r);
    return sb_take(&sb);
}

/* Whole from memory, a few bytes at a time from memory and from the file (csv_path, written):
 * the same records. */
static void read_every_way(const uint8_t *data, size_t size)
{
    char *whole = read_all(NULL, data, size, NULL, 0);
    size_t chunk = 1 + (size > 0 ? data[size - 1] % 16 : 0), file_chunk = 1 + (size > 1 ? data[size - 2] % 16 : 0);
    char *chunked = read_all(NULL, data, size, NULL, chunk);
    FUZZ_ASSERT(!strcmp(whole, chunked), "read %zu bytes at a time, the records differ:\n%s\n---\n%s", chunk, whole,
                chunked);
    char *file = read_all(csv_path, NULL, 0, NULL, file_chunk);
    FUZZ_ASSERT(!strcmp(whole, file), "read from the file %zu bytes at a time, the records differ:\n%s\n---\n%s",
                file_chunk, whole, file);
    free(whole);
    free(chunked);
    free(file);
    free(read_all(NULL, data, size, "gb18030", 0));
}

/* ---- importing ------------------------------------------------------------------------------- */

static void import(void)
{
    char *error = NULL;
    FUZZ_ASSERT(fuzz_write_file(db_path, empty_ledger, empty_ledger_len) == 0, "cannot write %s", db_path);
    doudi_ledger *l = doudi_ledger_open_mode(db_path, DOUDI_LEDGER_WRITE, &error);
    FUZZ_ASSERT(l, "cannot open the ledger %s: %s", db_path, error ? error : "");
    doudi_import_stats st;
    if (doudi_import(l, rules, 0, csv_path, NULL, devnull, &st, &error) != 0) {
        doudi_string_free(error);
        error = NULL;
        doudi_import(l, rules, 1, csv_path, NULL, devnull, &st, &error);
    }
    doudi_string_free(error);
    doudi_ledger_close(l);
    unlink(db_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FUZZ_ASSERT(fuzz_write_file(csv_path, data, size) == 0, "cannot write %s", csv_path);
    read_every_way(data, size);
    import();
    unlink(csv_path);
    return 0;
}
