/* document.h — what the documents people read and post share: the HTML report
 * (report_html.c) and the public notice (notice.c).
 *
 * They are Chinese documents: their fixed text is written in English inside doc_tr() with its
 * Chinese in base/messages.def, like every message, but comes out in Chinese whatever language
 * the messages on the terminal are in — a county office posts and files them as they are
 * (errors about making them are messages, through tr()). Labels come from the rule file. Dates are written as an official notice
 * writes them (2021年5月10日); text is escaped for HTML and SVG alike. */
#ifndef DOUDI_DOCUMENT_H
#define DOUDI_DOCUMENT_H

#include "base/msg.h"
#include "base/util.h"

#include <stdbool.h>
#include <stdint.h>

/* The catalogue's Chinese for `english`, whatever the current language (as tr() would give it
 * with Chinese on: strict mode applies). */
const char *doc_tr(const char *english) __attribute__((format_arg(1)));

/* s with & < > " ' escaped: for HTML and SVG text and attribute values alike. */
void doc_escape(StrBuf *sb, const char *s);
/* A day number as 2021年5月10日 (in English 2021-05-10). */
void doc_date(StrBuf *sb, int64_t days);
/* An instant (seconds since 1970, UTC) as 2021年5月10日 08:30 UTC. */
void doc_time(StrBuf *sb, int64_t seconds);

/* Write `sb` to `path`, or to stdout when path is NULL. A file is written beside its place
 * and renamed over it, so a failed write leaves what was there; a pipe or a device is written
 * directly. */
bool doc_write(const char *path, const StrBuf *sb, char **error);

#endif
