/* report.h — the official forms of a stored run, rendered (`doudi report`).
 *
 * A form is a `table` declaration of the rule file: its rows and columns give the layout, the
 * run gives the numbers (form_counts for `count` columns, capacity_plan and capacity_years for
 * `existing` and `build` columns — see forms.h). Nothing is evaluated again: a report reads
 * only what the run stored. Per partition (county) or for the whole city, which is the sum of
 * every partition — the capacity numbers too, each county's plan having been rounded in its
 * county.
 *
 * Cells: `count` → the stored count (0 when absent); `existing` → the row's institution type's
 * existing institutions; `build YEAR` → that year's tasks; `build total` → all tasks; `blank`
 * and `blank in ROW` → empty. A capacity column in a row whose type has no capacity item is
 * empty too. A `total` row sums the other rows' non-blank cells column by column; it is blank
 * only where every other row is blank (or the column says `blank in` it).
 *
 * Formats:
 *   text  the title, `填表单位：…`, then the grid drawn with ASCII rules (+ - |), CJK taking two
 *         cells, numbers right-aligned, group headers centred over their columns;
 *   csv   UTF-8 with a BOM, LF line ends, one header line (`group/label`), then a line per row;
 *   json  {"form","title","unit","run","columns":[…],"rows":[{"name","label","cells":[n|null]}]},
 *         a county's with "code" after "unit" (its name);
 *   xlsx  a workbook laid out like the printed attachment: one sheet per county (named by its
 *         name, its code in the page footer) after one for the city (全市), or only the county
 *         asked for; totals as formulas with their values.
 *
 * Counties are named as report_partition_name says (填表单位, sheet names); --county takes the
 * code or the name. */
#ifndef DOUDI_REPORT_H
#define DOUDI_REPORT_H

#include "vm/program.h"
#include "ledger.h"

typedef enum ReportFormat { REPORT_TEXT, REPORT_CSV, REPORT_JSON, REPORT_XLSX } ReportFormat;

/* One filled-in form: a county's, or the city's. */
typedef struct ReportSheet {
    char *partition;           /* the county's partition key (program_partition_key); NULL for the city */
    char *code;                /* the county's code (program_partition_code); NULL for the city */
    char *name;                /* the county as people name it (program_partition_name: "中牟县",
                                  a text county as it is); "全市" for the city */
    char *unit;                /* what follows 填表单位： — "中牟县", "全市（12个区县合计）" */
    int64_t *cells;            /* nrows × ncols, row-major */
    bool *blank;               /* nrows × ncols: the cell is left empty */
} ReportSheet;

typedef struct Report {
    const FormInfo *table;
    const char *corner;        /* the header's corner cell, as the official forms head the row
                                  labels: 人员类别 (rows that are categories of persons), 建设机构类别
                                  (rows that are types of institution); NULL otherwise */
    int64_t run;
    int64_t run_time;          /* when the run finished, seconds since 1970 UTC (0: unknown) */
    size_t nrows, ncols;
    char **partitions;         /* every partition the run knows, in byte order */
    size_t npartitions;
    ReportSheet *sheets;       /* what to render: the city then each county, or one county */
    size_t nsheets;
} Report;

/* Parse "text", "csv", "json", "xlsx"; false for anything else. */
bool report_parse_format(const char *s, ReportFormat *out);

/* The `table` declaration `form` names: by its name, else by its label, else by the start of
 * its label when only one label starts so ("附件1" for "附件1 郑州市…"); NULL when none (or
 * several) do. */
const FormInfo *report_find_form(const Program *p, const char *form);

/* A partition value as people name it: when the partition field (`field`, of records[0]) is
 * an enum, the label of the value that `value` names (a key, code, identifier or label; the
 * identifier when it has no label); otherwise the value itself. For every document that names
 * a county (program_partition_name, reached from whatever the user typed). */
const char *report_partition_name(const Program *p, int32_t field, const char *value);

/* Read run `run` (0: the latest) of form `form` from the ledger. county NULL: the city only,
 * or (every_county) the city then each county; else that county only. Errors: no such form
 * (the message lists the forms), no run yet, no such run, an unknown county (the message lists
 * the known ones; a county is named by its code, its name or its identifier), a run whose stored counts name rows or columns the form lacks. */
bool report_load(Ledger *l, const Program *p, const char *form, const char *county, int64_t run,
                 bool every_county, Report *out, char **error);
void report_free(Report *rep);

/* Render one sheet. */
void report_text(const Report *rep, const ReportSheet *s, StrBuf *out);
void report_csv(const Report *rep, const ReportSheet *s, StrBuf *out);
void report_json(const Report *rep, const ReportSheet *s, StrBuf *out);
/* Write every sheet of the report to an .xlsx workbook at `path` (report_xlsx.c). */
bool report_xlsx(const Report *rep, const char *path, char **error);
/* Several reports (forms) in one workbook: every sheet of each, named "附件1 中牟县" (the first
 * word of the form's label, or its name, then the sheet's name). */
bool report_xlsx_many(const Report *reps, size_t n, const char *path, char **error);

/* Load and render: to `out_path`, or stdout when it is NULL (not for xlsx). form "all" (when
 * no form is named so): every form, in one workbook (xlsx only). */
bool report_write(Ledger *l, const Program *p, const char *form, const char *county, int64_t run,
                  ReportFormat format, const char *out_path, char **error);

#endif
