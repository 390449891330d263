/* rows_dump.c — print a ledger file's rows as the importer's row source reads them, or only
 * count them: a driver for trying the readers by hand, for the seed corpus, and for measuring
 * a large workbook's time and memory outside `make test` (docs/performance.md).
 *
 *   build/rows_dump [--sheet NAME] [--count] FILE
 *
 * Each row prints as `POSITION<TAB>cell|cell|...`; a cell with an error adds `{error}`. */
#include "engine/rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    RowsOptions opt = {0};
    int count_only = 0, i = 1;
    for (; i < argc - 1; i++) {
        if (!strcmp(argv[i], "--sheet") && i + 1 < argc - 1) opt.sheet = argv[++i];
        else if (!strcmp(argv[i], "--count")) count_only = 1;
        else break;
    }
    if (i != argc - 1) {
        fprintf(stderr, "usage: rows_dump [--sheet NAME] [--count] FILE\n");
        return 2;
    }
    char *error = NULL;
    RowSource *s = rows_open(argv[i], &opt, &error);
    if (!s) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return 2;
    }
    Row row;
    int rc;
    unsigned long long rows = 0, bytes = 0;
    while ((rc = rows_next(s, &row)) != 0) {
        StrBuf where = {0};
        rows_where(s, row.line, rc == -1 ? row.error_col : 0, &where);
        if (rc == -2) {
            fprintf(stderr, "%s: %s\n", sb_str(&where), row.error);
            sb_free(&where);
            rows_close(s);
            return 2;
        }
        rows++;
        for (size_t c = 0; c < row.count; c++) bytes += row.lens[c];
        if (!count_only) {
            printf("%s\t", sb_str(&where));
            for (size_t c = 0; c < row.count; c++) {
                printf("%s%s", c ? "|" : "", row.cells[c]);
                if (row.cell_errors && row.cell_errors[c]) printf("{%s}", row.cell_errors[c]);
            }
            if (rc == -1) printf("\t[row error: %s]", row.error);
            printf("\n");
        }
        sb_free(&where);
    }
    if (count_only) printf("%llu rows, %llu bytes of cell text\n", rows, bytes);
    rows_close(s);
    return 0;
}
