/* repl_session.c — the rules of a `doudi repl` session, and its inputs (see repl_session.h).
 *
 * The session keeps source texts, never a checked tree between changes: each check parses
 * the rule file and the typed declarations afresh into an arena of its own, so a tree is
 * annotated by one check only. The last sound check (`checked`) stays for completion and for
 * type-checking expressions (check_expr_in); its compiled rules are what records are
 * evaluated with. */
#include "repl_session.h"
#include "api_int.h"

#include "lang/check.h"
#include "lang/compile.h"
#include "lang/parse.h"
#include "lang/types.h"
#include "base/msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A declaration typed in the session: its own source text, and what it declares. */
typedef struct Typed {
    SourceFile *src;
    DeclKind kind;
    char *name;                /* NULL for policy, schedule, capacity, test */
    char *label;               /* a test's name */
} Typed;

typedef VEC(Typed) TypedList;

struct ReplSession {
    char *path;                /* the rule file to read on :reload (the last one asked for) */
    SourceFile *file;          /* the rule file as loaded, or NULL */
    TypedList typed;           /* in the order typed; a redeclaration took its predecessor's place */
    unsigned declarations;     /* declarations accepted so far: names their sources <input N> */
    SourceFile *nofile;        /* the module's source when there is no rule file */
    Arena arena;               /* holds `checked` and its trees */
    Rules *checked;
    doudi_rules *rules;
    doudi_record *record;
};

static const char INPUT_NAME[] = "<input>";

/* Names nobody can type: the placeholder record's, the expression's. */
static bool hidden(const char *name) { return !name || name[0] == '<'; }

/* ---- declarations and their places ----------------------------------------------------------- */

static const char *decl_name(const Decl *d)
{
    switch (d->kind) {
    case DECL_ENUM: case DECL_RECORD: case DECL_PARAM: case DECL_LET: case DECL_CATEGORY:
    case DECL_PLACEMENT: case DECL_TABLE: case DECL_EXAMPLE:
        return d->name.text;
    default:
        return NULL;
    }
}

/* Does a declaration (ka, na, la) take the place of (kb, nb, lb)? The same name (one namespace),
 * or the one policy, placement, schedule or capacity plan, or a test of the same name. */
static bool same_slot(DeclKind ka, const char *na, const char *la, DeclKind kb, const char *nb, const char *lb)
{
    if (na && nb) return !strcmp(na, nb) || (ka == DECL_PLACEMENT && kb == DECL_PLACEMENT);
    if (ka != kb) return false;
    switch (ka) {
    case DECL_POLICY: case DECL_PLACEMENT: case DECL_SCHEDULE: case DECL_CAPACITY: case DECL_NOTICE: return true;
    case DECL_TEST: return la && lb && !strcmp(la, lb);
    default: return false;
    }
}

static bool decl_same_slot(const Decl *a, const Decl *b)
{
    return same_slot(a->kind, decl_name(a), a->kind == DECL_TEST ? a->label : NULL, b->kind, decl_name(b),
                     b->kind == DECL_TEST ? b->label : NULL);
}

/* Put d in m: in the place of the declaration it replaces, else last. */
static void place(Arena *a, Module *m, Decl *d)
{
    for (size_t i = 0; i < m->decls.count; i++)
        if (decl_same_slot(m->decls.items[i], d)) {
            m->decls.items[i] = d;
            return;
        }
    ARENA_PUSH(a, &m->decls, d);
}

/* With no record at all, lets have nothing to be about: a placeholder record with one key
 * field (both named so that nobody can type them) lets `1 + 2` work in an empty session. */
static void add_placeholder_record(Arena *a, Module *m)
{
    for (size_t i = 0; i < m->decls.count; i++)
        if (m->decls.items[i]->kind == DECL_RECORD) return;
    Span nowhere = {m->source, 0, 0};
    Decl *d = ast_decl(a, DECL_RECORD, nowhere);
    d->name = (Name){"<record>", nowhere};
    Field f = {.name = {"<key>", nowhere}, .is_key = true, .span = nowhere};
    f.type = ast_type(a, TE_NAMED, nowhere);
    f.type->name = (Name){"text", nowhere};
    f.default_value = ast_expr(a, EX_TEXT, nowhere);
    f.default_value->v.s = "";
    ARENA_PUSH(a, &d->fields, f);
    ARENA_PUSH(a, &m->decls, d);
}

/* Parse an input whose first `skip` bytes are a command: blanked while parsing, kept for
 * diagnostics (which show the line as typed). */
static bool parse_input(Arena *a, SourceFile *src, size_t skip, DiagList *dl, Decl **d, Expr **e, bool *incomplete)
{
    char *saved = xstrndup(src->text, skip);
    memset(src->text, ' ', skip);
    bool ok = parse_repl_input(a, src, dl, d, e, incomplete);
    memcpy(src->text, saved, skip);
    free(saved);
    return ok;
}

/* The session's module: the rule file's declarations with the typed ones in their places. The
 * rule file's own diagnostics go to dl; the typed declarations parsed cleanly when typed. */
static Module *assemble(ReplSession *s, Arena *a, const SourceFile *file, const TypedList *typed, DiagList *dl)
{
    Module *m;
    if (file) {
        m = parse_module(a, file, dl);
    } else {
        m = arena_alloc(a, sizeof *m);
        m->source = s->nofile;
    }
    DiagList quiet = {0};
    for (size_t i = 0; i < typed->count; i++) {
        Decl *d;
        Expr *e;
        bool incomplete;
        if (parse_input(a, typed->items[i].src, 0, &quiet, &d, &e, &incomplete) && d) place(a, m, d);
    }
    diag_free(&quiet);
    add_placeholder_record(a, m);
    return m;
}

/* ---- diagnostics ----------------------------------------------------------------------------------- */

/* Render errors, and the warnings about `warnings_of` (NULL: none); `unused` warnings are left
 * out for typed declarations (a let typed at the prompt is there to be evaluated). */
static void render(StrBuf *out, DiagList *dl, const SourceFile *warnings_of, bool typed)
{
    DiagList keep = {0};
    for (size_t i = 0; i < dl->count; i++) {
        const Diag *d = &dl->items[i];
        if (d->severity != DIAG_ERROR &&
            (!warnings_of || d->span.file != warnings_of || (typed && d->code && !strcmp(d->code, "unused"))))
            continue;
        VEC_PUSH(&keep, *d);
    }
    diag_sort(&keep);
    diag_render_all(out, &keep);
    free(keep.items);
}

/* "path:line" of a span, for messages. */
static void put_where(StrBuf *sb, Span sp)
{
    int line = 0, col = 0;
    if (!sp.file) return;
    source_position(sp.file, sp.start, &line, &col);
    sb_printf(sb, "%s:%d", sp.file->path, line);
}

/* ---- changing the session ------------------------------------------------------------------------ */

/* The current record's values, carried over by field name to a record of `to`. */
static doudi_record *carry_record(doudi_rules *to, const doudi_record *from)
{
    doudi_record *rec = doudi_record_new(to);
    if (!from) return rec;
    for (int i = 0; i < doudi_field_count(to); i++) {
        const char *field = doudi_field_name(to, i);
        char *v = doudi_record_get(from, field, 0);
        char *err = NULL;
        if (v && *v) doudi_record_set(rec, field, v, &err);
        doudi_string_free(err);
        doudi_string_free(v);
    }
    return rec;
}

/* Check and compile the session made of `file` and `typed`; when sound, make it the session's.
 * Diagnostics are added to dl. The sources stay the caller's: on success the session refers to
 * them (the caller then frees the ones they replace). */
static bool commit(ReplSession *s, SourceFile *file, const TypedList *typed, DiagList *dl)
{
    Arena a = {0};
    Module *m = assemble(s, &a, file, typed, dl);
    Rules *checked = dl->errors ? NULL : check_module(&a, m, dl);
    Program *p = checked && dl->errors == 0 ? compile_rules(checked, dl) : NULL;
    if (!p) {
        arena_free(&a);
        return false;
    }
    doudi_rules *rules = api_wrap(p);
    doudi_record *rec = carry_record(rules, s->record);
    doudi_record_free(s->record);
    doudi_free(s->rules);
    arena_free(&s->arena);
    s->arena = a;
    s->checked = checked;
    checked->arena = &s->arena;   /* it pointed at the local `a` */
    s->rules = rules;
    s->record = rec;
    return true;
}

static void typed_free(Typed *t)
{
    source_free(t->src);
    free(t->name);
    free(t->label);
}

static void typed_list_free(TypedList *l)
{
    for (size_t i = 0; i < l->count; i++) typed_free(&l->items[i]);
    VEC_FREE(l);
}

ReplSession *repl_session_new(void)
{
    ReplSession *s = xcalloc(1, sizeof *s);
    s->nofile = source_new("<session>", "", 0);
    DiagList dl = {0};
    TypedList none = {0};
    if (!commit(s, NULL, &none, &dl)) {   /* cannot happen: the placeholder record checks */
        StrBuf sb = {0};
        diag_render_all(&sb, &dl);
        fprintf(stderr, "doudi repl: internal error: an empty session does not compile\n%s", /* not a message: a bug */
                sb_str(&sb));
        abort();
    }
    diag_free(&dl);
    return s;
}

void repl_session_free(ReplSession *s)
{
    if (!s) return;
    doudi_record_free(s->record);
    doudi_free(s->rules);
    arena_free(&s->arena);
    typed_list_free(&s->typed);
    source_free(s->file);
    source_free(s->nofile);
    free(s->path);
    free(s);
}

doudi_rules *repl_rules(ReplSession *s) { return s->rules; }
const char *repl_file(const ReplSession *s) { return s->file ? s->file->path : NULL; }
int repl_typed_count(const ReplSession *s) { return (int)s->typed.count; }
doudi_record *repl_record(ReplSession *s) { return s->record; }

doudi_record *repl_record_copy(ReplSession *s) { return carry_record(s->rules, s->record); }

void repl_set_record(ReplSession *s, doudi_record *rec)
{
    if (rec == s->record) return;
    doudi_record_free(s->record);
    s->record = rec;
}

/* The rule file's text: the file itself, or the text a compiled program (.ddc) carries — so a
 * session can start from a .ddc, and its typed declarations join the very rules compiled. */
static SourceFile *read_rules(const char *path, DiagList *dl)
{
    if (doudi_is_compiled(path) <= 0) {
        SourceFile *f = source_read(path);
        if (!f) diag_add(dl, DIAG_ERROR, "unreadable", (Span){0}, "cannot read %s: %s", path, strerror(errno));
        return f;
    }
    char *err = NULL;
    Program *p = program_load(path, &err);
    if (!p) {
        diag_add(dl, DIAG_ERROR, "unreadable", (Span){0}, "%s", err ? err : path);
        free(err);
        return NULL;
    }
    SourceFile *f = source_new(p->source_path ? p->source_path : path, p->source_text ? p->source_text : "",
                               p->source_len);
    program_free(p);
    return f;
}

static bool load(ReplSession *s, const char *path, bool keep_typed, StrBuf *diags)
{
    if (path != s->path) {
        free(s->path);
        s->path = xstrdup(path);
    }
    DiagList dl = {0};
    SourceFile *f = read_rules(path, &dl);
    if (!f) {
        diag_render_all(diags, &dl);
        diag_free(&dl);
        return false;
    }
    TypedList none = {0};
    bool ok = commit(s, f, keep_typed ? &s->typed : &none, &dl);
    render(diags, &dl, f, false);
    diag_free(&dl);
    if (!ok) {
        source_free(f);
        return false;
    }
    source_free(s->file);
    s->file = f;
    if (!keep_typed) typed_list_free(&s->typed);
    return true;
}

bool repl_load(ReplSession *s, const char *path, StrBuf *diags) { return load(s, path, false, diags); }

bool repl_reload(ReplSession *s, StrBuf *diags)
{
    if (!s->path) {
        sb_puts(diags, tr("error: no rule file to reload: load one with :load FILE\n"));
        return false;
    }
    return load(s, s->path, true, diags);
}

/* ---- inputs -------------------------------------------------------------------------------------- */

/* Nothing but white space (the full-width space too) and comments. */
static bool blank(const char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
        else if (!strncmp(s, "\xE3\x80\x80", 3)) s += 3;
        else if (*s == '#') while (*s && *s != '\n') s++;
        else return *s == '\0';
    }
}

/* "let x : int", "category c", "test \"t\"", with "  (replaces FILE:LINE)". */
static char *describe(ReplSession *s, const Decl *d, const char *replaced)
{
    StrBuf sb = {0};
    sb_puts(&sb, ast_decl_kind_name(d->kind));
    const char *name = decl_name(d);
    if (name) sb_printf(&sb, " %s", name);
    if (d->kind == DECL_TEST) sb_printf(&sb, " \"%s\"", d->label ? d->label : "");
    Symbol *sym = name ? check_lookup(s->checked, name) : NULL;
    if (sym && (d->kind == DECL_LET || d->kind == DECL_PARAM || d->kind == DECL_PLACEMENT))
        sb_printf(&sb, " : %s", type_name(&s->arena, sym->type));
    if (replaced) sb_printf(&sb, tr("  (replaces %s)"), replaced);
    return sb_take(&sb);
}

static ReplStatus declare(ReplSession *s, SourceFile *src, Decl *d, DiagList *dl, ReplResult *out, bool *kept)
{
    Typed t = {.src = src, .kind = d->kind, .name = decl_name(d) ? xstrdup(decl_name(d)) : NULL,
               .label = d->kind == DECL_TEST && d->label ? xstrdup(d->label) : NULL};
    /* where the declaration it replaces is, for the message */
    char *replaced = NULL;
    const Module *cur = s->checked->module;
    for (size_t i = 0; i < cur->decls.count; i++)
        if (decl_same_slot(cur->decls.items[i], d) && cur->decls.items[i]->span.file != s->nofile) {
            StrBuf sb = {0};
            put_where(&sb, cur->decls.items[i]->name.text ? cur->decls.items[i]->name.span
                                                          : cur->decls.items[i]->span);
            replaced = sb_take(&sb);
            break;
        }
    TypedList next = {0};
    Typed old = {0};
    bool placed = false;
    for (size_t i = 0; i < s->typed.count; i++) {
        const Typed *o = &s->typed.items[i];
        if (!placed && same_slot(o->kind, o->name, o->label, t.kind, t.name, t.label)) {
            old = *o;
            VEC_PUSH(&next, t);
            placed = true;
        } else {
            VEC_PUSH(&next, *o);
        }
    }
    if (!placed) VEC_PUSH(&next, t);
    bool ok = commit(s, s->file, &next, dl);
    render(&out->diags, dl, src, true);
    if (!ok) {
        free(t.name);
        free(t.label);
        VEC_FREE(&next);
        free(replaced);
        return out->status = REPL_ERROR;
    }
    *kept = true;
    StrBuf path = {0};
    sb_printf(&path, "<input %u>", ++s->declarations);
    free(src->path);
    src->path = sb_take(&path);
    if (old.src) typed_free(&old);
    VEC_FREE(&s->typed);
    s->typed = next;
    out->declared = describe(s, d, replaced);
    free(replaced);
    return out->status = REPL_DECLARED;
}

/* Visit every expression of a tree. */
static bool any_expr(const Expr *e, bool (*pred)(const Expr *, void *), void *ctx)
{
    if (!e) return false;
    if (pred(e, ctx)) return true;
    if (any_expr(e->lhs, pred, ctx) || any_expr(e->rhs, pred, ctx) || any_expr(e->cond, pred, ctx)) return true;
    for (size_t i = 0; i < e->items.count; i++)
        if (any_expr(e->items.items[i], pred, ctx)) return true;
    for (size_t i = 0; i < e->conds.count; i++)
        if (any_expr(e->conds.items[i], pred, ctx)) return true;
    return false;
}

static bool reads_outcome(const Expr *e, void *ctx)
{
    (void)ctx;
    return e->sym && (e->sym->kind == SYM_PLACEMENT || (e->sym->kind == SYM_BUILTIN && e->sym->index != BI_YEAR));
}

static bool year_use(const Expr *e, void *ctx)
{
    if (e->sym && e->sym->kind == SYM_BUILTIN && e->sym->index == BI_YEAR) {
        *(const Expr **)ctx = e;
        return true;
    }
    return false;
}

/* What an expression must be at the prompt, beyond what check_expr_in asks. */
static void check_at_prompt(Arena *a, Expr *e, Type *t, ReplMode mode, DiagList *dl)
{
    const Expr *year = NULL;
    if (any_expr(e, year_use, &year)) {
        diag_add(dl, DIAG_ERROR, "scope", year->span,
                 "'year' is not known for one record: the schedule gives it in a run over the whole ledger");
        return;
    }
    bool bare_categories = e->kind == EX_NAME && e->sym && e->sym->kind == SYM_BUILTIN &&
                           e->sym->index == BI_CATEGORIES;
    if (t->kind == TY_SET && !(bare_categories && (mode == REPL_ANY || mode == REPL_EXPR || mode == REPL_TYPE))) {
        diag_add(dl, DIAG_ERROR, "type", e->span, "a set is not a value of its own; use it after 'in'");
        diag_note(dl, "e.g. 'tekun in categories', 'supporter in {none, unable}'");
    } else if (t->kind == TY_TABLE) {
        diag_add(dl, DIAG_ERROR, "type", e->span, "a table is not a value of its own; index it: %s[VALUE]",
                 e->kind == EX_NAME ? e->name.text : "TABLE");
    } else if (mode == REPL_COUNT && t->kind != TY_BOOL) {
        diag_add(dl, DIAG_ERROR, "type", e->span, ":count counts the persons for whom a condition holds; this is %s",
                 type_name(a, t));
    }
}

/* Compile the session plus the expression (parsed again from src, so the trees of the two
 * checks are not shared): a let `<input>`, or a schedule key renamed `<input>` when the
 * expression reads the outcome. */
static bool compile_expression(ReplSession *s, SourceFile *src, size_t skip, bool outcome, DiagList *dl,
                               ReplResult *out)
{
    Arena a = {0};
    DiagList cdl = {0};
    Module *m = assemble(s, &a, s->file, &s->typed, &cdl);
    Decl *d = NULL;
    Expr *e = NULL;
    bool incomplete;
    parse_input(&a, src, skip, &cdl, &d, &e, &incomplete);
    Program *p = NULL;
    if (e && !cdl.errors) {
        if (!outcome) {
            Decl *let = ast_decl(&a, DECL_LET, e->span);
            let->name = (Name){INPUT_NAME, e->span};
            let->value = e;
            ARENA_PUSH(&a, &m->decls, let);
        } else {
            Decl *sched = NULL;
            for (size_t i = 0; i < m->decls.count && !sched; i++)
                if (m->decls.items[i]->kind == DECL_SCHEDULE) sched = m->decls.items[i];
            if (!sched) {
                sched = ast_decl(&a, DECL_SCHEDULE, e->span);
                ARENA_PUSH(&a, &m->decls, sched);
            }
            OrderKey key = {.expr = e, .span = e->span};
            ARENA_PUSH(&a, &sched->order, key);
        }
        Rules *r = check_module(&a, m, &cdl);
        if (!cdl.errors) p = compile_rules(r, &cdl);
    }
    if (p && outcome) {
        RuleInfo *key = NULL;
        for (uint32_t i = 0; i < p->nrules; i++)
            if (p->rules[i].kind == RULE_KEY) key = &p->rules[i];
        if (key) {
            free(key->name);
            key->name = xstrdup(INPUT_NAME);
        }
    }
    /* errors here would be the checker's disagreeing with check_expr_in: show them as they are */
    for (size_t i = 0; !p && i < cdl.count; i++)
        if (cdl.items[i].severity == DIAG_ERROR) diag_push_copy(dl, &cdl.items[i]);
    diag_free(&cdl);
    arena_free(&a);
    if (!p) return false;
    out->rules = api_wrap(p);
    out->own_rules = true;
    out->name = xstrdup(INPUT_NAME);
    return true;
}

static ReplStatus expression(ReplSession *s, SourceFile *src, size_t skip, Arena *a, Expr *e, DiagList *dl,
                             ReplMode mode, ReplResult *out)
{
    Type *t = check_expr_in(s->checked, e, dl);
    if (!dl->errors) check_at_prompt(a, e, t, mode, dl);
    if (dl->errors) return REPL_ERROR;
    out->type = xstrdup(type_name(a, t));
    out->is_bool = t->kind == TY_BOOL;
    if (mode == REPL_TYPE) return REPL_VALUE;
    if (e->kind == EX_NAME && e->sym) {
        SymKind k = e->sym->kind;
        bool has_value = k == SYM_LET || k == SYM_CATEGORY || k == SYM_PLACEMENT;
        if (mode != REPL_CODE) has_value |= k == SYM_FIELD || k == SYM_PARAM || k == SYM_BUILTIN;
        if (has_value) {
            out->rules = s->rules;
            out->name = xstrdup(e->sym->name);
            return REPL_VALUE;
        }
    }
    if (!compile_expression(s, src, skip, any_expr(e, reads_outcome, NULL), dl, out)) return REPL_ERROR;
    return REPL_VALUE;
}

ReplStatus repl_input(ReplSession *s, const char *text, size_t skip, ReplMode mode, bool final, ReplResult *out)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(text);
    if (skip > len) skip = len;
    if (blank(text + skip)) return out->status = REPL_BLANK;
    SourceFile *src = source_new(INPUT_NAME, text, len);
    Arena a = {0};
    DiagList dl = {0};
    Decl *d = NULL;
    Expr *e = NULL;
    bool incomplete = false, kept = false;
    bool ok = parse_input(&a, src, skip, &dl, &d, &e, &incomplete);
    ReplStatus st;
    if (!ok && incomplete && !final) {
        st = REPL_INCOMPLETE;
    } else if (!ok) {
        st = REPL_ERROR;
    } else if (d && mode != REPL_ANY) {
        diag_add(&dl, DIAG_ERROR, "syntax", d->span, "this command takes an expression, not a declaration");
        st = REPL_ERROR;
    } else if (d) {
        st = declare(s, src, d, &dl, out, &kept);
    } else {
        st = expression(s, src, skip, &a, e, &dl, mode, out);
    }
    if (!d || mode != REPL_ANY || !ok) render(&out->diags, &dl, src, true);   /* declare renders its own */
    diag_free(&dl);
    arena_free(&a);
    if (!kept) source_free(src);
    out->status = st;
    return st;
}

void repl_result_free(ReplResult *r)
{
    sb_free(&r->diags);
    free(r->declared);
    if (r->own_rules) doudi_free(r->rules);
    free(r->name);
    free(r->type);
    memset(r, 0, sizeof *r);
}

char *repl_summary(ReplSession *s)
{
    const Rules *r = s->checked;
    StrBuf sb = {0};
    const Decl *subject = r->subject;
    if (subject && !hidden(subject->name.text))
        sb_printf(&sb, tr("record %s (%zu fields)"), subject->name.text, subject->fields.count);
    else sb_puts(&sb, tr("no record"));
    sb_printf(&sb, tr(", %zu params, %zu lets, %zu categories"), r->params.count, r->lets.count, r->categories.count);
    if (r->placement) sb_printf(&sb, tr(", placement %s"), r->placement->name.text);
    return sb_take(&sb);
}

/* ---- names, for completion ------------------------------------------------------------------------ */

void repl_expr_names(ReplSession *s, repl_name_fn fn, void *ctx)
{
    const Rules *r = s->checked;
    for (size_t i = 0; i < r->globals.count; i++) {
        const Symbol *sym = r->globals.items[i];
        bool value = sym->kind == SYM_FIELD || sym->kind == SYM_PARAM || sym->kind == SYM_LET ||
                     sym->kind == SYM_CATEGORY || sym->kind == SYM_PLACEMENT || sym->kind == SYM_FUNCTION ||
                     (sym->kind == SYM_BUILTIN && sym->index != BI_YEAR);
        if (value && !hidden(sym->name)) fn(sym->name, ctx);
    }
    for (size_t i = 0; i < r->enums.count; i++) {
        const EnumType *en = r->enums.items[i];
        for (size_t k = 0; k < en->values.count; k++)
            if (!hidden(en->values.items[k].name.text)) fn(en->values.items[k].name.text, ctx);
    }
}

void repl_field_names(ReplSession *s, repl_name_fn fn, void *ctx)
{
    const Decl *subject = s->checked->subject;
    for (size_t i = 0; subject && i < subject->fields.count; i++)
        if (!hidden(subject->fields.items[i].name.text)) fn(subject->fields.items[i].name.text, ctx);
}

void repl_field_values(ReplSession *s, const char *field, repl_name_fn fn, void *ctx)
{
    const Field *f = record_field(s->checked->subject, field, NULL);
    if (!f || !f->resolved) return;
    if (f->resolved->kind == TY_BOOL) {
        fn("true", ctx);
        fn("false", ctx);
    } else if (f->resolved->kind == TY_ENUM) {
        const EnumType *en = f->resolved->en;
        for (size_t k = 0; k < en->values.count; k++) fn(en->values.items[k].name.text, ctx);
    }
}
