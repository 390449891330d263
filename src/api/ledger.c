/* ledger.c — ledgers: opened, imported into, run, reported and scanned (doudi.h, "the
 * ledger" and "reports"). */
#include "api_int.h"
#include "jobs.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/resid.h"
#include "engine/import.h"
#include "engine/report.h"
#include "engine/run.h"
#include "engine/stream.h"
#include "vm/values.h"

/* ---- the ledger ------------------------------------------------------------------------------ */


doudi_ledger *doudi_ledger_open_mode(const char *path, doudi_ledger_mode mode, char **error)
{
    if (error) *error = NULL;
    LedgerMode m = mode == DOUDI_LEDGER_READ ? LEDGER_READ : mode == DOUDI_LEDGER_WRITE ? LEDGER_WRITE : LEDGER_CREATE;
    Ledger *l = ledger_open(path, m, error);
    if (!l) return NULL;
    doudi_ledger *dl = xcalloc(1, sizeof *dl);
    dl->l = l;
    return dl;
}

doudi_ledger *doudi_ledger_open(const char *path, char **error)
{
    return doudi_ledger_open_mode(path, DOUDI_LEDGER_CREATE, error);
}

void doudi_ledger_close(doudi_ledger *l)
{
    if (!l) return;
    ledger_close(l->l);
    free(l);
}

void doudi_ledger_discard(doudi_ledger *l)
{
    if (!l) return;
    ledger_discard(l->l);
    free(l);
}

int doudi_import_file(doudi_ledger *l, doudi_rules *r, int record, const char *path, const doudi_import_options *opt,
                      FILE *report, doudi_import_stats *stats, char **error)
{
    ImportStats st;
    if (record < 0 || (uint32_t)record >= r->prog->nrecords)
        return api_fail(error, "the rules declare no record number %d", record);
    ImportOptions o = {.encoding = opt ? opt->encoding : NULL, .sheet = opt ? opt->sheet : NULL};
    bool ok = import_file(l->l, r->prog, r->vm, (uint32_t)record, path, &o, report, &st, error);
    if (stats) {
        stats->rows = st.rows;
        stats->added = st.added;
        stats->updated = st.updated;
        stats->unchanged = st.unchanged;
        stats->review = st.review;
        memcpy(stats->encoding, st.encoding, sizeof stats->encoding);
        memcpy(stats->sheet, st.sheet, sizeof stats->sheet);
    }
    return ok ? 0 : -1;
}

int doudi_import(doudi_ledger *l, doudi_rules *r, int record, const char *csv_path, const char *encoding,
                 FILE *report, doudi_import_stats *stats, char **error)
{
    doudi_import_options opt = {encoding, NULL};
    return doudi_import_file(l, r, record, csv_path, &opt, report, stats, error);
}

int doudi_run(doudi_ledger *l, doudi_rules *r, const char *results_path, doudi_progress_fn progress,
              void *ctx, doudi_run_stats *stats, char **error)
{
    return doudi_run_jobs(l, r, 1, results_path, progress, ctx, stats, error);
}

int doudi_run_jobs(doudi_ledger *l, doudi_rules *r, unsigned jobs, const char *results_path,
                   doudi_progress_fn progress, void *ctx, doudi_run_stats *stats, char **error)
{
    OomGuard g;
    oom_guard_enter(&g);
    if (setjmp(g.env)) {
        ledger_abandon(l->l);
        api_out_of_memory(&g, error);
        return -1;
    }
    RunStats st;
    unsigned threads = api_run_threads(jobs);
    bool ok = run_rules_jobs(l->l, r->prog, r->vm, threads, results_path, progress, ctx, &st, error);
    oom_guard_leave(&g);
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

static void copy_import_stats(const ImportStats *st, doudi_import_stats *out)
{
    out->rows = st->rows;
    out->added = st->added;
    out->updated = st->updated;
    out->unchanged = st->unchanged;
    out->review = st->review;
    memcpy(out->encoding, st->encoding, sizeof out->encoding);
    memcpy(out->sheet, st->sheet, sizeof out->sheet);
}

/* Every form of the run for the city, into dir/NAME.EXT. */
static bool stream_forms(Ledger *l, const Program *p, int64_t run, const char *dir, const char *format,
                         char **error)
{
    ReportFormat f;
    if (!report_parse_format(format ? format : "text", &f) || f == REPORT_XLSX) {
        *error = xasprintf("unknown format '%s' (text, csv or json)", format);
        return false;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        *error = xasprintf("cannot make %s: %s", dir, strerror(errno));
        return false;
    }
    const char *ext = f == REPORT_TEXT ? "txt" : f == REPORT_CSV ? "csv" : "json";
    bool ok = true;
    for (uint32_t i = 0; i < p->nforms && ok; i++) {
        char *path = xasprintf("%s/%s.%s", dir, p->forms[i].name, ext);
        ok = report_write(l, p, p->forms[i].name, NULL, run, f, path, error);
        free(path);
    }
    return ok;
}

/* Before the run: the forms' directory writable, or one that can be made (it is made after the
 * run) — a run whose forms cannot be written is not run (its results file would replace the
 * old one beside the old forms). */
static bool forms_dir_ready(const char *dir, char **error)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0) return true;
        *error = xasprintf("cannot write %s: %s", dir, strerror(S_ISDIR(st.st_mode) ? errno : ENOTDIR));
        return false;
    }
    /* not there yet: it is made after the run, in a directory that must take it */
    char *parent = xstrdup(dir), *slash = strrchr(parent, '/');
    if (slash == parent) slash[1] = '\0';
    else if (slash) *slash = '\0';
    bool ok = access(slash ? parent : ".", W_OK | X_OK) == 0;
    if (!ok) *error = xasprintf("cannot make %s: %s", dir, strerror(errno));
    free(parent);
    return ok;
}

static bool run_stream(Ledger *l, doudi_rules *r, const doudi_stream_options *opt, unsigned jobs, FILE *report,
                       doudi_progress_fn progress, void *ctx, doudi_stream_stats *stats, char **error)
{
    ImportStats inst = {0}, read = {0};
    RunStats st = {0};
    ImportOptions io = {.encoding = opt->encoding};
    StreamOptions so = {.path = opt->persons, .encoding = opt->encoding, .sheet = opt->sheet, .review_path = opt->review_path,
                        .jobs = jobs};
    bool ok = (!opt->forms_dir || forms_dir_ready(opt->forms_dir, error)) && (!opt->institutions || import_file(l, r->prog, r->vm, 1, opt->institutions, &io, report, &inst, error)) &&
              stream_run(l, r->prog, r->vm, &so, opt->results_path, report, progress, ctx, &read, &st, error) &&
              (!opt->forms_dir || stream_forms(l, r->prog, st.run_id, opt->forms_dir, opt->forms_format, error));
    if (stats) {
        copy_import_stats(&read, &stats->persons);
        copy_import_stats(&inst, &stats->institutions);
        stats->run = (doudi_run_stats){st.run_id, st.persons, st.targets, st.scheduled, st.review, {0}};
        memcpy(stats->run.as_of, st.as_of, sizeof stats->run.as_of);
    }
    return ok;
}

int doudi_run_stream(doudi_rules *r, const doudi_stream_options *opt, FILE *report, doudi_progress_fn progress,
                     void *ctx, doudi_stream_stats *stats, char **error)
{
    return doudi_run_stream_jobs(r, opt, 1, report, progress, ctx, stats, error);
}

int doudi_run_stream_jobs(doudi_rules *r, const doudi_stream_options *opt, unsigned jobs, FILE *report,
                          doudi_progress_fn progress, void *ctx, doudi_stream_stats *stats, char **error)
{
    if (error) *error = NULL;
    if (stats) memset(stats, 0, sizeof *stats);
    if (!opt || !opt->persons) return api_fail(error, "no persons file given");
    if (opt->institutions && r->prog->nrecords < 2)
        return api_fail(error, "the rules declare no record number %d", 1);
    OomGuard g;
    oom_guard_enter(&g);
    if (setjmp(g.env)) {   /* the scratch ledger, opened in the guard, is closed by it */
        api_out_of_memory(&g, error);
        return -1;
    }
    Ledger *l = ledger_open(":memory:", LEDGER_CREATE, error);
    if (!l) {
        oom_guard_leave(&g);
        return -1;
    }
    unsigned threads = api_run_threads(jobs);
    bool ok = run_stream(l, r, opt, threads, report, progress, ctx, stats, error);
    oom_guard_leave(&g);
    ledger_close(l);
    return ok ? 0 : -1;
}

doudi_record *doudi_ledger_record(doudi_ledger *l, doudi_rules *r, const char *key, char **error)
{
    if (error) *error = NULL;
    const RecordInfo *ri = api_subject(r);
    if (!ri || ri->key < 0) {
        api_fail(error, "the rules declare no record with a key");
        return NULL;
    }
    char *mismatch = ledger_check_record(l->l, r->prog, ri, true);
    if (mismatch) {
        api_fail(error, "%s", mismatch);
        free(mismatch);
        return NULL;
    }
    /* the key as the importer would have stored it (trimmed; an id's lowercase x as X) */
    int64_t kv = 0;
    char *normal = NULL, why[200];
    if (!value_parse(r->prog, &ri->fields[ri->key], key, strlen(key), &kv, &normal, why, sizeof why)) normal = NULL;
    doudi_record *rec = doudi_record_new(r);
    bool found = false;
    bool ok = ledger_record_by_key(l->l, r->prog, ri, normal ? normal : key, rec->values, rec->owned, &found, error);
    free(normal);
    if (ok && !found) ok = api_fail(error, "no %s with %s %s in %s", ri->name, ri->fields[ri->key].name, key,
                                    ledger_path(l->l)) == 0;
    if (!ok) {
        doudi_record_free(rec);
        return NULL;
    }
    for (uint32_t i = 0; i < ri->nfields; i++) rec->set[i] = true;
    return rec;
}

void doudi_mask_ids(char *text) { resident_id_mask(text); }

/* ---- reports ------------------------------------------------------------------------------- */

int doudi_form_count(const doudi_rules *r) { return (int)r->prog->nforms; }

const char *doudi_form_name(const doudi_rules *r, int i)
{
    return i >= 0 && i < doudi_form_count(r) ? r->prog->forms[i].name : NULL;
}

const char *doudi_form_label(const doudi_rules *r, int i)
{
    return i >= 0 && i < doudi_form_count(r) ? r->prog->forms[i].label : NULL;
}

int doudi_report(doudi_ledger *l, doudi_rules *r, const char *form, const char *county, int64_t run,
                 const char *format, const char *out_path, char **error)
{
    if (error) *error = NULL;
    if (format && !strcmp(format, "html")) return doudi_report_html(l, r, run, out_path, error);
    ReportFormat f;
    if (!report_parse_format(format, &f))
        return api_fail(error, "unknown format '%s' (text, csv, json or xlsx)", format ? format : "");
    if (run < 0) return api_fail(error, "no run %lld: runs are numbered from 1", (long long)run);
    return report_write(l->l, r->prog, form, county, run, f, out_path, error) ? 0 : -1;
}
