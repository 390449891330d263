/* fmt.h — the canonical formatter behind `doudi fmt`.
 *
 * The canonical form of a rule file is printed from its AST, not patched from its text, so
 * it depends only on what the file means plus its comments and its blank-line structure:
 * full-width punctuation outside strings comes out as ASCII, parentheses are the minimal
 * ones the grammar's precedence needs, blocks are aligned in columns (display cells, CJK
 * two wide), and long conditions break at their top-level `and`/`or`. Formatting is
 * idempotent and meaning-preserving: the output parses to the same AST as the input. */
#ifndef DOUDI_FMT_H
#define DOUDI_FMT_H

#include "ast.h"

#include <stdbool.h>

/* The canonical text of a module parsed without errors (its comments come from
 * m->source). The caller frees the result. An empty module prints as "". */
char *fmt_module(const Module *m);

/* True when the module's source text is already byte for byte its canonical form. */
bool fmt_is_canonical(const Module *m);

#endif
