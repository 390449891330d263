/* test_ddc.c — the Program outside the VM: program_verify, the .ddc format (round trips,
 * rejections with their exact messages, truncation and bit flips that must never crash —
 * run these under `make SAN=1 test`), program_rules, the opcode tables and the disassembler.
 *
 * sample() builds by hand a small Program using every table: two enums, two records, a
 * param, constants of every kind, lets, categories with atoms, a branch, a key, a filter and
 * a record check. Then the real rule file is compiled and put through the same round trip. */
#include "helpers.h"

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

/* Registers: K0..K6 constants, R7..R10 the person's fields (id, birth_date, disabled, grade),
 * R11 the let age, R12 R13 the categories, R14..R18 catmask, catcount, primary, placement,
 * branch; R19 the branch condition, R20 the require, R21 a temporary, R22 the filter.
 *
 *   person entry (0)
 *   0  YEARS R11 R8 K0      let age = years_between(birth_date, as_of)
 *   1  LE    R12 K1 R11     category tekun: age >= 60          (atom)
 *   2  JMPF  R12 ->4                        and
 *   3  MOV   R12 R9                         disabled           (atom)
 *   4  LOADI R21 18         category orphan: age < 18
 *   5  LT    R13 R11 R21                                       (atom)
 *   6  CATS  R14 R12 2      the outcome: no rule covers 6..9
 *   7  POPCNT R15 R14
 *   8  LOWBIT R16 R14
 *   9  JMPF  R14 ->14       not a target: no placement
 *   10 MOV   R19 K4         branch home (unconditional)
 *   11 LOADI R17 0
 *   12 LOADI R18 0
 *   13 JMP   ->14
 *   14 LE    R22 K1 R11     key age desc (no code), filter age >= 60
 *   15 HALT
 *   person checks (16)
 *   16 VALID_ID R20 R7
 *   17 JMPF  R20 ->18
 *   18 HALT                 institution checks (18) */
enum { S_NCODE = 19, S_NREGS = 23, S_NCONSTS = 7 };

static void sample_code(Program *p)
{
    static const Ins code[S_NCODE] = {
        I(YEARS, 11, 8, 0), I(LE, 12, 1, 11), I(JMPF, 12, 4, 0), I(MOV, 12, 9, 0),
        I(LOADI, 21, 18, 0), I(LT, 13, 11, 21), I(CATS, 14, 12, 2), I(POPCNT, 15, 14, 0),
        I(LOWBIT, 16, 14, 0), I(JMPF, 14, 14, 0), I(MOV, 19, 4, 0), I(LOADI, 17, 0, 0),
        I(LOADI, 18, 0, 0), I(JMP, 14, 0, 0), I(LE, 22, 1, 11), I(HALT, 0, 0, 0),
        I(VALID_ID, 20, 7, 0), I(JMPF, 20, 18, 0), I(HALT, 0, 0, 0),
    };
    static const uint32_t line[S_NCODE] = {30, 33, 33, 33, 34, 34, 0, 0, 0, 0, 40, 40, 40, 40,
                                           45, 0, 12, 12, 0};
    static const uint32_t col[S_NCODE] = {11, 8, 8, 22, 8, 8, 0, 0, 0, 0, 3, 3, 3, 3, 20, 0, 11, 11, 0};
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
        {VK_BOOL, 1}, {VK_NUMBER, 5000}, {VK_ENUM, 1},
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
    p->enums[0] = (EnumInfo){sdup("care_mode"), sdup("供养形式"), 2, dup_all(modes, 2), dup_all(mode_labels, 2)};
    const char *cats[2] = {"tekun", "orphan"}, *cat_labels[2] = {"特困供养人员", "孤儿"};
    p->enums[1] = (EnumInfo){sdup("category"), NULL, 2, dup_all(cats, 2), dup_all(cat_labels, 2)};
}

static void sample_records(Program *p)
{
    p->field_base = S_NCONSTS;
    p->nrecords = 2;
    p->records = xcalloc(2, sizeof *p->records);
    RecordInfo *r = &p->records[0];
    *r = (RecordInfo){.name = sdup("person"), .label = sdup("保障对象"), .nfields = 4, .key = 0, .check_entry = 16};
    r->fields = xcalloc(4, sizeof *r->fields);
    r->fields[0] = (FieldInfo){.name = sdup("id"), .label = sdup("身份证号"), .kind = VK_TEXT, .enum_index = -1, .key = true};
    r->fields[1] = (FieldInfo){.name = sdup("birth_date"), .kind = VK_DATE, .enum_index = -1};
    r->fields[2] = (FieldInfo){.name = sdup("disabled"), .kind = VK_BOOL, .enum_index = -1, .has_default = true};
    r->fields[3] = (FieldInfo){.name = sdup("grade"), .kind = VK_INT, .enum_index = -1, .range_kind = 1,
                               .range_lo = 0, .range_hi = 4};
    r->nrequires = 1;
    r->requires = xcalloc(1, sizeof *r->requires);
    r->requires[0] = (RequireInfo){sdup("身份证号校验位不正确"), 20, 12, 11, sdup("valid_resident_id(id)")};
    r = &p->records[1];
    *r = (RecordInfo){.name = sdup("institution"), .nfields = 2, .key = -1, .check_entry = 18};
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
    p->ncategories = 2;
    p->category_enum = 1;
    p->placement_enum = 0;
    p->placement_name = sdup("care");
    p->placement_label = sdup("供养形式");
    p->reg_catmask = 14, p->reg_catcount = 15, p->reg_primary = 16, p->reg_placement = 17, p->reg_branch = 18;
    p->nrules = 6;
    RuleInfo *r = p->rules = xcalloc(6, sizeof *p->rules);
    r[0] = (RuleInfo){.kind = RULE_LET, .name = sdup("age"), .label = sdup("年龄"), .line = 30, .col = 5,
                      .reg = 11, .value_kind = VK_INT, .enum_index = -1, .pc_start = 0, .pc_end = 1};
    r[0].nreads = 2;
    r[0].reads = xcalloc(2, sizeof *r[0].reads);
    r[0].reads[0] = (ReadInfo){sdup("birth_date"), 8, VK_DATE, -1};
    r[0].reads[1] = (ReadInfo){sdup("as_of"), 0, VK_DATE, -1};
    r[1] = (RuleInfo){.kind = RULE_CATEGORY, .name = sdup("tekun"), .label = sdup("特困供养人员"), .cite = sdup("三、(一)"),
                      .line = 33, .col = 1, .reg = 12, .value_kind = VK_BOOL, .enum_index = -1, .pc_start = 1, .pc_end = 4};
    r[1].natoms = 2;
    r[1].atoms = atoms(2, (AtomInfo[]){{1, 12, 33, 8, "age >= 60"}, {3, 12, 33, 22, "disabled"}});
    r[2] = (RuleInfo){.kind = RULE_CATEGORY, .name = sdup("orphan"), .label = sdup("孤儿"), .line = 34, .col = 1,
                      .reg = 13, .value_kind = VK_BOOL, .enum_index = -1, .pc_start = 4, .pc_end = 6};
    r[2].natoms = 1;
    r[2].atoms = atoms(1, (AtomInfo[]){{5, 13, 34, 8, "age < 18"}});
    r[3] = (RuleInfo){.kind = RULE_BRANCH, .name = sdup("home"), .label = sdup("居家供养"), .cite = sdup("四、¶1"),
                      .line = 40, .col = 3, .reg = 19, .enum_index = 0, .pc_start = 10, .pc_end = 14};
    r[4] = (RuleInfo){.kind = RULE_KEY, .name = sdup("age"), .line = 44, .col = 20, .reg = 11,
                      .value_kind = VK_INT, .enum_index = -1, .pc_start = 14, .pc_end = 14, .desc = true};
    r[5] = (RuleInfo){.kind = RULE_FILTER, .name = sdup("age >= 60"), .line = 45, .col = 20, .reg = 22,
                      .value_kind = VK_BOOL, .enum_index = -1, .pc_start = 14, .pc_end = 15};
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

/* Set the header's length and checksum to match the bytes (a file that is wrong inside but
 * passes the integrity checks). FNV-1a 64, written out again here on purpose. */
static void reseal(unsigned char *d, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 24; i < len; i++) h = (h ^ d[i]) * 0x100000001b3u;
    poke(d + 8, len, 8);
    poke(d + 16, h, 8);
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
    VmError err;
    int64_t *r = run(p, p->person_entry, f, 4, &err);
    assert_int_equal(err, VM_OK);
    assert_int_equal(r[11], 71);          /* 1949-12-31 to 2021-04-01 */
    assert_int_equal(r[12], 1);           /* tekun: 60 <= 71 and disabled */
    assert_int_equal(r[13], 0);           /* orphan: 71 < 18 is false */
    assert_int_equal(r[14], 1);           /* the mask: bit 0 */
    assert_int_equal(r[15], 1);
    assert_int_equal(r[16], 0);           /* primary: tekun */
    assert_int_equal(r[17], 0);           /* placement: home */
    assert_int_equal(r[22], 1);           /* filter */
    free(r);
    r = run(p, p->records[0].check_entry, f, 4, &err);
    assert_int_equal(err, VM_OK);
    assert_int_equal(r[20], 1);
    free(r);
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
    assert_rejected((const unsigned char *)"D", 1, "truncated: 1 bytes, shorter than the 24-byte header");

    memcpy(d, b.data, b.len);
    poke(d + 4, 2, 4);
    assert_rejected(d, b.len, "version 2, this doudi reads 1");

    memcpy(d, b.data, b.len);
    d[b.len] = 0;                              /* one byte too many */
    char want[128];
    snprintf(want, sizeof want, "corrupt: %zu bytes where the header says %zu", b.len + 1, b.len);
    assert_rejected(d, b.len + 1, want);

    memcpy(d, b.data, b.len);
    d[b.len - 1] ^= 0x01;                      /* the last byte */
    assert_rejected(d, b.len, "checksum mismatch: the file is corrupt");
    memcpy(d, b.data, b.len);
    d[17] ^= 0x80;                             /* the checksum itself */
    assert_rejected(d, b.len, "checksum mismatch: the file is corrupt");
    free(d);
    free(b.data);
}

/* Every prefix is rejected, with the message its length calls for. */
static void check_truncations(const Bytes *b)
{
    char want[128];
    for (size_t n = 0; n < b->len; n++) {
        if (n < 24) snprintf(want, sizeof want, "truncated: %zu bytes, shorter than the 24-byte header", n);
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
            if (i < 24) continue;
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
    print_message("[          ] %zu of %zu resealed flips load as sound programs\n", accepted, (b.len - 24) * 8);
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
DEFECT(jump_backward, p->code[13].a = 5)
DEFECT(jump_to_self, p->code[17].b = 17)
DEFECT(reg_past_end, p->code[5].c = S_NREGS)
DEFECT(write_const, p->code[3].a = 4)
DEFECT(no_halt, p->code[S_NCODE - 1] = (Ins)I(MOV, 21, 11, 0))
DEFECT(text_index, p->consts[3].value = 5)
DEFECT(text_null, p->consts[3].value = 2)
DEFECT(const_kind, p->consts[6].kind = 9)
DEFECT(bad_opcode, p->code[7].op = 200)
DEFECT(in_range_end, p->code[5] = (Ins)I(IN_RANGE, 13, 11, S_NREGS - 1))
DEFECT(cats_many, p->code[6].c = 64)
DEFECT(cats_end, p->code[6].c = 12)
DEFECT(table_end, p->code[4] = (Ins)I(INDEX, 21, 11, 1))
DEFECT(person_entry, p->person_entry = S_NCODE)
DEFECT(targets_entry, p->targets_entry = S_NCODE)
DEFECT(check_entry, p->records[1].check_entry = 30)
DEFECT(field_base, p->field_base = 20)
DEFECT(field_enum, p->records[0].fields[0].kind = VK_ENUM)
DEFECT(param_reg, p->params[0].reg = 7)
DEFECT(too_many_regs, p->nregs = 70000)
DEFECT(consts_regs, p->nconsts = 30; p->consts = xrealloc(p->consts, 30 * sizeof *p->consts);
       for (int i = S_NCONSTS; i < 30; i++) p->consts[i] = (Const){VK_INT, 0})
DEFECT(rule_order, RuleInfo t = p->rules[0]; p->rules[0] = p->rules[1]; p->rules[1] = t)
DEFECT(ncategories, p->ncategories = 3)
DEFECT(atom_pc, p->rules[1].atoms[0].pc = S_NCODE)
DEFECT(branch_value, p->rules[3].enum_index = 2)
DEFECT(rule_code, p->rules[0].pc_end = S_NCODE + 1)
DEFECT(enum_value, free(p->enums[0].values[1]); p->enums[0].values[1] = NULL)
DEFECT(placement_enum, p->placement_enum = 2)
DEFECT(outcome_reg, p->reg_branch = S_NREGS)
DEFECT(require_reg, p->records[0].requires[0].reg = 99)

static const Defect defects[] = {
    {jump_past_end, "instruction 2 (JMPF): jump target 40 is outside the code (19 instructions)"},
    {jump_backward, "instruction 13 (JMP): jump target 5 is not forward"},
    {jump_to_self, "instruction 17 (JMPF): jump target 17 is not forward"},
    {reg_past_end, "instruction 5 (LT): register R23 is outside the register file (23 registers)"},
    {write_const, "instruction 3 (MOV): writes constant register K4"},
    {no_halt, "the last instruction (18) is MOV, not HALT"},
    {text_index, "constant K3: text index 5 is outside the string table (3 strings)"},
    {text_null, "constant K3: text index 2 names no string"},
    {const_kind, "constant K6 has an unknown kind 9"},
    {bad_opcode, "instruction 7: unknown opcode 200"},
    {in_range_end, "instruction 5 (IN_RANGE): bounds R22..R23 run past the register file (23 registers)"},
    {cats_many, "instruction 6 (CATS): 64 bools, at most 63"},
    {cats_end, "instruction 6 (CATS): bools R12..R23 run past the register file (23 registers)"},
    {table_end, "instruction 4 (INDEX): table K1 of 60 entries runs past the register file (23 registers)"},
    {person_entry, "the person entry 19 is outside the code (19 instructions)"},
    {targets_entry, "the targets entry 19 is outside the code (19 instructions)"},
    {check_entry, "record institution: check entry 30 is outside the code (19 instructions)"},
    {field_base, "record person: 4 fields from R20 run past the register file (23 registers)"},
    {field_enum, "record person: field id names enum -1 (2 enums)"},
    {param_reg, "param as_of: R7 is not a constant register (7 constants)"},
    {too_many_regs, "70000 registers; the 16-bit operands reach 65536"},
    {consts_regs, "30 constants but only 23 registers"},
    {rule_order, "rule 1 (age) is out of order: lets, categories, branches, keys, filter"},
    {ncategories, "the program declares 3 categories but has 2 category rules"},
    {atom_pc, "rule 1 (tekun): atom 0 at pc 19 is outside the code (19 instructions)"},
    {branch_value, "rule 3 (home): 2 is not a value of the placement enum"},
    {rule_code, "rule 0 (age): code 0..20 is outside the code (19 instructions)"},
    {enum_value, "enum care_mode: value 1 has no name"},
    {placement_enum, "the placement enum 2 is not an enum (2 enums)"},
    {outcome_reg, "an outcome register R23 is outside the register file (23 registers)"},
    {require_reg, "record person: require 0 reads R99, outside the register file (23 registers)"},
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
    return 24 + 4 + strlen(p->source_path) + 4 + strlen(p->policy) + 4 + strlen(p->policy_source) + 4 + p->source_len;
}

/* Lengths and counts that point past the end, with a correct checksum. */
static void test_bad_lengths(void **state)
{
    (void)state;
    Program *p = sample();
    Bytes b = serialize(p);
    unsigned char *d = xmalloc(b.len + 1);

    memcpy(d, b.data, b.len);
    poke(d + 24, 0x7FFFFFFF, 4);               /* source_path: 2 GB of string */
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed header section: the data ends early");

    memcpy(d, b.data, b.len);
    poke(d + 24, 0xFFFFFFFE, 4);
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed header section: the data ends early");

    size_t at = ncode_offset(p);
    memcpy(d, b.data, b.len);
    assert_int_equal(d[at], S_NCODE);
    poke(d + at, 0xFFFFFFF0, 4);               /* 4 billion instructions */
    reseal(d, b.len);
    assert_rejected(d, b.len, "malformed code section: a count exceeds what the rest of the file can hold");

    memcpy(d, b.data, b.len);
    d[24 + 4 + 1] = 0;                         /* "t\0doudi" */
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
    poke(d + 8, b.len - 1, 8);
    reseal(d, b.len - 1);
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

static void test_opcode_tables(void **state)
{
    (void)state;
    assert_string_equal(opcode_names[OP_HALT], "HALT");
    assert_string_equal(opcode_names[OP_IN_RANGE], "IN_RANGE");
    assert_string_equal(opcode_shapes[OP_JMPF], "RJ-");
    assert_string_equal(opcode_shapes[OP_INDEX], "RRT");
    assert_string_equal(opcode_comments[OP_MOV], "R[a] := R[b]");
    for (int i = 0; i < OP__COUNT; i++) {
        assert_int_equal(strlen(opcode_shapes[i]), 3);
        assert_int_equal(strspn(opcode_shapes[i], "RJIT-"), 3);
        assert_true(strlen(opcode_names[i]) > 0 && strlen(opcode_names[i]) <= 9);
    }
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
    p->nrules = 6;
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
    assert_has_line(t, "; 19 instructions, 23 registers (7 constants, fields from R7), 3 strings, "
                       "2 enums, 2 records, 1 params, 6 rules (2 categories)");
    assert_has_line(t, "; entries: person 0000, targets 0000, person checks 0016, institution checks 0018");
    assert_has_line(t, "  K0 = 2021-04-01 (date)  param as_of");
    assert_has_line(t, "  K1 = 60 (int)");
    assert_has_line(t, "  K2 = 30% (percent)");
    assert_has_line(t, "  K3 = \"410122\" (text)");
    assert_has_line(t, "  K4 = true (bool)");
    assert_has_line(t, "  K5 = 0.5000 (number)");
    assert_has_line(t, "  K6 = 1 (enum)");
    assert_has_line(t, "record person \"保障对象\"  (4 fields from R7, 1 requires)");
    assert_has_line(t, "  R7     id: text key");
    assert_has_line(t, "  R9     disabled: bool default false");
    assert_has_line(t, "  R8     beds: int");
    assert_has_line(t, "  R7     county: text default \"\"");
    assert_has_line(t, "let age \"年龄\"  (line 30) -> R11");
    assert_has_line(t, "  0000  YEARS     R11 R8 K0       ; line 30:11");
    assert_has_line(t, "category tekun \"特困供养人员\" [三、(一)]  (line 33) -> R12");
    assert_has_line(t, "  0001  LE        R12 K1 R11      ; line 33:8: age >= 60");
    assert_has_line(t, "  0002  JMPF      R12 ->0004      ; line 33:8");
    assert_has_line(t, "  0003  MOV       R12 R9          ; line 33:22: disabled");
    assert_has_line(t, "branch home \"居家供养\" [四、¶1]  (line 40) -> R19");
    assert_has_line(t, "  0011  LOADI     R17 0           ; line 40:3");
    assert_has_line(t, "key age desc  (line 44) -> R11");
    assert_has_line(t, "filter age >= 60  (line 45) -> R22");
    assert_has_line(t, "code 0006..0009");
    assert_has_line(t, "  0006  CATS      R14 R12 2");
    assert_has_line(t, "  0015  HALT");
    assert_has_line(t, "code 0015..0015");
    assert_has_line(t, "code 0016..0017 (record person checks)");
    assert_has_line(t, "  0016  VALID_ID  R20 R7          ; line 12:11");
    assert_has_line(t, "code 0018..0018 (record institution checks)");
    /* the rules come in their order, the uncovered code after them */
    assert_true(strstr(t, "let age") < strstr(t, "category tekun"));
    assert_true(strstr(t, "filter age") < strstr(t, "code 0006..0009"));
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
        "notice: level 0 is no text field", "notice: the period is no pair of date constants",
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
        cmocka_unit_test(test_no_line_table),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_opcode_tables),
        cmocka_unit_test(test_program_rules),
        cmocka_unit_test(test_disasm),
        cmocka_unit_test(test_compiled_rules),
        cmocka_unit_test(test_notice),
    };
    return cmocka_run_group_tests_name("ddc", tests, NULL, NULL);
}
