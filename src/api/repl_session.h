/* repl_session.h — the rules of a `doudi repl` session, and its inputs.
 *
 * A session is a rule file (optional) plus the declarations typed so far. Each typed
 * declaration is kept as its own source text: declaring a name again replaces the earlier
 * declaration of that name in place (a category keeps its precedence, the first record stays
 * the subject), and a second placement, schedule, capacity plan or policy replaces the one
 * there. After every change the whole session is checked and compiled again through the normal
 * pipeline (parse → check → compile); a change that does not check is refused and the session
 * stays as it was.
 *
 * An input is parsed in a source file named `<input>` holding just what was typed, so its
 * diagnostics point into it (`<input>:1:5: error: ...`, the line, a caret). An expression is
 * type-checked as the REPL sees it (check_expr_in: fields, params, lets, categories and the
 * outcome — the placement, primary, categories, category_count) and compiled into rules of its
 * own: the session's declarations plus a synthetic let named `<input>` holding it, or, when it
 * reads the outcome (which lets cannot), a synthetic schedule key renamed `<input>` (keys are
 * computed after the placement; for someone who is not a target, doudi_value runs the key's
 * code on demand). doudi_value and doudi_ledger_scan then read it by that name.
 * A bare name (`age`, `tekun`, `care`, `categories`) needs no compiling: the session's rules
 * have it.
 *
 * The session also holds the current record. Its values are carried over by field name
 * whenever the rules change (a value the new rules no longer accept is dropped). */
#ifndef DOUDI_REPL_SESSION_H
#define DOUDI_REPL_SESSION_H

#include "doudi.h"
#include "vm/program.h"
#include "base/util.h"

#include <stdbool.h>

typedef struct ReplSession ReplSession;

/* An empty session: no rule file, no declarations, a record with defaults only. */
ReplSession *repl_session_new(void);
void repl_session_free(ReplSession *s);

/* The compiled rules now in force (never NULL) and the rule file, or NULL. */
doudi_rules *repl_rules(ReplSession *s);
const char *repl_file(const ReplSession *s);
/* Declarations typed in this session (kept over :reload). */
int repl_typed_count(const ReplSession *s);

/* The current record (never NULL). repl_set_record takes ownership of a record made from
 * repl_rules(s), replacing the current one. */
doudi_record *repl_record(ReplSession *s);
/* A copy of the current record, to edit and then install with repl_set_record. */
doudi_record *repl_record_copy(ReplSession *s);
void repl_set_record(ReplSession *s, doudi_record *rec);

/* :load — `path` becomes the session's rule file and the declarations typed so far are dropped.
 * :reload — read the same file again, keeping the typed declarations. The file's diagnostics
 * (errors and warnings, as `doudi check` prints them) are appended to diags. False on errors or
 * an unreadable file: the session is unchanged. */
bool repl_load(ReplSession *s, const char *path, StrBuf *diags);
bool repl_reload(ReplSession *s, StrBuf *diags);

typedef enum ReplMode {
    REPL_ANY,       /* a declaration (added to the session) or an expression (compiled) */
    REPL_EXPR,      /* an expression, compiled (:time) */
    REPL_COUNT,     /* a bool expression, compiled (:count) */
    REPL_TYPE,      /* an expression, only checked (:type) */
    REPL_CODE,      /* an expression, compiled even when it is a field or a param (:bytecode) */
} ReplMode;

typedef enum ReplStatus {
    REPL_INCOMPLETE,  /* ended inside a bracket, a block or a declaration: read another line */
    REPL_BLANK,       /* nothing but spaces and comments */
    REPL_ERROR,       /* diagnostics say why */
    REPL_DECLARED,    /* a declaration was added; `declared` says what */
    REPL_VALUE,       /* an expression, ready to evaluate (REPL_TYPE: checked only) */
} ReplStatus;

typedef struct ReplResult {
    ReplStatus status;
    StrBuf diags;             /* rendered diagnostics: errors, and warnings about the input */
    char *declared;           /* REPL_DECLARED: e.g. "let x : int", "category c (replaces ...)" */
    doudi_rules *rules;       /* REPL_VALUE: the rules holding the value (NULL for REPL_TYPE) */
    bool own_rules;           /* rules are this expression's own, freed with the result */
    char *name;               /* REPL_VALUE: the value's name in rules */
    char *type;               /* REPL_VALUE: its type as the checker names it ("enum care_mode") */
    bool is_bool;
} ReplResult;

/* One input: `text` is everything typed for it (lines joined by '\n'); its first `skip` bytes
 * are a command (":count ") that is not part of it — blanked for parsing, shown in
 * diagnostics, so columns count from the start of the line. `final`: no more lines will
 * come, so an unfinished input is an error. Fills *out (free it with repl_result_free) and
 * returns its status. */
ReplStatus repl_input(ReplSession *s, const char *text, size_t skip, ReplMode mode, bool final, ReplResult *out);
void repl_result_free(ReplResult *r);

/* "record person (36 fields), 3 params, 7 lets, 6 categories, placement care" */
char *repl_summary(ReplSession *s);

/* Names for completion, each passed to fn once: */
typedef void (*repl_name_fn)(const char *name, void *ctx);
/* in expressions: fields, params, lets, categories, the placement and the outcome's names,
 * enum values, functions; */
void repl_expr_names(ReplSession *s, repl_name_fn fn, void *ctx);
/* the subject record's fields; */
void repl_field_names(ReplSession *s, repl_name_fn fn, void *ctx);
/* the values a field may be given by name: its enum's values, or true/false for a bool. */
void repl_field_values(ReplSession *s, const char *field, repl_name_fn fn, void *ctx);


#endif
