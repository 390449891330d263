/* xlsx_write.c — see xlsx_write.h. */
#include "xlsx_write.h"

#ifndef DOUDI_NO_XLSX
#include "base/util.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

char *xlsx_new_sheet_name(lxw_workbook *wb, const char *want, size_t len)
{
    StrBuf base = {0};
    int chars = 0;
    for (size_t i = 0; i < len && chars < 26; chars++) {
        uint32_t cp;
        int n = utf8_decode(want + i, len - i, &cp);
        if (n < 1) n = 1;
        if (n == 1 && strchr("[]:*?/\\", want[i])) sb_putc(&base, '_');
        else sb_putn(&base, want + i, (size_t)n);
        i += (size_t)n;
    }
    if (!base.count || base.items[0] == '\'') sb_putc(&base, '_');
    StrBuf name = {0};
    sb_puts(&name, sb_str(&base));
    for (int k = 2; workbook_validate_sheet_name(wb, sb_str(&name)) != LXW_NO_ERROR && k < 1000; k++) {
        name.count = 0;
        sb_printf(&name, "%s~%d", sb_str(&base), k);
    }
    sb_free(&base);
    return sb_take(&name);
}
lxw_workbook *xlsx_workbook_begin(FileReplace *fr, const char *path, int mode, int *err)
{
    if ((*err = file_replace_begin(fr, path, mode)) != 0) return NULL;
    close(fr->fd);                       /* the workbook writes it by name, keeping its mode */
    fr->fd = -1;
    lxw_workbook *wb = workbook_new(fr->name);
    if (!wb) {
        *err = errno ? errno : EIO;
        file_replace_abort(fr);
    }
    return wb;
}

#endif
