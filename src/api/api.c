/* api.c — the embedding API (doudi.h) over the stages: parse, check, compile, VM, explain. */
#include "doudi.h"

#include "base/resid.h"

#include "lang/check.h"
#include "lang/compile.h"
#include "vm/explain.h"
#include "lang/fmt.h"
#include "engine/import.h"
#include "engine/ledger.h"
#include "engine/run.h"
#include "lang/parse.h"
#include "engine/report.h"
#include "vm/values.h"
#include "vm/vm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct doudi_rules {
    Program *prog;
    Vm *vm;
    VmTrace trace;
    /* the source level, kept when compiled from source (NULL when loaded from .ddc) */
    SourceFile *src;
    Arena arena;
    Rules *rules;
};

struct doudi_record {
    const doudi_rules *r;
    uint32_t n;
    int64_t *values;
    bool *set;
    char **owned;              /* text values this record owns */
};

static int fail(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **error, const char *fmt, ...)
{
    if (error) {
        va_list ap;
        va_start(ap, fmt);
        *error = xvasprintf(fmt, ap);
        va_end(ap);
    }
    return -1;
}

void doudi_string_free(char *s) { free(s); }

static char *render(const DiagList *dl, doudi_format format)
{
    if (dl->count == 0) return format == DOUDI_JSON ? xstrdup("[]\n") : NULL;
    StrBuf sb = {0};
    if (format == DOUDI_JSON) diag_render_json(&sb, dl);
    else diag_render_all(&sb, dl);
    return sb_take(&sb);
}

int doudi_check_files(const char *const *paths, int n, doudi_format format, char **diagnostics,
                      int *warnings)
{
    if (diagnostics) *diagnostics = NULL;
    Arena a = {0};
    DiagList all = {0};
    SourceFile **sources = xcalloc((size_t)n + 1, sizeof *sources);
    bool unreadable = false;
    for (int i = 0; i < n; i++) {
        sources[i] = source_read(paths[i]);
        if (!sources[i]) {
            diag_add(&all, DIAG_ERROR, "unreadable", (Span){0}, "cannot read %s: %s", paths[i], strerror(errno));
            unreadable = true;
            continue;
        }
        DiagList dl = {0};
        Module *m = parse_module(&a, sources[i], &dl);
        if (dl.errors == 0) check_module(&a, m, &dl);
        else diag_sort(&dl);
        for (size_t k = 0; k < dl.count; k++) VEC_PUSH(&all, dl.items[k]);
        all.errors += dl.errors;
        all.warnings += dl.warnings;
        free(dl.items);
    }
    int errors = unreadable ? -1 : all.errors;
    if (warnings) *warnings = all.warnings;
    if (diagnostics) *diagnostics = render(&all, format);
    diag_free(&all);
    for (int i = 0; i < n; i++) source_free(sources[i]);
    free(sources);
    arena_free(&a);
    return errors;
}

int doudi_check_file(const char *path, doudi_format format, char **diagnostics, int *warnings)
{
    return doudi_check_files(&path, 1, format, diagnostics, warnings);
}

static doudi_rules *wrap(Program *prog)
{
    doudi_rules *r = xcalloc(1, sizeof *r);
    r->prog = prog;
    r->vm = vm_new(prog);
    r->trace.ran = xcalloc(prog->ncode + 1, 1);
    r->trace.value = xcalloc(prog->ncode + 1, sizeof *r->trace.value);
    return r;
}

static doudi_rules *compile_source(SourceFile *sf, char **diagnostics)
{
    if (diagnostics) *diagnostics = NULL;
    Arena a = {0};
    DiagList dl = {0};
    Module *m = parse_module(&a, sf, &dl);
    Rules *rules = NULL;
    Program *prog = NULL;
    if (dl.errors == 0) rules = check_module(&a, m, &dl);
    if (dl.errors == 0) prog = compile_rules(rules, &dl);
    diag_sort(&dl);
    if (diagnostics) *diagnostics = render(&dl, DOUDI_TEXT);
    diag_free(&dl);
    if (!prog) {
        arena_free(&a);
        source_free(sf);
        return NULL;
    }
    doudi_rules *r = wrap(prog);
    r->src = sf;
    r->arena = a;
    r->rules = rules;
    return r;
}

doudi_rules *doudi_compile_file(const char *path, char **diagnostics)
{
    SourceFile *sf = source_read(path);
    if (!sf) {
        if (diagnostics) fail(diagnostics, "cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    return compile_source(sf, diagnostics);
}

doudi_rules *doudi_compile_string(const char *name, const char *text, size_t len, char **diagnostics)
{
    return compile_source(source_new(name, text, len), diagnostics);
}

int doudi_save(const doudi_rules *r, const char *path, char **error)
{
    return program_save(r->prog, path, error) ? 0 : -1;
}

doudi_rules *doudi_load(const char *path, char **error)
{
    Program *p = program_load(path, error);
    return p ? wrap(p) : NULL;
}

doudi_rules *doudi_open(const char *path, char **error)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(error, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    if (n == 4 && memcmp(magic, "DDC\x1A", 4) == 0) return doudi_load(path, error);
    return doudi_compile_file(path, error);
}

char *doudi_disasm(const doudi_rules *r)
{
    StrBuf sb = {0};
    program_disasm(r->prog, &sb);
    return sb_take(&sb);
}

int doudi_canonical(const char *path, char **text, int *canonical, char **diagnostics)
{
    *text = NULL;
    *canonical = 0;
    if (diagnostics) *diagnostics = NULL;
    SourceFile *sf = source_read(path);
    if (!sf) {
        if (diagnostics) fail(diagnostics, "cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    Arena a = {0};
    DiagList dl = {0};
    Module *m = parse_module(&a, sf, &dl);
    diag_sort(&dl);
    int status = dl.errors ? 1 : 0;
    if (!status) {
        *text = fmt_module(m);
        *canonical = strlen(*text) == sf->len && !memcmp(*text, sf->text, sf->len);
    }
    if (diagnostics) *diagnostics = render(&dl, DOUDI_TEXT);
    diag_free(&dl);
    arena_free(&a);
    source_free(sf);
    return status;
}

char *doudi_format_file(const char *path, char **diagnostics)
{
    char *text;
    int canonical;
    doudi_canonical(path, &text, &canonical, diagnostics);
    return text;
}

void doudi_free(doudi_rules *r)
{
    if (!r) return;
    vm_free(r->vm);
    program_free(r->prog);
    free(r->trace.ran);
    free(r->trace.value);
    arena_free(&r->arena);
    source_free(r->src);
    free(r);
}

/* ---- what the rules declare ------------------------------------------------------------- */

static const RecordInfo *subject(const doudi_rules *r)
{
    return r->prog->nrecords ? &r->prog->records[0] : NULL;
}

const char *doudi_policy(const doudi_rules *r) { return r->prog->policy ? r->prog->policy : ""; }
int doudi_field_count(const doudi_rules *r) { return subject(r) ? (int)subject(r)->nfields : 0; }

const char *doudi_field_name(const doudi_rules *r, int i)
{
    return i >= 0 && i < doudi_field_count(r) ? subject(r)->fields[i].name : NULL;
}

const char *doudi_field_label(const doudi_rules *r, int i)
{
    return i >= 0 && i < doudi_field_count(r) ? subject(r)->fields[i].label : NULL;
}

static const RuleInfo *category_rule(const doudi_rules *r, int i)
{
    uint32_t n, first = program_rules(r->prog, RULE_CATEGORY, &n);
    return i >= 0 && (uint32_t)i < n ? &r->prog->rules[first + (uint32_t)i] : NULL;
}

int doudi_category_count(const doudi_rules *r) { return (int)r->prog->ncategories; }
const char *doudi_category_name(const doudi_rules *r, int i) { const RuleInfo *c = category_rule(r, i); return c ? c->name : NULL; }
const char *doudi_category_label(const doudi_rules *r, int i) { const RuleInfo *c = category_rule(r, i); return c ? c->label : NULL; }
const char *doudi_category_cite(const doudi_rules *r, int i) { const RuleInfo *c = category_rule(r, i); return c ? c->cite : NULL; }

const char *doudi_placement_name(const doudi_rules *r, int v)
{
    const Program *p = r->prog;
    if (p->placement_enum < 0 || v < 0 || (uint32_t)v >= p->enums[p->placement_enum].count) return NULL;
    return p->enums[p->placement_enum].values[v];
}

const char *doudi_placement_label(const doudi_rules *r, int v)
{
    const Program *p = r->prog;
    if (p->placement_enum < 0 || v < 0 || (uint32_t)v >= p->enums[p->placement_enum].count) return NULL;
    return p->enums[p->placement_enum].labels[v];
}

int doudi_set_param(doudi_rules *r, const char *name, const char *value, char **error)
{
    for (uint32_t i = 0; i < r->prog->nparams; i++) {
        const ParamInfo *pi = &r->prog->params[i];
        if (strcmp(pi->name, name)) continue;
        if (pi->kind == VK_TEXT) return fail(error, "text params cannot be overridden");
        int64_t v;
        char err[200];
        if (!value_parse_kind(r->prog, pi->kind, pi->enum_index, value, strlen(value), &v, NULL, err, sizeof err))
            return fail(error, "param %s: %s", name, err);
        vm_set_param(r->vm, name, v);
        return 0;
    }
    return fail(error, "no param named '%s'", name);
}

/* ---- records ------------------------------------------------------------------------------- */

doudi_record *doudi_record_new(const doudi_rules *r)
{
    const RecordInfo *ri = subject(r);
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
    const RecordInfo *ri = subject(rec->r);
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
    if (i < 0) return fail(error, "no field named '%.*s'", (int)nlen, name);
    const FieldInfo *f = &subject(rec->r)->fields[i];
    char err[256];
    char *owned = NULL;
    int64_t v;
    const char *t = value;
    size_t tn = vlen;
    value_trim(&t, &tn);
    if (tn == 0 && f->has_default) {   /* an empty cell takes the default, as on import */
        free(rec->owned[i]);
        rec->owned[i] = NULL;
        rec->values[i] = f->kind == VK_TEXT ? (int64_t)(intptr_t)rec->r->prog->strings[f->default_value]
                                            : f->default_value;
        rec->set[i] = true;
        return 0;
    }
    if (!value_parse(rec->r->prog, f, value, vlen, &v, &owned, err, sizeof err))
        return fail(error, "%s: %s", f->name, err);
    free(rec->owned[i]);
    rec->owned[i] = owned;
    rec->values[i] = v;
    rec->set[i] = true;
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
        if (!eq) return fail(error, "expected field=value at '%.40s'", s);
        const char *name_end = eq;
        while (name_end > s && (name_end[-1] == ' ' || name_end[-1] == '\t')) name_end--;
        const char *v = skip_spaces(eq + 1);
        StrBuf val = {0};
        if (*v == '"') {
            for (v++; *v && *v != '"'; v++) {
                if (*v == '\\' && v[1]) v++;
                sb_putc(&val, *v);
            }
            if (*v != '"') { sb_free(&val); return fail(error, "unterminated quoted value"); }
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
        else if (*v) return fail(error, "expected ',' at '%.40s'", v);
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
        jc->rc = fail(jc->error, "%s: null is not a value", name);
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
        return jc.rc ? jc.rc : fail(error, "bad JSON: %s", err);
    return 0;
}

static const char *record_key(const doudi_record *rec, StrBuf *sb)
{
    const RecordInfo *ri = subject(rec->r);
    if (!ri || ri->key < 0 || !rec->set[ri->key]) return "(no key)";
    const FieldInfo *f = &ri->fields[ri->key];
    value_format(rec->r->prog, f->kind, f->enum_index, rec->values[ri->key], false, sb);
    return sb_str(sb);
}

int doudi_record_validate(const doudi_rules *r, const doudi_record *rec, char **error)
{
    const RecordInfo *ri = subject(r);
    if (!ri) return fail(error, "the rules declare no record");
    for (uint32_t i = 0; i < rec->n; i++) {
        char err[256];
        if (!rec->set[i]) return fail(error, "%s: missing (it has no default)", ri->fields[i].name);
        if (!value_in_range(r->prog, &ri->fields[i], rec->values[i], err, sizeof err))
            return fail(error, "%s: %s", ri->fields[i].name, err);
    }
    if (!vm_run(r->vm, ri->check_entry, rec->values, rec->n)) {
        StrBuf key = {0};
        int rc = fail(error, "record %s: %s at %s:%u:%u", record_key(rec, &key), vm_error_text(r->vm->error),
                      r->prog->source_path, r->prog->pc_line[r->vm->error_pc], r->prog->pc_col[r->vm->error_pc]);
        sb_free(&key);
        return rc;
    }
    for (uint32_t i = 0; i < ri->nrequires; i++)
        if (!r->vm->regs[ri->requires[i].reg]) return fail(error, "%s", ri->requires[i].message);
    return 0;
}

/* ---- evaluation -------------------------------------------------------------------------------- */

static int run(const doudi_rules *r, const doudi_record *rec, bool traced, char **error)
{
    if (doudi_record_validate(r, rec, error)) return -1;
    const Program *p = r->prog;
    bool ok = traced ? vm_run_traced(r->vm, p->person_entry, rec->values, rec->n, (VmTrace *)&r->trace)
                     : vm_run(r->vm, p->person_entry, rec->values, rec->n);
    if (ok) return 0;
    StrBuf key = {0};
    int rc = fail(error, "record %s: %s at %s:%u:%u", record_key(rec, &key), vm_error_text(r->vm->error),
                  p->source_path, p->pc_line[r->vm->error_pc], p->pc_col[r->vm->error_pc]);
    sb_free(&key);
    return rc;
}

int doudi_eval(const doudi_rules *r, const doudi_record *rec, doudi_outcome *out, char **error)
{
    if (run(r, rec, false, error)) return -1;
    const int64_t *R = r->vm->regs;
    const Program *p = r->prog;
    out->categories = (uint64_t)R[p->reg_catmask];
    out->category_count = (int)R[p->reg_catcount];
    uint32_t nbranches;
    program_rules(p, RULE_BRANCH, &nbranches);
    out->primary = (int)program_index(R[p->reg_primary], p->ncategories);
    out->placement = (int)program_index(R[p->reg_placement], p->placement_enum >= 0 ? p->enums[p->placement_enum].count : 0);
    out->branch = (int)program_index(R[p->reg_branch], nbranches);
    return 0;
}

char *doudi_explain(const doudi_rules *r, const doudi_record *rec, doudi_format format, char **error)
{
    if (run(r, rec, true, error)) return NULL;
    StrBuf sb = {0};
    explain_render(r->prog, r->vm, &r->trace, format == DOUDI_JSON, &sb);
    return sb_take(&sb);
}

/* ---- the ledger ------------------------------------------------------------------------------ */

struct doudi_ledger {
    Ledger *l;
};

doudi_ledger *doudi_ledger_open(const char *path, char **error)
{
    Ledger *l = ledger_open(path, error);
    if (!l) return NULL;
    doudi_ledger *dl = xcalloc(1, sizeof *dl);
    dl->l = l;
    return dl;
}

void doudi_ledger_close(doudi_ledger *l)
{
    if (!l) return;
    ledger_close(l->l);
    free(l);
}

int doudi_import(doudi_ledger *l, doudi_rules *r, int record, const char *csv_path, const char *encoding,
                 FILE *report, doudi_import_stats *stats, char **error)
{
    ImportStats st;
    if (record < 0 || (uint32_t)record >= r->prog->nrecords)
        return fail(error, "the rules declare no record number %d", record);
    bool ok = import_csv(l->l, r->prog, r->vm, (uint32_t)record, csv_path, encoding, report, &st, error);
    if (stats) {
        stats->rows = st.rows;
        stats->added = st.added;
        stats->updated = st.updated;
        stats->unchanged = st.unchanged;
        stats->review = st.review;
        memcpy(stats->encoding, st.encoding, sizeof stats->encoding);
    }
    return ok ? 0 : -1;
}

int doudi_run(doudi_ledger *l, doudi_rules *r, const char *results_path, doudi_progress_fn progress,
              void *ctx, doudi_run_stats *stats, char **error)
{
    if (!r->rules) return fail(error, "running a ledger needs the rule file itself, not a compiled .ddc");
    RunStats st;
    bool ok = run_rules(l->l, r->prog, r->vm, r->rules, r->src->text, r->src->len, results_path, progress, ctx,
                        &st, error);
    if (stats) {
        stats->run_id = st.run_id;
        stats->persons = st.persons;
        stats->targets = st.targets;
        stats->scheduled = st.scheduled;
        stats->review = st.review;
        memcpy(stats->as_of, st.as_of, sizeof stats->as_of);
    }
    return ok ? 0 : -1;
}

doudi_record *doudi_ledger_record(doudi_ledger *l, doudi_rules *r, const char *key, char **error)
{
    const RecordInfo *ri = subject(r);
    if (!ri || ri->key < 0) {
        fail(error, "the rules declare no record with a key");
        return NULL;
    }
    StrBuf sql = {0};
    ledger_select_fields(&sql, ri, " WHERE ");
    ledger_quote_ident(&sql, ri->fields[ri->key].name);
    sb_puts(&sql, " = ?1");
    sqlite3_stmt *st = ledger_prepare(l->l, sb_str(&sql), error);
    sb_free(&sql);
    if (!st) return NULL;
    /* the key as the importer would have stored it (trimmed; an id's lowercase x as X) */
    int64_t kv = 0;
    char *normal = NULL, why[200];
    if (value_parse(r->prog, &ri->fields[ri->key], key, strlen(key), &kv, &normal, why, sizeof why) && normal)
        sqlite3_bind_text(st, 1, normal, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    free(normal);
    doudi_record *rec = NULL;
    if (sqlite3_step(st) != SQLITE_ROW) {
        fail(error, "no %s with %s %s in %s", ri->name, ri->fields[ri->key].name, key, l->l->path);
    } else {
        rec = doudi_record_new(r);
        for (uint32_t i = 0; i < ri->nfields; i++) {
            char err[300];
            char *owned = NULL;
            if (!ledger_column_value(st, (int)i, r->prog, &ri->fields[i], &rec->values[i], &owned, err, sizeof err)) {
                fail(error, "%s", err);
                doudi_record_free(rec);
                rec = NULL;
                break;
            }
            free(rec->owned[i]);
            rec->owned[i] = owned;
            rec->set[i] = true;
        }
    }
    sqlite3_finalize(st);
    return rec;
}

void doudi_mask_ids(char *text) { resident_id_mask(text); }

/* ---- reports ------------------------------------------------------------------------------- */

int doudi_form_count(const doudi_rules *r) { return r->rules ? (int)r->rules->tables.count : 0; }

const char *doudi_form_name(const doudi_rules *r, int i)
{
    return i >= 0 && i < doudi_form_count(r) ? r->rules->tables.items[i]->name.text : NULL;
}

const char *doudi_form_label(const doudi_rules *r, int i)
{
    return i >= 0 && i < doudi_form_count(r) ? r->rules->tables.items[i]->label : NULL;
}

int doudi_report(doudi_ledger *l, doudi_rules *r, const char *form, const char *county, int64_t run,
                 const char *format, const char *out_path, char **error)
{
    if (error) *error = NULL;
    if (!r->rules) return fail(error, "a report needs the rule file itself, not a compiled .ddc (it lays the forms out)");
    ReportFormat f;
    if (!report_parse_format(format, &f))
        return fail(error, "unknown format '%s' (text, csv, json or xlsx)", format ? format : "");
    if (run < 0) return fail(error, "no run %lld: runs are numbered from 1", (long long)run);
    return report_write(l->l, r->rules, form, county, run, f, out_path, error) ? 0 : -1;
}

/* ---- tests ------------------------------------------------------------------------------------ */

#include "tools/testing.h"

int doudi_test(doudi_rules *r, FILE *out, int flags, int *passed, int *failed, char **error)
{
    if (passed) *passed = 0;
    if (failed) *failed = 0;
    if (!r->rules) return fail(error, "running tests needs the rule file itself, not a compiled .ddc");
    int tflags = (flags & DOUDI_TEST_COVERAGE ? TEST_COVERAGE : 0) |
                 (flags & DOUDI_TEST_REQUIRE_FULL_COVERAGE ? TEST_REQUIRE_FULL : 0);
    StrBuf sb = {0};
    TestSummary sum;
    testing_run(r->rules, r->prog, r->vm, tflags, &sb, &sum);
    if (out) fputs(sb_str(&sb), out);
    sb_free(&sb);
    if (passed) *passed = sum.passed;
    if (failed) *failed = sum.failed;
    return sum.failed || ((tflags & TEST_REQUIRE_FULL) && sum.uncovered) ? 1 : 0;
}

/* ---- one value at a time: the REPL's support (doudi repl) ------------------------------------ */

#include "api/repl_session.h"

#include <time.h>

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
    const RecordInfo *ri = subject(r);
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
static bool same_subject(const doudi_rules *r, const doudi_record *rec)
{
    const RecordInfo *a = subject(r), *b = subject(rec->r);
    if (!a || !b || a->nfields != b->nfields || rec->n != a->nfields) return false;
    for (uint32_t i = 0; i < a->nfields; i++) {
        const FieldInfo *fa = &a->fields[i], *fb = &b->fields[i];
        if (strcmp(fa->name, fb->name) || fa->kind != fb->kind) return false;
        if (fa->kind == VK_ENUM && r->prog->enums[fa->enum_index].count != rec->r->prog->enums[fb->enum_index].count)
            return false;
    }
    return true;
}

/* Run rec and read the value v. A complete record is validated as doudi_eval does; an incomplete
 * one needs the fields the value reads, and runs with the others as zero (text: ""). */
static int value_of(const doudi_rules *r, const doudi_record *rec, const char *name, const ValueRef *v,
                    int64_t *out, char **error)
{
    if (!same_subject(r, rec)) return fail(error, "the record was made for rules with another record");
    const RecordInfo *ri = subject(r);
    const Program *p = r->prog;
    bool complete = true;
    for (uint32_t i = 0; i < rec->n; i++) complete &= rec->set[i];
    if (complete) {
        if (run(r, rec, false, error)) return -1;
        if (!finish_value(r, v, rec->values, rec->n)) return fail(error, "%s: %s", name, vm_error_text(r->vm->error));
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
            rc = fail(error, "%s: %s", ri->fields[i].name, err);
        }
    }
    free(need);
    if (!rc && missing == 1)
        rc = v->field ? fail(error, "%s is not set", name) : fail(error, "%s reads %s, which is not set", name, sb_str(&names));
    else if (!rc && missing > 1)
        rc = fail(error, "%s reads %u fields that are not set: %s%s", name, missing, sb_str(&names),
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
    if (!ok)
        return fail(error, "%s: %s at %s:%u:%u", name, vm_error_text(r->vm->error), p->source_path,
                    p->pc_line[r->vm->error_pc], p->pc_col[r->vm->error_pc]);
    *out = r->vm->regs[v->index];
    return 0;
}

static void put_text_literal(StrBuf *sb, const char *s)
{
    sb_putc(sb, '"');
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') sb_printf(sb, "\\%c", *s);
        else if (*s == '\n') sb_puts(sb, "\\n");
        else if (*s == '\t') sb_puts(sb, "\\t");
        else sb_putc(sb, *s);
    }
    sb_putc(sb, '"');
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
        sb_puts(sb, "(none)");
    } else if (v->kind == VK_TEXT) {
        put_text_literal(sb, (const char *)(intptr_t)x);
    } else {
        value_format(p, v->kind, v->enum_index, x, true, sb);
    }
}

static char *type_of_ref(const Program *p, const ValueRef *v)
{
    StrBuf sb = {0};
    if (v->set) sb_puts(&sb, "set of ");
    if (v->kind == VK_ENUM && v->enum_index >= 0 && (uint32_t)v->enum_index < p->nenums)
        sb_printf(&sb, "enum %s", p->enums[v->enum_index].name);
    else sb_puts(&sb, value_kind_name(v->kind));
    return sb_take(&sb);
}

char *doudi_value(const doudi_rules *r, const doudi_record *rec, const char *name, char **type, char **error)
{
    if (type) *type = NULL;
    ValueRef v;
    if (!find_value(r, name, &v)) {
        fail(error, "nothing is named '%s'", name);
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
    const FieldInfo *f = &subject(rec->r)->fields[i];
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
    const RecordInfo *ri = subject(r);
    if (!ri) return fail(error, "the rules declare no record");
    StrBuf sql = {0};
    sb_puts(&sql, "SELECT count(*) FROM ");
    ledger_quote_ident(&sql, ri->name);
    sqlite3_stmt *st = ledger_prepare(l->l, sb_str(&sql), error);
    sb_free(&sql);
    if (!st) return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return n;
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
    const RecordInfo *ri = subject(r);
    const Program *p = r->prog;
    ValueRef v;
    if (!ri || ri->key < 0) return fail(error, "the rules declare no record with a key");
    if (!find_value(r, name, &v)) return fail(error, "nothing is named '%s'", name);
    StrBuf sql = {0};
    ledger_select_fields(&sql, ri, "");
    sqlite3_stmt *sel = ledger_prepare(l->l, sb_str(&sql), error);
    sb_free(&sql);
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
            int step = sqlite3_step(sel);
            if (step == SQLITE_DONE) { more = false; break; }
            if (step != SQLITE_ROW) {
                rc = fail(error, "%s: %s", l->l->path, sqlite3_errmsg(l->l->db));
                break;
            }
            st.persons++;
            int64_t *row = values + count * n;
            char **row_owned = owned + count * n;
            bool ok = true;
            for (uint32_t i = 0; i < n && ok; i++) {
                char err[300];
                ok = ledger_column_value(sel, (int)i, p, &ri->fields[i], &row[i], &row_owned[i], err, sizeof err) &&
                     value_in_range(p, &ri->fields[i], row[i], err, sizeof err);
            }
            if (ok) count++;
            else {
                st.review++;
                for (uint32_t i = 0; i < n; i++) { free(row_owned[i]); row_owned[i] = NULL; }
            }
        }
        st.load_seconds += seconds_since(&t0);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (size_t k = 0; k < count; k++) {
            const int64_t *row = values + k * n;
            bool ok = vm_run(r->vm, ri->check_entry, row, n);
            for (uint32_t i = 0; ok && i < ri->nrequires; i++) ok = r->vm->regs[ri->requires[i].reg] != 0;
            if (ok && !v.field) ok = vm_run(r->vm, p->person_entry, row, n) && finish_value(r, &v, row, n);
            if (!ok) { st.review++; continue; }
            st.evaluated++;
            int64_t x = v.field ? row[v.index] : r->vm->regs[v.index];
            if (v.kind == VK_BOOL && !v.set && x) st.holds++;
        }
        st.eval_seconds += seconds_since(&t0);
        for (size_t k = 0; k < count * n; k++) { free(owned[k]); owned[k] = NULL; }
    }
    sqlite3_finalize(sel);
    free(values);
    free(owned);
    if (stats) *stats = st;
    return rc;
}

doudi_rules *repl_rules_wrap(Program *prog) { return wrap(prog); }

/* ---- change impact (doudi diff): the engine is diff.c ------------------------------------------ */

#include "tools/diff.h"

static char *diff_explain(void *ctx, Ledger *l, const char *key, bool json, char **error)
{
    doudi_rules *r = ctx;
    doudi_ledger dl = {l};
    doudi_record *rec = doudi_ledger_record(&dl, r, key, error);
    char *text = rec ? doudi_explain(r, rec, json ? DOUDI_JSON : DOUDI_TEXT, error) : NULL;
    doudi_record_free(rec);
    return text;
}

static bool diff_side(doudi_rules *r, DiffRules *out, char **error)
{
    if (!r->rules) return fail(error, "a diff needs the rule files themselves, not compiled .ddc files") == 0;
    *out = (DiffRules){r->prog, r->vm, r->rules, r->src->text, r->src->len, diff_explain, r};
    return true;
}

doudi_diff *doudi_diff_population(doudi_rules *old_rules, doudi_rules *new_rules, const char *population,
                                  int limit, char **error)
{
    DiffRules o, n;
    if (error) *error = NULL;
    if (!diff_side(old_rules, &o, error) || !diff_side(new_rules, &n, error)) return NULL;
    return diff_population(&o, &n, population, limit < 0 ? 0 : limit, error);
}

doudi_diff *doudi_diff_ledger(doudi_ledger *l, doudi_rules *old_rules, doudi_rules *new_rules, int limit,
                              char **error)
{
    DiffRules o, n;
    if (error) *error = NULL;
    if (!diff_side(old_rules, &o, error) || !diff_side(new_rules, &n, error)) return NULL;
    return diff_ledger(l->l, &o, &n, limit < 0 ? 0 : limit, error);
}

int doudi_diff_expect(doudi_diff *d, const char *path, char **mismatches, char **error)
{
    StrBuf sb = {0};
    char *err = NULL;
    int rc = diff_expect(d, path, &sb, &err);
    if (mismatches) *mismatches = rc == 1 ? sb_take(&sb) : NULL;
    sb_free(&sb);
    if (error) *error = err;
    else free(err);
    return rc;
}

char *doudi_diff_render(const doudi_diff *d, doudi_format format)
{
    StrBuf sb = {0};
    if (format == DOUDI_JSON) diff_render_json(d, &sb);
    else diff_render_text(d, &sb);
    return sb_take(&sb);
}

int doudi_diff_figure_count(const doudi_diff *d) { return (int)diff_figure_count(d); }

const char *doudi_diff_figure(const doudi_diff *d, int i, int64_t *before, int64_t *after, int64_t *change)
{
    return i < 0 ? NULL : diff_figure(d, (size_t)i, before, after, change);
}

void doudi_diff_free(doudi_diff *d) { diff_free(d); }
