/* doudi.h — the embedding API of the doudi rules engine.
 *
 * A program embeds doudi in four steps: compile a rule file (or load a compiled .ddc),
 * make a record and set its fields from text, evaluate it, read the outcome and its
 * explanation. Everything the doudi command line does with rules goes through this header.
 *
 *   char *diags = NULL;
 *   doudi_rules *r = doudi_compile_file("rules/zhengzhou-2021.doudi", &diags);
 *   if (!r) { fputs(diags, stderr); ... }
 *   doudi_record *rec = doudi_record_new(r);
 *   doudi_record_parse(rec, "id=11010519491231002X,birth_date=1949-12-31,...", &err);
 *   doudi_outcome out;
 *   if (doudi_eval(r, rec, &out, &err) == 0) printf("%s\n", doudi_placement_name(r, out.placement));
 *   char *why = doudi_explain(r, rec, DOUDI_TEXT, &err);
 *   ...
 *   doudi_string_free(why); doudi_record_free(rec); doudi_free(r);
 *
 * Conventions: functions returning int give 0 on success and -1 on failure; failures set
 * *error (when error is not NULL) to a malloc'd message the caller frees with
 * doudi_string_free. Strings returned as `const char *` belong to the rules and live as long
 * as they do. Nothing here prints. A doudi_rules may be used by one thread at a time. */
#ifndef DOUDI_H
#define DOUDI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct doudi_rules doudi_rules;
typedef struct doudi_record doudi_record;

/* DOUDI_SARIF (SARIF 2.1.0, for code-review tools) is read by doudi_check_file(s) only; the
 * other functions taking a doudi_format write text for it. */
typedef enum doudi_format { DOUDI_TEXT = 0, DOUDI_JSON = 1, DOUDI_SARIF = 2, DOUDI_HTML = 3 } doudi_format;

/* ---- version and language ---------------------------------------------------------------- */

#define DOUDI_VERSION "0.1.0"

typedef struct doudi_version {
    const char *version;      /* the library's DOUDI_VERSION */
    int ddc_format;           /* the .ddc format version it writes and reads */
    int ledger_format;        /* the format version of the ledgers it makes and reads */
} doudi_version;

doudi_version doudi_version_info(void);

/* The language of every message from then on — diagnostics, errors, explanations — for the
 * whole process: "zh" or "en" (a locale name such as zh_CN.UTF-8 or en_US.UTF-8 does too), or
 * NULL for the environment's choice: DOUDI_LANG, else the locale variables LC_ALL, LC_MESSAGES,
 * LANG (zh_* is Chinese), else English. English until this is called. Returns 0, or -1 (the
 * language unchanged) for a name that is neither. Call it before starting threads. */
int doudi_set_language(const char *lang);

/* ---- running out of memory ------------------------------------------------------------- */

/* What doudi does when the system refuses it memory is the host's choice. With no hook (the
 * default, and the command line's choice) it prints "out of memory" and aborts. With a hook,
 * it calls hook(size, ctx) first: return DOUDI_ALLOC_RETRY once you have freed memory of your
 * own, to have the allocation tried again, or DOUDI_ALLOC_FAIL to give up. Giving up in one of
 * the guarded calls — doudi_compile_file, doudi_compile_string, doudi_load, doudi_open,
 * doudi_record_new, doudi_eval, doudi_eval_batch, doudi_run, doudi_run_stream — abandons that
 * call cleanly: it returns its failure (NULL, or -1 with *error "out of memory"; *error NULL
 * when even that could not be had), doudi_out_of_memory() returns 1, every block it had
 * allocated is freed, every file and connection it had opened is closed, and the handles
 * given to it are as before the call (a run's transaction is rolled back, its results file
 * not written). A run allocates nothing after its commit, so a committed run is never
 * reported as failed for memory. Giving up anywhere else aborts as without a hook. A callback
 * the host gives a guarded call (doudi_run's progress) runs inside it: what it gets from
 * doudi belongs to the call, so keep nothing of it past a call that fails for memory. The
 * hook is for the whole process; call this before starting threads. */
enum { DOUDI_ALLOC_FAIL = 0, DOUDI_ALLOC_RETRY = 1 };
typedef int (*doudi_alloc_failure_fn)(size_t size, void *ctx);
void doudi_set_alloc_failure(doudi_alloc_failure_fn hook, void *ctx);
/* 1 when the last guarded call on this thread was abandoned for lack of memory, else 0. */
int doudi_out_of_memory(void);

/* ---- checking and compiling ------------------------------------------------------------ */

/* Parse and check a rule file without compiling it. Returns the number of errors (0: the
 * file is sound), or -1 when it cannot be read. *diagnostics receives every diagnostic
 * rendered in `format` (text: `file:line:col: error: ...` with the source line and a caret;
 * JSON: an array; SARIF: a log with a result per diagnostic, written even when there are
 * none), or NULL when there were none. *warnings, when not NULL, the warnings. */
int doudi_check_file(const char *path, doudi_format format, char **diagnostics, int *warnings);
/* The same over several files: one list (one JSON array) for all; -1 if any is unreadable
 * (the others are still checked; the unreadable ones are named in *diagnostics). */
int doudi_check_files(const char *const *paths, int n, doudi_format format, char **diagnostics,
                      int *warnings);

/* Compile a rule file, or rule text named `name` (used in diagnostics). NULL on errors, with
 * the rendered diagnostics in *diagnostics; on success *diagnostics holds warnings or NULL. */
doudi_rules *doudi_compile_file(const char *path, char **diagnostics);
doudi_rules *doudi_compile_string(const char *name, const char *text, size_t len, char **diagnostics);

/* Write compiled rules to a .ddc file; load one (magic, version, length, checksum and every
 * operand are checked: a damaged file is refused with a message, never run). */
int doudi_save(const doudi_rules *r, const char *path, char **error);
doudi_rules *doudi_load(const char *path, char **error);
/* Load `path` as .ddc when it starts with the .ddc magic, else compile it as a rule file.
 * Everything that runs rules — eval, run, report, explain, diff, the REPL — works the same on
 * either: a .ddc carries the whole plan (schedule, capacity, forms) and the rule file's text. */
doudi_rules *doudi_open(const char *path, char **error);
/* 1 when `path` is a compiled program (.ddc magic), 0 when it is not, -1 when it cannot be read. */
int doudi_is_compiled(const char *path);

/* The bytecode listing: each rule with its opcodes and source lines. Caller frees. */
char *doudi_disasm(const doudi_rules *r);

/* The canonical form of a rule file (`doudi fmt`). NULL on syntax errors (in *diagnostics). */
char *doudi_format_file(const char *path, char **diagnostics);
/* The same, telling the cases apart: 0 with the canonical text in *text (caller frees) and
 * *canonical set when the file already is exactly that; 1 on syntax errors; -1 when the file
 * cannot be read. *diagnostics (caller frees, may be NULL) holds the errors, the warnings
 * (full-width punctuation the canonical text has rewritten) or why the file cannot be read. */
int doudi_canonical(const char *path, char **text, int *canonical, char **diagnostics);

void doudi_free(doudi_rules *r);
void doudi_string_free(char *s);

/* ---- what the rules declare ---------------------------------------------------------------- */

const char *doudi_policy(const doudi_rules *r);            /* title, or "" */
int doudi_field_count(const doudi_rules *r);                /* of the subject record */
const char *doudi_field_name(const doudi_rules *r, int i);
const char *doudi_field_label(const doudi_rules *r, int i); /* or NULL */
int doudi_key_field(const doudi_rules *r);                  /* the key field's index, or -1 */
int doudi_category_count(const doudi_rules *r);
const char *doudi_category_name(const doudi_rules *r, int i);
const char *doudi_category_label(const doudi_rules *r, int i);
const char *doudi_category_cite(const doudi_rules *r, int i);
/* The placement value v (as in doudi_outcome.placement): name and label; NULL for -1. */
const char *doudi_placement_name(const doudi_rules *r, int v);
const char *doudi_placement_label(const doudi_rules *r, int v);

/* Override a param (e.g. "as_of", "2022-01-01") for every evaluation after this call. */
int doudi_set_param(doudi_rules *r, const char *name, const char *value, char **error);

/* ---- records ------------------------------------------------------------------------------ */

/* A record of the subject type with every field unset but for declared defaults. */
doudi_record *doudi_record_new(const doudi_rules *r);
/* Set one field from text. The field is named by identifier or label; the value is read as
 * the CSV importer reads it (enum identifiers or labels, 1/0 true/false yes/no 是/否, dates
 * YYYY-MM-DD, percents 30%, ...). */
int doudi_record_set(doudi_record *rec, const char *field, const char *value, char **error);
/* Set fields from "field=value,field=value" (a value may be quoted "..." to hold a comma). */
int doudi_record_parse(doudi_record *rec, const char *assignments, char **error);
/* Set fields from a flat JSON object {"field": value, ...}. */
int doudi_record_parse_json(doudi_record *rec, const char *json, char **error);
/* Check the record as the importer would: every field without a default set, ranges, and the
 * record's `require` constraints. 0 when it can be evaluated. A record found valid keeps that
 * verdict until one of its fields is set or a param of the rules changes (doudi_set_param):
 * doudi_eval, doudi_eval_batch and doudi_explain validate a record once, not at every call.
 * So a record, like the rules, is used by one thread at a time. */
int doudi_record_validate(const doudi_rules *r, const doudi_record *rec, char **error);
void doudi_record_free(doudi_record *rec);

/* ---- evaluation ---------------------------------------------------------------------------- */

typedef struct doudi_outcome {
    uint64_t categories;      /* bit i set: the person is in category i (declaration order) */
    int category_count;
    int primary;              /* the first category that holds, or -1: not a target */
    int placement;            /* placement value, or -1 (not a target, or no branch matched) */
    int branch;               /* index of the placement branch that fired, or -1 */
} doudi_outcome;

/* Evaluate a record, validating it first unless it was found valid since it last changed
 * (doudi_record_validate). -1 when it is not valid or evaluation stops (overflow,
 * division by zero, ...: the message names the record's key and the source position). */
int doudi_eval(const doudi_rules *r, const doudi_record *rec, doudi_outcome *out, char **error);

/* Evaluate n records in one call, for an embedder with many: outcomes[i] is what doudi_eval
 * gives for records[i]. Each record is validated as doudi_eval validates it (every field set,
 * ranges, the `require`s) — once: not again when it was found valid since it last changed, in
 * an earlier batch or by doudi_eval — and evaluated from the values validation loaded; the
 * per-call work (finding the outcome's shape) is paid once per batch. A record that cannot be
 * evaluated does not stop the others: its outcome is {categories 0, category_count -1,
 * primary -1, placement -1, branch -1} and, when errors is not NULL, errors[i] receives the
 * message doudi_eval would give (caller frees each with doudi_string_free); errors[i] is NULL
 * for a record that was evaluated. Returns how many records could not be evaluated (0: all
 * were), or -1 with *error when the call itself is wrong (no records or outcomes given, more
 * than INT_MAX records, rules without a record) or when memory ran out (see
 * doudi_set_alloc_failure; no errors[i] is then set). n may be 0. The records may have been
 * made by other rules with the same fields (see doudi_value).
 *
 *   doudi_record *recs[256]; doudi_outcome outs[256]; char *errs[256];
 *   ... recs[i] = doudi_record_new(r); doudi_record_parse(recs[i], line[i], &err); ...
 *   int bad = doudi_eval_batch(r, (const doudi_record *const *)recs, n, outs, errs, &err);
 *   for (size_t i = 0; bad >= 0 && i < n; i++) {
 *       if (errs[i]) { fprintf(stderr, "%s\n", errs[i]); doudi_string_free(errs[i]); }
 *       else if (outs[i].primary >= 0) printf("%s\n", doudi_category_name(r, outs[i].primary));
 *   }
 */
int doudi_eval_batch(const doudi_rules *r, const doudi_record *const *records, size_t n, doudi_outcome *outcomes,
                     char **errors, char **error);

/* The outcome with its explanation: each category's verdict with the values of the
 * conditions that decided it, the placement branch that fired and those before it that did
 * not match, each with its citation and Chinese label. Text or JSON; caller frees. Resident
 * ids are shown as they are: masking is the caller's choice. */
char *doudi_explain(const doudi_rules *r, const doudi_record *rec, doudi_format format, char **error);

/* ---- the ledger (SQLite) ---------------------------------------------------------------------- */

typedef struct doudi_ledger doudi_ledger;

typedef enum doudi_ledger_mode {
    DOUDI_LEDGER_READ,        /* an existing ledger, read-only (reports, explanations) */
    DOUDI_LEDGER_WRITE,       /* an existing ledger (runs) */
    DOUDI_LEDGER_CREATE,      /* created when missing (imports) */
} doudi_ledger_mode;

/* Open a ledger file. A missing file is refused except with DOUDI_LEDGER_CREATE; a file that
 * is not a doudi ledger, or of a newer doudi, is refused; an older one is upgraded (a read-only
 * open upgrades it when the file is writable, else says how). */
doudi_ledger *doudi_ledger_open_mode(const char *path, doudi_ledger_mode mode, char **error);
/* Open or create a ledger file (DOUDI_LEDGER_CREATE). */
doudi_ledger *doudi_ledger_open(const char *path, char **error);
void doudi_ledger_close(doudi_ledger *l);
/* Close a ledger, removing it when this open created it: after a failed first import, so
 * that it leaves no empty ledger behind. */
void doudi_ledger_discard(doudi_ledger *l);

typedef struct doudi_import_stats {
    uint64_t rows;            /* data rows read */
    uint64_t added, updated, unchanged;
    uint64_t review;          /* rows sent to the review table */
    char encoding[32];        /* what the file was read as: utf-8, utf-8 (BOM), gb18030, xlsx */
    char sheet[128];          /* a workbook's sheet that was read, or "" */
} doudi_import_stats;

typedef struct doudi_import_options {
    const char *encoding;     /* a CSV's: NULL to detect, or utf-8 / gbk / gb18030 */
    const char *sheet;        /* a workbook's sheet: NULL for the first */
} doudi_import_options;

/* Import a CSV file as records of the rules' record number `record` (0 = the subject, e.g.
 * person; 1 = the next, e.g. institution), validated by the rules. encoding: NULL to detect,
 * or utf-8 / gbk / gb18030. Each bad row is written to `report` (may be NULL) as
 * `path:LINE:COL: reason`, resident ids in the reason masked, and stored whole in the review
 * table. One transaction: -1 (nothing imported) on a file-level error. */
int doudi_import(doudi_ledger *l, doudi_rules *r, int record, const char *csv_path, const char *encoding,
                 FILE *report, doudi_import_stats *stats, char **error);
/* The same for a CSV file or an .xlsx workbook (told apart by its first bytes; .xls is refused
 * with what to save it as): the first sheet, or opt->sheet. Rows above the header (a title
 * merged across the columns) are skipped; a workbook's positions are sheet rows and column
 * letters (`台账.xlsx!F12`); a cell holding an Excel error, or a number that lost digits, is a
 * bad value of its cell. opt may be NULL. */
int doudi_import_file(doudi_ledger *l, doudi_rules *r, int record, const char *path, const doudi_import_options *opt,
                      FILE *report, doudi_import_stats *stats, char **error);

typedef struct doudi_run_stats {
    int64_t run_id;
    uint64_t persons, targets, scheduled, review;
    char as_of[16];
} doudi_run_stats;

typedef void (*doudi_progress_fn)(uint64_t done, uint64_t total, void *ctx);

/* Evaluate every person of the ledger, schedule them, and store the run and its results in
 * one transaction; write the results file when results_path is not NULL. Needs rules
 * compiled from source (the schedule is read from it). On the calling thread alone: the
 * command line's `run --jobs N` stores the same run on several threads, but a call that runs
 * out of memory on a worker thread could not be abandoned cleanly (see above). */
int doudi_run(doudi_ledger *l, doudi_rules *r, const char *results_path, doudi_progress_fn progress,
              void *ctx, doudi_run_stats *stats, char **error);

/* The streaming run: the persons read from their ledger file (CSV or .xlsx) straight into the
 * run, without a ledger file. Each row is validated exactly as doudi_import_file validates it
 * (the same reasons at the same line and column, a repeated key's second row reviewed), each
 * bad row reported to `report` (may be NULL) as the import reports it; the good ones are
 * evaluated, scheduled and counted as doudi_run does. The run's outputs go to a scratch
 * ledger in memory (the institutions imported into it first), so the results file is byte for
 * byte what doudi_import_file + doudi_run write, and each form what doudi_report renders of
 * that run for the city. */
typedef struct doudi_stream_options {
    const char *persons;      /* the persons' ledger file: CSV or .xlsx (required) */
    const char *institutions; /* the institutions' file (record number 1), or NULL */
    const char *encoding;     /* a CSV's: NULL to detect, or utf-8 / gbk / gb18030 */
    const char *sheet;        /* a workbook's sheet: NULL for the first */
    const char *results_path; /* the results file (atomic, 0600), or NULL */
    const char *review_path;  /* the rows sent to review, CSV `file,line,column,reason,row`
                                 (atomic, 0600: it holds full ids), or NULL */
    const char *forms_dir;    /* every form for the city into DIR/NAME.txt (made when missing),
                                 as doudi_report renders it; or NULL */
    const char *forms_format; /* "text" (NULL), "csv" (NAME.csv) or "json" (NAME.json) */
} doudi_stream_options;

typedef struct doudi_stream_stats {
    doudi_import_stats persons;      /* rows read; `added`: the good rows; review */
    doudi_import_stats institutions; /* as doudi_import_file's (zero without institutions) */
    doudi_run_stats run;             /* the run's counts (run_id is the scratch ledger's: 1) */
} doudi_stream_stats;

/* -1 with *error on a file-level error (a file unreadable, a missing column: no results,
 * review or form file written) or a failed run; else 0. */
int doudi_run_stream(doudi_rules *r, const doudi_stream_options *opt, FILE *report, doudi_progress_fn progress,
                     void *ctx, doudi_stream_stats *stats, char **error);

/* Load the stored person with key `key` into a new record (caller frees). */
doudi_record *doudi_ledger_record(doudi_ledger *l, doudi_rules *r, const char *key, char **error);

/* ---- explaining a stored person ------------------------------------------------------------- */

/* The keys of the ledger's persons a clerk means by `query`: a full id (any case of x), the
 * masked id doudi prints (410122********1234: each * one hidden character), or, with by_name, a
 * name (the text field `name`, or the one labelled 姓名). *keys (free with doudi_keys_free)
 * receives them in key order, *count how many. */
int doudi_find(doudi_ledger *l, const doudi_rules *r, const char *query, int by_name, char ***keys, int *count,
               char **error);
void doudi_keys_free(char **keys, int count);
/* "410122195003071238  张三  410122  城关镇  东村" — to list several matches. Caller frees. */
char *doudi_person_summary(doudi_ledger *l, doudi_rules *r, const char *key);

/* The person `key` explained as run `run` (0: the latest) decided: at the run's as_of (or
 * `as_of` when not NULL: a what-if, said so), with the run's rules — when `r` is not the rule
 * file the run used (its SHA-256 differs), the rule text stored with the run is used, and the
 * text says so — and with what the run stored (the year, or why the person went to review).
 * A ledger with no run yet: explained at the rules' as_of. Text or JSON ({"run", "as_of",
 * "rules_differ", "in_run", "review", "stored", "explanation"}), or DOUDI_HTML: one printable page
 * in Chinese; ids unmasked (doudi_mask_ids). Sets r's as_of. Caller frees. */
char *doudi_explain_stored(doudi_ledger *l, doudi_rules *r, const char *key, int64_t run, const char *as_of,
                           doudi_format format, char **error);

/* Mask resident ids (18 characters: 17 digits and a digit, X or x) in text, in place:
 * 410122195003071234 -> 410122********1234. For human-facing output of personal data. */
void doudi_mask_ids(char *text);

/* ---- reports: the official forms of a run ---------------------------------------------------- */

/* The forms (the rule file's `table` declarations), in declaration order: name and title.
 * Only rules compiled from source have them (a .ddc keeps no layout): 0 forms otherwise. */
int doudi_form_count(const doudi_rules *r);
const char *doudi_form_name(const doudi_rules *r, int i);
const char *doudi_form_label(const doudi_rules *r, int i);

/* Render form `form` (its name, its label, or the start of its label when only one label
 * starts so: "附件1"; "all": every form, in one xlsx workbook) as stored by run `run` of the
 * ledger (0: the latest run): for county `county` (its partition value, e.g. "410122", or its
 * name: the label of an enum value), or for the city — every county summed — when county is
 * NULL. Counties are named by name (填表单位, sheet names; an xlsx sheet's footer gives the
 * code); an xlsx workbook writes totals as formulas with their values. format: "text" (the title, 填表单位, an aligned grid), "csv" (UTF-8 with a BOM,
 * one header line `group/label`), "json", or "xlsx" (a workbook laid out like the printed form:
 * a sheet for the city, 全市, then one per county, or only `county`'s). Written to out_path,
 * or to stdout when it is NULL (xlsx needs a path). Errors name the forms when `form` is
 * unknown and the counties when `county` is, and say so when the ledger has no run yet.
 * format "html": every form and more on one page (doudi_report_html; form and county unused). */
int doudi_report(doudi_ledger *l, doudi_rules *r, const char *form, const char *county, int64_t run,
                 const char *format, const char *out_path, char **error);

/* ---- documents: the public notice, near misses, the HTML report --------------------------------- */

/* The rules run `run` (0: the latest) was made with, compiled from the text the run stored:
 * what `doudi notice` uses when given no rule file. NULL with *error when there is no such
 * run or its text no longer compiles. Free with doudi_free. */
doudi_rules *doudi_ledger_rules(doudi_ledger *l, int64_t run, char **error);

/* The public notice (公示名单) of run `run` (0: the latest), as the rules' `notice` block
 * declares it: per county, township and village (its levels), each person a row of the
 * declared columns, names and ids masked as declared (张*三, 410102********1234); persons a
 * `withhold` condition holds for (minors) not listed, only counted per village; a header with
 * the period of publicity and the office receiving objections. county: only that county
 * (the value of the first level), or NULL for all. format: "html" (one page per village, for
 * printing), "csv" (UTF-8 with a BOM) or "xlsx" (a sheet per county). To out_path, or stdout
 * when NULL (not xlsx). The document is in Chinese whatever the language of messages. The
 * withholding conditions are evaluated again, at the run's as_of, with the stored records. */
int doudi_notice(doudi_ledger *l, doudi_rules *r, const char *county, int64_t run, const char *format,
                 const char *out_path, char **error);

/* Near misses over every person of the ledger, evaluated with r as its params stand (as_of):
 * for each category, the persons not in it although every condition but one holds, and how
 * many each condition keeps out (an alternative of an `or` that would let a person in counts
 * for that alternative; a person counts once in the category's total). From the traced
 * bytecode, as explanations are. Text (in the language of messages) or JSON:
 * {"as_of", "persons", "evaluated", "review", "categories": [{"name", "label", "members",
 * "others", "near", "conditions": [{"text", "label", "line", "near"}]}]}. Caller frees. */
char *doudi_near_miss(doudi_ledger *l, const doudi_rules *r, doudi_format format, char **error);

/* The run as people look at it: one self-contained HTML page in Chinese, printable on A4 —
 * the run's stamp (the rule file and its SHA-256, as_of, time, counts), the city's people per
 * category, placement and year as bar charts, every form for the city and, a page per county,
 * the county's forms, its yearly schedule per group against the quotas and its capacity plan;
 * the review queue by column and reason; near misses (doudi_near_miss, at the run's as_of).
 * Inline CSS and SVG, no script, nothing fetched. To out_path, or stdout when NULL. The same
 * as doudi_report with format "html". */
int doudi_report_html(doudi_ledger *l, doudi_rules *r, int64_t run, const char *out_path, char **error);

/* ---- the review queue back to the clerk ------------------------------------------------------ */

typedef struct doudi_review_stats {
    uint64_t rows;            /* rows written */
    uint64_t files;           /* the source files (per record type) they came from: a sheet each */
} doudi_review_stats;

/* The rows imports sent to review (待核查), as they were read, for the clerk to correct and
 * import again: under the header of the file each came from (read again from it; the rules'
 * field labels when it is gone), the offending cell filled red with the reason as a comment,
 * and a last column 原因 with the reason and where it was (persons.csv:12:6, 台账.xlsx!F12).
 * format "xlsx" (a sheet per source file; needs out_path) or "csv" (UTF-8 with a BOM; one
 * source file only — choose it with `source`); NULL: by out_path's extension, else csv.
 * After them, the persons the latest run could not evaluate (doudi_run_stats.review), their
 * records as the ledger holds them under the fields' labels, the reason with 第N次运行, a
 * sheet 第N次运行 of their own. source: only the rows of that file (as it was imported), "run"
 * (or "run N", N the latest run) for the run's persons alone, or NULL for all. To out_path
 * (created 0600: it holds full ids), or stdout when NULL. Importing the corrected rows takes
 * them out of review, whichever file they come from: an import drops the entries of other
 * files whose row holds the key of a row it read. stats may be NULL. */
int doudi_review_export(doudi_ledger *l, const doudi_rules *r, const char *source, const char *format,
                        const char *out_path, doudi_review_stats *stats, char **error);

/* ---- tests: the rule file's own `test` declarations, and their coverage ----------------------- */

enum {
    DOUDI_TEST_COVERAGE = 1,             /* also print the coverage and each uncovered item */
    DOUDI_TEST_REQUIRE_FULL_COVERAGE = 2 /* the same, and anything uncovered fails the run */
};

/* Run every test of rules compiled from source (a .ddc keeps no tests: -1). Writes to `out`
 * one line per test, `ok   NAME` or `FAIL NAME` followed by each expected value that differed
 * (`  care: expected township_home, got welfare_institution`) and the explanation of the case
 * (the text of doudi_explain, ids unmasked: test data is synthetic); with a coverage flag then
 * `coverage: N of N condition outcomes, N/N categories, N/N branches, N/N schedule groups` and
 * each uncovered item as `FILE:LINE:COL: WHAT never true|never false|never reached|never used`.
 * The closing `N passed, N failed` line is the caller's. *passed and *failed (may be NULL)
 * receive the counts; a test that cannot be evaluated (a required field not given) failed.
 * Returns 0 when every test passed (and, with DOUDI_TEST_REQUIRE_FULL_COVERAGE, nothing is
 * uncovered), 1 when not, -1 on error. Params are as they were after the call. */
int doudi_test(doudi_rules *r, FILE *out, int flags, int *passed, int *failed, char **error);

/* The tests of several rule files, kept to be written in one format at the end: for CI. */
typedef struct doudi_test_results doudi_test_results;

doudi_test_results *doudi_test_results_new(void);
/* Run the tests of `r` as doudi_test does and keep their results under the name `path` (the
 * rule file as the user gave it). Returns as doudi_test; a .ddc (-1) is kept as a file that
 * could not be tested. */
int doudi_test_collect(doudi_test_results *res, doudi_rules *r, const char *path, int flags, char **error);
/* `doudi test --update`: after doudi_test_collect(res, r, ...), the text of r's rule file with
 * every expected value that the tests found different rewritten to the actual value (only
 * those bytes: comments and layout stay). A test with an expectation that cannot be written
 * as a value (a case that could not be evaluated, an actual `none`, a rejection that did not
 * come) is left whole. *changes gets a line per rewritten value (`FILE:LINE: KEY: OLD → NEW`),
 * *untouched a line per test left (`FILE:LINE: test "NAME" not rewritten: WHY`); caller frees
 * all three. Returns how many values were rewritten (0: the text is the file's own), -1 with
 * *error when r has no source or its tests have not been collected. */
int doudi_test_update(const doudi_test_results *res, const doudi_rules *r, char **text, char **changes,
                      char **untouched, char **error);
/* Keep `path` as a file that could not be tested, and why ("the rule file has errors"). */
void doudi_test_results_error(doudi_test_results *res, const char *path, const char *message);
/* Every file's results as one document (caller frees); NULL with *error for another format:
 *   "text"      as doudi_test writes each file (after `== FILE` when there are several; a file
 *               that could not be tested as `FILE: not tested: WHY`), then `N passed, N failed`;
 *   "json"      {"files": [{"file", "error", "passed", "failed", "ok", "tests": [{"name", "line",
 *               "cases", "ok", "failures": [{"case", "line", "given", "error", "differences":
 *               [{"key", "expected", "actual"} | {"key", "note"}], "explanation"}]}],
 *               "coverage": null | {"required", "condition_outcomes": {"covered", "total"},
 *               "categories", "branches", "schedule_groups", "uncovered": [{"line", "column",
 *               "what"}]}}], "passed", "failed", "errors", "uncovered", "ok"};
 *   "junit"     JUnit XML as Jenkins, GitLab and GitHub read it: a <testsuite> per file, a
 *               <testcase> per test with a <failure> (what differed, and the explanation) or an
 *               <error> (a case that cannot be evaluated); the coverage as the suite's
 *               properties (coverage.condition_outcomes "131/131", ...); with full coverage
 *               required, a testcase "full coverage" that fails listing each uncovered item;
 *   "tap"       TAP version 13: the plan, a test point per test (and "full coverage" when
 *               required), YAML diagnostics (file, line, failures) under each that failed;
 *   "markdown"  a short summary for a merge-request comment: the counts, the coverage, the
 *               first failing tests with their first difference and the first uncovered items.
 * Ids are as the tests give them. */
char *doudi_test_results_render(const doudi_test_results *res, const char *format, char **error);

typedef struct doudi_test_counts {
    int files, failing_files;  /* files, and those failing the run (doudi_test's 1 or -1) */
    int passed, failed;        /* tests */
    int errors;                /* files that could not be tested */
    int uncovered;             /* uncovered items, over the files with coverage */
    int outcomes_covered, outcomes;       /* condition outcomes, over the same files */
} doudi_test_counts;

void doudi_test_results_counts(const doudi_test_results *res, doudi_test_counts *counts);
void doudi_test_results_free(doudi_test_results *res);

/* ---- one value at a time (the REPL, `doudi repl`) ---------------------------------------------- */

/* A field of a record as text, as doudi_record_set reads it back ("yes", "1950-03-07", "30%");
 * with `labels`, an enum value is followed by its label: "yes (愿意)". NULL when the field is
 * unknown or unset. Caller frees. */
char *doudi_record_get(const doudi_record *rec, const char *field, int labels);

/* Evaluate rec and write the value named `name`: a field, a param, a let, a category (true or
 * false), the outcome (the placement's name, primary, categories, category_count), or another
 * rule listed by doudi_disasm under that name (a schedule key). Written as in a rule file, an
 * enum value with its label: 72, 1.5, 30%, true, 2021-04-01, "张三", partial (半自理),
 * {tekun, orphan}; "(none)" for an outcome that has no value (not a target). *type, when not
 * NULL, receives the type: "int", "enum care_mode", "set of enum category"; caller frees both.
 * rec need not be complete: the fields the value reads (through lets and categories too) must
 * be set, and the others count as zero; once every field is set, rec is validated as for
 * doudi_eval. rec may come from other rules with the same subject record (the same fields in
 * the same order). NULL with *error on failure. */
char *doudi_value(const doudi_rules *r, const doudi_record *rec, const char *name, char **type, char **error);

/* The bytecode of the rules named `name` — a let, a category, a schedule key, the placement
 * (all its branches) or one of its values (the branches giving it) — as doudi_disasm lists
 * them; NULL when no rule has that name. Caller frees. */
char *doudi_disasm_rule(const doudi_rules *r, const char *name);

/* The number of records of the rules' subject (persons) in the ledger; -1 on error. */
int64_t doudi_ledger_persons(doudi_ledger *l, const doudi_rules *r, char **error);

typedef struct doudi_scan_stats {
    uint64_t persons;         /* rows read */
    uint64_t evaluated;       /* valid rows evaluated */
    uint64_t holds;           /* of those, how many gave true (a bool value) */
    uint64_t review;          /* rows not evaluated: a stored value unusable, a require failed,
                                 evaluation stopped */
    double load_seconds;      /* reading and decoding the rows */
    double eval_seconds;      /* checking and evaluating them (the VM) */
} doudi_scan_stats;

/* Evaluate the value named `name` (as doudi_value) for every person of the ledger, storing
 * nothing: for `how many persons satisfy this condition` and for timing the VM. */
int doudi_ledger_scan(doudi_ledger *l, const doudi_rules *r, const char *name, doudi_scan_stats *stats,
                      char **error);

/* ---- change impact: two rule files over one population (`doudi diff`) -------------------------- */

typedef struct doudi_diff doudi_diff;

/* Run `old_rules` and then `new_rules` (both compiled from source) over one population and
 * compare the two runs: people per category, placement and year before → after, the moves
 * between placements, the changed people (the first `limit` by key, each with both
 * explanations), and the cells of every form of the new rules and the capacity plan.
 * population: a directory holding persons.csv (and institutions.csv), imported into a
 * temporary ledger with the old rules before their run and with the new rules before theirs;
 * or a ledger file, run in a temporary copy (the file is only read). The temporary directory
 * (mkdtemp under $TMPDIR) is removed afterwards. Params (as_of) are as set on each. */
doudi_diff *doudi_diff_population(doudi_rules *old_rules, doudi_rules *new_rules, const char *population,
                                  int limit, char **error);
/* The same on an open ledger, which keeps both runs. */
doudi_diff *doudi_diff_ledger(doudi_ledger *l, doudi_rules *old_rules, doudi_rules *new_rules, int limit,
                              char **error);

/* Check the change against an approved-changes file (docs/rule-changes.md): 0 when every
 * figure is as approved, 1 when not — *mismatches (may be NULL; caller frees) then holds one
 * line per difference, `FILE:LINE: expected X, actual Y (...)` or `unapproved change: ...` —
 * and -1 when the file cannot be read or holds a line that is no figure (*error names each
 * such line as FILE:LINE). The verdict is part of the rendering that follows. */
int doudi_diff_expect(doudi_diff *d, const char *path, char **mismatches, char **error);

/* `--write-expect`: the approved-changes file the diff passes with, as the text to replace
 * the file at `path` with (or to create it: a comment naming the rule files and the
 * population, then `changed: N` and each figure that changes). An existing file keeps its
 * comments and layout: its lines still right stay byte for byte, a line whose change moved
 * gets only its value rewritten, a line whose figure no longer changes is removed (`changed`
 * stays), and the figures no line approves are appended. *changes gets a line per change
 * (`FILE:LINE: FIGURE: OLD → NEW`, `FILE:LINE: FIGURE: V added`, `FILE:LINE: FIGURE: V removed:
 * ...`). Returns how many lines changed (0: the file already passes), -1 with *error when the
 * file cannot be read or has lines that are no figure (each FILE:LINE). Caller frees. */
int doudi_diff_write_expect(doudi_diff *d, const char *path, char **text, char **changes, char **error);

/* The report, text or JSON; resident ids are not masked (doudi_mask_ids). Caller frees. */
char *doudi_diff_render(const doudi_diff *d, doudi_format format);

/* A merge-request comment stays under DOUDI_MARKDOWN_LIMIT bytes unless told otherwise: GitHub
 * takes 65,536 characters a comment (GitLab more), so 60,000 bytes fit both. */
#define DOUDI_MARKDOWN_LIMIT 60000

typedef struct doudi_markdown_options {
    size_t limit;              /* bytes the comment may take (0: DOUDI_MARKDOWN_LIMIT) */
    int people;                /* changed people to list, each with a one-line reason (at most
                                  the diff's `limit`) */
    int show_ids;              /* 0: resident ids masked, 410122********1234 */
    const char *title;         /* the heading (NULL: "Rule change: OLD → NEW") */
    const char *approval_note; /* a sentence said after the count of changed people, or NULL */
    const char *full_text;     /* where the full text and JSON reports are (named at the end), */
    const char *full_json;     /* or NULL when they are not written */
} doudi_markdown_options;

/* The report as Markdown for a merge-request comment, at most opt->limit bytes (the limit
 * must leave room for the heading, the verdict and the closing lines: 2,000 bytes do). In
 * order: the count of changed people and the approved-changes verdict (each difference
 * listed); people per category — primary and member — placement and year, before, after and
 * Δ; the changes per category and year; the moves between placements; the cells of each form
 * and the numbers of the capacity plan that change, the city's then each county's; the first
 * changed people, each with a one-line reason ("care: home → township_home"). What does not
 * fit is left out from that section on, and the comment says so. Caller frees. */
char *doudi_diff_render_markdown(const doudi_diff *d, const doudi_markdown_options *opt);

/* Every figure of the report, in order, as an approved-changes line names it ("category
 * tekun", "placement home -> township_home", "form attachment2 city total plan2022"): before,
 * after and the change (after − before; for a count — `changed`, a move, `... counties` — the
 * count). NULL when i is out of range. */
int doudi_diff_figure_count(const doudi_diff *d);
const char *doudi_diff_figure(const doudi_diff *d, int i, int64_t *before, int64_t *after, int64_t *change);

void doudi_diff_free(doudi_diff *d);

/* ---- beyond one machine: the rules as an SQL script (`doudi sql`) ------------------------------ */

typedef struct doudi_sql_options {
    const char *dialect;            /* "postgres", "sqlite", "duckdb" or "spark" */
    const char *person_table;       /* the table of persons; NULL: the subject record's name */
    const char *institution_table;  /* the capacity plan's institutions; NULL: that record's name */
    const char *prefix;             /* every object the script makes is named so; NULL: "plan_" */
    int ddl;                        /* non-zero: CREATE TABLE for the record tables instead */
} doudi_sql_options;

/* Rules compiled from source, as a script for a database engine that computes, from the
 * record tables as `doudi import` writes them, what doudi_run computes: the per-person
 * evaluation, the results file's rows (table PREFIXresults), the review, the schedule, the
 * capacity plan and every form's cells per county and for the city (PREFIXforms) — the same
 * numbers, integer for integer. Each table carries comments with the rule file's lines and
 * cites; params are bound as currently set (doudi_set_param). Caller frees. NULL with *error:
 * an unknown dialect, rules loaded from a .ddc (the script is made from the rule file), or the
 * rendered diagnostics naming each construct that has no SQL form in the dialect. */
char *doudi_sql(const doudi_rules *r, const doudi_sql_options *opt, char **error);

#ifdef __cplusplus
}
#endif

#endif
