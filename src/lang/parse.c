/* parse.c — drives the generated scanner and parser (see parse.h). */
#include "parse.h"
#include "doudi.tab.h"
#include "doudi.lex.h"

#include <string.h>

static bool run_parser(ParseCtx *ctx)
{
    yyscan_t scanner;
    if (ddlex_init_extra(ctx, &scanner) != 0) return false;
    /* Notepad on Windows starts a UTF-8 file with a byte order mark: skip it */
    if (ctx->src->len >= 3 && memcmp(ctx->src->text, "\xEF\xBB\xBF", 3) == 0) ctx->offset = 3;
    YY_BUFFER_STATE buf = dd_scan_bytes(ctx->src->text + ctx->offset, (int)(ctx->src->len - ctx->offset), scanner);
    int rc = ddparse(scanner, ctx);
    dd_delete_buffer(buf, scanner);
    ddlex_destroy(scanner);
    return rc == 0 && ctx->syntax_errors == 0;
}

/* Rule files are UTF-8; point at the first byte that is not, rather than lexing garbage. */
static bool check_utf8(const SourceFile *src, DiagList *diags)
{
    size_t i = 0;
    while (i < src->len) {
        uint32_t cp;
        int n = utf8_decode(src->text + i, src->len - i, &cp);
        if (cp == 0xFFFD && n == 1 && (unsigned char)src->text[i] >= 0x80) {
            Span at = {src, (uint32_t)i, (uint32_t)i + 1};
            diag_add(diags, DIAG_ERROR, "bad-encoding", at,
                     "this file is not valid UTF-8 (byte 0x%02X); save it as UTF-8",
                     (unsigned char)src->text[i]);
            return false;
        }
        i += (size_t)n;
    }
    return true;
}

Module *parse_module(Arena *a, const SourceFile *src, DiagList *diags)
{
    Module *m = arena_alloc(a, sizeof *m);
    m->source = src;
    if (!check_utf8(src, diags)) return m;
    ParseCtx ctx = {.arena = a, .src = src, .diags = diags, .module = m, .start_token = START_FILE};
    run_parser(&ctx);
    if (ctx.syntax_errors > PARSE_MAX_ERRORS)
        diag_add(diags, DIAG_ERROR, "too-many-errors", (Span){src, (uint32_t)src->len, (uint32_t)src->len},
                 "too many syntax errors; stopped after %d", PARSE_MAX_ERRORS);
    return m;
}

bool parse_repl_input(Arena *a, const SourceFile *src, DiagList *diags, Decl **decl, Expr **expr,
                      bool *incomplete)
{
    *decl = NULL;
    *expr = NULL;
    *incomplete = false;
    if (!check_utf8(src, diags)) return false;
    Module *m = arena_alloc(a, sizeof *m);
    m->source = src;
    ParseCtx ctx = {.arena = a, .src = src, .diags = diags, .module = m, .start_token = START_REPL};
    int errors_before = diags->errors;
    bool ok = run_parser(&ctx) && diags->errors == errors_before;
    if (!ok) {
        *incomplete = ctx.hit_eof && ctx.syntax_errors == 1;
        return false;
    }
    *decl = ctx.repl_decl;
    *expr = ctx.repl_expr;
    return true;
}
