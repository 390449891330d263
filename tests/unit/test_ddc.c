/* test_ddc.c — the Program outside the VM: program_verify, the .ddc format (round trips,
 * rejections with their exact messages, truncation and bit flips that must never crash —
 * run these under `make SAN=1 test`), program_rules, the opcode tables and the disassembler.
 *
 * sample() builds by hand a small Program using every table: two enums, two records, a
 * param, constants of every kind, lets, categories with atoms, a branch, a key, a filter and
 * a record check. Then the real rule file is compiled and put through the same round trip. */
#include "helpers.h"
#include "eval_helpers.h"

#include <unistd.h>

#include "lang/check.h"
#include "lang/compile.h"
#include "base/date.h"
#include "vm/program.h"
#include "base/util.h"
#include "vm/vm.h"

#define I(op, a, b, c) {OP_##op, 0, (a), (b), (c)}

static char *sdup(const char *s) { return s ? xstrdup(s) : NULL; }

static char **dup_all(const char *const *s, uint32_t n)
{
    char **d = xcalloc(n, sizeof *d);
    for (uint32_t i = 0; i < n; i++) d[i] = sdup(s[i]);
    return d;
}

/* Registers: K0..K7 constants, R8..R11 the person's fields (id, birth_date, disabled, grade),
 * R12 the let age, R13 R14 the categories, R15..R19 catmask, catcount, primary, placement,
 * branch; R20 the branch condition, R21 the require, R22 a temporary, R23 the filter and cell.
 *
 *   person entry (0)
 *   0  YEARS R12 R9 K0      let age = years_between(birth_date, as_of)
 *   1  LE    R13 K1 R12     category tekun: age >= 60          (atom)
 *   2  JMPF  R13 ->4                        and
 *   3  MOV   R13 R10                        disabled           (atom)
 *   4  LOADI R22 18         category orphan: age < 18
 *   5  LT    R14 R12 R22                                       (atom)
 *   6  CATS  R15 R13 2      the outcome: no rule covers 6..11
 *   7  POPCNT R16 R15
 *   8  LOWBIT R17 R15
 *   9  MOV   R18 K7         no placement (-1) ...
 *   10 MOV   R19 K7         ... and no branch, unless one matches
 *   11 JMPF  R15 ->16       not a target: no placement
 *   12 MOV   R20 K4         branch home (unconditional)
 *   13 LOADI R18 0
 *   14 LOADI R19 0
 *   15 JMP   ->16
 *   16 HALT
 *   targets entry (17)
 *   17 LE    R23 K1 R12     key age desc (no code), filter age >= 60, cell t/row/old (the same)
 *   18 HALT
 *   person checks (19)
 *   19 VALID_ID R21 R8
 *   20 JMPF  R21 ->21
 *   21 HALT                 institution checks (21) */
enum { S_NCODE = 22, S_NREGS = 24, S_NCONSTS = 8 };

static void sample_code(Program *p)
{
    static const Ins code[S_NCODE] = {
        I(YEARS, 12, 9, 0), I(LE, 13, 1, 12), I(JMPF, 13, 4, 0), I(MOV, 13, 10, 0),
        I(LOADI, 22, 18, 0), I(LT, 14, 12, 22), I(CATS, 15, 13, 2), I(POPCNT, 16, 15, 0),
        I(LOWBIT, 17, 15, 0), I(MOV, 18, 7, 0), I(MOV, 19, 7, 0), I(JMPF, 15, 16, 0),
        I(MOV, 20, 4, 0), I(LOADI, 18, 0, 0), I(LOADI, 19, 0, 0), I(JMP, 16, 0, 0), I(HALT, 0, 0, 0),
        I(LE, 23, 1, 12), I(HALT, 0, 0, 0),
        I(VALID_ID, 21, 8, 0), I(JMPF, 21, 21, 0), I(HALT, 0, 0, 0),
    };
    static const uint32_t line[S_NCODE] = {30, 33, 33, 33, 34, 34, 0, 0, 0, 0, 0, 0, 40, 40, 40, 40, 0,
                                           45, 0, 12, 12, 0};
    static const uint32_t col[S_NCODE] = {11, 8, 8, 22, 8, 8, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 0, 20, 0, 11, 11, 0};
    p->ncode = S_NCODE;
    p->code = xmalloc(sizeof code);
    memcpy(p->code, code, sizeof code);
    p->pc_line = xmalloc(sizeof line);
    memcpy(p->pc_line, line, sizeof line);
    p->pc_col = xmalloc(sizeof col);
    memcpy(p->pc_col, col, sizeof col);
}

static void sample_consts(Program *p)
{
    const Const k[S_NCONSTS] = {
        {VK_DATE, days_from_civil(2021, 4, 1)}, {VK_INT, 60}, {VK_PERCENT, 3000}, {VK_TEXT, 1},
        {VK_BOOL, 1}, {VK_NUMBER, 5000}, {VK_ENUM, 1}, {VK_INT, -1},
    };
    p->nregs = S_NREGS;
    p->nconsts = S_NCONSTS;
    p->consts = xmalloc(sizeof k);
    memcpy(p->consts, k, sizeof k);
    const char *strs[3] = {"", "410122", NULL};
    p->nstrings = 3;
    p->strings = dup_all(strs, 3);
}

static void sample_enums(Program *p)
{
    p->nenums = 2;
    p->enums = xcalloc(2, sizeof *p->enums);
    const char *modes[2] = {"home", "township_home"}, *mode_labels[2] = {"居家供养", NULL};
    const char *mode_codes[2] = {"01", "02"};
    p->enums[0] = (EnumInfo){sdup("care_mode"), sdup("供养形式"), 2, dup_all(modes, 2), dup_all(mode_labels, 2),
                             dup_all(mode_codes, 2)};
    const char *cats[2] = {"tekun", "orphan"}, *cat_labels[2] = {"特困供养人员", "孤儿"};
    p->enums[1] = (EnumInfo){sdup("category"), NULL, 2, dup_all(cats, 2), dup_all(cat_labels, 2), NULL};
}

static void sample_records(Program *p)
{
    p->field_base = S_NCONSTS;
    p->nrecords = 2;
    p->records = xcalloc(2, sizeof *p->records);
    RecordInfo *r = &p->records[0];
    *r = (RecordInfo){.name = sdup("person"), .label = sdup("保障对象"), .nfields = 4, .key = 0, .check_entry = 19};
    r->fields = xcalloc(4, sizeof *r->fields);
    r->fields[0] = (FieldInfo){.name = sdup("id"), .label = sdup("身份证号"), .kind = VK_TEXT, .enum_index = -1, .key = true};
    r->fields[1] = (FieldInfo){.name = sdup("birth_date"), .kind = VK_DATE, .enum_index = -1};
    r->fields[2] = (FieldInfo){.name = sdup("disabled"), .kind = VK_BOOL, .enum_index = -1, .has_default = true};
    r->fields[3] = (FieldInfo){.name = sdup("grade"), .kind = VK_INT, .enum_index = -1, .range_kind = 1,
                               .range_lo = 0, .range_hi = 4};
    r->nrequires = 1;
    r->requires = xcalloc(1, sizeof *r->requires);
    r->requires[0] = (RequireInfo){sdup("身份证号校验位不正确"), 21, 12, 11, sdup("valid_resident_id(id)")};
    r = &p->records[1];
    *r = (RecordInfo){.name = sdup("institution"), .nfields = 2, .key = -1, .check_entry = 21};
    r->fields = xcalloc(2, sizeof *r->fields);
    r->fields[0] = (FieldInfo){.name = sdup("county"), .kind = VK_TEXT, .enum_index = -1, .has_default = true};
    r->fields[1] = (FieldInfo){.name = sdup("beds"), .kind = VK_INT, .enum_index = -1};
    p->nparams = 1;
    p->params = xcalloc(1, sizeof *p->params);
    p->params[0] = (ParamInfo){sdup("as_of"), VK_DATE, -1, 0};
}

static AtomInfo *atoms(uint32_t n, const AtomInfo *a)
{
    AtomInfo *d = xcalloc(n, sizeof *d);
    for (uint32_t i = 0; i < n; i++) {
        d[i] = a[i];
        d[i].text = sdup(a[i].text);
    }
    return d;
}

static void sample_rules(Program *p)
{
    p->person_entry = 0;
    p->targets_entry = 17;
    p->ncategories = 2;
    p->category_enum = 1;
    p->placement_enum = 0;
    p->placement_name = sdup("care");
    p->placement_label = sdup("供养形式");
    p->reg_catmask = 15, p->reg_catcount = 16, p->reg_primary = 17, p->reg_placement = 18, p->reg_branch = 19;
    p->nrules = 7;
    RuleInfo *r = p->rules = xcalloc(7, sizeof *p->rules);
    r[0] = (RuleInfo){.kind = RULE_LET, .name = sdup("age"), .label = sdup("年龄"), .line = 30, .col = 5,
                      .reg = 12, .value_kind = VK_INT, .enum_index = -1, .pc_start = 0, .pc_end = 1};
    r[0].nreads = 2;
    r[0].reads = xcalloc(2, sizeof *r[0].reads);
    r[0].reads[0] = (ReadInfo){sdup("birth_date"), 9, VK_DATE, -1};
    r[0].reads[1] = (ReadInfo){sdup("as_of"), 0, VK_DATE, -1};
    r[1] = (RuleInfo){.kind = RULE_CATEGORY, .name = sdup("tekun"), .label = sdup("特困供养人员"), .cite = sdup("三、(一)"),
                      .line = 33, .col = 1, .reg = 13, .value_kind = VK_BOOL, .enum_index = -1, .pc_start = 1, .pc_end = 4};
    r[1].natoms = 2;
    r[1].atoms = atoms(2, (AtomInfo[]){{1, 13, 33, 8, "age >= 60"}, {3, 13, 33, 22, "disabled"}});
    r[2] = (RuleInfo){.kind = RULE_CATEGORY, .name = sdup("orphan"), .label = sdup("孤儿"), .line = 34, .col = 1,
                      .reg = 14, .value_kind = VK_BOOL, .enum_index = -1, .pc_start = 4, .pc_end = 6};
    r[2].natoms = 1;
    r[2].atoms = atoms(1, (AtomInfo[]){{5, 14, 34, 8, "age < 18"}});
    r[3] = (RuleInfo){.kind = RULE_BRANCH, .name = sdup("home"), .label = sdup("居家供养"), .cite = sdup("四、¶1"),
                      .line = 40, .col = 3, .reg = 20, .enum_index = 0, .pc_start = 12, .pc_end = 16};
    r[4] = (RuleInfo){.kind = RULE_KEY, .name = sdup("age"), .line = 44, .col = 20, .reg = 12,
                      .value_kind = VK_INT, .enum_index = -1, .pc_start = 17, .pc_end = 17, .desc = true};
    r[5] = (RuleInfo){.kind = RULE_FILTER, .name = sdup("age >= 60"), .line = 45, .col = 20, .reg = 23,
                      .value_kind = VK_BOOL, .enum_index = -1, .pc_start = 17, .pc_end = 18};
    r[6] = (RuleInfo){.kind = RULE_CELL, .name = sdup("t/row/old"), .line = 45, .col = 20, .reg = 23,
                      .value_kind = VK_BOOL, .enum_index = -1, .pc_start = 17, .pc_end = 18};
}

static Program *sample(void)
{
    Program *p = xcalloc(1, sizeof *p);
    p->source_path = sdup("t.doudi");
    p->policy = sdup("郑州市特殊贫困群体兜底保障工作三年行动方案");
    p->policy_source = sdup("郑民文〔2021〕16号");
    sample_code(p);
    sample_consts(p);
    sample_enums(p);
    sample_records(p);
    sample_rules(p);
    return p;
}

/* ---- helpers --------------------------------------------------------------------------- */

static void assert_verifies(const Program *p)
{
    char *e = program_verify(p);
    if (e) print_error("program_verify: %s\n", e);
    assert_null(e);
}

typedef struct Bytes {
    unsigned char *data;
    size_t len;
} Bytes;

static Bytes serialize(const Program *p)
{
    Bytes b;
    b.data = (unsigned char *)program_serialize(p, &b.len);
    return b;
}

static void poke(unsigned char *at, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) at[i] = (unsigned char)(v >> (8 * i));
}

/* The .ddc header: "DDC\x1A", u32 version, u64 opcode hash, u64 length, u64 checksum. */
enum { HDR = 32, HDR_HASH = 8, HDR_LENGTH = 16, HDR_SUM = 24 };

/* Set the header's length and checksum to match the bytes (a file that is wrong inside but
 * passes the integrity checks). FNV-1a 64, written out again here on purpose. */
static void reseal(unsigned char *d, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = HDR; i < len; i++) h = (h ^ d[i]) * 0x100000001b3u;
    poke(d + HDR_LENGTH, len, 8);
    poke(d + HDR_SUM, h, 8);
}

/* Deserialize, expecting rejection with exactly `want`. */
static void assert_rejected_at(const unsigned char *d, size_t len, const char *want, const char *file, int line)
{
    char *e = NULL;
    Program *p = program_deserialize(d, len, &e);
    if (p || !e || strcmp(e, want) != 0) {
        print_error("%s:%d: want rejection \"%s\", got %s \"%s\"\n", file, line, want,
                    p ? "a program" : "rejection", e ? e : "");
        program_free(p);
        free(e);
        _fail(file, line);
    }
    free(e);
}
#define assert_rejected(d, len, want) assert_rejected_at((d), (len), (want), __FILE__, __LINE__)

/* Run from `entry` on `fields`; returns the registers (caller frees) and the error. */
static int64_t *run(const Program *p, uint32_t entry, const int64_t *fields, uint32_t n, VmError *err)
{
    Vm *vm = vm_new(p);
    vm_run(vm, entry, fields, n);
    *err = vm->error;
    int64_t *regs = xmalloc(p->nregs * sizeof *regs);
    memcpy(regs, vm->regs, p->nregs * sizeof *regs);
    vm_free(vm);
    return regs;
}

/* Two registers hold the same value: equal, or pointers to the same text constant of each
 * program (each program owns its strings, so those pointers differ). */
static bool same_value(const Program *a, const int64_t *ra, const int64_t *rb, uint32_t i)
{
    if (ra[i] == rb[i]) return true;
    for (uint32_t k = 0; k < a->nconsts; k++)
        if (a->consts[k].kind == VK_TEXT && ra[i] == ra[k]) return rb[i] == rb[k];
    return false;
}

static void assert_same_run(const Program *a, const Program *b, uint32_t entry, const int64_t *fields, uint32_t n)
{
    VmError ea, eb;
    int64_t *ra = run(a, entry, fields, n, &ea), *rb = run(b, entry, fields, n, &eb);
    assert_int_equal(ea, eb);
    assert_int_equal(a->nregs, b->nregs);
    for (uint32_t i = 0; i < a->nregs; i++) {
        if (!same_value(a, ra, rb, i)) print_error("R%u: %lld vs %lld\n", i, (long long)ra[i], (long long)rb[i]);
        assert_true(same_value(a, ra, rb, i));
    }
    free(ra);
    free(rb);
}

/* serialize → deserialize → serialize gives the same bytes; returns the loaded program. */
static Program *round_trip(const Program *p)
{
    Bytes b = serialize(p);
    char *e = NULL;
    Program *q = program_deserialize(b.data, b.len, &e);
    if (!q) print_error("deserialize: %s\n", e);
    assert_non_null(q);
    Bytes c = serialize(q);
    assert_int_equal(b.len, c.len);
    assert_memory_equal(b.data, c.data, b.len);
    free(b.data);
    free(c.data);
    return q;
}

/* ---- the sample ---------------------------------------------------------------------------- */

static const char *const sample_id = "11010519491231002X";

static void sample_person(int64_t f[4], const char *id)
{
    f[0] = (int64_t)(intptr_t)id;
    f[1] = days_from_civil(1949, 12, 31);
    f[2] = 1;
    f[3] = 2;
}

static void test_sample_runs(void **state)
{
    (void)state;
    Program *p = sample();
    assert_verifies(p);
    int64_t f[4];
    sample_person(f, sample_id);
    Vm *vm = vm_new(p);
    assert_true(vm_run(vm, p->person_entry, f, 4));
    int64_t *r = vm->regs;
    assert_int_equal(r[12], 71);          /* 1949-12-31 to 2021-04-01 */
    assert_int_equal(r[13], 1);           /* tekun: 60 <= 71 and disabled */
    assert_int_equal(r[14], 0);           /* orphan: 71 < 18 is false */
    assert_int_equal(r[15], 1);           /* the mask: bit 0 */
    assert_int_equal(r[16], 1);
    assert_int_equal(r[17], 0);           /* primary: tekun */
    assert_int_equal(r[18], 0);           /* placement: home */
    assert_int_equal(r[19], 0);           /* its first branch */
    assert_true(vm_continue(vm, p->targets_entry));
    assert_int_equal(r[23], 1);           /* filter */
    r[23] = 7;                            /* the filter's code alone, after the person entry */
    assert_true(vm_run_region(vm, p->rules[5].pc_start, p->rules[5].pc_end, f, 4));
    assert_int_equal(r[23], 1);
    assert_true(vm_run(vm, p->records[0].check_entry, f, 4));
    assert_int_equal(r[21], 1);
    vm_free(vm);
    program_free(p);
}

/* The sample with the outcome as the compiler now writes it: OUTCOME for CATS .. the two MOVs
 * (the four left over become LOADIs into the temporary), LOADI2 for the branch's two LOADIs.
 * The verifier must see OUTCOME write all five outcome registers (it checks that each holds a
 * number on every path), and the person comes out as before. */
static void test_sample_fused_outcome(void **state)
{
    (void)state;
    Program *p = sample();
    p->code[6] = (Ins)I(OUTCOME, 15, 13, 2);
    for (int pc = 7; pc <= 10; pc++) p->code[pc] = (Ins)I(LOADI, 22, 0, 0);
    p->code[13] = (Ins)I(LOADI2, 18, 0, 0);
    p->code[14] = (Ins)I(LOADI, 22, 0, 0);
    assert_verifies(p);
    int64_t f[4];
    sample_person(f, sample_id);
    Vm *vm = vm_new(p);
    assert_true(vm_run(vm, p->person_entry, f, 4));
    static const int64_t outcome[5] = {1, 1, 0, 0, 0};   /* mask, count, primary, home, its first branch */
    assert_memory_equal(vm->regs + 15, outcome, sizeof outcome);
    f[2] = 0;                                            /* not disabled: no category, no placement */
    assert_true(vm_run(vm, p->person_entry, f, 4));
    static const int64_t none[5] = {0, 0, -1, -1, -1};
    assert_memory_equal(vm->regs + 15, none, sizeof none);
    vm_free(vm);
    program_free(p);
}

static void test_round_trip(void **state)
{
    (void)state;
    Program *p = sample();
    Program *q = round_trip(p);
    assert_string_equal(q->policy_source, "郑民文〔2021〕16号");
    assert_null(q->strings[2]);
    assert_null(q->enums[0].labels[1]);
    assert_null(q->records[1].label);
    assert_true(q->rules[4].desc);
    int64_t f[4];
    sample_person(f, sample_id);
    assert_same_run(p, q, p->person_entry, f, 4);
    assert_same_run(p, q, p->records[0].check_entry, f, 4);
    sample_person(f, "11010519491231002x");
    assert_same_run(p, q, p->records[0].check_entry, f, 4);
    /* the text constant points into the loaded program's own strings */
    Vm *vm = vm_new(q);
    assert_string_equal((const char *)(intptr_t)vm->regs[3], "410122");
    vm_free(vm);
    program_free(q);
    program_free(p);
}

static void test_save_load(void **state)
{
    (void)state;
    Program *p = sample();
    char path[] = "/tmp/doudi-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char *e = NULL;
    assert_true(program_save(p, path, &e));
    Program *q = program_load(path, &e);
    assert_non_null(q);
    Bytes a = serialize(p), b = serialize(q);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    free(a.data);
    free(b.data);
    program_free(q);

    FILE *f = fopen(path, "wb");               /* a file that is not a program */
    fputs("policy \"x\"\n", f);
    fclose(f);
    assert_null(program_load(path, &e));
    char want[128];
    snprintf(want, sizeof want, "%s: not a doudi program", path);
    assert_string_equal(e, want);
    free(e);
    unlink(path);

    assert_null(program_load("/nonexistent/p.ddc", &e));
    assert_string_equal(e, "cannot read /nonexistent/p.ddc: No such file or directory");
    free(e);
    assert_false(program_save(p, "/nonexistent/p.ddc", &e));
    assert_string_equal(e, "cannot write /nonexistent/p.ddc: No such file or directory");
    free(e);
    program_free(p);
}

/* ---- rejection: the header ----------------------------------------------------------------- */

static void test_header_rejections(void **state)
{
    (void)state;
    Program *p = sample();
    Bytes b = serialize(p);
    program_free(p);
    unsigned char *d = xmalloc(b.len + 1);

    memcpy(d, b.data, b.len);
    d[0] = 'X';
    assert_rejected(d, b.len, "not a doudi program");
    assert_rejected((const unsigned char *)"PK\3\4", 4, "not a doudi program");
    assert_rejected((const unsigned char *)"D", 1, "truncated: 1 bytes, shorter than the 32-byte header");

    memcpy(d, b.data, b.len);                  /* an older format: named, not called damage */
    poke(d + 4, 1, 4);
    assert_rejected(d, b.len, "format version 1, this doudi reads 5: recompile the rule file");
    assert_rejected(d, 8, "format version 1, this doudi reads 5: recompile the rule file");
    poke(d + 4, 2, 4);                         /* version 2: before MOVP, enums without codes */
    assert_rejected(d, b.len, "format version 2, this doudi reads 5: recompile the rule file");
    poke(d + 4, 3, 4);                         /* version 3 (MOVP) or 4 (codes, field lines) alone */
    assert_rejected(d, b.len, "format version 3, this doudi reads 5: recompile the rule file");
    poke(d + 4, 4, 4);
    assert_rejected(d, b.len, "format version 4, this doudi reads 5: recompile the rule file");
    poke(d + 4, 6, 4);
    assert_rejected(d, b.len, "format version 6, this doudi reads 5: it was made by a newer doudi");

    memcpy(d, b.data, b.len);                  /* another instruction set */
    d[HDR_HASH] ^= 0x01;
    char want[200];
    snprintf(want, sizeof want, "built for another instruction set (opcode table %016llx, this doudi's %016llx): "
             "recompile the rule file", (unsigned long long)(program_opcode_hash() ^ 1),
             (unsigned long long)program_opcode_hash());
    assert_rejected(d, b.len, want);
    reseal(d, b.len);                          /* even with the rest intact */
    assert_rejected(d, b.len, want);

    memcpy(d, b.data, b.len);
    d[b.len] = 0;                              /* one byte too many */
    snprintf(want, sizeof want, "corrupt: %zu bytes where the header says %zu", b.len + 1, b.len);
    assert_rejected(d, b.len + 1, want);

    memcpy(d, b.data, b.len);
    d[b.len - 1] ^= 0x01;                      /* the last byte */
    assert_rejected(d, b.len, "checksum mismatch: the file is corrupt");
    memcpy(d, b.data, b.len);
    d[HDR_SUM + 1] ^= 0x80;                    /* the checksum itself */
    assert_rejected(d, b.len, "checksum mismatch: the file is corrupt");
    free(d);
    free(b.data);
}

/* Every prefix is rejected, with the message its length calls for. */
static void check_truncations(const Bytes *b)
{
    char want[128];
    for (size_t n = 0; n < b->len; n++) {
        if (n < HDR) snprintf(want, sizeof want, "truncated: %zu bytes, shorter than the 32-byte header", n);
        else snprintf(want, sizeof want, "truncated: %zu bytes of %zu", n, b->len);
        /* a copy of exactly n bytes, so ASan sees any read past the end */
        unsigned char *d = xmalloc(n ? n : 1);
        memcpy(d, b->data, n);
        assert_rejected(d, n, want);
        free(d);
    }
}

static void test_truncated(void **state)
{
    (void)state;
    Program *p = sample();
    Bytes b = serialize(p);
    check_truncations(&b);
    free(b.data);
    program_free(p);
}

/* Every single bit flipped: always rejected as it stands. With the checksum recomputed over
 * the flipped body, it is either rejected or loads as a program that verifies, serializes back
 * to the very same bytes, and disassembles. */
static void test_bit_flips(void **state)
{
    (void)state;
    Program *p = sample();
    Bytes b = serialize(p);
    program_free(p);
    unsigned char *d = xmalloc(b.len);
    size_t accepted = 0;
    for (size_t i = 0; i < b.len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(d, b.data, b.len);
            d[i] ^= (unsigned char)(1u << bit);
            char *e = NULL;
            Program *q = program_deserialize(d, b.len, &e);
            assert_null(q);
            assert_non_null(e);
            free(e);
            if (i < HDR) continue;
            reseal(d, b.len);
            e = NULL;
            q = program_deserialize(d, b.len, &e);
            if (!q) {
                assert_non_null(e);
                free(e);
                continue;
            }
            accepted++;
            assert_verifies(q);
            Bytes c = serialize(q);
            assert_int_equal(c.len, b.len);
            assert_memory_equal(c.data, d, b.len);
            free(c.data);
            StrBuf sb = {0};
            program_disasm(q, &sb);
            sb_free(&sb);
            program_free(q);
        }
    print_message("[          ] %zu of %zu resealed flips load as sound programs\n", accepted, (b.len - HDR) * 8);
    assert_true(accepted > 0);
    free(d);
    free(b.data);
}

/* ---- rejection: sound files with unsound programs -------------------------------------------- */

typedef struct Defect {
    void (*apply)(Program *p);
    const char *message;
} Defect;

#define DEFECT(name, ...) static void name(Program *p) { __VA_ARGS__; }
DEFECT(jump_past_end, p->code[2].b = 40)
DEFECT(jump_backward, p->code[15].a = 5)
DEFECT(jump_to_self, p->code[20].b = 20)
DEFECT(reg_past_end, p->code[5].c = S_NREGS)
DEFECT(write_const, p->code[3].a = 4)
DEFECT(no_halt, p->code[S_NCODE - 1] = (Ins)I(MOV, 22, 12, 0))
DEFECT(text_index, p->consts[3].value = 5)
DEFECT(text_null, p->consts[3].value = 2)
DEFECT(const_kind, p->consts[6].kind = 9)
DEFECT(bad_opcode, p->code[7].op = 200)
DEFECT(in_range_end, p->code[5] = (Ins)I(IN_RANGE, 14, 12, S_NREGS - 1))
DEFECT(cats_many, p->code[6].c = 64)
DEFECT(cats_end, p->code[6].c = 12)
DEFECT(table_end, p->code[4] = (Ins)I(INDEX, 22, 12, 1))
DEFECT(person_entry, p->person_entry = S_NCODE)
DEFECT(targets_entry, p->targets_entry = S_NCODE)
DEFECT(check_entry, p->records[1].check_entry = 30)
DEFECT(field_base, p->field_base = 21)
DEFECT(fields_on_consts, p->field_base = 6)
DEFECT(field_enum, p->records[0].fields[0].kind = VK_ENUM)
DEFECT(text_range, p->records[0].fields[0].range_kind = 2; p->records[0].fields[0].range_lo = 4)
DEFECT(param_reg, p->params[0].reg = 8)
DEFECT(too_many_regs, p->nregs = 70000)
DEFECT(consts_regs, p->nconsts = 30; p->consts = xrealloc(p->consts, 30 * sizeof *p->consts);
       for (int i = S_NCONSTS; i < 30; i++) p->consts[i] = (Const){VK_INT, 0})
DEFECT(rule_order, RuleInfo t = p->rules[0]; p->rules[0] = p->rules[1]; p->rules[1] = t)
DEFECT(ncategories, p->ncategories = 3)
/* the run names each category by its enum value (found by fuzz_ddc: read past the values) */
DEFECT(category_enum_short, free(p->enums[1].values[1]); free(p->enums[1].labels[1]); p->enums[1].count = 1)
DEFECT(atom_pc, p->rules[1].atoms[0].pc = S_NCODE)
DEFECT(branch_value, p->rules[3].enum_index = 2)
DEFECT(rule_code, p->rules[0].pc_end = S_NCODE + 1)
DEFECT(enum_value, free(p->enums[0].values[1]); p->enums[0].values[1] = NULL)
DEFECT(placement_enum, p->placement_enum = 2)
DEFECT(outcome_reg, p->reg_branch = S_NREGS)
DEFECT(require_reg, p->records[0].requires[0].reg = 99)
/* the k bit: 0 or 1 where opcodes.def gives one, 0 elsewhere */
DEFECT(k_without_bit, p->code[7].k = 1)
DEFECT(jump_with_k, p->code[11].k = 1)
/* what hosts read, and the kinds on every path (issue: hand-made files that crashed hosts) */
DEFECT(rule_at_end, p->rules[4].pc_start = p->rules[4].pc_end = S_NCODE)
DEFECT(category_text, p->rules[1].value_kind = VK_TEXT)
DEFECT(cell_text, p->rules[6].value_kind = VK_TEXT)
DEFECT(filter_int, p->rules[5].value_kind = VK_INT)
DEFECT(let_no_kind, p->rules[0].value_kind = 0)
DEFECT(branch_text, p->rules[3].value_kind = VK_TEXT)
DEFECT(writes_field, p->code[13] = (Ins)I(LOADI, 8, 0, 0))
DEFECT(outcome_end, p->code[6] = (Ins)I(OUTCOME, 20, 13, 2))
DEFECT(loadi2_end, p->code[13] = (Ins)I(LOADI2, 23, 0, 0))
DEFECT(loadi2_field, p->code[13] = (Ins)I(LOADI2, 11, 0, 0))
DEFECT(category_some_paths, p->code[1].a = 22)
DEFECT(let_holds_text, p->code[0] = (Ins)I(MOV, 12, 8, 0))
DEFECT(read_as_text, p->rules[0].reads[0].kind = VK_TEXT)
DEFECT(outcome_some_paths, p->code[9].a = 22)
DEFECT(targets_clobber, p->code[17] = (Ins)I(MOV, 12, 3, 0))
DEFECT(text_never_written, p->code[19].b = 22)
DEFECT(text_some_paths, p->code[12] = (Ins)I(MOV, 20, 3, 0); p->code[17] = (Ins)I(LEN_T, 23, 20, 0))
DEFECT(require_unwritten, p->records[0].requires[0].reg = 22)
DEFECT(param_kind, p->params[0].kind = VK_TEXT)
DEFECT(cell_not_own_code, p->rules[6].pc_start = p->rules[6].pc_end = 18)
DEFECT(cell_unreached, p->rules[6].pc_start = 16; p->rules[6].pc_end = 16; p->rules[6].reg = 18)

static const Defect defects[] = {
    {jump_past_end, "instruction 2 (JMPF): jump target 40 is outside the code (22 instructions)"},
    {jump_backward, "instruction 15 (JMP): jump target 5 is not forward"},
    {jump_to_self, "instruction 20 (JMPF): jump target 20 is not forward"},
    {reg_past_end, "instruction 5 (LT): register R24 is outside the register file (24 registers)"},
    {write_const, "instruction 3 (MOV): writes constant register K4"},
    {no_halt, "the last instruction (21) is MOV, not HALT"},
    {text_index, "constant K3: text index 5 is outside the string table (3 strings)"},
    {text_null, "constant K3: text index 2 names no string"},
    {const_kind, "constant K6 has an unknown kind 9"},
    {bad_opcode, "instruction 7: unknown opcode 200"},
    {in_range_end, "instruction 5 (IN_RANGE): bounds R23..R24 run past the register file (24 registers)"},
    {cats_many, "instruction 6 (CATS): 64 bools, at most 63"},
    {cats_end, "instruction 6 (CATS): registers R13..R24 run past the register file (24 registers)"},
    {table_end, "instruction 4 (INDEX): table K1 of 60 entries runs past the register file (24 registers)"},
    {person_entry, "the person entry 22 is outside the code (22 instructions)"},
    {targets_entry, "the targets entry 22 is outside the code (22 instructions)"},
    {check_entry, "record institution: check entry 30 is outside the code (22 instructions)"},
    {field_base, "record person: 4 fields from R21 run past the register file (24 registers)"},
    {fields_on_consts, "record person: its fields from R6 overlap the constants (8)"},
    {field_enum, "record person: field id names enum -1 (2 enums)"},
    {text_range, "record person: field id is text but has a range"},
    {param_reg, "param as_of: R8 is not a constant register (8 constants)"},
    {too_many_regs, "70000 registers; the 16-bit operands reach 65536"},
    {consts_regs, "30 constants but only 24 registers"},
    {rule_order, "rule 1 (age) is out of order: lets, categories, branches, keys, filter"},
    {ncategories, "the program declares 3 categories but has 2 category rules"},
    {category_enum_short, "the program declares 2 categories but its category enum names 1"},
    {atom_pc, "rule 1 (tekun): atom 0 at pc 22 is outside the code (22 instructions)"},
    {branch_value, "rule 3 (home): 2 is not a value of the placement enum"},
    {rule_code, "rule 0 (age): code 0..23 is outside the code (22 instructions)"},
    {enum_value, "enum care_mode: value 1 has no name"},
    {placement_enum, "the placement enum 2 is not an enum (2 enums)"},
    {outcome_reg, "an outcome register R24 is outside the register file (24 registers)"},
    {require_reg, "record person: require 0 reads R99, outside the register file (24 registers)"},
    {k_without_bit, "instruction 7 (POPCNT): k is 1, but POPCNT has no k bit (it must be 0)"},
    {jump_with_k, "instruction 11 (JMPF): k is 1, but JMPF has no k bit (it must be 0)"},
    {rule_at_end, "rule 4 (age): code 22..22 is outside the code (22 instructions)"},
    {category_text, "rule 1 (tekun): a category's value kind must be bool, not text"},
    {cell_text, "rule 6 (t/row/old): a cell's value kind must be bool, not text"},
    {filter_int, "rule 5 (age >= 60): a filter's value kind must be bool, not int"},
    {let_no_kind, "rule 0 (age): a let's value kind 0 is not a kind"},
    {branch_text, "rule 3 (home): a branch's value kind must be bool, not text"},
    {writes_field, "instruction 13 (LOADI): writes R8, a field of the record"},
    {outcome_end, "instruction 6 (OUTCOME): writes R20..R24, past the register file (24 registers)"},
    {loadi2_end, "instruction 13 (LOADI2): writes R23..R24, past the register file (24 registers)"},
    {loadi2_field, "instruction 13 (LOADI2): writes R11, a field of the record"},
    {category_some_paths, "rule 1 (tekun): its value R13 is read as bool after the person entry, but it is not "
                          "written on every path"},
    {let_holds_text, "rule 0 (age): its value R12 is read as int after the person entry, but it may hold another kind"},
    {read_as_text, "rule 0 (age): a read R9 is read as text after the person entry, but it may hold another kind"},
    {outcome_some_paths, "the outcome register R18 does not hold a number on every path from the person entry"},
    {targets_clobber, "rule 0 (age): its value R12 is read as int after the targets entry, but it may hold another kind"},
    {text_never_written, "instruction 19 (VALID_ID): R22 is read as text but does not hold text on every path from "
                         "record person's check entry"},
    {text_some_paths, "instruction 17 (LEN_T): R20 is read as text but does not hold text on every path from "
                      "the targets entry"},
    {require_unwritten, "record person: require 0 reads R22, which does not hold a bool on every path from record "
                        "person's check entry"},
    {param_kind, "param as_of: its register does not hold text"},
    {cell_not_own_code, "rule 6 (t/row/old): its value R23 is read as bool after rule 6 run alone, but it is not "
                        "written on every path"},
    {cell_unreached, "rule 6 (t/row/old): a cell whose code neither the targets entry nor a record's check reaches"},
};

/* Each defect is named by program_verify, and by program_deserialize for a file carrying it
 * with a correct checksum (program_serialize writes whatever it is given). */
static void test_defects(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(defects); i++) {
        Program *p = sample();
        defects[i].apply(p);
        char *e = program_verify(p);
        if (!e || strcmp(e, defects[i].message) != 0)
            print_error("defect %zu: want \"%s\", got \"%s\"\n", i, defects[i].message, e ? e : "(sound)");
        assert_non_null(e);
        assert_string_equal(e, defects[i].message);
        free(e);
        Bytes b = serialize(p);
        assert_rejected(b.data, b.len, defects[i].message);
        free(b.data);
        program_free(p);
    }
}

static void test_no_line_table(void **state)
{
    (void)state;
    Program *p = sample();
    free(p->pc_col);
    p->pc_col = NULL;
    char *e = program_verify(p);
    assert_string_equal(e, "the program has no line table");
    free(e);
    program_free(p);
}

/* Offsets in the sample's file: the header, then source_path, policy, policy_source, the
 * rule file's text, ncode. */
static size_t ncode_offset(const Program *p)
{
    return HDR + 4 + strlen(p->source_path) + 4 + strlen(p->policy) + 4 + strlen(p->policy_source) + 4 + p->source_len;
}

/* Lengths and counts that point past the end, with a correct checksum. */
static void test_bad_lengths(void **state)
{
    (void)state;
    Program *p = sample();
    Bytes b = serialize(p);
    unsigned char *d = xmalloc(b.len + 1);

    memcpy(d, b.data, b.len);
    poke(d + HDR, 0x7FFFFFFF, 4);               /* source_path: 2 GB of string */
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed header section: the data ends early");

    memcpy(d, b.data, b.len);
    poke(d + HDR, 0xFFFFFFFE, 4);
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed header section: the data ends early");

    size_t at = ncode_offset(p);
    memcpy(d, b.data, b.len);
    assert_int_equal(d[at], S_NCODE);
    poke(d + at, 0xFFFFFFF0, 4);               /* 4 billion instructions */
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed code section: a count exceeds what the rest of the file can hold");

    memcpy(d, b.data, b.len);
    d[HDR + 4 + 1] = 0;                         /* "t\0doudi" */
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed header section: a string holds a NUL byte");

    /* the file ends: the last rule's desc flag, no schedule (a 0 flag), no capacity plan (a 0
     * flag), no forms (a u32 count 0), no notice (a 0 flag) */
    memcpy(d, b.data, b.len);
    d[b.len - 8] = 2;                          /* the last rule's desc flag */
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed rules section: a flag is neither 0 nor 1");

    memcpy(d, b.data, b.len);
    d[b.len - 6] = 2;                          /* the capacity plan's presence flag */
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed capacity section: a flag is neither 0 nor 1");

    memcpy(d, b.data, b.len);
    d[b.len - 1] = 2;                          /* the notice's presence flag */
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed notice section: a flag is neither 0 nor 1");

    memcpy(d, b.data, b.len);
    d[b.len - 1] = 1;                          /* a notice said to follow, and the file ends */
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed notice section: the data ends early");

    /* a file written before notices existed ends after the forms: a program without one */
    memcpy(d, b.data, b.len);
    reseal(d, b.len - 1);                      /* the header's length says so too */
    char *e = NULL;
    Program *old = program_deserialize(d, b.len - 1, &e);
    assert_null(e);
    assert_non_null(old);
    assert_null(old->notice);
    program_free(old);

    memcpy(d, b.data, b.len);
    d[b.len] = 0;                              /* a byte after the last section */
    reseal(d, b.len + 1);
    assert_rejected(d, b.len + 1, "malformed: 1 bytes left over after the last section");
    free(d);
    free(b.data);
    program_free(p);
}

/* ---- tables, rules, disassembly ------------------------------------------------------------ */

/* The hash of the instruction set, pinned: renumbering, renaming, reshaping or reflagging an
 * opcode changes it, and every .ddc file made before is then refused as built for another
 * instruction set. Change this value only together with such a change, on purpose. */
#define OPCODE_HASH 0x0741e5fc0e52d9fcull

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)data)[i]) * 0x100000001b3u;
    return h;
}

static void test_opcode_tables(void **state)
{
    (void)state;
    assert_string_equal(opcode_names[OP_HALT], "HALT");
    assert_string_equal(opcode_names[OP_IN_RANGE], "IN_RANGE");
    assert_string_equal(opcode_shapes[OP_JMPF], "RJ-");
    assert_string_equal(opcode_shapes[OP_INDEX], "RRT");
    assert_string_equal(opcode_comments[OP_MOV], "R[a] := R[b]");
    assert_int_equal(opcode_flags[OP_EQ_T], OPF_W | OPF_TB | OPF_TC);
    assert_int_equal(opcode_flags[OP_RANGEJ], OPF_W | OPF_K | OPF_PAIRED | OPF_BOUNDS);
    assert_int_equal(opcode_flags[OP_OUTCOME], OPF_W | OPF_W5 | OPF_SPAN | OPF_MASK);
    assert_int_equal(opcode_writes(opcode_flags[OP_OUTCOME]), 5);
    assert_int_equal(opcode_writes(opcode_flags[OP_LOADI2]), 2);
    assert_int_equal(opcode_writes(opcode_flags[OP_MOV]), 1);
    assert_int_equal(opcode_writes(opcode_flags[OP_JMPF]), 0);
    assert_int_equal(opcode_fused[OP_EQ], OP_EQJ);
    assert_int_equal(opcode_fused[OP_MOV], OP_MOVJ);
    assert_int_equal(opcode_fused[OP_EQ_T], OP_NONE);
    for (int i = 0; i < OP__COUNT; i++) {
        const char *shape = opcode_shapes[i];
        unsigned f = opcode_flags[i];
        assert_int_equal(strlen(shape), 3);
        assert_int_equal(strspn(shape, "RJIT-"), 3);
        assert_true(strlen(opcode_names[i]) > 0 && strlen(opcode_names[i]) <= 9);
        /* the facts agree with each other and with the shape */
        bool jumps = strchr(shape, 'J') != NULL;
        if (f & OPF_K) assert_true((f & OPF_PAIRED) ? !jumps : shape[2] == 'J');
        if (f & OPF_PAIRED) assert_true((f & OPF_K) && (f & OPF_W));
        if (f & OPF_END) assert_false(f & OPF_W);
        if (f & (OPF_TB | OPF_COPY)) assert_true(shape[1] == 'R');
        if (f & OPF_TC) assert_true(shape[2] == 'R');
        if (f & OPF_SPAN) assert_true(shape[1] == 'R' && shape[2] == 'I');
        if (f & OPF_BOUNDS) assert_true(shape[2] == 'R');
        if (f & OPF_W) assert_true(shape[0] == 'R');
        if (f & (OPF_W2 | OPF_W5)) assert_true((f & OPF_W) && !(f & OPF_COPY) && !((f & OPF_W2) && (f & OPF_W5)));
        uint8_t to = opcode_fused[i];
        if (to == OP_NONE) continue;
        /* a fused form writes the same R[a] from the same operands, and carries k */
        assert_true(to < OP__COUNT && (opcode_flags[to] & OPF_K) && (f & OPF_W));
        assert_int_equal(opcode_flags[to] & (OPF_COPY | OPF_TB | OPF_TC | OPF_BOUNDS), f & (OPF_COPY | OPF_TB | OPF_TC | OPF_BOUNDS));
        assert_memory_equal(opcode_shapes[to], shape, (opcode_flags[to] & OPF_PAIRED) ? 3 : 2);
    }
    /* the hash is FNV-1a 64 over each opcode's name (with its NUL), shape (with its NUL) and
     * flags (2 bytes, little-endian), in order */
    uint64_t h = 0xcbf29ce484222325u;
    for (int i = 0; i < OP__COUNT; i++) {
        h = fnv(h, opcode_names[i], strlen(opcode_names[i]) + 1);
        h = fnv(h, opcode_shapes[i], 4);
        const unsigned char f[2] = {(unsigned char)opcode_flags[i], (unsigned char)(opcode_flags[i] >> 8)};
        h = fnv(h, f, 2);
    }
    assert_true(h == program_opcode_hash());
    if (program_opcode_hash() != OPCODE_HASH)
        print_error("the opcode table changed: its hash is now 0x%016llxull\n", (unsigned long long)program_opcode_hash());
    assert_true(program_opcode_hash() == OPCODE_HASH);
}

static void test_program_rules(void **state)
{
    (void)state;
    Program *p = sample();
    uint32_t n;
    assert_int_equal(program_rules(p, RULE_LET, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(program_rules(p, RULE_CATEGORY, &n), 1);
    assert_int_equal(n, 2);
    assert_int_equal(program_rules(p, RULE_BRANCH, &n), 3);
    assert_int_equal(n, 1);
    assert_int_equal(program_rules(p, RULE_KEY, &n), 4);
    assert_int_equal(n, 1);
    assert_int_equal(program_rules(p, RULE_FILTER, &n), 5);
    assert_int_equal(n, 1);
    p->nrules = 1;                             /* only the let: no categories, at the end */
    assert_int_equal(program_rules(p, RULE_CATEGORY, &n), 1);
    assert_int_equal(n, 0);
    p->nrules = 7;
    program_free(p);
    program_free(NULL);
}

static void assert_has_line_at(const char *text, const char *line, const char *file, int at)
{
    size_t n = strlen(line);
    for (const char *s = text; (s = strstr(s, line)); s += n)
        if ((s == text || s[-1] == '\n') && (s[n] == '\n' || s[n] == '\0')) return;
    print_error("%s:%d: no line\n%s\nin:\n%s", file, at, line, text);
    _fail(file, at);
}
#define assert_has_line(text, line) assert_has_line_at((text), (line), __FILE__, __LINE__)

static void test_disasm(void **state)
{
    (void)state;
    Program *p = sample();
    StrBuf sb = {0};
    program_disasm(p, &sb);
    const char *t = sb_str(&sb);
    assert_has_line(t, "; doudi program from t.doudi");
    assert_has_line(t, "; policy 郑州市特殊贫困群体兜底保障工作三年行动方案 (郑民文〔2021〕16号)");
    assert_has_line(t, "; 22 instructions, 24 registers (8 constants, fields from R8), 3 strings, "
                       "2 enums, 2 records, 1 params, 7 rules (2 categories)");
    assert_has_line(t, "; entries: person 0000, targets 0017, person checks 0019, institution checks 0021");
    assert_has_line(t, "  K0 = 2021-04-01 (date)  param as_of");
    assert_has_line(t, "  K1 = 60 (int)");
    assert_has_line(t, "  K2 = 30% (percent)");
    assert_has_line(t, "  K3 = \"410122\" (text)");
    assert_has_line(t, "  K4 = true (bool)");
    assert_has_line(t, "  K5 = 0.5000 (number)");
    assert_has_line(t, "  K6 = 1 (enum)");
    assert_has_line(t, "  K7 = -1 (int)");
    assert_has_line(t, "record person \"保障对象\"  (4 fields from R8, 1 requires)");
    assert_has_line(t, "  R8     id: text key");
    assert_has_line(t, "  R10    disabled: bool default false");
    assert_has_line(t, "  R9     beds: int");
    assert_has_line(t, "  R8     county: text default \"\"");
    assert_has_line(t, "let age \"年龄\"  (line 30) -> R12");
    assert_has_line(t, "  0000  YEARS     R12 R9 K0       ; line 30:11");
    assert_has_line(t, "category tekun \"特困供养人员\" [三、(一)]  (line 33) -> R13");
    assert_has_line(t, "  0001  LE        R13 K1 R12      ; line 33:8: age >= 60");
    assert_has_line(t, "  0002  JMPF      R13 ->0004      ; line 33:8");
    assert_has_line(t, "  0003  MOV       R13 R10         ; line 33:22: disabled");
    assert_has_line(t, "branch home \"居家供养\" [四、¶1]  (line 40) -> R20");
    assert_has_line(t, "  0013  LOADI     R18 0           ; line 40:3");
    assert_has_line(t, "key age desc  (line 44) -> R12");
    assert_has_line(t, "filter age >= 60  (line 45) -> R23");
    assert_has_line(t, "cell t/row/old  (line 45) -> R23");
    assert_has_line(t, "code 0006..0011");
    assert_has_line(t, "  0006  CATS      R15 R13..R14");   /* a span: the two category bools */
    assert_has_line(t, "  0016  HALT");
    assert_has_line(t, "code 0016..0016");
    assert_has_line(t, "code 0018..0018");            /* the targets entry (17) is the filter's code */
    assert_has_line(t, "code 0019..0020 (record person checks)");
    assert_has_line(t, "  0019  VALID_ID  R21 R8          ; line 12:11");
    assert_has_line(t, "code 0021..0021 (record institution checks)");
    /* the rules come in their order, the uncovered code after them */
    assert_true(strstr(t, "let age") < strstr(t, "category tekun"));
    assert_true(strstr(t, "cell t/row") < strstr(t, "code 0006..0011"));
    sb_free(&sb);
    program_free(p);
}

/* ---- the real rule file ---------------------------------------------------------------------- */

static const char *const rule_file = "rules/zhengzhou-2021.doudi";

static Program *compile_file(const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        print_error("cannot read %s (run the tests from the top of the tree)\n", path);
        fail();
    }
    Parsed *ps = parse_text_as(path, text);
    free(text);
    assert_int_equal(ps->diags.errors, 0);
    Rules *rules = check_module(&ps->arena, ps->mod, &ps->diags);
    assert_int_equal(ps->diags.errors, 0);
    Program *p = compile_rules(rules, &ps->diags);
    assert_int_equal(ps->diags.errors, 0);
    parsed_free(ps);
    assert_non_null(p);
    return p;
}

/* A person record of the program's schema: zeros, "" for texts, the given id for the key. */
static int64_t *person_record(const Program *p, const char *id)
{
    const RecordInfo *r = &p->records[0];
    int64_t *f = xcalloc(r->nfields, sizeof *f);
    for (uint32_t i = 0; i < r->nfields; i++)
        if (r->fields[i].kind == VK_TEXT) f[i] = (int64_t)(intptr_t)((int32_t)i == r->key ? id : "");
    return f;
}

/* The notice of the Zhengzhou rules: compiled as written, carried by a .ddc, and each part of
 * it checked by the verifier. */
static void test_notice(void **state)
{
    (void)state;
    Program *p = compile_file(rule_file);
    const NoticeInfo *n = p->notice;
    assert_non_null(n);
    assert_string_equal(n->label, "郑州市特殊贫困群体兜底保障对象公示名单");
    assert_int_equal(n->nper, 3);
    static const char *const per[] = {"county", "township", "village"};
    for (uint32_t i = 0; i < 3; i++) assert_string_equal(p->records[0].fields[n->per_fields[i]].name, per[i]);
    assert_int_equal(p->consts[n->period_from_reg].kind, VK_DATE);
    assert_int_equal(p->consts[n->office_reg].kind, VK_TEXT);
    assert_string_equal(p->strings[p->consts[n->office_reg].value], "所在县（市、区）民政局");
    static const struct { const char *name; uint8_t source, mask; } cols[] = {
        {"name", NOTICE_FIELD, NOTICE_MASK_NAME}, {"id", NOTICE_FIELD, NOTICE_MASK_ID},
        {"primary", NOTICE_PRIMARY, NOTICE_MASK_NONE}, {"care", NOTICE_PLACEMENT, NOTICE_MASK_NONE},
        {"year", NOTICE_YEAR, NOTICE_MASK_NONE},
    };
    assert_int_equal(n->ncols, ARRAY_LEN(cols));
    for (size_t i = 0; i < ARRAY_LEN(cols); i++) {
        assert_string_equal(n->cols[i].name, cols[i].name);
        assert_int_equal(n->cols[i].source, cols[i].source);
        assert_int_equal(n->cols[i].mask, cols[i].mask);
    }
    assert_int_equal(n->nwithholds, 1);
    assert_string_equal(n->withholds[0].label, "未成年人");

    Program *q = round_trip(p);
    assert_non_null(q->notice);
    assert_int_equal(q->notice->ncols, n->ncols);
    assert_int_equal(q->notice->withholds[0].reg, n->withholds[0].reg);
    assert_string_equal(q->notice->cols[1].label, "身份证号");
    program_free(q);

    static const char *const problems[] = {
        "notice: level 0 is no text or enum field", "notice: the period is no pair of date constants",
        "notice: the office is no text constant", "notice column 0: masks a field that is no text",
        "notice column 2: masks an outcome", "notice column 3: no let's register",
        "notice withhold 0: no condition's register",
    };
    for (size_t k = 0; k < ARRAY_LEN(problems); k++) {
        NoticeInfo saved = *p->notice;
        NoticeColumnInfo cols_saved[5];
        memcpy(cols_saved, n->cols, sizeof cols_saved);
        int32_t per0 = n->per_fields[0];
        uint32_t wreg = n->withholds[0].reg;
        NoticeInfo *m = p->notice;
        switch (k) {
        case 0: m->per_fields[0] = p->records[0].key + 5; break;   /* birth_date, a date */
        case 1: m->period_to_reg = m->office_reg; break;
        case 2: m->office_reg = m->period_from_reg; break;
        case 3: m->cols[0].field = 5; break;
        case 4: m->cols[2].mask = NOTICE_MASK_NAME; break;
        case 5: m->cols[3].source = NOTICE_LET; m->cols[3].reg = 0; break;
        case 6: m->withholds[0].reg = m->office_reg; break;
        }
        char *e = program_verify(p);
        if (!e || strcmp(e, problems[k])) print_error("notice damage %zu: got \"%s\"\n", k, e ? e : "(sound)");
        assert_non_null(e);
        assert_string_equal(e, problems[k]);
        free(e);
        *p->notice = saved;
        memcpy(n->cols, cols_saved, sizeof cols_saved);
        n->per_fields[0] = per0;
        n->withholds[0].reg = wreg;
    }
    assert_verifies(p);
    program_free(p);
}

static void test_compiled_rules(void **state)
{
    (void)state;
    Program *p = compile_file(rule_file);
    assert_verifies(p);
    Program *q = round_trip(p);
    const char *ids[] = {sample_id, "410122195003071238", "", "11010519490231002"};
    for (size_t i = 0; i < ARRAY_LEN(ids); i++) {
        int64_t *f = person_record(p, ids[i]);
        assert_same_run(p, q, p->person_entry, f, p->records[0].nfields);
        assert_same_run(p, q, p->records[0].check_entry, f, p->records[0].nfields);
        free(f);
    }
    StrBuf sb = {0};
    program_disasm(q, &sb);
    assert_non_null(strstr(sb_str(&sb), "\ncategory tekun \"特困供养人员\""));
    assert_non_null(strstr(sb_str(&sb), "(record person checks)"));
    sb_free(&sb);
    Bytes b = serialize(p);
    check_truncations(&b);
    free(b.data);
    program_free(q);
    program_free(p);
}

/* ---- hostile programs ---------------------------------------------------------------------
 * Hand-made files that an earlier verifier accepted and that then crashed a host: each is the
 * compiled rule file with one change, written as a .ddc with a correct checksum, and must now
 * be refused by doudi_load with the reason. The unchanged file answers the same questions. */

typedef struct Hostile {
    const char *what;
    char *(*apply)(Program *p);    /* returns the refusal expected (malloc'd) */
} Hostile;

/* The first instruction in [from, to) that writes a register. */
static uint32_t first_write(const Program *p, uint32_t from, uint32_t to)
{
    for (uint32_t pc = from; pc < to; pc++)
        if (opcode_flags[p->code[pc].op] & OPF_W) return pc;
    fail();
    return 0;
}

/* The first rule of a kind, or the last. */
static uint32_t rule_of(const Program *p, RuleKind kind, bool last)
{
    uint32_t n, first = program_rules(p, kind, &n);
    assert_true(n > 0);
    return last ? first + n - 1 : first;
}

/* The person entry overwrites the key (a text field) with a number; explain then printed the
 * key as text (strlen of a number). An earlier verifier forgot such a write when it set up the
 * targets entry, which starts from the fields' declared kinds. */
static char *person_writes_key(Program *p)
{
    uint32_t pc = first_write(p, p->person_entry, p->targets_entry), key = p->field_base + (uint32_t)p->records[0].key;
    p->code[pc].a = (uint16_t)key;
    return xasprintf("instruction %u (%s): writes R%u, a field of the record", pc, opcode_names[p->code[pc].op], key);
}

/* The same in the targets entry (refused before too: the schedule key `id` reads it as text). */
static char *targets_writes_key(Program *p)
{
    uint32_t pc = first_write(p, p->targets_entry, p->records[0].check_entry), key = p->field_base + (uint32_t)p->records[0].key;
    p->code[pc].a = (uint16_t)key;
    return xasprintf("instruction %u (%s): writes R%u, a field of the record", pc, opcode_names[p->code[pc].op], key);
}

/* A category whose value kind says text: doudi_value formatted its bool as text. */
static char *category_says_text(Program *p)
{
    uint32_t i = rule_of(p, RULE_CATEGORY, false);
    p->rules[i].value_kind = VK_TEXT;
    return xasprintf("rule %u (%s): a category's value kind must be bool, not text", i, p->rules[i].name);
}

/* A table cell whose value kind says text: likewise. */
static char *cell_says_text(Program *p)
{
    uint32_t i = rule_of(p, RULE_CELL, false);
    p->rules[i].value_kind = VK_TEXT;
    return xasprintf("rule %u (%s): a cell's value kind must be bool, not text", i, p->rules[i].name);
}

/* A cell whose code starts at the end of the code: doudi_value ran from there, past the last
 * instruction (into a zeroed slot the loader happens to allocate, read as HALT). */
static char *cell_past_code(Program *p)
{
    uint32_t i = rule_of(p, RULE_CELL, true);
    p->rules[i].pc_start = p->rules[i].pc_end = p->ncode;
    return xasprintf("rule %u (%s): code %u..%u is outside the code (%u instructions)", i, p->rules[i].name,
                     p->ncode, p->ncode, p->ncode);
}

/* A key whose value kind says text but whose register holds a number. */
static char *key_says_text(Program *p)
{
    uint32_t i = rule_of(p, RULE_KEY, false);
    p->rules[i].value_kind = VK_TEXT;
    return xasprintf("rule %u (%s): its value R%u is read as text after the targets entry, but it may hold "
                     "another kind", i, p->rules[i].name, p->rules[i].reg);
}

static const Hostile hostile[] = {
    {"the person entry writes the key field", person_writes_key},
    {"the targets entry writes the key field", targets_writes_key},
    {"a category says text", category_says_text},
    {"a cell says text", cell_says_text},
    {"a cell starts at the end of the code", cell_past_code},
    {"a key says text", key_says_text},
};

static void write_program(const Program *p, const char *path)
{
    Bytes b = serialize(p);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
    assert_int_equal(fclose(f), 0);
    free(b.data);
}

/* What doudi_value says of `name` for rec. */
static void assert_value(const doudi_rules *r, const doudi_record *rec, const char *name, const char *want)
{
    char *err = NULL, *v = doudi_value(r, rec, name, NULL, &err);
    if (!v) print_error("%s: %s\n", name, err ? err : "");
    assert_non_null(v);
    assert_string_equal(v, want);
    doudi_string_free(v);
}

static void test_hostile_programs(void **state)
{
    (void)state;
    char path[] = "/tmp/doudi-hostile-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    Program *good = compile_file(rule_file);
    write_program(good, path);
    char *err = NULL;
    doudi_rules *r = doudi_load(path, &err);
    assert_non_null(r);
    doudi_record *rec = zz_person(r, "1950-06-15", true, "labor_capacity=none,income_source=0,supporter=none");
    assert_value(r, rec, "tekun", "true");
    assert_value(r, rec, "orphan", "false");
    assert_value(r, rec, "attachment1 row tekun", "true");     /* a cell, its code run alone */
    assert_value(r, rec, "attachment1 row orphan", "false");
    char *why = doudi_explain(r, rec, DOUDI_TEXT, &err);
    assert_non_null(why);
    assert_non_null(strstr(why, "410122195006150011"));         /* the key, printed as text */
    doudi_string_free(why);
    doudi_record_free(rec);
    doudi_free(r);
    Bytes b = serialize(good);
    for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
        Program *p = program_deserialize(b.data, b.len, &err);
        assert_non_null(p);
        char *want = hostile[i].apply(p);
        write_program(p, path);
        program_free(p);
        char full[600];
        snprintf(full, sizeof full, "%s: %s", path, want);
        err = NULL;
        r = doudi_load(path, &err);
        if (r || !err || strcmp(err, full)) print_error("%s: want \"%s\", got \"%s\"\n", hostile[i].what, full, err ? err : "(loaded)");
        assert_null(r);
        assert_string_equal(err, full);
        doudi_string_free(err);
        free(want);
    }
    free(b.data);
    program_free(good);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_runs),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_header_rejections),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_defects),
        cmocka_unit_test(test_sample_fused_outcome),
        cmocka_unit_test(test_no_line_table),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_opcode_tables),
        cmocka_unit_test(test_program_rules),
        cmocka_unit_test(test_disasm),
        cmocka_unit_test(test_compiled_rules),
        cmocka_unit_test(test_hostile_programs),
        cmocka_unit_test(test_notice),
    };
    return cmocka_run_group_tests_name("ddc", tests, NULL, NULL);
}
