/* cli_ledger.c — the verbs that work on a ledger: `doudi import`, `doudi run`,
 * `doudi explain`. */
#include "cli.h"
#include "doudi.h"
#include "api/jobs.h"
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
    char read_as[200];
    if (*s->sheet) snprintf(read_as, sizeof read_as, "%s, %s", s->encoding, s->sheet);
    else snprintf(read_as, sizeof read_as, "%s", s->encoding);
    printf(tr("%s (%s): %llu rows: %llu new, %llu updated, %llu unchanged, %llu to review\n"), path, read_as,
           (unsigned long long)s->rows, (unsigned long long)s->added, (unsigned long long)s->updated,
           (unsigned long long)s->unchanged, (unsigned long long)s->review);
    if (s->added == 0 && s->updated == 0 && s->review == 0 && s->rows > 0)
        printf(tr("%s: nothing changed (every row is already in the ledger as it is)\n"), path);
}

int cli_import(int argc, char **argv)
{
    const char *db = DEFAULT_DB, *rules = NULL, *encoding = NULL, *sheet = NULL;
    const char *files[2];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--rules") && i + 1 < argc) rules = argv[++i];
        else if (!strcmp(argv[i], "--encoding") && i + 1 < argc) encoding = argv[++i];
        else if (!strcmp(argv[i], "--sheet") && i + 1 < argc) sheet = argv[++i];
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
        doudi_import_options opt = {encoding, sheet};
        if (doudi_import_file(l, r, i, files[i], &opt, stderr, &st, &err)) {
            fprintf(stderr, "doudi import: %s\n", msg_text(err));
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
        fprintf(stderr, "doudi import: %s\n", msg_text(err));
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

static void print_read(const char *path, const doudi_import_stats *s)
{
    char read_as[200];
    if (*s->sheet) snprintf(read_as, sizeof read_as, "%s, %s", s->encoding, s->sheet);
    else snprintf(read_as, sizeof read_as, "%s", s->encoding);
    printf(tr("%s (%s): %llu rows: %llu read in, %llu to review\n"), path, read_as, (unsigned long long)s->rows,
           (unsigned long long)s->added, (unsigned long long)s->review);
}

/* `run RULES --from persons.csv`: the streaming run, no ledger file (doudi_run_stream). */
static int run_from(doudi_rules *r, const doudi_stream_options *opt, unsigned jobs)
{
    char *err = NULL;
    doudi_stream_stats st;
    int status = 0;
    if (doudi_run_stream_jobs(r, opt, jobs, stderr, isatty(2) ? progress_bar : NULL, NULL, &st, &err)) {
        fprintf(stderr, "doudi run: %s\n", msg_text(err));
        doudi_string_free(err);
        return 2;
    }
    if (opt->institutions) print_read(opt->institutions, &st.institutions);
    print_read(opt->persons, &st.persons);
    printf(tr("run (as of %s, without a ledger): %llu persons, %llu targets, %llu scheduled, %llu to review\n"),
           st.run.as_of, (unsigned long long)st.run.persons, (unsigned long long)st.run.targets,
           (unsigned long long)st.run.scheduled, (unsigned long long)st.run.review);
    if (opt->results_path) printf(tr("results: %s\n"), opt->results_path);
    if (opt->review_path) printf(tr("review: %s\n"), opt->review_path);
    if (opt->forms_dir) printf(tr("forms: %s\n"), opt->forms_dir);
    if (st.run.review || st.persons.review || st.institutions.review) status = 1;
    return status;
}

/* --jobs N: 1..256 threads; the default is the cores present. */
static bool parse_jobs(const char *text, unsigned *jobs)
{
    char *end;
    long n = strtol(text, &end, 10);
    if (end == text || *end || n < 1 || n > 256) return false;
    *jobs = (unsigned)n;
    return true;
}

static unsigned cores_present(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

int cli_run(int argc, char **argv)
{
    const char *file = NULL, *db = NULL, *as_of = NULL, *out = NULL;
    doudi_stream_options so = {0};
    unsigned jobs = cores_present();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) {
            if (!parse_jobs(argv[++i], &jobs)) return cli_usage_error("run", tr("--jobs wants a number of threads (1 to 256)"));
        }
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc) as_of = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--from") && i + 1 < argc) so.persons = argv[++i];
        else if (!strcmp(argv[i], "--institutions") && i + 1 < argc) so.institutions = argv[++i];
        else if (!strcmp(argv[i], "--review") && i + 1 < argc) so.review_path = argv[++i];
        else if (!strcmp(argv[i], "--forms") && i + 1 < argc) so.forms_dir = argv[++i];
        else if (!strcmp(argv[i], "--forms-format") && i + 1 < argc) so.forms_format = argv[++i];
        else if (!strcmp(argv[i], "--encoding") && i + 1 < argc) so.encoding = argv[++i];
        else if (!strcmp(argv[i], "--sheet") && i + 1 < argc) so.sheet = argv[++i];
        else if (argv[i][0] == '-') return cli_usage_error("run", tr("unknown option '%s'"), argv[i]);
        else if (!file) file = argv[i];
        else return cli_usage_error("run", tr("one rule file at a time"));
    }
    if (!file) return cli_usage("run");
    bool streaming = so.persons != NULL;
    if (streaming && db) return cli_usage_error("run", tr("--from reads the persons from a file: no --db with it"));
    if (!streaming && (so.institutions || so.review_path || so.forms_dir || so.forms_format || so.encoding || so.sheet))
        return cli_usage_error("run", tr("--institutions, --review, --forms, --encoding and --sheet go with --from"));
    if (so.forms_format && strcmp(so.forms_format, "text") && strcmp(so.forms_format, "csv") &&
        strcmp(so.forms_format, "json"))
        return cli_usage_error("run", tr("unknown format '%s' (text, csv or json)"), so.forms_format);
    if (out && so.review_path && cli_same_file(out, so.review_path))
        return cli_usage_error("run", tr("--out and --review name the same file: give each its own"));
    if (!db) db = DEFAULT_DB;
    const char *inputs[] = {file, streaming ? so.persons : db, so.institutions ? so.institutions : file};
    if (!cli_not_an_input("run", out, inputs, 3) || !cli_not_an_input("run", so.review_path, inputs, 3)) return 2;
    doudi_rules *r = cli_open_rules("run", file);
    if (!r) return 2;
    char *err = NULL;
    int status = 0;
    doudi_ledger *l = NULL;
    so.results_path = out;
    if (as_of && doudi_set_param(r, "as_of", as_of, &err)) status = 2;
    else if (streaming) status = run_from(r, &so, jobs);
    else if (!(l = doudi_ledger_open_mode(db, DOUDI_LEDGER_WRITE, &err))) status = 2;
    else {
        doudi_run_stats st;
        if (doudi_run_jobs(l, r, jobs, out, isatty(2) ? progress_bar : NULL, NULL, &st, &err)) status = 2;
        else {
            printf(tr("run %lld (as of %s): %llu persons, %llu targets, %llu scheduled, %llu to review\n"),
                   (long long)st.run_id, st.as_of, (unsigned long long)st.persons, (unsigned long long)st.targets,
                   (unsigned long long)st.scheduled, (unsigned long long)st.review);
            if (out) printf(tr("results: %s\n"), out);
            if (st.review) status = 1;
        }
    }
    if (err) fprintf(stderr, "doudi run: %s\n", msg_text(err));
    doudi_string_free(err);
    doudi_ledger_close(l);
    doudi_free(r);
    return status;
}

/* ---- explain ----------------------------------------------------------------------------- */

/* The one person `query` (an id, a masked id, or with by_name a name) means; NULL after saying
 * why not: nobody, or several (listed, masked unless show_ids, with their county and village). */
static char *one_person(doudi_ledger *l, doudi_rules *r, const char *query, bool by_name, bool show_ids)
{
    char **keys = NULL, *err = NULL;
    int n = 0;
    if (doudi_find(l, r, query, by_name, &keys, &n, &err)) {
        fprintf(stderr, "doudi explain: %s\n", msg_text(err));
        doudi_string_free(err);
        return NULL;
    }
    char *key = n == 1 ? strdup(keys[0]) : NULL;
    if (n == 0) {
        char *shown = strdup(query);
        size_t len = shown ? strlen(shown) : 0;
        if (!by_name && len == 18 && shown[17] == 'x') shown[17] = 'X';   /* as the ledger stores ids */
        if (shown && !show_ids) doudi_mask_ids(shown);
        fputs("doudi explain: ", stderr);
        fprintf(stderr, by_name ? tr("nobody named %s in the ledger\n") : tr("no person %s in the ledger\n"),
                shown ? shown : query);
        free(shown);
    } else if (n > 1) {
        fputs("doudi explain: ", stderr);
        fprintf(stderr, tr("%d persons match %s; give one of their ids with --id:\n"), n, query);
        for (int i = 0; i < n; i++) {
            char *line = doudi_person_summary(l, r, keys[i]);
            if (!show_ids) doudi_mask_ids(line);
            fprintf(stderr, "  %s\n", line);
            doudi_string_free(line);
        }
    }
    doudi_keys_free(keys, n);
    return key;
}

int cli_explain(int argc, char **argv)
{
    const char *file = NULL, *db = DEFAULT_DB, *id = NULL, *name = NULL, *as_of = NULL;
    long long run = 0;
    bool show_ids = false;
    doudi_format format = DOUDI_TEXT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--id") && i + 1 < argc) id = argv[++i];
        else if (!strcmp(argv[i], "--name") && i + 1 < argc) name = argv[++i];
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc) as_of = argv[++i];
        else if (!strcmp(argv[i], "--run") && i + 1 < argc) {
            char *end;
            run = strtoll(argv[++i], &end, 10);
            if (*end || run < 1) return cli_usage_error("explain", tr("--run wants a run number (1, 2, ...)"));
        } else if (!strcmp(argv[i], "--show-ids")) show_ids = true;
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json")) format = DOUDI_JSON;
            else if (!strcmp(f, "html")) format = DOUDI_HTML;
            else if (strcmp(f, "text")) return cli_usage_error("explain", tr("unknown format '%s' (text, json or html)"), f);
        } else if (argv[i][0] == '-') return cli_usage_error("explain", tr("unknown option '%s'"), argv[i]);
        else if (!file) file = argv[i];
        else return cli_usage_error("explain", tr("one rule file at a time"));
    }
    if (!file || (!id && !name) || (id && name)) return cli_usage("explain");
    doudi_rules *r = cli_open_rules("explain", file);
    if (!r) return 2;
    char *err = NULL, *text = NULL, *key = NULL;
    int status = 0;
    doudi_ledger *l = doudi_ledger_open_mode(db, DOUDI_LEDGER_READ, &err);
    if (!l) status = 2;
    else if (!(key = one_person(l, r, name ? name : id, name != NULL, show_ids))) status = 1;
    else if (!(text = doudi_explain_stored(l, r, key, run, as_of, format, &err))) status = 1;
    if (text) {
        if (!show_ids) doudi_mask_ids(text);
        fputs(text, stdout);
    }
    if (err) {
        if (!show_ids) doudi_mask_ids(err);
        fprintf(stderr, "doudi explain: %s\n", msg_text(err));
    }
    doudi_string_free(err);
    doudi_string_free(text);
    free(key);
    doudi_ledger_close(l);
    doudi_free(r);
    return status;
}
