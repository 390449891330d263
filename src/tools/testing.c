/* testing.c — a rule file's tests and their coverage (see testing.h).
 *
 * Each case is evaluated once, by a traced run of the same bytecode `doudi run` executes: the
 * comparisons read the registers after the run, the coverage reads the trace (trace.ran[pc],
 * trace.value[pc] of each atom's last instruction), and the explanation of a failing case is
 * rendered from that same run. Only `year` waits until every case of the test has run, since
 * it is the schedule of the test's population. What the run finds goes into a TestReport;
 * testing_render.c writes it in each format. */
#include "testing.h"
#include "vm/record.h"
#include "lang/compile.h"
#include "vm/explain.h"
#include "engine/schedule.h"
#include "vm/values.h"

#include <stdlib.h>
#include <string.h>

enum { SEEN_TRUE = 1, SEEN_FALSE = 2 };
enum { VK_CATSET = 100 };      /* a set of categories (a bit mask), for `categories` */

/* ---- what an expect key names ------------------------------------------------------------ */

typedef enum KeyKind {
    KEY_UNKNOWN, KEY_FIELD, KEY_PARAM, KEY_LET, KEY_CATEGORY, KEY_PLACEMENT, KEY_COUNT,
    KEY_PRIMARY, KEY_CATEGORIES, KEY_YEAR, KEY_CITE, KEY_REJECTED,
} KeyKind;

typedef struct Key {
    KeyKind kind;
    uint32_t index;            /* field, param, let rule (absolute), category */
    uint8_t vkind;             /* ValueKind of the value, or VK_CATSET */
    int32_t en;                /* enum index for VK_ENUM */
} Key;

typedef struct Tester {
    const Rules *r;
    const Program *p;
    Vm *vm;
    VmTrace trace;
    const RecordInfo *rec;
    int64_t *saved_params;     /* each param's value before the tests */
    uint32_t let_first, nlets, cat_first, ncats, br_first, nbr, key_first, nkeys;
    bool has_filter;
    uint32_t filter_reg;
    int32_t partition_field;   /* the schedule's `per` field, or -1 */
    /* coverage */
    uint8_t *rule_seen;        /* per program rule: SEEN_TRUE | SEEN_FALSE */
    uint8_t *rule_exempt;      /* per program rule: outcomes not demanded */
    uint32_t *atom_base;       /* per program rule: its first slot in atom_seen */
    uint8_t *atom_seen, *atom_exempt;
    uint32_t natoms;
    uint32_t ngroups;
    bool *group_used;
} Tester;

/* One person of a test. */
typedef struct Case {
    const TestCase *tc;
    int64_t *values;
    bool *set;
    char *key;                 /* the record key as text (schedule tie-break, duplicates) */
    char *partition;           /* the schedule's partition value as text */
    char *error;               /* it could not be evaluated: a defect of the test itself */
    char *rejected;            /* the reason it was refused, when it was */
    bool ran;
    int64_t entry;             /* its entry in the schedule, or -1 */
    int64_t year;              /* valid when entry >= 0 */
    TestDifference *diff;      /* per expect entry: what differed (key NULL: nothing) */
    char *why;                 /* the explanation of the run */
} Case;

static char *printf_dup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *printf_dup(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s_ = xvasprintf(fmt, ap);
    va_end(ap);
    return s_;
}

static Key resolve_key(const Tester *t, const char *name)
{
    Key k = {.kind = KEY_UNKNOWN, .en = -1};
    if (!strcmp(name, "cite")) {
        k.kind = KEY_CITE;
        k.vkind = VK_TEXT;
        return k;
    }
    const Program *p = t->p;
    Symbol *s = check_lookup(t->r, name);
    if (!s) {
        if (!strcmp(name, "rejected")) {
            k.kind = KEY_REJECTED;
            k.vkind = VK_TEXT;
        }
        return k;
    }
    switch (s->kind) {
    case SYM_FIELD:
        for (uint32_t i = 0; i < t->rec->nfields; i++)
            if (!strcmp(t->rec->fields[i].name, name)) {
                k = (Key){KEY_FIELD, i, t->rec->fields[i].kind, t->rec->fields[i].enum_index};
                break;
            }
        break;
    case SYM_PARAM:
        for (uint32_t i = 0; i < p->nparams; i++)
            if (!strcmp(p->params[i].name, name)) {
                k = (Key){KEY_PARAM, i, p->params[i].kind, p->params[i].enum_index};
                break;
            }
        break;
    case SYM_LET:
        for (uint32_t i = t->let_first; i < t->let_first + t->nlets; i++)
            if (!strcmp(p->rules[i].name, name)) {
                k = (Key){KEY_LET, i, p->rules[i].value_kind, p->rules[i].enum_index};
                break;
            }
        break;
    case SYM_CATEGORY:
        k = (Key){KEY_CATEGORY, (uint32_t)s->index, VK_BOOL, -1};
        break;
    case SYM_PLACEMENT:
        if (p->placement_enum >= 0) k = (Key){KEY_PLACEMENT, 0, VK_ENUM, p->placement_enum};
        break;
    case SYM_BUILTIN:
        switch ((Builtin)s->index) {
        case BI_CATEGORY_COUNT: k = (Key){KEY_COUNT, 0, VK_INT, -1}; break;
        case BI_PRIMARY: k = (Key){KEY_PRIMARY, 0, VK_ENUM, p->category_enum}; break;
        case BI_CATEGORIES: k = (Key){KEY_CATEGORIES, 0, VK_CATSET, p->category_enum}; break;
        case BI_YEAR: k = (Key){KEY_YEAR, 0, VK_INT, -1}; break;
        }
        break;
    default:
        break;
    }
    return k;
}

/* A constant of the checked AST in the VM's representation (text: a pointer to it). */
static bool const_value(const Expr *e, uint8_t kind, int64_t *v)
{
    if (kind == VK_TEXT) {
        if (e->kind != EX_TEXT) return false;
        *v = (int64_t)(intptr_t)e->v.s;
        return true;
    }
    if (!compile_fold(e, v)) return false;
    if ((kind == VK_NUMBER || kind == VK_PERCENT) && e->type && e->type->kind == TY_INT)
        return fixed_from_int(*v, v);
    return true;
}

/* A value as the test report shows it: enums by identifier, text quoted, sets in braces. */
static void put_value(const Tester *t, uint8_t kind, int32_t en, int64_t v, StrBuf *sb)
{
    if (kind == VK_CATSET) {
        const EnumInfo *ce = &t->p->enums[t->p->category_enum];
        sb_putc(sb, '{');
        bool first = true;
        for (uint32_t i = 0; i < ce->count && i < 64; i++)
            if ((uint64_t)v >> i & 1) {
                sb_puts(sb, first ? "" : ", ");
                sb_puts(sb, ce->values[i]);
                first = false;
            }
        sb_putc(sb, '}');
        return;
    }
    if (kind == VK_TEXT) {
        const char *s = (const char *)(intptr_t)v;
        sb_printf(sb, "\"%s\"", s ? s : "");
        return;
    }
    value_format(t->p, kind, en, v, false, sb);
}

static bool same_value(uint8_t kind, int64_t a, int64_t b)
{
    if (kind == VK_TEXT) {
        const char *x = (const char *)(intptr_t)a, *y = (const char *)(intptr_t)b;
        return !strcmp(x ? x : "", y ? y : "");
    }
    return a == b;
}

/* ---- params ------------------------------------------------------------------------------ */

static void restore_params(Tester *t)
{
    for (uint32_t i = 0; i < t->p->nparams; i++) t->vm->regs[t->p->params[i].reg] = t->saved_params[i];
}

/* ---- building a case's record ------------------------------------------------------------- */

static void give(Tester *t, Case *c, const FieldValueList *l)
{
    for (size_t i = 0; i < l->count && !c->error; i++) {
        const FieldValue *fv = &l->items[i];
        Key k = resolve_key(t, fv->name.text);
        int64_t v;
        if (k.kind == KEY_FIELD) {
            if (!const_value(fv->value, k.vkind, &v)) {
                c->error = printf_dup("the value given for '%s' is not a constant the tests can use", fv->name.text);
                return;
            }
            c->values[k.index] = v;
            c->set[k.index] = true;
        } else if (k.kind == KEY_PARAM) {
            if (!const_value(fv->value, k.vkind, &v)) {
                c->error = printf_dup("the param '%s' cannot be given this value in a test", fv->name.text);
                return;
            }
            t->vm->regs[t->p->params[k.index].reg] = v;
        } else {
            c->error = printf_dup("'%s' is not a field or a param", fv->name.text);
        }
    }
}

static void build(Tester *t, Case *c)
{
    const RecordInfo *ri = t->rec;
    for (uint32_t i = 0; i < ri->nfields; i++) {
        const FieldInfo *f = &ri->fields[i];
        if (!f->has_default) continue;
        c->values[i] = f->kind == VK_TEXT ? (int64_t)(intptr_t)t->p->strings[f->default_value] : f->default_value;
        c->set[i] = true;
    }
    if (c->tc->base.text) {
        Symbol *s = check_lookup(t->r, c->tc->base.text);
        if (!s || s->kind != SYM_EXAMPLE || !s->decl) {
            c->error = printf_dup("no example named '%s'", c->tc->base.text);
            return;
        }
        give(t, c, &s->decl->given);
    }
    give(t, c, &c->tc->given);
    for (uint32_t i = 0; i < ri->nfields && !c->error; i++)
        if (!c->set[i]) {
            StrBuf value = {0}, where = {0};
            program_default_parts(t->p, &ri->fields[i], &value, &where);
            c->error = printf_dup("no value for the field '%s', which has no default: give it in the test, or add %s "
                                  "to its declaration%s", ri->fields[i].name, sb_str(&value), sb_str(&where));
            sb_free(&value);
            sb_free(&where);
        }
}

/* The checks of an import: ranges, then the record's `require`s. NULL when it is accepted. */
static char *validate(Tester *t, Case *c)
{
    RecordCheck rc;
    return record_check(t->vm, t->rec, c->values, &rc) ? NULL : xstrdup(rc.reason);
}

/* ---- coverage ----------------------------------------------------------------------------- */

static void mark(uint8_t *seen, bool v) { *seen |= v ? SEEN_TRUE : SEEN_FALSE; }

static void cover_atoms(Tester *t, uint32_t rule)
{
    const RuleInfo *ri = &t->p->rules[rule];
    for (uint32_t k = 0; k < ri->natoms; k++) {
        uint32_t pc = ri->atoms[k].pc;
        if (t->trace.ran[pc]) mark(&t->atom_seen[t->atom_base[rule] + k], t->trace.value[pc] != 0);
    }
}

static void cover(Tester *t)
{
    const int64_t *R = t->vm->regs;
    for (uint32_t i = t->cat_first; i < t->cat_first + t->ncats; i++) {
        mark(&t->rule_seen[i], R[t->p->rules[i].reg] != 0);
        cover_atoms(t, i);
    }
    if (R[t->p->reg_primary] < 0) return;
    int64_t fired = R[t->p->reg_branch];
    for (uint32_t i = 0; i < t->nbr && (fired < 0 || i <= (uint32_t)fired); i++) {
        mark(&t->rule_seen[t->br_first + i], (int64_t)i == fired);
        cover_atoms(t, t->br_first + i);
    }
}

/* The last branch's conjuncts: an atom among them, false, leaves the target unplaced. */
static void collect_conjuncts(const Expr *e, const Expr ***list, size_t *n, size_t *cap)
{
    if (e->kind == EX_BINARY && e->op == BIN_AND) {
        collect_conjuncts(e->lhs, list, n, cap);
        collect_conjuncts(e->rhs, list, n, cap);
        return;
    }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *list = xrealloc(*list, *cap * sizeof **list);
    }
    (*list)[(*n)++] = e;
}

static void exempt_last_branch(Tester *t)
{
    const Decl *pd = t->r->placement;
    if (!pd || t->nbr == 0 || t->nbr > pd->branches.count) return;
    uint32_t rule = t->br_first + t->nbr - 1;
    const Branch *b = &pd->branches.items[t->nbr - 1];
    t->rule_exempt[rule] = SEEN_FALSE;
    if (!b->when) return;
    const Expr **list = NULL;
    size_t n = 0, cap = 0;
    collect_conjuncts(b->when, &list, &n, &cap);
    const RuleInfo *ri = &t->p->rules[rule];
    for (size_t i = 0; i < n; i++) {
        if (!list[i]->span.file) continue;
        int line, col;
        source_position(list[i]->span.file, list[i]->span.start, &line, &col);
        for (uint32_t k = 0; k < ri->natoms; k++)
            if (ri->atoms[k].line == (uint32_t)line && ri->atoms[k].col == (uint32_t)col)
                t->atom_exempt[t->atom_base[rule] + k] = SEEN_FALSE;
    }
    free(list);
}

/* ---- one case ------------------------------------------------------------------------------- */

static void key_text(Tester *t, Case *c)
{
    StrBuf sb = {0};
    if (t->rec->key >= 0) {
        const FieldInfo *f = &t->rec->fields[t->rec->key];
        value_format(t->p, f->kind, f->enum_index, c->values[t->rec->key], false, &sb);
    }
    c->key = xstrdup(sb_str(&sb));
    sb_free(&sb);
    sb = (StrBuf){0};
    if (t->partition_field >= 0) {
        const FieldInfo *f = &t->rec->fields[t->partition_field];
        value_format(t->p, f->kind, f->enum_index, c->values[t->partition_field], false, &sb);
    }
    c->partition = xstrdup(sb_str(&sb));
    sb_free(&sb);
}

/* The actual value of key k after the run, or none (not a target, no branch, no year). */
static bool actual(const Tester *t, const Case *c, Key k, int64_t *v)
{
    const Program *p = t->p;
    const int64_t *R = t->vm->regs;
    switch (k.kind) {
    case KEY_FIELD: *v = c->values[k.index]; return true;
    case KEY_PARAM: *v = R[p->params[k.index].reg]; return true;
    case KEY_LET: *v = R[p->rules[k.index].reg]; return true;
    case KEY_CATEGORY: *v = (int64_t)((uint64_t)R[p->reg_catmask] >> k.index & 1); return true;
    case KEY_CATEGORIES: *v = R[p->reg_catmask]; return true;
    case KEY_COUNT: *v = R[p->reg_catcount]; return true;
    case KEY_PRIMARY: *v = R[p->reg_primary]; return *v >= 0;
    case KEY_PLACEMENT: *v = R[p->reg_placement]; return *v >= 0;
    case KEY_CITE: {
        int64_t b = R[p->reg_branch];
        if (b < 0 || (uint32_t)b >= t->nbr || !p->rules[t->br_first + (uint32_t)b].cite) return false;
        *v = (int64_t)(intptr_t)p->rules[t->br_first + (uint32_t)b].cite;
        return true;
    }
    case KEY_YEAR: *v = c->year; return c->entry >= 0;
    default: return false;
    }
}

/* Where the expected value of entry fv is written: for `doudi test --update`. */
static void locate(TestDifference *d, const FieldValue *fv)
{
    const Span *sp = &fv->value->span;
    if (!sp->file || sp->end <= sp->start) return;
    int col;
    d->start = sp->start;
    d->end = sp->end;
    source_position(sp->file, sp->start, &d->line, &col);
}

static void difference(const Tester *t, TestDifference *d, const FieldValue *fv, Key k, int64_t want, bool has,
                       int64_t got)
{
    StrBuf sb = {0};
    put_value(t, k.vkind, k.en, want, &sb);
    d->expected = sb_take(&sb);
    if (has) put_value(t, k.vkind, k.en, got, &sb);
    else sb_puts(&sb, "none"); /* not a message: a value as tests write it */
    d->actual = sb_take(&sb);
    d->key = xstrdup(fv->name.text);
    locate(d, fv);
    if (!has) return;
    if (k.vkind == VK_TEXT) value_text_literal((const char *)(intptr_t)got, &sb);
    else put_value(t, k.vkind, k.en, got, &sb);
    d->literal = sb_take(&sb);
}

static void not_comparable(TestDifference *d, const FieldValue *fv)
{
    d->key = xstrdup(fv->name.text);
    d->note = xstrdup("cannot be compared by the tests");
    locate(d, fv);
}

/* A `rejected` entry that did not hold; actual is the reason, or NULL when it was accepted. */
static void text_difference(TestDifference *d, const FieldValue *fv, const char *expected, const char *actual)
{
    StrBuf sb = {0};
    d->key = xstrdup("rejected");
    d->expected = xstrdup(expected);
    if (actual) {
        sb_printf(&sb, "\"%s\"", actual);
        d->actual = sb_take(&sb);
        value_text_literal(actual, &sb);
        d->literal = sb_take(&sb);
    } else {
        d->actual = xstrdup("accepted");
    }
    locate(d, fv);
}

/* Compare every expect entry but `year` (and `rejected`, done by the caller). */
static void compare(Tester *t, Case *c)
{
    const FieldValueList *l = &c->tc->expect;
    for (size_t i = 0; i < l->count; i++) {
        const FieldValue *fv = &l->items[i];
        Key k = resolve_key(t, fv->name.text);
        if (k.kind == KEY_YEAR || k.kind == KEY_REJECTED) continue;
        int64_t want, got = 0;
        if (k.kind == KEY_UNKNOWN || !const_value(fv->value, k.vkind == VK_CATSET ? VK_INT : k.vkind, &want)) {
            not_comparable(&c->diff[i], fv);
            continue;
        }
        bool has = actual(t, c, k, &got);
        if (!has || !same_value(k.vkind, want, got)) difference(t, &c->diff[i], fv, k, want, has, got);
    }
}

static void compare_years(Tester *t, Case *c)
{
    const FieldValueList *l = &c->tc->expect;
    for (size_t i = 0; i < l->count; i++) {
        const FieldValue *fv = &l->items[i];
        Key k = resolve_key(t, fv->name.text);
        if (k.kind != KEY_YEAR) continue;
        int64_t want, got = 0;
        if (!const_value(fv->value, VK_INT, &want)) {
            not_comparable(&c->diff[i], fv);
            continue;
        }
        bool has = actual(t, c, k, &got);
        if (!has || want != got) difference(t, &c->diff[i], fv, k, want, has, got);
    }
}

static void check_rejection(Tester *t, Case *c)
{
    const FieldValueList *l = &c->tc->expect;
    for (size_t i = 0; i < l->count; i++) {
        const FieldValue *fv = &l->items[i];
        if (resolve_key(t, fv->name.text).kind != KEY_REJECTED) continue;
        const char *want = fv->value->kind == EX_TEXT ? fv->value->v.s : "";
        char *expected = printf_dup("\"%s\"", want);
        if (!c->rejected) text_difference(&c->diff[i], fv, expected, NULL);
        else if (!strstr(c->rejected, want)) text_difference(&c->diff[i], fv, expected, c->rejected);
        free(expected);
        return;
    }
    if (c->rejected) c->error = printf_dup("the record is rejected: %s", c->rejected);
}

static void evaluate(Tester *t, Case *c, Case *all, size_t index, Schedule *s)
{
    const Program *p = t->p;
    uint32_t n = t->rec->nfields;
    c->values = xcalloc(n + 1, sizeof *c->values);
    c->set = xcalloc(n + 1, sizeof *c->set);
    c->diff = xcalloc(c->tc->expect.count + 1, sizeof *c->diff);
    c->entry = -1;
    restore_params(t);
    build(t, c);
    if (c->error) goto done;
    key_text(t, c);
    for (size_t j = 0; j < index; j++)
        if (all[j].key && !strcmp(all[j].key, c->key) && t->rec->key >= 0) {
            c->error = printf_dup("%s %s is also case %zu's: a population has one record per %s",
                                  t->rec->fields[t->rec->key].name, c->key, j + 1, t->rec->fields[t->rec->key].name);
            goto done;
        }
    c->rejected = validate(t, c);
    check_rejection(t, c);
    if (c->rejected || c->error) goto done;
    if (!vm_run_traced(t->vm, p->person_entry, c->values, n, &t->trace) ||
        (t->vm->regs[p->reg_catmask] && !vm_continue_traced(t->vm, p->targets_entry, &t->trace))) {
        char where[400];
        record_stop_reason(t->vm, where, sizeof where);
        c->error = printf_dup("evaluation stopped: %s", where);
        goto done;
    }
    c->ran = true;
    cover(t);
    compare(t, c);
    StrBuf why = {0};
    explain_render(p, t->vm, &t->trace, false, &why);
    c->why = sb_take(&why);
    const int64_t *R = t->vm->regs;
    if (s && R[p->reg_primary] >= 0 && (!t->has_filter || R[t->filter_reg])) {
        int64_t *keys = xcalloc(t->nkeys + 1, sizeof *keys);
        for (uint32_t k = 0; k < t->nkeys; k++) keys[k] = R[p->rules[t->key_first + k].reg];
        size_t entry = s->count;
        if (schedule_add(s, c->partition, (int)R[p->reg_primary], keys, c->key, (uint32_t)index)) {
            c->entry = (int64_t)entry;
            t->group_used[s->group_of[R[p->reg_primary]]] = true;
        }
        free(keys);
    }
done:
    restore_params(t);
}

static void free_difference(TestDifference *d)
{
    free(d->key);
    free(d->expected);
    free(d->actual);
    free(d->note);
    free(d->literal);
}

static void free_case(Case *c)
{
    free(c->values);
    free(c->set);
    free(c->key);
    free(c->partition);
    free(c->error);
    free(c->rejected);
    for (size_t i = 0; c->diff && i < c->tc->expect.count; i++) free_difference(&c->diff[i]);
    free(c->diff);
    free(c->why);
}

static bool case_failed(const Case *c)
{
    if (c->error) return true;
    for (size_t i = 0; i < c->tc->expect.count; i++)
        if (c->diff[i].key) return true;
    return false;
}

/* A failing case as the report keeps it; the case's strings move into it. */
static TestCaseResult case_result(Case *c, size_t number)
{
    TestCaseResult r = {.number = (uint32_t)number, .error = c->error, .explanation = c->why};
    int col = 0;
    if (c->tc->span.file) source_position(c->tc->span.file, c->tc->span.start, &r.line, &col);
    if (c->tc->base.text) r.base = xstrdup(c->tc->base.text);
    c->error = c->why = NULL;
    for (size_t i = 0; !r.error && i < c->tc->expect.count; i++)
        if (c->diff[i].key) {
            VEC_PUSH(&r.diffs, c->diff[i]);
            c->diff[i] = (TestDifference){0};
        }
    return r;
}

static void run_test(Tester *t, const Decl *d, TestReport *rep)
{
    size_t n = d->cases.count;
    Case *cs = xcalloc(n + 1, sizeof *cs);
    Schedule *s = schedule_new(t->p, t->vm);
    for (size_t i = 0; i < n; i++) {
        cs[i].tc = &d->cases.items[i];
        evaluate(t, &cs[i], cs, i, s);
    }
    if (s && s->count) {
        int64_t *years = xcalloc(s->count + 1, sizeof *years);
        schedule_assign(s, years);
        for (size_t i = 0; i < n; i++)
            if (cs[i].entry >= 0) cs[i].year = years[cs[i].entry];
        free(years);
    }
    for (size_t i = 0; i < n; i++)
        if (cs[i].ran) compare_years(t, &cs[i]);
    TestResult tr = {.name = xstrdup(d->label ? d->label : ""), .ncases = (uint32_t)n};
    int col = 0;
    if (d->span.file) source_position(d->span.file, d->span.start, &tr.line, &col);
    for (size_t i = 0; i < n; i++)
        if (case_failed(&cs[i])) {
            TestCaseResult cr = case_result(&cs[i], i + 1);
            VEC_PUSH(&tr.failures, cr);
        }
    tr.failed = tr.failures.count > 0;
    if (tr.failed) rep->sum.failed++;
    else rep->sum.passed++;
    VEC_PUSH(&rep->tests, tr);
    for (size_t i = 0; i < n; i++) free_case(&cs[i]);
    free(cs);
    schedule_free(s);
}

/* ---- the coverage report ---------------------------------------------------------------------- */

typedef VEC(CoverageItem) ItemVec;

static void add_item(ItemVec *v, uint32_t line, uint32_t col, char *text)
{
    CoverageItem it = {line, col, text};
    VEC_PUSH(v, it);
}

static int item_order(const void *a, const void *b)
{
    const CoverageItem *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* What is missing of `seen`, given what is exempt, or NULL: "never reached", "never true"... */
static const char *missing(uint8_t seen, uint8_t exempt)
{
    uint8_t want = (uint8_t)((SEEN_TRUE | SEEN_FALSE) & ~exempt);
    if ((seen & want) == want) return NULL;
    if (!seen) return "never reached";
    return (want & SEEN_TRUE) && !(seen & SEEN_TRUE) ? "never true" : "never false";
}

/* A category or a branch: made true and made false (or fired and passed over). */
static void rule_item(Tester *t, ItemVec *items, uint32_t rule, const char *what, int *covered, int *total)
{
    const RuleInfo *ri = &t->p->rules[rule];
    const char *m = missing(t->rule_seen[rule], t->rule_exempt[rule]);
    (*total)++;
    if (!m) (*covered)++;
    else add_item(items, ri->line, ri->col, printf_dup("%s %s", what, m));
}

/* The conditions of a category or a branch: each true and false. */
static void atom_items(Tester *t, ItemVec *items, uint32_t rule, const char *owner, TestSummary *sum)
{
    const RuleInfo *ri = &t->p->rules[rule];
    for (uint32_t k = 0; k < ri->natoms; k++) {
        uint32_t slot = t->atom_base[rule] + k;
        uint8_t seen = t->atom_seen[slot], exempt = t->atom_exempt[slot];
        sum->outcomes += (exempt & SEEN_FALSE) ? 1 : 2;
        sum->outcomes_covered += ((seen & SEEN_TRUE) ? 1 : 0) + ((seen & ~exempt & SEEN_FALSE) ? 1 : 0);
        const char *m = missing(seen, exempt);
        if (m) add_item(items, ri->atoms[k].line, ri->atoms[k].col,
                        printf_dup("condition '%s' of %s %s", ri->atoms[k].text, owner, m));
    }
}

static void group_items(Tester *t, ItemVec *items, TestSummary *sum)
{
    const Program *p = t->p;
    const ScheduleInfo *si = p->schedule;
    const EnumInfo *ce = &p->enums[p->category_enum];
    for (uint32_t q = 0; si && q < si->ngroups && q < t->ngroups; q++) {
        const ScheduleGroupInfo *g = &si->groups[q];
        sum->groups++;
        if (t->group_used[q]) {
            sum->groups_covered++;
            continue;
        }
        StrBuf what = {0}, names = {0};
        for (uint32_t c = 0; c < p->ncategories && c < 64; c++)
            if (g->categories >> c & 1) sb_printf(&names, "%s%s", names.count ? ", " : "", ce->values[c]);
        if (g->pool) sb_printf(&what, "schedule group 'pool %s' never used", sb_str(&names)); /* not a message: made in English, shown through msg_text */
        else sb_printf(&what, "schedule group of %s never used", sb_str(&names)); /* not a message: made in English, shown through msg_text */
        sb_free(&names);
        add_item(items, g->line, g->col, sb_take(&what));
    }
}

static void coverage_report(Tester *t, TestReport *rep)
{
    const Program *p = t->p;
    TestSummary *sum = &rep->sum;
    ItemVec items = {0};
    for (uint32_t i = 0; i < t->ncats; i++) {
        uint32_t rule = t->cat_first + i;
        char *what = printf_dup("category %s", p->rules[rule].name);
        rule_item(t, &items, rule, what, &sum->categories_covered, &sum->categories);
        atom_items(t, &items, rule, what, sum);
        free(what);
    }
    for (uint32_t i = 0; i < t->nbr; i++) {
        uint32_t rule = t->br_first + i;
        char *what = printf_dup("branch %u %s", i + 1, p->rules[rule].name);
        rule_item(t, &items, rule, what, &sum->branches_covered, &sum->branches);
        atom_items(t, &items, rule, what, sum);
        free(what);
    }
    group_items(t, &items, sum);
    if (items.count) qsort(items.items, items.count, sizeof *items.items, item_order);
    sum->uncovered = (int)items.count;
    rep->uncovered.items = items.items;
    rep->uncovered.count = items.count;
    rep->uncovered.cap = items.cap;
}

/* ---- the run ------------------------------------------------------------------------------------ */

TestReport *testing_run(const Rules *rules, const Program *p, Vm *vm, int flags, const char *path)
{
    TestReport *rep = xcalloc(1, sizeof *rep);
    rep->path = xstrdup(path ? path : p->source_path ? p->source_path : "");
    rep->flags = flags;
    Tester t = {.r = rules, .p = p, .vm = vm, .partition_field = -1};
    if (p->nrecords == 0) return rep;
    t.rec = &p->records[0];
    t.trace.ran = xcalloc(p->ncode + 1, 1);
    t.trace.value = xcalloc(p->ncode + 1, sizeof *t.trace.value);
    t.saved_params = xcalloc(p->nparams + 1, sizeof *t.saved_params);
    for (uint32_t i = 0; i < p->nparams; i++) t.saved_params[i] = vm->regs[p->params[i].reg];
    t.let_first = program_rules(p, RULE_LET, &t.nlets);
    t.cat_first = program_rules(p, RULE_CATEGORY, &t.ncats);
    t.br_first = program_rules(p, RULE_BRANCH, &t.nbr);
    t.key_first = program_rules(p, RULE_KEY, &t.nkeys);
    uint32_t nfilter, f = program_rules(p, RULE_FILTER, &nfilter);
    t.has_filter = nfilter > 0;
    if (nfilter) t.filter_reg = p->rules[f].reg;
    if (p->schedule) t.partition_field = p->schedule->partition_field;
    t.rule_seen = xcalloc(p->nrules + 1, 1);
    t.rule_exempt = xcalloc(p->nrules + 1, 1);
    t.atom_base = xcalloc(p->nrules + 1, sizeof *t.atom_base);
    for (uint32_t i = 0; i < p->nrules; i++) {
        t.atom_base[i] = t.natoms;
        t.natoms += p->rules[i].natoms;
    }
    t.atom_seen = xcalloc(t.natoms + 1, 1);
    t.atom_exempt = xcalloc(t.natoms + 1, 1);
    exempt_last_branch(&t);
    Schedule *s = schedule_new(p, t.vm);
    t.ngroups = s ? s->ngroups : 0;
    schedule_free(s);
    t.group_used = xcalloc(t.ngroups + 1, sizeof *t.group_used);

    for (size_t i = 0; i < rules->tests.count; i++) run_test(&t, rules->tests.items[i], rep);
    restore_params(&t);
    if (flags & (TEST_COVERAGE | TEST_REQUIRE_FULL)) coverage_report(&t, rep);

    free(t.trace.ran);
    free(t.trace.value);
    free(t.saved_params);
    free(t.rule_seen);
    free(t.rule_exempt);
    free(t.atom_base);
    free(t.atom_seen);
    free(t.atom_exempt);
    free(t.group_used);
    return rep;
}

TestReport *testing_error(const char *path, const char *message)
{
    TestReport *rep = xcalloc(1, sizeof *rep);
    rep->path = xstrdup(path ? path : "");
    rep->error = xstrdup(message ? message : "");
    return rep;
}

bool testing_failed(const TestReport *r)
{
    return r->error || r->sum.failed || ((r->flags & TEST_REQUIRE_FULL) && r->sum.uncovered);
}

void testing_free(TestReport *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->tests.count; i++) {
        TestResult *tr = &r->tests.items[i];
        for (size_t k = 0; k < tr->failures.count; k++) {
            TestCaseResult *c = &tr->failures.items[k];
            for (size_t m = 0; m < c->diffs.count; m++) free_difference(&c->diffs.items[m]);
            VEC_FREE(&c->diffs);
            free(c->base);
            free(c->error);
            free(c->explanation);
        }
        VEC_FREE(&tr->failures);
        free(tr->name);
    }
    VEC_FREE(&r->tests);
    for (size_t i = 0; i < r->uncovered.count; i++) free(r->uncovered.items[i].text);
    VEC_FREE(&r->uncovered);
    free(r->path);
    free(r->error);
    free(r);
}
