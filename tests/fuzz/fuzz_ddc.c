/* fuzz_ddc.c — a compiled program (.ddc) loaded, verified, run and explained.
 *
 * The input is a .ddc file; the seeds (tests/fuzz/corpus/fuzz_ddc/) are `doudi compile` output
 * of the Zhengzhou rules and of small rule files. Before loading, the header's length and
 * checksum are made to match the bytes (as a hand-made file would have them), so mutations
 * reach the section reader and the verifier instead of all dying at the checksum. A program
 * the verifier accepts is then used as everything that runs rules uses it — which the verifier
 * promises is safe for any file (docs/architecture.md):
 *   - disassembled;
 *   - each record type's check entry run on a few records;
 *   - the person entry run on a few persons (from tests/fixtures/ledger/persons.csv where the
 *     program's fields carry the fixture's names, else values made from each field's kind),
 *     the targets entry after it for a target, and the code of each rule that runs after the
 *     outcome (schedule keys, filter, table cells) from its own start, as `doudi_value` does;
 *   - every rule's, field's and outcome register's value written as its declared kind says;
 *   - the traced run and its explanation, as text and as JSON;
 *   - the engine, through the embedding API as `doudi import`, `run` and `report` use a .ddc:
 *     the fixture's persons and a few institutions imported into a fresh ledger, the rules run
 *     (schedule, capacity plan, results file), and every form reported as text, CSV and JSON,
 *     for the city and for one county.
 *
 * The header's layout (where the length and the checksum sit) is learnt at start-up from a
 * program this doudi writes, so the harness follows the .ddc format version of the tree. The
 * seeds go stale when that format changes, so with FUZZ_SEED_DIR set (`make fuzz` sets it to the
 * working corpus, `make fuzz-seeds` to tests/fuzz/corpus/fuzz_ddc) the harness first writes
 * them there afresh: the Zhengzhou rules and each seed of fuzz_compile that compiles. */
#include "fuzz.h"

#include "base/arena.h"
#include "base/date.h"
#include "base/diag.h"
#include "base/util.h"
#include "lang/check.h"
#include "lang/compile.h"
#include "lang/parse.h"
#include "vm/explain.h"
#include "vm/program.h"
#include "vm/record.h"
#include "vm/values.h"
#include "vm/vm.h"

#include <dirent.h>

enum { PERSONS = 3, VARIANTS = 3 };

static size_t header_len, length_at, sum_at;

/* The fixture persons: field names, and each person's cells (no quotes in that file). */
static char *fixture_text;
static const char *fixture_names[64];
static const char *fixture_cells[PERSONS][64];
static size_t fixture_nfields;

/* Files of the engine stage, on /dev/shm; an empty ledger's bytes, copied for each input. */
static char ddc_path[4096], db_path[4096], results_path[4096], report_path[4096], institutions_path[4096];
static char *empty_ledger;
static size_t empty_ledger_len;
static FILE *devnull;

static uint64_t fnv1a(const unsigned char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3u;
    return h;
}

static uint64_t peek_u64(const unsigned char *d)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | d[i];
    return v;
}

static void poke_u64(unsigned char *d, uint64_t v)
{
    for (int i = 0; i < 8; i++) d[i] = (unsigned char)(v >> (8 * i));
}

/* Where the header keeps the length and the checksum: the u64 equal to the file's length,
 * followed by the u64 checksum of everything after them. */
static void learn_header(void)
{
    const char *text = "record r { id: text key }\n";
    SourceFile *sf = source_new("fuzz.doudi", text, strlen(text));
    Arena a = {0};
    DiagList dl = {0};
    Rules *rules = check_module(&a, parse_module(&a, sf, &dl), &dl);
    Program *p = dl.errors ? NULL : compile_rules(rules, &dl);
    FUZZ_ASSERT(p, "the header probe does not compile");
    size_t len;
    unsigned char *b = (unsigned char *)program_serialize(p, &len);
    for (size_t at = 4; at + 16 <= len && at < 64; at += 4)
        if (peek_u64(b + at) == len && peek_u64(b + at + 8) == fnv1a(b + at + 16, len - at - 16)) {
            length_at = at;
            sum_at = at + 8;
            header_len = at + 16;
            break;
        }
    FUZZ_ASSERT(header_len, "no length and checksum found in a .ddc header");
    free(b);
    program_free(p);
    diag_free(&dl);
    arena_free(&a);
    source_free(sf);
}

/* The compiled program of rule file `path`, or NULL. */
static Program *compile_path(const char *path)
{
    SourceFile *sf = source_read(path);
    if (!sf) return NULL;
    Arena a = {0};
    DiagList dl = {0};
    Module *m = parse_module(&a, sf, &dl);
    Rules *rules = dl.errors ? NULL : check_module(&a, m, &dl);
    Program *p = dl.errors ? NULL : compile_rules(rules, &dl);
    diag_free(&dl);
    arena_free(&a);
    source_free(sf);
    return p;
}

static void write_seed(const char *dir, const char *name, const char *rule_file)
{
    Program *p = compile_path(rule_file);
    if (!p) return;
    size_t len;
    char *bytes = program_serialize(p, &len), path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FUZZ_ASSERT(fuzz_write_file(path, bytes, len) == 0, "cannot write %s", path);
    free(bytes);
    program_free(p);
}

/* The seeds, compiled now into `dir` (see above). */
static void write_seeds(const char *dir)
{
    char path[4096 + 512], compile_dir[4096];
    write_seed(dir, "zhengzhou-2021", fuzz_tree_path("rules/zhengzhou-2021.doudi", path, sizeof path));
    fuzz_tree_path("tests/fuzz/corpus/fuzz_compile", compile_dir, sizeof compile_dir);
    DIR *d = opendir(compile_dir);
    FUZZ_ASSERT(d, "cannot read %s", compile_dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", compile_dir, e->d_name);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(e->d_name, "."), e->d_name);
        write_seed(dir, name, path);
    }
    closedir(d);
}

/* Split line `s` at commas, in place, into at most 64 cells; returns the count. */
static size_t split(char *s, const char **cells)
{
    size_t n = 0;
    while (s && n < 64) {
        cells[n++] = s;
        s = strchr(s, ',');
        if (s) *s++ = '\0';
    }
    return n;
}

/* The header and the first PERSONS persons of the fixture ledger. */
static void load_fixture(void)
{
    char path[4096];
    size_t len;
    fixture_text = read_file(fuzz_tree_path("tests/fixtures/ledger/persons.csv", path, sizeof path), &len);
    FUZZ_ASSERT(fixture_text, "cannot read %s", path);
    char *lines[PERSONS + 1];
    char *s = fixture_text;
    for (int i = 0; i <= PERSONS; i++) {
        lines[i] = s;
        s = strchr(s, '\n');
        FUZZ_ASSERT(s, "%s has fewer than %d persons", path, PERSONS);
        *s++ = '\0';
    }
    fixture_nfields = split(lines[0], fixture_names);
    for (int k = 0; k < PERSONS; k++) split(lines[k + 1], fixture_cells[k]);
}

/* The first institutions of the fixture population, in a file of their own. */
static void write_institutions(void)
{
    char path[4096];
    size_t len;
    char *text = read_file(fuzz_tree_path("tests/fixtures/population-3000/institutions.csv", path, sizeof path), &len);
    FUZZ_ASSERT(text, "cannot read %s", path);
    char *end = text;
    for (int lines = 0; lines < 13 && end; lines++) end = strchr(end + 1, '\n');
    FUZZ_ASSERT(end, "%s is short", path);
    fuzz_temp_path("institutions.csv", institutions_path, sizeof institutions_path);
    FUZZ_ASSERT(fuzz_write_file(institutions_path, text, (size_t)(end - text) + 1) == 0, "cannot write %s",
                institutions_path);
    free(text);
}

static void remove_institutions(void) { unlink(institutions_path); }

static void prepare_engine(void)
{
    fuzz_temp_path("program.ddc", ddc_path, sizeof ddc_path);
    fuzz_temp_path("ledger.db", db_path, sizeof db_path);
    fuzz_temp_path("results.csv", results_path, sizeof results_path);
    fuzz_temp_path("report", report_path, sizeof report_path);
    empty_ledger = fuzz_empty_ledger(db_path, &empty_ledger_len);
    write_institutions();
    atexit(remove_institutions);
    devnull = fopen("/dev/null", "w");
    FUZZ_ASSERT(devnull, "cannot open /dev/null");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    learn_header();
    load_fixture();
    prepare_engine();
    if (getenv("FUZZ_SEED_DIR")) write_seeds(getenv("FUZZ_SEED_DIR"));
    return 0;
}

/* ---- records ------------------------------------------------------------------------------ */

/* The fixture's cell for field `name` of person k, or NULL. */
static const char *fixture_cell(const char *name, int k)
{
    for (size_t i = 0; name && i < fixture_nfields; i++)
        if (!strcmp(fixture_names[i], name)) return fixture_cells[k][i];
    return NULL;
}

/* A value of field f, variant k, made from its kind and range alone. */
static int64_t kind_value(const Program *p, const FieldInfo *f, int k)
{
    static const char *const texts[VARIANTS] = {"410122193502140817", "", "张三"};
    if (f->range_kind == 1) return k == 0 ? f->range_lo : k == 1 ? f->range_hi : f->range_lo / 2 + f->range_hi / 2;
    if (f->range_kind == 2) {
        uint64_t mask = (uint64_t)f->range_lo;
        for (int b = 0; b < 64; b++)
            if (mask >> (k == 1 ? 63 - b : b) & 1) return k == 1 ? 63 - b : b;
    }
    switch (f->kind) {
    case VK_TEXT: return (int64_t)(intptr_t)texts[k];
    case VK_BOOL: return k == 1;
    case VK_DATE: return k == 0 ? days_from_civil(1935, 2, 14) : k == 1 ? 0 : days_from_civil(2010, 7, 1);
    case VK_ENUM: {
        bool ok = f->enum_index >= 0 && (uint32_t)f->enum_index < p->nenums;
        uint32_t n = ok ? p->enums[f->enum_index].count : 0;
        return n == 0 ? 0 : k == 1 ? n - 1 : (int64_t)((uint32_t)k % n);
    }
    case VK_NUMBER:
    case VK_PERCENT: return k == 0 ? 0 : k == 1 ? 3000 : -15000;
    default: return k == 0 ? 0 : k == 1 ? 86 : -1;
    }
}

/* Record k of type ri: the fixture's values where a field of that name parses, else the kind's.
 * Text values parsed from the fixture are kept in owned[] (freed by the caller). */
static void make_record(const Program *p, const RecordInfo *ri, int k, bool subject, int64_t *values, char **owned)
{
    for (uint32_t i = 0; i < ri->nfields; i++) {
        const FieldInfo *f = &ri->fields[i];
        const char *cell = subject ? fixture_cell(f->name, k) : NULL;
        owned[i] = NULL;
        if (!cell || !value_parse(p, f, cell, strlen(cell), &values[i], &owned[i], NULL, 0))
            values[i] = kind_value(p, f, k);
    }
}

/* ---- what is done with a sound program ------------------------------------------------------ */

static void format_rules(const Program *p, const Vm *vm)
{
    StrBuf sb = {0};
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        value_format(p, r->value_kind, r->enum_index, vm->regs[r->reg], true, &sb);
        for (uint32_t k = 0; k < r->nreads; k++)
            value_format(p, r->reads[k].kind, r->reads[k].enum_index, vm->regs[r->reads[k].reg], true, &sb);
    }
    for (uint32_t i = 0; i < p->nparams; i++)
        value_format(p, p->params[i].kind, p->params[i].enum_index, vm->regs[p->params[i].reg], true, &sb);
    value_format(p, VK_ENUM, p->placement_enum, vm->regs[p->reg_placement], true, &sb);
    value_format(p, VK_ENUM, p->category_enum, vm->regs[p->reg_primary], true, &sb);
    sb_free(&sb);
}

/* The rules computed for targets only, each from its own code, as doudi_value reads them. */
static void run_late_rules(const Program *p, Vm *vm, const int64_t *values, uint32_t n)
{
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        if (r->kind == RULE_KEY || r->kind == RULE_FILTER || r->kind == RULE_CELL) vm_run(vm, r->pc_start, values, n);
    }
}

static void explain(const Program *p, Vm *vm, VmTrace *trace, const int64_t *values, uint32_t n)
{
    if (!vm_run_traced(vm, p->person_entry, values, n, trace)) return;
    for (int json = 0; json < 2; json++) {
        StrBuf sb = {0};
        explain_render(p, vm, trace, json, &sb);
        sb_free(&sb);
    }
}

static void run_person(const Program *p, Vm *vm, VmTrace *trace, const int64_t *values)
{
    const RecordInfo *ri = &p->records[0];
    RecordCheck rc;
    if (!record_check(vm, ri, values, &rc)) return;
    if (vm_run(vm, p->person_entry, values, ri->nfields) && vm->regs[p->reg_catmask])
        vm_continue(vm, p->targets_entry);
    format_rules(p, vm);
    run_late_rules(p, vm, values, ri->nfields);
    format_rules(p, vm);
    if (record_check(vm, ri, values, &rc)) explain(p, vm, trace, values, ri->nfields);
}

static void run_records(const Program *p, Vm *vm, VmTrace *trace)
{
    for (uint32_t r = 0; r < p->nrecords; r++) {
        const RecordInfo *ri = &p->records[r];
        int64_t *values = xcalloc(ri->nfields + 1, sizeof *values);
        char **owned = xcalloc(ri->nfields + 1, sizeof *owned);
        for (int k = 0; k < VARIANTS; k++) {
            make_record(p, ri, k, r == 0, values, owned);
            if (r == 0) run_person(p, vm, trace, values);
            else {
                RecordCheck rc;
                record_check(vm, ri, values, &rc);
            }
            for (uint32_t i = 0; i < ri->nfields; i++) free(owned[i]);
        }
        free(owned);
        free(values);
    }
}

/* ---- the engine, as the command line uses a .ddc ------------------------------------------- */

static void report_forms(doudi_ledger *l, doudi_rules *r)
{
    static const char *const formats[] = {"text", "csv", "json"};
    for (int i = 0; i < doudi_form_count(r); i++)
        for (int f = 0; f < 3; f++)
            for (int county = 0; county < 2; county++) {
                char *error = NULL;
                doudi_report(l, r, doudi_form_name(r, i), county ? "410122" : NULL, 0, formats[f], report_path, &error);
                doudi_string_free(error);
            }
    unlink(report_path);
}

static void run_engine(const unsigned char *d, size_t size)
{
    char *error = NULL;
    FUZZ_ASSERT(fuzz_write_file(ddc_path, d, size) == 0, "cannot write %s", ddc_path);
    doudi_rules *r = doudi_load(ddc_path, &error);
    FUZZ_ASSERT(r, "a program that loaded from memory is refused from its file: %s", error ? error : "");
    FUZZ_ASSERT(fuzz_write_file(db_path, empty_ledger, empty_ledger_len) == 0, "cannot write %s", db_path);
    doudi_ledger *l = doudi_ledger_open_mode(db_path, DOUDI_LEDGER_WRITE, &error);
    FUZZ_ASSERT(l, "cannot open the ledger %s: %s", db_path, error ? error : "");
    char path[4096];
    doudi_import_stats is;
    bool imported = doudi_import(l, r, 0, fuzz_tree_path("tests/fixtures/ledger/persons.csv", path, sizeof path), NULL,
                                 devnull, &is, &error) == 0;
    doudi_string_free(error);
    error = NULL;
    if (imported) {
        doudi_import(l, r, 1, institutions_path, NULL, devnull, &is, &error);
        doudi_string_free(error);
        error = NULL;
        doudi_run_stats rs;
        if (doudi_run(l, r, results_path, NULL, NULL, &rs, &error) == 0) report_forms(l, r);
        doudi_string_free(error);
    }
    doudi_ledger_close(l);
    doudi_free(r);
    unlink(results_path);
    unlink(db_path);
    unlink(ddc_path);
}

static void exercise(const Program *p)
{
    StrBuf sb = {0};
    program_disasm(p, &sb);
    sb_free(&sb);
    Vm *vm = vm_new(p);
    VmTrace trace = {xcalloc(p->ncode + 1, 1), xcalloc(p->ncode + 1, sizeof *trace.value)};
    run_records(p, vm, &trace);
    free(trace.ran);
    free(trace.value);
    vm_free(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *d = xmalloc(size + 1);
    if (size) memcpy(d, data, size);
    if (size >= header_len) {
        poke_u64(d + length_at, size);
        poke_u64(d + sum_at, fnv1a(d + header_len, size - header_len));
    }
    char *error = NULL;
    Program *p = program_deserialize(d, size, &error);
    free(error);
    bool sound = p != NULL;
    if (sound) exercise(p);
    program_free(p);
    if (sound) run_engine(d, size);
    free(d);
    return 0;
}
