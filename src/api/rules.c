/* rules.c — compiling, loading, saving and describing rules (doudi.h, "checking and
 * compiling" and "what the rules declare"). */
#include "api_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/compile.h"
#include "lang/fmt.h"
#include "lang/parse.h"
#include "vm/values.h"

int api_fail(char **error, const char *fmt, ...)
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
    if (dl->count == 0 && format != DOUDI_SARIF) return format == DOUDI_JSON ? xstrdup("[]\n") : NULL;
    StrBuf sb = {0};
    if (format == DOUDI_JSON) diag_render_json(&sb, dl);
    else if (format == DOUDI_SARIF) diag_render_sarif(&sb, dl);
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

uint64_t api_new_stamp(void)
{
    static _Atomic uint64_t last;
    return ++last;
}

doudi_rules *api_wrap(Program *prog)
{
    doudi_rules *r = xcalloc(1, sizeof *r);
    r->prog = prog;
    r->stamp = api_new_stamp();
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
    doudi_rules *r = api_wrap(prog);
    r->src = sf;
    r->arena = a;
    r->rules = rules;
    return r;
}

static doudi_rules *compile_file(const char *path, char **diagnostics)
{
    SourceFile *sf = source_read(path);
    if (!sf) {
        if (diagnostics) api_fail(diagnostics, "cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    return compile_source(sf, diagnostics);
}

/* The entry points below are guarded (base/oom.h): out of memory, they fail cleanly. */

doudi_rules *doudi_compile_file(const char *path, char **diagnostics)
{
    OomGuard g;
    oom_guard_enter(&g);
    if (setjmp(g.env)) {
        api_out_of_memory(&g, diagnostics);
        return NULL;
    }
    doudi_rules *r = compile_file(path, diagnostics);
    oom_guard_leave(&g);
    return r;
}

doudi_rules *doudi_compile_string(const char *name, const char *text, size_t len, char **diagnostics)
{
    OomGuard g;
    oom_guard_enter(&g);
    if (setjmp(g.env)) {
        api_out_of_memory(&g, diagnostics);
        return NULL;
    }
    doudi_rules *r = compile_source(source_new(name, text, len), diagnostics);
    oom_guard_leave(&g);
    return r;
}

int doudi_save(const doudi_rules *r, const char *path, char **error)
{
    return program_save(r->prog, path, error) ? 0 : -1;
}

doudi_rules *doudi_load(const char *path, char **error)
{
    OomGuard g;
    oom_guard_enter(&g);
    if (setjmp(g.env)) {
        api_out_of_memory(&g, error);
        return NULL;
    }
    Program *p = program_load(path, error);
    doudi_rules *r = p ? api_wrap(p) : NULL;
    oom_guard_leave(&g);
    return r;
}

int doudi_is_compiled(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && memcmp(magic, "DDC\x1A", 4) == 0;
}

doudi_rules *doudi_open(const char *path, char **error)
{
    int compiled = doudi_is_compiled(path);
    if (compiled < 0) {
        api_fail(error, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    return compiled ? doudi_load(path, error) : doudi_compile_file(path, error);
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
        if (diagnostics) api_fail(diagnostics, "cannot read %s: %s\n", path, strerror(errno));
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

const RecordInfo *api_subject(const doudi_rules *r)
{
    return r->prog->nrecords ? &r->prog->records[0] : NULL;
}

const char *doudi_policy(const doudi_rules *r) { return r->prog->policy ? r->prog->policy : ""; }
int doudi_field_count(const doudi_rules *r) { return api_subject(r) ? (int)api_subject(r)->nfields : 0; }

const char *doudi_field_name(const doudi_rules *r, int i)
{
    return i >= 0 && i < doudi_field_count(r) ? api_subject(r)->fields[i].name : NULL;
}

int doudi_key_field(const doudi_rules *r) { return api_subject(r) ? api_subject(r)->key : -1; }

const char *doudi_field_label(const doudi_rules *r, int i)
{
    return i >= 0 && i < doudi_field_count(r) ? api_subject(r)->fields[i].label : NULL;
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
        if (pi->kind == VK_TEXT) return api_fail(error, "text params cannot be overridden");
        int64_t v;
        char err[200];
        if (!value_parse_kind(r->prog, pi->kind, pi->enum_index, value, strlen(value), &v, NULL, err, sizeof err))
            return api_fail(error, "param %s: %s", name, err);
        vm_set_param(r->vm, name, v);
        r->stamp = api_new_stamp();   /* a require may read the param: records are validated anew */
        return 0;
    }
    return api_fail(error, "no param named '%s'", name);
}
