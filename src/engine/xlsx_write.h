/* xlsx_write.h — what the workbooks doudi writes share (the forms, the notice, the review rows):
 * only built with libxlsxwriter (not under DOUDI_NO_XLSX, `make XLSX=0`). */
#ifndef DOUDI_XLSX_WRITE_H
#define DOUDI_XLSX_WRITE_H

#ifndef DOUDI_NO_XLSX
#include "base/replace.h"

#include <stddef.h>
#include <xlsxwriter.h>

/* want[0..len) as a sheet name Excel accepts and the workbook has not used yet: at most 26
 * characters of it (room for a "~2" suffix within Excel's 31), each of []:*?/\ as '_', not
 * starting with an apostrophe, not empty; when taken, "NAME~2", "NAME~3", ....
 * The caller frees it. */
char *xlsx_new_sheet_name(lxw_workbook *wb, const char *want, size_t len);

/* A workbook that goes to `path` whole (base/replace.h): libxlsxwriter writes the temporary file
 * by name; after workbook_close, file_replace_commit puts it in place (file_replace_abort on a
 * failure). NULL, *err set and nothing left, when it cannot be made. */
lxw_workbook *xlsx_workbook_begin(FileReplace *fr, const char *path, int mode, int *err);
#endif

#endif
