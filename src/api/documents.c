/* documents.c — what people read and post of a run, through the embedding API (doudi.h,
 * "documents"): the public notice, near misses, and the HTML report, which puts the forms,
 * the schedule, the capacity plan, the review queue and the near misses on one page; and the
 * review queue sent back to the clerk as a workbook. The engines are engine/notice.c,
 * engine/report_html.c, engine/review.c and tools/nearmiss.c. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/notice.h"
#include "engine/report_html.h"
#include "engine/review.h"
#include "tools/nearmiss.h"
#include "base/date.h"

doudi_rules *doudi_ledger_rules(doudi_ledger *l, int64_t run, char **error)
{
    if (error) *error = NULL;
    RunInfo info;
    if (!ledger_run_info(l->l, run, &info, error)) return NULL;
    size_t len = 0;
    char *text = ledger_run_rules_text(l->l, info.id, &len, error);
    doudi_rules *r = NULL;
    if (text) {
        char *diags = NULL;
        r = doudi_compile_string(info.rules_path, text, len, &diags);
        if (!r) api_fail(error, "the rules stored with run %lld no longer compile:\n%s", (long long)info.id,
                         diags ? diags : "");
        doudi_string_free(diags);
    }
    free(text);
    ledger_run_info_free(&info);
    return r;
}

int doudi_notice(doudi_ledger *l, doudi_rules *r, const char *county, int64_t run, const char *format,
                 const char *out_path, char **error)
{
    if (error) *error = NULL;
    NoticeFormat f;
    if (!notice_parse_format(format, &f))
        return api_fail(error, "unknown format '%s' (html, csv or xlsx)", format ? format : "");
    if (run < 0) return api_fail(error, "no run %lld: runs are numbered from 1", (long long)run);
    return notice_write(l->l, r->prog, r->vm, county, run, f, out_path, error) ? 0 : -1;
}

char *doudi_near_miss(doudi_ledger *l, const doudi_rules *r, doudi_format format, char **error)
{
    if (error) *error = NULL;
    NearMiss nm;
    if (!nearmiss_scan(l->l, r->prog, r->vm, &nm, error)) return NULL;
    StrBuf sb = {0};
    nearmiss_render(r->prog, &nm, format == DOUDI_JSON, &sb);
    nearmiss_free(&nm);
    return sb_take(&sb);
}

/* A VM of the rules with their params as they stand, but as_of the run's: near misses of the
 * report are evaluated at the date the run was. */
static Vm *vm_as_of(const doudi_rules *r, const char *as_of)
{
    Vm *vm = vm_new(r->prog);
    memcpy(vm->regs, r->vm->regs, r->prog->nconsts * sizeof *vm->regs);
    int64_t day;
    if (date_parse(as_of, strlen(as_of), &day)) vm_set_param(vm, "as_of", day);
    return vm;
}

int doudi_report_html(doudi_ledger *l, doudi_rules *r, int64_t run, const char *out_path, char **error)
{
    if (error) *error = NULL;
    if (run < 0) return api_fail(error, "no run %lld: runs are numbered from 1", (long long)run);
    RunInfo info;
    if (!ledger_run_info(l->l, run, &info, error)) return -1;
    Vm *vm = vm_as_of(r, info.as_of);
    NearMiss nm;
    bool scanned = nearmiss_scan(l->l, r->prog, vm, &nm, error);
    bool ok = scanned && report_html(l->l, r->prog, info.id, &nm, out_path, error);
    if (scanned) nearmiss_free(&nm);
    vm_free(vm);
    ledger_run_info_free(&info);
    return ok ? 0 : -1;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

int doudi_review_export(doudi_ledger *l, const doudi_rules *r, const char *source, const char *format,
                        const char *out_path, doudi_review_stats *stats, char **error)
{
    if (error) *error = NULL;
    if (!format) format = out_path && ends_with(out_path, ".xlsx") ? "xlsx" : "csv";
    if (strcmp(format, "xlsx") && strcmp(format, "csv"))
        return api_fail(error, "unknown format '%s' (xlsx or csv)", format);
    ReviewExport opt = {.path = out_path, .xlsx = !strcmp(format, "xlsx"), .source = source};
    ReviewExportStats st;
    char *err = NULL;
    bool ok = review_export(l->l, r->prog, &opt, &st, &err);
    if (stats) *stats = (doudi_review_stats){.rows = st.rows, .files = st.files};
    if (error) *error = err;
    else free(err);
    return ok ? 0 : -1;
}
