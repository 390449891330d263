/* document.c — see document.h. */
#include "document.h"
#include "base/date.h"
#include "base/replace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *doc_tr(const char *english)
{
    int saved = msg_lang_enter(MSG_ZH);
    const char *zh = tr(english);
    msg_lang_leave(saved);
    return zh;
}

void doc_escape(StrBuf *sb, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': sb_puts(sb, "&amp;"); break;
        case '<': sb_puts(sb, "&lt;"); break;
        case '>': sb_puts(sb, "&gt;"); break;
        case '"': sb_puts(sb, "&quot;"); break;
        case '\'': sb_puts(sb, "&#39;"); break;
        default: sb_putc(sb, *s);
        }
    }
}

void doc_date(StrBuf *sb, int64_t days)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    sb_printf(sb, doc_tr("%lld-%02u-%02u"), (long long)y, m, d);
}

void doc_time(StrBuf *sb, int64_t seconds)
{
    int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    int64_t in_day = seconds - days * 86400;
    doc_date(sb, days);
    sb_printf(sb, " %02d:%02d UTC", (int)(in_day / 3600), (int)(in_day / 60 % 60));
}

static bool failf(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool failf(char **error, const char *fmt, ...)
{
    if (error && !*error) {
        va_list ap;
        va_start(ap, fmt);
        *error = xvasprintf(fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool write_stdout(const StrBuf *sb, char **error)
{
    fwrite(sb->items ? sb->items : "", 1, sb->count, stdout);
    if (fflush(stdout) != 0 || ferror(stdout))
        return failf(error, tr("cannot write the output: %s"), msg_strerror(errno));
    return true;
}

bool doc_write(const char *path, const StrBuf *sb, char **error)
{
    if (!path) return write_stdout(sb, error);
    int err = file_replace(path, sb->items, sb->count, FILE_MODE_KEEP, NULL);
    return !err || failf(error, tr("cannot write %s: %s"), path, msg_strerror(err));
}
