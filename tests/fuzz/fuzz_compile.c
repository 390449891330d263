/* fuzz_compile.c — the rule-file front end and compiler on arbitrary bytes.
 *
 * The input is a rule file. It is parsed, checked and compiled as `doudi check` and `doudi
 * compile` do, and its diagnostics are rendered as text and as JSON (spans over arbitrary bytes:
 * invalid UTF-8, NULs, lines without ends). Whatever compiles must also hold up after:
 *   - the compiler's output passes the verifier (a .ddc of it loads again), and writing the
 *     loaded program gives the same bytes;
 *   - it disassembles;
 *   - the file's own tests run (records built from the file, evaluated, explained).
 * The first two are oracles: a failure aborts, as a crash would.
 *
 * Known, left to the checker's own work (issue 12, "bounded resources"): the checker recurses
 * as deep as the expression is long, so a long enough chain (`1 + 1 + ...`, 20,000 terms under
 * ASan) overflows the stack. `make fuzz` caps the input's length (fuzz_compile.options) well
 * below that; tests/fuzz/known/fuzz_compile/ holds the reproducers. */
#include "fuzz.h"

#include "base/arena.h"
#include "base/diag.h"
#include "base/util.h"
#include "lang/check.h"
#include "lang/compile.h"
#include "lang/parse.h"
#include "tools/testing.h"
#include "vm/program.h"
#include "vm/vm.h"

static void render_diagnostics(const DiagList *dl)
{
    StrBuf text = {0}, json = {0};
    diag_render_all(&text, dl);
    diag_render_json(&json, dl);
    sb_free(&text);
    sb_free(&json);
}

/* The compiler's output survives a .ddc round trip unchanged. */
static void check_round_trip(const Program *p)
{
    size_t len = 0, len2 = 0;
    char *bytes = program_serialize(p, &len);
    char *error = NULL;
    Program *back = program_deserialize((const unsigned char *)bytes, len, &error);
    FUZZ_ASSERT(back, "the compiler's output is refused on loading: %s", error ? error : "?");
    char *again = program_serialize(back, &len2);
    FUZZ_ASSERT(len == len2 && memcmp(bytes, again, len) == 0, "a loaded program writes other bytes");
    free(again);
    program_free(back);
    free(bytes);
}

static void exercise(const Rules *rules, Program *p)
{
    check_round_trip(p);
    StrBuf sb = {0};
    program_disasm(p, &sb);
    sb_free(&sb);
    Vm *vm = vm_new(p);
    TestReport *r = testing_run(rules, p, vm, TEST_COVERAGE, "fuzz.doudi");
    testing_render_file(r, &sb);
    sb_free(&sb);
    testing_free(r);
    vm_free(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    SourceFile *sf = source_new("fuzz.doudi", (const char *)data, size);
    Arena a = {0};
    DiagList dl = {0};
    Module *m = parse_module(&a, sf, &dl);
    Rules *rules = NULL;
    Program *p = NULL;
    if (dl.errors == 0) rules = check_module(&a, m, &dl);
    if (dl.errors == 0) p = compile_rules(rules, &dl);
    diag_sort(&dl);
    render_diagnostics(&dl);
    if (p) exercise(rules, p);
    program_free(p);
    diag_free(&dl);
    arena_free(&a);
    source_free(sf);
    return 0;
}
