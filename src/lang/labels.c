/* labels.c — a name written as its Chinese label (see labels.h). */
#include "labels.h"

#include <stdlib.h>
#include <string.h>

/* A declaration whose label matched: its identifier and what it is. */
typedef struct Candidate {
    const char *ident;
    const char *kind;          /* "enum", "field", "category", ... */
    const char *owner;         /* the enum, for a value; NULL otherwise */
} Candidate;

typedef VEC(Candidate) Candidates;

static void add(Candidates *cs, const char *ident, const char *kind, const char *owner)
{
    Candidate c = {ident, kind, owner};
    VEC_PUSH(cs, c);
}

static void find_values(const Rules *r, const char *text, const EnumType *only, Candidates *cs)
{
    for (size_t i = 0; i < r->enums.count; i++) {
        const EnumType *en = r->enums.items[i];
        /* the categories' enum repeats the categories, which are found as names */
        if (only ? en != only : en == r->category_enum) continue;
        for (size_t k = 0; k < en->values.count; k++) {
            const EnumValueDecl *v = &en->values.items[k];
            if (v->label && !strcmp(v->label, text)) add(cs, v->name.text, "enum", en->name);
        }
    }
}

static const char *kind_name(SymKind k)
{
    switch (k) {
    case SYM_FIELD: return "field";
    case SYM_PARAM: return "param";
    case SYM_LET: return "let";
    case SYM_CATEGORY: return "category";
    case SYM_PLACEMENT: return "placement";
    default: return NULL;
    }
}

/* Whether a symbol of this kind may be meant, by the bits of `what`. */
static bool wanted(SymKind k, unsigned what)
{
    if (what & LABEL_NAMES) return true;
    if ((what & LABEL_CATEGORIES) && k == SYM_CATEGORY) return true;
    return (what & LABEL_FIELDS) && (k == SYM_FIELD || k == SYM_PARAM);
}

static void find_names(const Rules *r, const char *text, unsigned what, Candidates *cs)
{
    for (size_t i = 0; i < r->globals.count; i++) {
        const Symbol *s = r->globals.items[i];
        const char *kind = kind_name(s->kind);
        if (!kind || !s->label || strcmp(s->label, text) || !wanted(s->kind, what)) continue;
        add(cs, s->name, kind, NULL);
    }
}

/* The note for the candidates found, if any. */
static bool hint(DiagList *dl, const char *text, Candidates *cs)
{
    if (cs->count == 1) {
        diag_note(dl, "did you mean '%s' (%s)?", cs->items[0].ident, text);
    } else if (cs->count > 1) {
        StrBuf sb = {0};
        for (size_t i = 0; i < cs->count; i++) {
            const Candidate *c = &cs->items[i];
            if (i) sb_puts(&sb, ", ");
            if (c->owner) sb_printf(&sb, "'%s' (enum %s)", c->ident, c->owner); /* not a message: keywords */
            else sb_printf(&sb, "'%s' (%s)", c->ident, c->kind);
        }
        diag_note(dl, "'%s' is the label of several: %s; write the name of the one you mean", text,
                  sb_str(&sb));
        sb_free(&sb);
    }
    bool hinted = cs->count > 0;
    VEC_FREE(cs);
    return hinted;
}

bool labels_hint(const Rules *r, DiagList *dl, const char *text, const EnumType *en, unsigned what)
{
    Candidates cs = {0};
    if (what & LABEL_VALUES) find_values(r, text, en, &cs);
    if (!cs.count && (what & ~(unsigned)LABEL_VALUES)) find_names(r, text, what, &cs);
    return hint(dl, text, &cs);
}

bool labels_unknown_name(const Rules *r, DiagList *dl, const char *text, Span at, const EnumType *en)
{
    Candidates cs = {0};
    find_values(r, text, en, &cs);
    if (!cs.count) find_names(r, text, LABEL_NAMES, &cs);
    if (!cs.count || cs.items[0].owner) {
        VEC_FREE(&cs);
        return false;
    }
    diag_add(dl, DIAG_ERROR, "unknown-name", at, "unknown name '%s'", text);
    return hint(dl, text, &cs);
}
