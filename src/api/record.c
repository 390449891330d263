/* record.c — records: made, set from text, validated, evaluated and explained (doudi.h,
 * "records", "evaluation", "one value at a time"). */
#include "api_int.h"
#include "tools/explain_people.h"
#include "base/msg.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vm/explain.h"
#include "vm/record.h"
#include "vm/values.h"
#include "base/msg.h"

/* ---- records ------------------------------------------------------------------------------- */

static doudi_record *record_new(const doudi_rules *r);

doudi_record *doudi_record_new(const doudi_rules *r)
{
    OomGuard g;
    oom_guard_enter(&g);
    if (setjmp(g.env)) {
        api_out_of_memory(&g, NULL);
        return NULL;
    }
    doudi_record *rec = record_new(r);
    oom_guard_leave(&g);
    return rec;
}

static doudi_record *record_new(const doudi_rules *r)
{
    const RecordInfo *ri = api_subject(r);
    doudi_record *rec = xcalloc(1, sizeof *rec);
    rec->r = r;
    rec->n = ri ? ri->nfields : 0;
    rec->values = xcalloc(rec->n + 1, sizeof *rec->values);
    rec->set = xcalloc(rec->n + 1, sizeof *rec->set);
    rec->owned = xcalloc(rec->n + 1, sizeof *rec->owned);
    for (uint32_t i = 0; i < rec->n; i++) {
        const FieldInfo *f = &ri->fields[i];
        if (!f->has_default) continue;
        rec->values[i] = f->kind == VK_TEXT ? (int64_t)(intptr_t)r->prog->strings[f->default_value]
                                            : f->default_value;
        rec->set[i] = true;
    }
    return rec;
}

void doudi_record_free(doudi_record *rec)
{
    if (!rec) return;
    for (uint32_t i = 0; i < rec->n; i++) free(rec->owned[i]);
    free(rec->owned);
    free(rec->values);
    free(rec->set);
    free(rec);
}

static int find_field(const doudi_record *rec, const char *name, size_t len)
{
    const RecordInfo *ri = api_subject(rec->r);
    for (uint32_t i = 0; i < rec->n; i++) {
        const FieldInfo *f = &ri->fields[i];
        if ((strlen(f->name) == len && !memcmp(f->name, name, len)) ||
            (f->label && strlen(f->label) == len && !memcmp(f->label, name, len)))
            return (int)i;
    }
    return -1;
}

static int set_field(doudi_record *rec, const char *name, size_t nlen, const char *value, size_t vlen,
                     char **error)
{
    int i = find_field(rec, name, nlen);
    if (i < 0) return api_fail(error, "no field named '%.*s'", (int)nlen, name);
    const FieldInfo *f = &api_subject(rec->r)->fields[i];
    char err[256];
    char *owned = NULL;
    int64_t v;
    const char *t = value;
    size_t tn = vlen;
    value_trim(&t, &tn);
    if (tn == 0 && f->has_default) {   /* an empty cell takes the default, as on import */
        rec->valid_stamp = 0;
        free(rec->owned[i]);
        rec->owned[i] = NULL;
        rec->values[i] = f->kind == VK_TEXT ? (int64_t)(intptr_t)rec->r->prog->strings[f->default_value]
                                            : f->default_value;
        rec->set[i] = true;
        return 0;
    }
    if (!value_parse(rec->r->prog, f, value, vlen, &v, &owned, err, sizeof err))
        return api_fail(error, "%s: %s", f->name, err);
    free(rec->owned[i]);
    rec->owned[i] = owned;
    rec->values[i] = v;
    rec->set[i] = true;
    rec->valid_stamp = 0;
    return 0;
}

int doudi_record_set(doudi_record *rec, const char *field, const char *value, char **error)
{
    return set_field(rec, field, strlen(field), value, strlen(value), error);
}

static const char *skip_spaces(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n') s++;
    return s;
}

int doudi_record_parse(doudi_record *rec, const char *s, char **error)
{
    s = skip_spaces(s);
    while (*s) {
        const char *eq = strchr(s, '=');
        if (!eq) return api_fail(error, "expected field=value at '%.40s'", s);
        const char *name_end = eq;
        while (name_end > s && (name_end[-1] == ' ' || name_end[-1] == '\t')) name_end--;
        const char *v = skip_spaces(eq + 1);
        StrBuf val = {0};
        if (*v == '"') {
            for (v++; *v && *v != '"'; v++) {
                if (*v == '\\' && v[1]) v++;
                sb_putc(&val, *v);
            }
            if (*v != '"') { sb_free(&val); return api_fail(error, "unterminated quoted value"); }
            v++;
        } else {
            const char *end = v;
            while (*end && *end != ',') end++;
            sb_putn(&val, v, (size_t)(end - v));
            v = end;
        }
        int rc = set_field(rec, s, (size_t)(name_end - s), sb_str(&val), val.count, error);
        sb_free(&val);
        if (rc) return rc;
        v = skip_spaces(v);
        if (*v == ',') v++;
        else if (*v) return api_fail(error, "expected ',' at '%.40s'", v);
        s = skip_spaces(v);
    }
    return 0;
}

typedef struct JsonCtx {
    doudi_record *rec;
    char **error;
    int rc;
} JsonCtx;

static bool json_member(const char *name, const char *value, size_t len, bool is_null, void *ctx)
{
    JsonCtx *jc = ctx;
    if (is_null) {
        jc->rc = api_fail(jc->error, "%s: null is not a value", name);
        return false;
    }
    jc->rc = set_field(jc->rec, name, strlen(name), value, len, jc->error);
    return jc->rc == 0;
}

int doudi_record_parse_json(doudi_record *rec, const char *json, char **error)
{
    JsonCtx jc = {rec, error, 0};
    char err[256];
    if (!json_parse_flat_object(json, strlen(json), json_member, &jc, err, sizeof err))
        return jc.rc ? jc.rc : api_fail(error, "bad JSON: %s", err);
    return 0;
}

const char *api_record_key(const doudi_record *rec, StrBuf *sb)
{
    const RecordInfo *ri = api_subject(rec->r);
    if (!ri || ri->key < 0 || !rec->set[ri->key]) return "(no key)";
    const FieldInfo *f = &ri->fields[ri->key];
    value_format(rec->r->prog, f->kind, f->enum_index, rec->values[ri->key], false, sb);
    return sb_str(sb);
}

static bool same_subject(const doudi_rules *r, const doudi_record *rec);

int doudi_record_validate(const doudi_rules *r, const doudi_record *rec, char **error)
{
    const RecordInfo *ri = api_subject(r);
    if (!ri) return api_fail(error, "the rules declare no record");
    if (rec->r != r && !same_subject(r, rec)) return api_fail(error, "the record was made for rules with another record");
    for (uint32_t i = 0; i < rec->n; i++)
        if (!rec->set[i]) return api_fail(error, "%s: missing (it has no default)", ri->fields[i].name);
    RecordCheck rc;
    if (record_check(r->vm, ri, rec->values, &rc)) {
        /* kept on the record (which the caller made, not const in itself): evaluations that
         * follow, until a field or a param changes, need not validate it again */
        ((doudi_record *)rec)->valid_stamp = r->stamp;
        return 0;
    }
    if (rc.verdict != RECORD_STOPPED) return api_fail(error, "%s", rc.reason);
    StrBuf key = {0};
    api_fail(error, "record %s: %s", api_record_key(rec, &key), rc.reason);
    sb_free(&key);
    return -1;
}

/* ---- evaluation -------------------------------------------------------------------------------- */

/* Where evaluation stopped, as doudi_eval reports it. */
static int stop_error(const doudi_rules *r, const doudi_record *rec, char **error)
{
    StrBuf key = {0};
    char where[400];
    record_stop_reason(r->vm, where, sizeof where);
    int rc = api_fail(error, "record %s: %s", api_record_key(rec, &key), where);
    sb_free(&key);
    return rc;
}

static int run(const doudi_rules *r, const doudi_record *rec, bool traced, char **error)
{
    /* validated once: again only when a field or a param changed since */
    bool loaded = false;
    if (rec->valid_stamp != r->stamp) {
        if (doudi_record_validate(r, rec, error)) return -1;
        loaded = true;
    }
    const Program *p = r->prog;
    /* validation left the fields in their registers (the check entry never writes them):
     * the plain run goes on from there instead of loading the record a second time */
    bool ok = traced   ? vm_run_traced(r->vm, p->person_entry, rec->values, rec->n, (VmTrace *)&r->trace)
              : loaded ? vm_continue(r->vm, p->person_entry)
                       : vm_run(r->vm, p->person_entry, rec->values, rec->n);
    return ok ? 0 : stop_error(r, rec, error);
}

/* What an outcome is read against, found once per call (per batch, not per record). */
typedef struct OutcomeShape {
    uint32_t ncategories, nplacements, nbranches;
} OutcomeShape;

static OutcomeShape outcome_shape(const Program *p)
{
    OutcomeShape s = {.ncategories = p->ncategories};
    program_rules(p, RULE_BRANCH, &s.nbranches);
    s.nplacements = p->placement_enum >= 0 ? p->enums[p->placement_enum].count : 0;
    return s;
}

static void read_outcome(const Program *p, const int64_t *R, const OutcomeShape *s, doudi_outcome *out)
{
    out->categories = (uint64_t)R[p->reg_catmask];
    out->category_count = (int)R[p->reg_catcount];
    out->primary = (int)program_index(R[p->reg_primary], s->ncategories);
    out->placement = (int)program_index(R[p->reg_placement], s->nplacements);
    out->branch = (int)program_index(R[p->reg_branch], s->nbranches);
}

static int eval(const doudi_rules *r, const doudi_record *rec, doudi_outcome *out, char **error);

int doudi_eval(const doudi_rules *r, const doudi_record *rec, doudi_outcome *out, char **error)
{
    OomGuard g;
    oom_guard_enter(&g);
    if (setjmp(g.env)) {
        api_out_of_memory(&g, error);
        return -1;
    }
    int rc = eval(r, rec, out, error);
    oom_guard_leave(&g);
    return rc;
}

static int eval(const doudi_rules *r, const doudi_record *rec, doudi_outcome *out, char **error)
{
    if (run(r, rec, false, error)) return -1;
    OutcomeShape s = outcome_shape(r->prog);
    read_outcome(r->prog, r->vm->regs, &s, out);
    return 0;
}

static int eval_batch(const doudi_rules *r, const doudi_record *const *records, size_t n, doudi_outcome *outcomes,
                      char **errors, char **error);

int doudi_eval_batch(const doudi_rules *r, const doudi_record *const *records, size_t n, doudi_outcome *outcomes,
                     char **errors, char **error)
{
    OomGuard g;
    oom_guard_enter(&g);
    if (setjmp(g.env)) {
        /* the messages made so far were the call's blocks: abandoning frees them */
        if (errors)
            for (size_t i = 0; i < n; i++) errors[i] = NULL;
        api_out_of_memory(&g, error);
        return -1;
    }
    int rc = eval_batch(r, records, n, outcomes, errors, error);
    oom_guard_leave(&g);
    return rc;
}

static int eval_batch(const doudi_rules *r, const doudi_record *const *records, size_t n, doudi_outcome *outcomes,
                      char **errors, char **error)
{
    if (error) *error = NULL;
    if (errors)
        for (size_t i = 0; i < n; i++) errors[i] = NULL;
    if (!api_subject(r)) return api_fail(error, "the rules declare no record");
    if (n && (!records || !outcomes)) return api_fail(error, "no records or no outcomes given");
    if (n > INT_MAX) return api_fail(error, "at most %d records a call", INT_MAX);
    const Program *p = r->prog;
    const OutcomeShape shape = outcome_shape(p);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char **why = errors ? &errors[i] : NULL;
        const doudi_record *rec = records[i];
        int rc = rec ? run(r, rec, false, why) : api_fail(why, "no record");
        if (rc == 0) {
            read_outcome(p, r->vm->regs, &shape, &outcomes[i]);
        } else {
            outcomes[i] = (doudi_outcome){.category_count = -1, .primary = -1, .placement = -1, .branch = -1};
            failed++;
        }
    }
    return failed;
}

char *api_explain(const doudi_rules *r, const doudi_record *rec, doudi_format format, const ExplainYear *y,
                  const char *run_lines, char **error)
{
    if (run(r, rec, true, error)) return NULL;
    StrBuf sb = {0};
    if (format == DOUDI_HTML) {
        explain_people_html(r->prog, r->vm, &r->trace, y, run_lines, &sb);
    } else if (format == DOUDI_JSON) {
        /* the rule-by-rule object, its closing brace replaced by the people's members */
        explain_render(r->prog, r->vm, &r->trace, true, &sb);
        while (sb.count && (sb.items[sb.count - 1] == '\n' || sb.items[sb.count - 1] == '}')) {
            bool brace = sb.items[sb.count - 1] == '}';
            sb.count--;
            if (brace) break;
        }
        explain_people_json(r->prog, r->vm, &r->trace, y, &sb);
        sb_puts(&sb, "}\n");
    } else {
        /* the people's part runs the targets entry too: the trace's registers are as before it */
        StrBuf rules = {0};
        explain_render(r->prog, r->vm, &r->trace, false, &rules);
        explain_people_text(r->prog, r->vm, &r->trace, y, &sb);
        sb_puts(&sb, tr("\nThe rules, condition by condition:\n"));
        sb_puts(&sb, sb_str(&rules));
        sb_free(&rules);
    }
    return sb_take(&sb);
}

char *doudi_explain(const doudi_rules *r, const doudi_record *rec, doudi_format format, char **error)
{
    return api_explain(r, rec, format, NULL, NULL, error);
}

/* ---- one value at a time: the REPL's support (doudi repl) ------------------------------------ */


/* Where the value named `name` is after a run. */
typedef struct ValueRef {
    bool field;                /* a field of the record: index is the field's */
    uint32_t index;            /* field index, or register */
    uint8_t kind;              /* ValueKind */
    int32_t enum_index;
    bool set;                  /* a set of enum values (a bit mask): categories */
    const RuleInfo *rule;      /* a schedule key, filter or table cell: computed for targets only */
} ValueRef;

static const RuleInfo *rule_named(const Program *p, const char *name, bool lets_and_categories)
{
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *ri = &p->rules[i];
        bool lc = ri->kind == RULE_LET || ri->kind == RULE_CATEGORY;
        if (lc == lets_and_categories && ri->kind != RULE_BRANCH && ri->name && !strcmp(ri->name, name)) return ri;
    }
    return NULL;
}

static int outcome_named(const Program *p, const char *name, ValueRef *v)
{
    *v = (ValueRef){.enum_index = -1};
    if (p->placement_name && !strcmp(name, p->placement_name)) {
        *v = (ValueRef){.index = p->reg_placement, .kind = VK_ENUM, .enum_index = p->placement_enum};
    } else if (!strcmp(name, "primary")) {
        *v = (ValueRef){.index = p->reg_primary, .kind = VK_ENUM, .enum_index = p->category_enum};
    } else if (!strcmp(name, "categories")) {
        *v = (ValueRef){.index = p->reg_catmask, .kind = VK_ENUM, .enum_index = p->category_enum, .set = true};
    } else if (!strcmp(name, "category_count")) {
        *v = (ValueRef){.index = p->reg_catcount, .kind = VK_INT, .enum_index = -1};
    } else {
        return 0;
    }
    return 1;
}

static bool find_value(const doudi_rules *r, const char *name, ValueRef *v)
{
    const Program *p = r->prog;
    const RecordInfo *ri = api_subject(r);
    for (uint32_t i = 0; ri && i < ri->nfields; i++)
        if (!strcmp(ri->fields[i].name, name)) {
            *v = (ValueRef){.field = true, .index = i, .kind = ri->fields[i].kind, .enum_index = ri->fields[i].enum_index};
            return true;
        }
    for (uint32_t i = 0; i < p->nparams; i++)
        if (!strcmp(p->params[i].name, name)) {
            *v = (ValueRef){.index = p->params[i].reg, .kind = p->params[i].kind, .enum_index = p->params[i].enum_index};
            return true;
        }
    const RuleInfo *rule = rule_named(p, name, true);
    if (!rule && outcome_named(p, name, v)) return true;
    bool after_outcome = false;
    if (!rule) after_outcome = (rule = rule_named(p, name, false)) != NULL;
    if (!rule) return false;
    *v = (ValueRef){.index = rule->reg, .kind = rule->value_kind, .enum_index = rule->enum_index,
                    .rule = after_outcome ? rule : NULL};
    return true;
}

/* After a run of the person entry: schedule keys, filters and table cells live in the targets
 * entry, so run such a rule's own code now, and only it (it reads registers the run has set;
 * program_verify proves this region run sound on its own). */
static bool finish_value(const doudi_rules *r, const ValueRef *v, const int64_t *values, uint32_t n)
{
    if (!v->rule) return true;
    return vm_run_region(r->vm, v->rule->pc_start, v->rule->pc_end, values, n);
}

/* Mark the fields that the value named `name` reads, directly or through lets, categories and
 * the outcome. seen: one flag per rule, against cycles and repeats. */
static void fields_read(const Program *p, const char *name, bool *fields, uint8_t *seen)
{
    const RecordInfo *ri = &p->records[0];
    for (uint32_t i = 0; i < ri->nfields; i++)
        if (!strcmp(ri->fields[i].name, name)) {
            fields[i] = true;
            return;
        }
    ValueRef v;
    bool outcome = !rule_named(p, name, true) && outcome_named(p, name, &v);
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *rule = &p->rules[i];
        bool wanted = outcome ? rule->kind == RULE_CATEGORY || rule->kind == RULE_BRANCH
                              : rule->kind != RULE_BRANCH && rule->name && !strcmp(rule->name, name);
        if (!wanted || seen[i]) continue;
        seen[i] = 1;
        for (uint32_t k = 0; k < rule->nreads; k++) fields_read(p, rule->reads[k].name, fields, seen);
        if (!outcome) return;
    }
}

/* A record made by other rules can be evaluated by these when its fields are the same. */
/* Enum values are held as indices: the same values in the same order, or the record would be
 * read with its values swapped. */
static bool same_enum(const EnumInfo *a, const EnumInfo *b)
{
    if (a->count != b->count) return false;
    for (uint32_t v = 0; v < a->count; v++)
        if (strcmp(a->values[v], b->values[v])) return false;
    return true;
}

static bool same_subject(const doudi_rules *r, const doudi_record *rec)
{
    const RecordInfo *a = api_subject(r), *b = api_subject(rec->r);
    if (!a || !b || a->nfields != b->nfields || rec->n != a->nfields) return false;
    for (uint32_t i = 0; i < a->nfields; i++) {
        const FieldInfo *fa = &a->fields[i], *fb = &b->fields[i];
        if (strcmp(fa->name, fb->name) || fa->kind != fb->kind) return false;
        if (fa->kind == VK_ENUM && !same_enum(&r->prog->enums[fa->enum_index], &rec->r->prog->enums[fb->enum_index]))
            return false;
    }
    return true;
}

/* Run rec and read the value v. A complete record is validated as doudi_eval does; an incomplete
 * one needs the fields the value reads, and runs with the others as zero (text: ""). */
static int value_of(const doudi_rules *r, const doudi_record *rec, const char *name, const ValueRef *v,
                    int64_t *out, char **error)
{
    if (!same_subject(r, rec)) return api_fail(error, "the record was made for rules with another record");
    const RecordInfo *ri = api_subject(r);
    const Program *p = r->prog;
    bool complete = true;
    for (uint32_t i = 0; i < rec->n; i++) complete &= rec->set[i];
    if (complete) {
        if (run(r, rec, false, error)) return -1;
        if (!finish_value(r, v, rec->values, rec->n)) return api_fail(error, "%s: %s", name, vm_error_text(r->vm->error));
        *out = v->field ? rec->values[v->index] : r->vm->regs[v->index];
        return 0;
    }
    bool *need = xcalloc(rec->n + 1, sizeof *need);
    uint8_t *seen = xcalloc(p->nrules + 1, 1);
    fields_read(p, name, need, seen);
    free(seen);
    int rc = 0;
    uint32_t missing = 0;
    StrBuf names = {0};
    for (uint32_t i = 0; i < rec->n && !rc; i++) {
        char err[256];
        if (!need[i]) continue;
        if (!rec->set[i]) {
            if (++missing <= 3) sb_printf(&names, "%s%s", missing > 1 ? ", " : "", ri->fields[i].name);
        } else if (!value_in_range(p, &ri->fields[i], rec->values[i], err, sizeof err)) {
            rc = api_fail(error, "%s: %s", ri->fields[i].name, err);
        }
    }
    free(need);
    if (!rc && missing == 1)
        rc = v->field ? api_fail(error, "%s is not set", name) : api_fail(error, "%s reads %s, which is not set", name, sb_str(&names));
    else if (!rc && missing > 1)
        rc = api_fail(error, "%s reads %u fields that are not set: %s%s", name, missing, sb_str(&names),
                  missing > 3 ? ", ..." : "");
    sb_free(&names);
    if (rc) return rc;
    if (v->field) {
        *out = rec->values[v->index];
        return 0;
    }
    int64_t *values = xcalloc(rec->n + 1, sizeof *values);
    for (uint32_t i = 0; i < rec->n; i++)
        values[i] = rec->set[i] ? rec->values[i] : ri->fields[i].kind == VK_TEXT ? (int64_t)(intptr_t)"" : 0;
    bool ok = vm_run(r->vm, p->person_entry, values, rec->n) && finish_value(r, v, values, rec->n);
    free(values);
    if (!ok) {
        char where[400];
        record_stop_reason(r->vm, where, sizeof where);
        return api_fail(error, "%s: %s", name, where);
    }
    *out = r->vm->regs[v->index];
    return 0;
}

static void format_ref(const Program *p, const ValueRef *v, int64_t x, StrBuf *sb)
{
    const EnumInfo *en = v->kind == VK_ENUM && v->enum_index >= 0 && (uint32_t)v->enum_index < p->nenums
                             ? &p->enums[v->enum_index] : NULL;
    if (v->set) {
        sb_putc(sb, '{');
        for (uint32_t i = 0, n = 0; en && i < en->count && i < 64; i++)
            if ((uint64_t)x >> i & 1) sb_printf(sb, "%s%s", n++ ? ", " : "", en->values[i]);
        sb_putc(sb, '}');
    } else if (v->kind == VK_ENUM && (!en || x < 0 || (uint64_t)x >= en->count)) {
        sb_puts(sb, tr("(none)"));
    } else if (v->kind == VK_TEXT) {
        value_text_literal((const char *)(intptr_t)x, sb);
    } else {
        value_format(p, v->kind, v->enum_index, x, true, sb);
    }
}

static char *type_of_ref(const Program *p, const ValueRef *v)
{
    StrBuf sb = {0};
    if (v->set) sb_puts(&sb, "set of ");   /* not a message: a type as the rule language writes it */
    if (v->kind == VK_ENUM && v->enum_index >= 0 && (uint32_t)v->enum_index < p->nenums)
        sb_printf(&sb, "enum %s", p->enums[v->enum_index].name);   /* not a message: a type */
    else sb_puts(&sb, value_kind_name(v->kind));
    return sb_take(&sb);
}

char *doudi_value(const doudi_rules *r, const doudi_record *rec, const char *name, char **type, char **error)
{
    if (type) *type = NULL;
    ValueRef v;
    if (!find_value(r, name, &v)) {
        api_fail(error, "nothing is named '%s'", name);
        return NULL;
    }
    int64_t x = 0;
    if (value_of(r, rec, name, &v, &x, error)) return NULL;
    if (type) *type = type_of_ref(r->prog, &v);
    StrBuf sb = {0};
    format_ref(r->prog, &v, x, &sb);
    return sb_take(&sb);
}

char *doudi_record_get(const doudi_record *rec, const char *field, int labels)
{
    int i = find_field(rec, field, strlen(field));
    if (i < 0 || !rec->set[i]) return NULL;
    const FieldInfo *f = &api_subject(rec->r)->fields[i];
    StrBuf sb = {0};
    value_format(rec->r->prog, f->kind, f->enum_index, rec->values[i], labels != 0, &sb);
    return sb_take(&sb);
}

/* The sections of the listing whose heading names `name`: lets, categories and branches (every
 * branch for the placement's name), else schedule keys, filters and table cells. */
char *doudi_disasm_rule(const doudi_rules *r, const char *name)
{
    static const char *const kinds[] = {"let ", "category ", "branch ", "key ", "filter ", "cell "};
    StrBuf all = {0}, out = {0};
    program_disasm(r->prog, &all);
    bool placement = r->prog->placement_name && !strcmp(r->prog->placement_name, name);
    size_t nlen = strlen(name);
    for (size_t pass = 0; pass < 2 && !out.count; pass++) {
        const char *s = sb_str(&all);
        while (*s) {   /* blocks separated by blank lines; the first is the program's header */
            const char *blank = strstr(s, "\n\n");
            const char *end = blank ? blank + 1 : s + strlen(s);
            bool match = false;
            for (size_t k = pass * 3; k < pass * 3 + 3 && !match; k++) {
                size_t kl = strlen(kinds[k]);
                if (strncmp(s, kinds[k], kl)) continue;
                if (placement && k == 2) match = true;
                else match = !strncmp(s + kl, name, nlen) && (s[kl + nlen] == ' ' || s[kl + nlen] == '\n');
            }
            if (match) {
                if (out.count) sb_putc(&out, '\n');
                sb_putn(&out, s, (size_t)(end - s));
            }
            s = blank ? blank + 2 : end;
        }
    }
    sb_free(&all);
    if (!out.count) return NULL;
    return sb_take(&out);
}

int64_t doudi_ledger_persons(doudi_ledger *l, const doudi_rules *r, char **error)
{
    const RecordInfo *ri = api_subject(r);
    if (!ri) return api_fail(error, "the rules declare no record");
    if (error) *error = NULL;
    return ledger_count(l->l, ri, error);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

enum { SCAN_BATCH = 4096 };

int doudi_ledger_scan(doudi_ledger *l, const doudi_rules *r, const char *name, doudi_scan_stats *stats,
                      char **error)
{
    doudi_scan_stats st = {0};
    if (stats) *stats = st;
    const RecordInfo *ri = api_subject(r);
    const Program *p = r->prog;
    ValueRef v;
    if (!ri || ri->key < 0) return api_fail(error, "the rules declare no record with a key");
    if (!find_value(r, name, &v)) return api_fail(error, "nothing is named '%s'", name);
    char *mismatch = ledger_check_record(l->l, p, ri, true);
    if (mismatch) {
        api_fail(error, "%s", mismatch);
        free(mismatch);
        return -1;
    }
    LedgerCursor *sel = ledger_records(l->l, p, ri, false, error);
    if (!sel) return -1;
    uint32_t n = ri->nfields;
    int64_t *values = xcalloc((size_t)SCAN_BATCH * n + 1, sizeof *values);
    char **owned = xcalloc((size_t)SCAN_BATCH * n + 1, sizeof *owned);
    bool more = true;
    int rc = 0;
    while (more && !rc) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        size_t count = 0;
        while (count < SCAN_BATCH) {
            int64_t *row = values + count * n;
            char **row_owned = owned + count * n;
            char why[300];
            int step = ledger_next(sel, row, NULL, why, sizeof why, error);
            if (step == 0) { more = false; break; }
            if (step == -2) {
                rc = -1;
                break;
            }
            st.persons++;
            if (step < 0) {
                st.review++;
                continue;
            }
            /* text points into the cursor's row: the batch keeps copies */
            for (uint32_t i = 0; i < n; i++)
                if (ri->fields[i].kind == VK_TEXT) {
                    row_owned[i] = xstrdup((const char *)(intptr_t)row[i]);
                    row[i] = (int64_t)(intptr_t)row_owned[i];
                }
            count++;
        }
        st.load_seconds += seconds_since(&t0);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (size_t k = 0; k < count; k++) {
            const int64_t *row = values + k * n;
            RecordCheck check;
            bool ok = record_check(r->vm, ri, row, &check);
            if (ok && !v.field) ok = vm_run(r->vm, p->person_entry, row, n) && finish_value(r, &v, row, n);
            if (!ok) { st.review++; continue; }
            st.evaluated++;
            int64_t x = v.field ? row[v.index] : r->vm->regs[v.index];
            if (v.kind == VK_BOOL && !v.set && x) st.holds++;
        }
        st.eval_seconds += seconds_since(&t0);
        for (size_t k = 0; k < count * n; k++) { free(owned[k]); owned[k] = NULL; }
    }
    ledger_cursor_close(sel);
    free(values);
    free(owned);
    if (stats) *stats = st;
    return rc;
}
