/* parse.h — from source text to a Module (the flex scanner and bison parser in grammar/).
 *
 * The parser is reentrant: each call has its own scanner and ParseCtx, so the REPL and the
 * tests may parse many inputs in one process. Syntax errors go to the DiagList; the parser
 * recovers at declaration and item boundaries, so one file reports all its syntax errors.
 *
 * Brackets are matched before the grammar sees the tokens (parse.c): an opener that is never
 * closed is reported at the opener, with a note where its closer was due (the next
 * declaration at its indentation, the closer of an outer bracket, or the end of the input);
 * a stray closer says which opener it would have matched. The token stream the grammar reads
 * then has the missing closers added and the stray ones dropped, and the grammar stays quiet
 * about what follows from the bracket it was told of, so one slip makes one error. */
#ifndef DOUDI_PARSE_H
#define DOUDI_PARSE_H

#include "ast.h"

enum { PARSE_MAX_ERRORS = 50 };

typedef struct ParseFeed ParseFeed;   /* parse.c: the bracket-checked token stream */

typedef struct ParseCtx {
    Arena *arena;
    const SourceFile *src;
    DiagList *diags;
    Module *module;
    uint32_t offset;          /* byte offset of the scanner in src */
    int start_token;          /* first token handed to the parser: selects file or REPL input */
    int syntax_errors;        /* the grammar's, shown or not (any makes the parse fail) */
    int syntax_shown;         /* ... of them, the ones reported */
    bool hit_eof;             /* a syntax error at the end of the input */
    ParseFeed *feed;          /* what the grammar reads (parse.c) */
    Decl *repl_decl;          /* REPL input: the declaration, or */
    Expr *repl_expr;          /* ... the expression */
} ParseCtx;

/* An identifier as the scanner read it (the grammar's `ident`): one with an invisible
 * character in it (a zero-width space, a byte order mark, a bidi control, ...) is an error at
 * that character, and the name goes on without it, so the rest of the file checks as meant. */
const char *parse_name(ParseCtx *ctx, const char *text, Span at);

/* "U+200B ZERO WIDTH SPACE" for a character that shows as nothing (or changes the direction of
 * the text around it), NULL for any other. */
const char *parse_invisible_name(uint32_t cp);

/* Parse a whole rule file. Always returns a Module (possibly partial); errors are in diags. */
Module *parse_module(Arena *a, const SourceFile *src, DiagList *diags);

/* Parse one REPL input: a declaration or an expression. Returns false on any error.
 * *incomplete is set when the input ended inside an open bracket or block (or a clause that
 * needs more), so the REPL can ask for another line instead of reporting an error; strings
 * do not span lines, so an unterminated one is an error. */
bool parse_repl_input(Arena *a, const SourceFile *src, DiagList *diags, Decl **decl, Expr **expr,
                      bool *incomplete);

/* The i-th keyword of the language and its token (the scanner's table), or NULL past the
 * last: for "did you mean" on a misspelt keyword. */
const char *parse_keyword(size_t i, int *token);

/* For the grammar's error reporting: whether an error at `at` follows from a bracket already
 * reported (the token is a closer the driver added, or lies inside an opener reported as never
 * closed before a later declaration or closer). */
bool parse_quiet_at(const ParseCtx *ctx, Span at);

#endif
