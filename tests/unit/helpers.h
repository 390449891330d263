/* helpers.h — shared helpers for the cmocka unit tests (header only: each test binary is
 * one .c file linked with libdoudi.a, so everything here is `static inline`).
 *
 * - Parsed: a source text parsed as a rule file, with its arena, diagnostics and module;
 *   parsed_free releases all of it, so the tests leak nothing (LeakSanitizer checks that under
 *   `make SAN=1 test`).
 * - Rendering diagnostics to a string, and asserting one diagnostic's position and text.
 * - known_bug(): a test that pins down a reported bug is skipped, with the bug named, until
 *   DOUDI_KNOWN_BUGS=1 is set in the environment (then it runs and shows whether it is fixed).
 */
#ifndef DOUDI_TEST_HELPERS_H
#define DOUDI_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lang/parse.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof *(a))

/* ---- parsing ------------------------------------------------------------------------- */

typedef struct Parsed {
    Arena arena;
    SourceFile *src;
    DiagList diags;
    Module *mod;
} Parsed;

/* Parse `text` as the rule file `path`. */
static inline Parsed *parse_text_as(const char *path, const char *text)
{
    Parsed *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->src = source_new(path, text, strlen(text));
    p->mod = parse_module(&p->arena, p->src, &p->diags);
    assert_non_null(p->mod);
    return p;
}

static inline Parsed *parse_text(const char *text) { return parse_text_as("t.doudi", text); }

static inline void parsed_free(Parsed *p)
{
    if (!p) return;
    diag_free(&p->diags);
    arena_free(&p->arena);
    source_free(p->src);
    free(p);
}

/* ---- diagnostics --------------------------------------------------------------------- */

/* All diagnostics rendered as text, as the CLI shows them; caller frees. */
static inline char *render_diags(const DiagList *dl)
{
    StrBuf sb = {0};
    diag_render_all(&sb, dl);
    return sb_take(&sb);
}

/* Fail, showing every diagnostic, unless the list is empty. */
static inline void assert_no_diags_at(const DiagList *dl, const char *file, int line)
{
    if (dl->count == 0) return;
    char *text = render_diags(dl);
    print_error("%s:%d: expected no diagnostics, got %zu:\n%s", file, line, dl->count, text);
    free(text);
    _fail(file, line);
}
#define assert_no_diags(dl) assert_no_diags_at((dl), __FILE__, __LINE__)

static inline const char *severity_word(DiagSeverity s)
{
    return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

/* "LINE:COL severity: message" of diagnostic i — one string, so a mismatch shows it all. */
static inline char *diag_summary(const Diag *d)
{
    int line = 0, col = 0;
    if (d->span.file) source_position(d->span.file, d->span.start, &line, &col);
    StrBuf sb = {0};
    sb_printf(&sb, "%d:%d %s: %s", line, col, severity_word(d->severity), d->message);
    return sb_take(&sb);
}

/* Assert that diagnostic `i` reads `want`, e.g. "3:25 error: unexpected name; expected 'when'". */
static inline void assert_diag_at(const DiagList *dl, size_t i, const char *want, const char *file,
                                  int line)
{
    if (i >= dl->count) {
        char *text = render_diags(dl);
        print_error("%s:%d: wanted diagnostic #%zu \"%s\" but there are only %zu:\n%s", file, line,
                    i, want, dl->count, text);
        free(text);
        _fail(file, line);
    }
    char *got = diag_summary(&dl->items[i]);
    int same = strcmp(got, want) == 0;
    if (!same) print_error("%s:%d: diagnostic #%zu\n  want: %s\n  got:  %s\n", file, line, i, want, got);
    free(got);
    if (!same) _fail(file, line);
}
#define assert_diag(dl, i, want) assert_diag_at((dl), (i), (want), __FILE__, __LINE__)

/* ---- known bugs ---------------------------------------------------------------------- */

/* Skip the calling test (it pins a reported bug) unless DOUDI_KNOWN_BUGS=1. */
#define known_bug(why)                                                       \
    do {                                                                     \
        const char *kb_ = getenv("DOUDI_KNOWN_BUGS");                        \
        if (!kb_ || strcmp(kb_, "1") != 0) {                                 \
            print_message("[   BUG    ] %s (set DOUDI_KNOWN_BUGS=1 to run)\n", (why)); \
            skip();                                                          \
        }                                                                    \
    } while (0)

#endif
