/* cli_ledger.c — the verbs that work on a ledger: `doudi import`, `doudi run`,
 * `doudi explain`. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *DEFAULT_DB = "doudi.db";

/* ---- import ------------------------------------------------------------------------------- */

static void print_import(const char *path, const doudi_import_stats *s)
{
    printf(tr("%s (%s): %llu rows: %llu new, %llu updated, %llu unchanged, %llu to review\n"), path, s->encoding,
           (unsigned long long)s->rows, (unsigned long long)s->added, (unsigned long long)s->updated,
           (unsigned long long)s->unchanged, (unsigned long long)s->review);
    if (s->added == 0 && s->updated == 0 && s->review == 0 && s->rows > 0)
        printf(tr("%s: nothing changed (every row is already in the ledger as it is)\n"), path);
}

int cli_import(int argc, char **argv)
{
    const char *db = DEFAULT_DB, *rules = NULL, *encoding = NULL;
    const char *files[2];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--rules") && i + 1 < argc) rules = argv[++i];
        else if (!strcmp(argv[i], "--encoding") && i + 1 < argc) encoding = argv[++i];
        else if (argv[i][0] == '-') return cli_usage_error("import", tr("unknown option '%s'"), argv[i]);
        else if (nfiles < 2) files[nfiles++] = argv[i];
        else return cli_usage_error("import", tr("at most two files: persons.csv [institutions.csv]"));
    }
    if (!rules) return cli_usage_error("import", tr("which rules? give --rules FILE (the rule file declares the columns)"));
    if (nfiles == 0) return cli_usage_error("import", tr("no CSV file given"));
    doudi_rules *r = cli_open_rules("import", rules);
    if (!r) return 2;
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open_mode(db, DOUDI_LEDGER_CREATE, &err);
    int status = 0, imported = 0;
    for (int i = 0; l && i < nfiles; i++) {
        doudi_import_stats st;
        if (doudi_import(l, r, i, files[i], encoding, stderr, &st, &err)) {
            fprintf(stderr, "doudi import: %s\n", err);
            doudi_string_free(err);
            err = NULL;
            status = 2;
            continue;
        }
        print_import(files[i], &st);
        imported++;
        if (st.review && status == 0) status = 1;
    }
    if (!l) {
        fprintf(stderr, "doudi import: %s\n", err);
        status = 2;
    }
    doudi_string_free(err);
    /* a ledger this import made and filled with nothing is not left behind */
    if (imported == 0) doudi_ledger_discard(l);
    else doudi_ledger_close(l);
    doudi_free(r);
    return status;
}

/* ---- run --------------------------------------------------------------------------------- */

static void progress_bar(uint64_t done, uint64_t total, void *ctx)
{
    (void)ctx;
    if (total == 0) return;
    int width = 40, filled = (int)(done * (uint64_t)width / total);
    fprintf(stderr, "\r[%.*s%*s] %3d%% %llu/%llu", filled, "########################################",
            width - filled, "", (int)(done * 100 / total), (unsigned long long)done, (unsigned long long)total);
    if (done >= total) fputc('\n', stderr);
    fflush(stderr);
}

int cli_run(int argc, char **argv)
{
    const char *file = NULL, *db = DEFAULT_DB, *as_of = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc) as_of = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (argv[i][0] == '-') return cli_usage_error("run", tr("unknown option '%s'"), argv[i]);
        else if (!file) file = argv[i];
        else return cli_usage_error("run", tr("one rule file at a time"));
    }
    if (!file) return cli_usage("run");
    const char *inputs[] = {file, db};
    if (!cli_not_an_input("run", out, inputs, 2)) return 2;
    doudi_rules *r = cli_open_rules("run", file);
    if (!r) return 2;
    char *err = NULL;
    int status = 0;
    doudi_ledger *l = NULL;
    if (as_of && doudi_set_param(r, "as_of", as_of, &err)) status = 2;
    else if (!(l = doudi_ledger_open_mode(db, DOUDI_LEDGER_WRITE, &err))) status = 2;
    else {
        doudi_run_stats st;
        if (doudi_run(l, r, out, isatty(2) ? progress_bar : NULL, NULL, &st, &err)) status = 2;
        else {
            printf(tr("run %lld (as of %s): %llu persons, %llu targets, %llu scheduled, %llu to review\n"),
                   (long long)st.run_id, st.as_of, (unsigned long long)st.persons, (unsigned long long)st.targets,
                   (unsigned long long)st.scheduled, (unsigned long long)st.review);
            if (out) printf(tr("results: %s\n"), out);
            if (st.review) status = 1;
        }
    }
    if (err) fprintf(stderr, "doudi run: %s\n", err);
    doudi_string_free(err);
    doudi_ledger_close(l);
    doudi_free(r);
    return status;
}

/* ---- explain ----------------------------------------------------------------------------- */

/* A resident id typed with a lowercase x is stored with X (the importer reads it so,
 * INTERPRETATION §1): look it up the same way. Otherwise "no person", and an error message
 * that doudi_mask_ids (digits and X only) would not mask. */
static const char *stored_id(const char *id, char buf[19])
{
    size_t n = strlen(id);
    if (n != 18 || id[17] != 'x' || strspn(id, "0123456789") != 17) return id;
    memcpy(buf, id, 17);
    buf[17] = 'X';
    buf[18] = '\0';
    return buf;
}

int cli_explain(int argc, char **argv)
{
    const char *file = NULL, *db = DEFAULT_DB, *id = NULL, *as_of = NULL;
    bool show_ids = false;
    doudi_format format = DOUDI_TEXT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--id") && i + 1 < argc) id = argv[++i];
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc) as_of = argv[++i];
        else if (!strcmp(argv[i], "--show-ids")) show_ids = true;
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json")) format = DOUDI_JSON;
            else if (strcmp(f, "text")) return cli_usage_error("explain", tr("unknown format '%s' (text or json)"), f);
        } else if (argv[i][0] == '-') return cli_usage_error("explain", tr("unknown option '%s'"), argv[i]);
        else if (!file) file = argv[i];
        else return cli_usage_error("explain", tr("one rule file at a time"));
    }
    if (!file || !id) return cli_usage("explain");
    char idbuf[19];
    id = stored_id(id, idbuf);
    doudi_rules *r = cli_open_rules("explain", file);
    if (!r) return 2;
    char *err = NULL, *text = NULL;
    doudi_ledger *l = NULL;
    doudi_record *rec = NULL;
    int status = 0;
    if (as_of && doudi_set_param(r, "as_of", as_of, &err)) status = 2;
    else if (!(l = doudi_ledger_open_mode(db, DOUDI_LEDGER_READ, &err))) status = 2;
    else if (!(rec = doudi_ledger_record(l, r, id, &err))) status = 1;
    else if (!(text = doudi_explain(r, rec, format, &err))) status = 1;
    if (text) {
        if (!show_ids) doudi_mask_ids(text);
        fputs(text, stdout);
    }
    if (err) {
        if (!show_ids) doudi_mask_ids(err);
        fprintf(stderr, "doudi explain: %s\n", err);
    }
    doudi_string_free(err);
    doudi_string_free(text);
    doudi_record_free(rec);
    doudi_ledger_close(l);
    doudi_free(r);
    return status;
}
