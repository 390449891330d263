/* markdown.c — see markdown.h. */
#include "markdown.h"

#include "base/msg.h"

#include <string.h>

/* The length of the longest prefix of s, at most max bytes, that ends on a character boundary. */
static size_t cut_at(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

void md_text(StrBuf *out, const char *s, size_t max)
{
    size_t len = strlen(s), n = max ? cut_at(s, len, max) : len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r') c = ' ';
        if (c == '&') {
            sb_puts(out, "&amp;");
            continue;
        }
        if (strchr("\\`*_[]<>|#~!", c)) sb_putc(out, '\\');
        sb_putc(out, c);
    }
    if (n < len) sb_puts(out, "…");
}

void md_code(StrBuf *out, const char *s)
{
    int run = 0, longest = 0;
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    size_t len = strlen(s);
    bool pad = len && (s[0] == '`' || s[len - 1] == '`');
    for (int i = 0; i <= longest; i++) sb_putc(out, '`');
    if (pad) sb_putc(out, ' ');
    for (const char *p = s; *p; p++) sb_putc(out, *p == '\n' || *p == '\r' ? ' ' : *p);
    if (pad) sb_putc(out, ' ');
    for (int i = 0; i <= longest; i++) sb_putc(out, '`');
}

bool md_fits(const MdDoc *d, size_t more) { return d->out.count + more + d->reserve <= d->limit; }

bool md_add(MdDoc *d, const StrBuf *piece)
{
    if (d->full || !md_fits(d, piece->count)) {
        d->full = true;
        return false;
    }
    sb_putn(&d->out, piece->items ? piece->items : "", piece->count);
    return true;
}

void md_close(MdDoc *d, const StrBuf *piece) { sb_putn(&d->out, piece->items ? piece->items : "", piece->count); }

void md_table_row(MdTable *t, const StrBuf *row)
{
    StrBuf both = {0};
    if (!t->rows) sb_putn(&both, t->head.items ? t->head.items : "", t->head.count);
    sb_putn(&both, row->items ? row->items : "", row->count);
    if (md_add(t->doc, &both)) t->rows++;
    else t->left++;
    sb_free(&both);
}

size_t md_table_end(MdTable *t)
{
    if (t->left && t->rows) {
        StrBuf note = {0};
        sb_printf(&note, t->left == 1 ? tr("\n*%zu more row is in the full report.*\n")
                                      : tr("\n*%zu more rows are in the full report.*\n"), t->left);
        md_close(t->doc, &note);
        sb_free(&note);
    }
    sb_free(&t->head);
    return t->left;
}
