/* program.h — a compiled rule file: bytecode, constants, the record schemas it reads and the
 * debug tables that explanations and runtime errors are built from.
 *
 * A Program is self-contained (it owns every string; it does not point into the AST), so it
 * can be written to a .ddc file and loaded again, and the REPL can drop the AST once compiled.
 *
 * Register file layout (nregs int64 slots, see vm.h):
 *   [0, nconsts)                 constants, set once when a VM is made (text: pointers)
 *   [field_base, field_base+n)   the fields of the record being evaluated (n = max fields)
 *   the rest                     lets, categories, outputs and temporaries
 * Code has only forward jumps: each instruction runs at most once per record. */
#ifndef DOUDI_PROGRAM_H
#define DOUDI_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum Opcode {
#define OP(name, shape, flags, fused, comment) OP_##name,
#include "opcodes.def"
#undef OP
    OP__COUNT,
    OP_NONE = OP__COUNT        /* "no such opcode": an opcode without a fused form */
} Opcode;

_Static_assert(OP__COUNT <= 256, "opcodes must fit in one byte");

/* What opcodes.def says of each opcode, as bits (see its header for each one's meaning). */
typedef enum OpFlag {
    OPF_W = 1 << 0,            /* writes R[a] */
    OPF_COPY = 1 << 1,         /* R[a] := R[b] as it is */
    OPF_TB = 1 << 2,           /* reads R[b] as text */
    OPF_TC = 1 << 3,           /* reads R[c] as text */
    OPF_SPAN = 1 << 4,         /* reads R[b] .. R[b+c-1] */
    OPF_MASK = 1 << 5,         /* ... into a 64-bit mask: c <= 63 */
    OPF_BOUNDS = 1 << 6,       /* reads R[c] and R[c+1] */
    OPF_END = 1 << 7,          /* never falls through */
    OPF_K = 1 << 8,            /* the k bit picks the jump's sense */
    OPF_PAIRED = 1 << 9,       /* borrows the target of the JMPF/JMPT after it */
    OPF_W2 = 1 << 10,          /* writes R[a+1] too */
    OPF_W5 = 1 << 11,          /* writes R[a+1] .. R[a+4] too */
} OpFlag;

/* How many registers, from R[a] on, an instruction with these flags writes. */
static inline unsigned opcode_writes(unsigned flags)
{
    return !(flags & OPF_W) ? 0 : flags & OPF_W5 ? 5 : flags & OPF_W2 ? 2 : 1;
}

/* One instruction, 8 bytes. k is 0 except for the opcodes flagged K, where 1 means "jump on
 * true" (Lua's comparisons carry the same bit instead of a jump-if-true twin). */
typedef struct Ins {
    uint8_t op;
    uint8_t k;
    uint16_t a, b, c;
} Ins;

/* Value kinds, as the schema and the constant table record them (same order as TypeKind). */
typedef enum ValueKind {
    VK_INT = 1, VK_NUMBER, VK_PERCENT, VK_BOOL, VK_TEXT, VK_DATE, VK_ENUM,
} ValueKind;

typedef struct Const {
    uint8_t kind;              /* ValueKind; VK_TEXT: value is an index into strings */
    int64_t value;
} Const;

typedef struct EnumInfo {
    char *name;
    char *label;               /* may be NULL */
    uint32_t count;
    char **values;             /* identifiers */
    char **labels;             /* Chinese labels; an entry may be NULL */
    char **codes;              /* `code "410102"`: one per value, or NULL when the enum has none */
} EnumInfo;

typedef struct FieldInfo {
    char *name;
    char *label;               /* may be NULL */
    uint8_t kind;              /* ValueKind */
    int32_t enum_index;        /* VK_ENUM: index into Program.enums; else -1 */
    bool key;
    bool has_default;
    int64_t default_value;     /* VK_TEXT: index into strings */
    uint8_t range_kind;        /* 0 none, 1 lo..hi, 2 bit mask of allowed small values */
    int64_t range_lo, range_hi;/* range_kind 1: inclusive bounds; 2: lo = the mask */
    uint32_t line, col;        /* where the field is declared (0: not known) */
} FieldInfo;

typedef struct RequireInfo {
    char *message;
    uint32_t reg;              /* holds the condition after the record's check entry ran */
    uint32_t line, col;
    char *text;                /* the condition as written */
} RequireInfo;

typedef struct RecordInfo {
    char *name;
    char *label;
    uint32_t nfields;
    FieldInfo *fields;
    int32_t key;               /* index of the key field */
    uint32_t check_entry;      /* pc of the code that evaluates the requires (ends in HALT) */
    uint32_t nrequires;
    RequireInfo *requires;
} RecordInfo;

/* One condition leaf of a category or a placement branch, for explanations: the trace gives
 * the value its last instruction wrote (or nothing, when short-circuiting skipped it). */
typedef struct AtomInfo {
    uint32_t pc;               /* the instruction writing the atom's value */
    uint32_t reg;              /* ... into this register */
    uint32_t line, col;
    char *text;                /* the source text of the atom */
} AtomInfo;

/* A name a rule reads, with the register that holds it after a run. */
typedef struct ReadInfo {
    char *name;
    uint32_t reg;
    uint8_t kind;              /* ValueKind */
    int32_t enum_index;
} ReadInfo;

typedef enum RuleKind {
    RULE_LET, RULE_CATEGORY, RULE_BRANCH, RULE_KEY,
    RULE_FILTER,               /* the schedule's `when`: who among the targets is scheduled */
    RULE_CELL,                 /* a table's row or column condition, or the capacity plan's
                                  upgrade condition (in its record's check entry); named for
                                  people ("attachment1 row tekun"); the engine finds them
                                  through FormInfo and CapacityInfo, never by name */
} RuleKind;

typedef struct RuleInfo {
    uint8_t kind;              /* RuleKind */
    char *name;                /* let/category name; branch: the placement value's name */
    char *label;
    char *cite;
    uint32_t line, col;
    uint32_t reg;              /* let value, category verdict, branch condition */
    uint8_t value_kind;        /* lets: ValueKind of the value */
    int32_t enum_index;        /* lets of enum type; branches: the placement value */
    uint32_t pc_start, pc_end; /* the rule's code */
    uint32_t natoms;
    AtomInfo *atoms;
    uint32_t nreads;
    ReadInfo *reads;
    bool desc;                 /* RULE_KEY: descending */
} RuleInfo;

typedef struct ParamInfo {
    char *name;
    uint8_t kind;              /* ValueKind */
    int32_t enum_index;
    uint32_t reg;              /* constant register holding it; overriding a param sets it */
} ParamInfo;

/* ---- the engine phases after the per-person code -------------------------------------------
 * Everything the schedule, the capacity plan and the forms need is here, so nothing after
 * the compiler reads the syntax tree and a .ddc file carries a whole plan. Numbers the rule
 * file writes there (a share, standard beds, the headroom) are constant registers, like
 * params — a param named there is its own register, so `--as-of`-style overrides reach the
 * engine too; the engine reads them from the VM's registers when a run starts. */

/* One quota group of the schedule: the categories ranked together (one for `each a, b:` per
 * name, all of them for `pool a, b:`) and the cumulative share placed by each year. */
typedef struct ScheduleGroupInfo {
    uint64_t categories;       /* bit i: category i is in this group */
    bool pool;                 /* a `pool` line (else one category of an `each` line) */
    uint32_t nyears;
    int64_t *years;            /* increasing */
    uint32_t *share_reg;       /* by year: constant register holding the cumulative share (percent) */
    char *cite;                /* may be NULL */
    uint32_t line, col;        /* the pool line, or the category's name on its `each` line */
} ScheduleGroupInfo;

/* The yearly schedule (INTERPRETATION §5): targets ranked per partition and group by the
 * RULE_KEY rules (the record key last); RULE_FILTER, when present, says who is scheduled. */
typedef struct ScheduleInfo {
    char *label;               /* may be NULL */
    int32_t partition_field;   /* field of records[0] it is `per`, or -1 */
    uint32_t ngroups;
    ScheduleGroupInfo *groups;
    uint32_t line, col;
} ScheduleInfo;

/* One institution type of the capacity plan. */
typedef struct CapacityItemInfo {
    int32_t type;              /* the placement value */
    uint32_t beds_reg;         /* constant register: standard beds of one institution (int) */
    bool has_minimum;
    uint32_t minimum_reg;      /* has_minimum: constant register, at least this many institutions (int) */
    char *cite;
    uint32_t line, col;
} CapacityItemInfo;

/* The capacity plan (INTERPRETATION §6): demand per partition and placement, beds required with
 * the headroom, institutions to build and upgrade, spread over the build years. */
typedef struct CapacityInfo {
    char *label, *cite;
    int32_t partition_field;   /* field of records[0] it is `per`, or -1 */
    int32_t record;            /* the institutions' record (index into records) */
    int32_t inst_partition_field, inst_type_field, inst_beds_field;   /* fields of that record */
    int32_t upgrade_reg;       /* after that record's check entry: the institution is upgraded; -1 */
    uint32_t headroom_reg;     /* constant register (percent) */
    uint32_t nbuild;
    int64_t *build_years;      /* increasing */
    uint32_t *build_reg;       /* by year: constant register, that year's share of the tasks (percent) */
    uint32_t nitems;
    CapacityItemInfo *items;
    uint32_t line, col;
} CapacityInfo;

typedef enum FormCell {
    FORM_COUNT,                /* targets in the row for whom the column's condition holds */
    FORM_EXISTING,             /* existing institutions of the row's type */
    FORM_BUILD,                /* institutions to build or upgrade in `year` (0: every year) */
    FORM_BLANK,                /* always empty */
} FormCell;

typedef struct FormRow {
    char *name, *label;
    bool total;                /* the sum of the other rows */
    int32_t reg;               /* targets entry: the row's condition; -1 for a total row */
    int32_t capacity_item;     /* the capacity item whose type the row is named by, or -1 */
    uint32_t line, col;
    char *cond;                /* its condition as written, or NULL (a total row) */
} FormRow;

typedef struct FormColumn {
    char *name, *label;
    char *group;               /* the header of the group it sits under, or NULL */
    uint8_t cell;              /* FormCell */
    int32_t reg;               /* FORM_COUNT: targets entry register of its condition, -1: everyone */
    int64_t year;              /* FORM_BUILD: the year, 0 for the total of every year */
    uint32_t line, col;
} FormColumn;

/* A form (`table`): its layout and where its cells' numbers come from. */
typedef struct FormInfo {
    char *name, *label;
    int32_t partition_field;   /* field of records[0] it is `per`, or -1 */
    uint32_t nrows, ncols;
    FormRow *rows;
    FormColumn *cols;
    uint8_t *blank;            /* nrows × ncols, row-major: the layout leaves the cell empty
                                  (`blank` columns, `blank in ROW`, a capacity column in a row
                                  that is no institution type); totals are computed around it */
    uint32_t line, col;
    /* The table has a total row, and the checker could not prove that its rows count every
     * target once (conditions other than `primary == X` / `care == X` forms): the run verifies
     * it person by person, and stops at a person counted by no row or by two. */
    bool verify_rows;
} FormInfo;

/* ---- the public notice (公示名单) ------------------------------------------------------------
 * Who is identified, posted per village: what each column shows and how it is masked, who is
 * withheld (counted per village, never listed), the period of publicity and the office that
 * receives objections. The engine reads the outcome columns from a run's stored results and
 * the others from the person's registers after the person and targets entries ran. */

typedef enum NoticeSource {
    NOTICE_FIELD,              /* a field of records[0] */
    NOTICE_LET,                /* a let: its register */
    NOTICE_PRIMARY,            /* the primary category (its label) */
    NOTICE_CATEGORIES,         /* every category that holds (their labels) */
    NOTICE_CATEGORY_COUNT,
    NOTICE_PLACEMENT,          /* the placement (its label) */
    NOTICE_YEAR,               /* the scheduled year, empty for none */
} NoticeSource;

typedef enum NoticeMask {
    NOTICE_MASK_NONE,
    NOTICE_MASK_NAME,          /* 张*三: the first and the last character kept (张* for two) */
    NOTICE_MASK_ID,            /* 410102********1234: the first six and the last four kept */
} NoticeMask;

typedef struct NoticeColumnInfo {
    char *name, *label;
    uint8_t source;            /* NoticeSource */
    uint8_t mask;              /* NoticeMask; only for text */
    int32_t field;             /* NOTICE_FIELD: index into records[0].fields; else -1 */
    uint32_t reg;              /* NOTICE_LET: its register */
    uint8_t kind;              /* NOTICE_LET: ValueKind */
    int32_t enum_index;        /* NOTICE_LET of enum type: index into enums; else -1 */
    uint32_t line, col;
} NoticeColumnInfo;

typedef struct NoticeWithholdInfo {
    char *label;               /* what the count is of: 未成年人 */
    uint32_t reg;              /* targets entry: a RULE_CELL rule's register, true = withheld */
    uint32_t line, col;
} NoticeWithholdInfo;

typedef struct NoticeInfo {
    char *label;               /* the title */
    uint32_t nper;
    int32_t *per_fields;       /* text fields of records[0], outermost first (county, township, village) */
    uint32_t period_from_reg, period_to_reg;   /* date constants */
    uint32_t office_reg;       /* a text constant */
    uint32_t ncols;
    NoticeColumnInfo *cols;
    uint32_t nwithholds;
    NoticeWithholdInfo *withholds;   /* the first that holds withholds a person */
    uint32_t line, col;
} NoticeInfo;

typedef struct Program {
    char *source_path;         /* the rule file it came from */
    char *source_text;         /* its text, byte for byte (a run stores it with its results) */
    uint32_t source_len;
    char *policy;              /* title, may be NULL */
    char *policy_source;       /* e.g. 郑民文〔2021〕16号, may be NULL */

    uint32_t ncode;
    Ins *code;
    uint32_t *pc_line, *pc_col;/* source position of each instruction */

    uint32_t nregs;
    uint32_t nconsts;
    Const *consts;             /* registers [0, nconsts) */
    uint32_t nstrings;
    char **strings;

    uint32_t nenums;
    EnumInfo *enums;
    uint32_t nrecords;
    RecordInfo *records;       /* records[0] is the subject (person) */
    uint32_t field_base;       /* first register of the record's fields */
    uint32_t nparams;
    ParamInfo *params;

    /* the per-person entry: lets, categories, outcome (category set, count, primary), placement */
    uint32_t person_entry;
    /* run after person_entry for a target (a person in at least one category), on the same
     * registers: the schedule's keys and filter, the forms' row and column conditions */
    uint32_t targets_entry;
    uint32_t ncategories;      /* categories are rules[...] of kind RULE_CATEGORY, in order */
    int32_t category_enum;     /* index of the categories' enum */
    int32_t placement_enum;    /* -1 when the rule file has no placement */
    char *placement_name;
    char *placement_label;
    uint32_t reg_catmask, reg_catcount, reg_primary, reg_placement, reg_branch;
    uint32_t nrules;
    RuleInfo *rules;           /* lets (eval order), categories, branches, keys, the schedule
                                  filter, table cells, in that order */

    ScheduleInfo *schedule;    /* NULL when the rule file has none */
    CapacityInfo *capacity;    /* NULL when the rule file has none (or no placement) */
    uint32_t nforms;
    FormInfo *forms;           /* in declaration order */
    NoticeInfo *notice;        /* NULL when the rule file has none */
} Program;

void program_free(Program *p);


/* v when 0 <= v < n, else -1: a register read as an index (primary category, placement,
 * branch) is checked before use, so even a damaged program cannot make the host index out of
 * bounds. */
static inline int64_t program_index(int64_t v, uint32_t n) { return v >= 0 && v < (int64_t)n ? v : -1; }

/* The jump a PAIRED opcode with bit k must be followed by: JMPF for k = 0, JMPT for k = 1. */
static inline Opcode program_paired_jump(unsigned k) { return k ? OP_JMPT : OP_JMPF; }

/* Rules of one kind, in order: returns the index of the first and the count. */
uint32_t program_rules(const Program *p, RuleKind kind, uint32_t *count);

/* Partitions (`per FIELD` of a schedule, capacity plan, form or notice; field -1: none).
 * A text field's partitions are its values; an enum field's are its declared values, each
 * keyed by its code when the enum has codes, else by its identifier: the key is what the
 * ledger stores for a run's forms and plan, and what the engine groups by.
 *   program_partition_key: the key of a record's value (record rec of the program, field
 *     `field` of it, value as the VM holds it); "" for no field or a value out of range.
 *   program_partitions / program_partition: an enum field's declared partitions, in the
 *     declared order (0 and NULL for a text field, whose partitions are only those seen).
 *   program_partition_find: the key that a code, identifier, label or key names (text fields:
 *     the text itself), or NULL when the enum has no such value (`--county 中牟县`).
 *   program_partition_name: what forms and reports show for a key — the value's label (else its
 *     identifier); a text field's value, or a key the enum does not know, as it is.
 *   program_partition_code: the value's code (else its identifier); other keys as they are.
 * Strings returned point into the program (or are the argument). */
const char *program_partition_key(const Program *p, uint32_t rec, int32_t field, int64_t value);
uint32_t program_partitions(const Program *p, int32_t field);
const char *program_partition(const Program *p, int32_t field, uint32_t i);
const char *program_partition_find(const Program *p, int32_t field, const char *text);
const char *program_partition_name(const Program *p, int32_t field, const char *key);
const char *program_partition_code(const Program *p, int32_t field, const char *key);

/* The opcode table, from opcodes.def: names, operand shapes, flags (OpFlag bits), fused
 * forms (OP_NONE for none) and comments. */
extern const char *const opcode_names[OP__COUNT];
extern const char *const opcode_shapes[OP__COUNT];
extern const uint16_t opcode_flags[OP__COUNT];
extern const uint8_t opcode_fused[OP__COUNT];
extern const char *const opcode_comments[OP__COUNT];

/* A hash (FNV-1a 64) of the instruction set: every opcode's name, shape and flags, in order.
 * Every .ddc file carries it, so a program built for another instruction set is refused as
 * such; tests pin its value, so renumbering or changing an opcode cannot pass silently. */
uint64_t program_opcode_hash(void);

/* Write to / read from the .ddc format: magic "DDC\x1A", format version, total length,
 * a checksum over the rest, then the sections. program_load checks every one of them and
 * every operand (register, jump and table indices in range, forward jumps only, code ending
 * in HALT) and returns NULL with a message in *error (malloc'd) for a bad file. */
bool program_save(const Program *p, const char *path, char **error);
char *program_serialize(const Program *p, size_t *len);
Program *program_load(const char *path, char **error);
Program *program_deserialize(const unsigned char *data, size_t len, char **error);
/* The .ddc format version program_save writes and program_load reads. */
int program_ddc_version(void);
/* The same checks, on a program in memory; NULL when it is sound, else a message. Sound
 * means: every table and operand in range (as opcodes.def shapes and flags it), constants and
 * fields never written, and for every way a host runs it — the person entry; the targets
 * entry on the registers the person entry left; each record's check entry; each key, filter
 * and cell alone (vm_run_region) after the person entry — every register read as text, by an
 * opcode or by the host (lets, keys, reads, params), holds text on every path, and every
 * register the host reads as an int, bool, enum index or date (lets, categories, keys, the
 * filter, cells, requires, the outcome) is written with such a value on every path. A per-enum
 * table param's size register is never overridden (vm_set_param refuses). */
char *program_verify(const Program *p);
/* The part of them about the schedule, the capacity plan and the forms (verify_plan.c). */
char *program_verify_plan(const Program *p);

/* Disassembly: each rule's name, line and opcodes with operands and source lines. */
struct StrBuf;
void program_disasm(const Program *p, struct StrBuf *out);

/* For a field without a default that a record lacks (a test's `given`, an older ledger, a
 * CSV file without its column): what to write so that it has one — "add `default false` to
 * its declaration (FILE:LINE:COL)" — a value of its kind (false, 0, 0%, "", the first value
 * of its enum, a date as `…`), and where, when the program knows its source. */
void program_default_hint(const Program *p, const FieldInfo *f, struct StrBuf *out);
/* Its two parts, for a message that holds them: "`default false`" and " (FILE:LINE:COL)" (or
 * nothing). program_default_hint is in the current language; messages stored or shown through
 * msg_text take the parts. */
void program_default_parts(const Program *p, const FieldInfo *f, struct StrBuf *value, struct StrBuf *where);

#endif
