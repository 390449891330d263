/* notice.c — `doudi notice`: the public notice (公示名单) of a stored run.
 *
 *   doudi notice [FILE] --db DB [--county CODE] [--run N] [--format html|csv|xlsx] [-o FILE]
 *
 * The rules are FILE (a rule file or a .ddc) or, without it, the ones the run stored — the
 * notice then is exactly the run's. --format defaults to the extension of -o (.html, .csv,
 * .xlsx), else html; html and csv go to stdout without -o, a workbook needs -o. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static const char *format_of_path(const char *path)
{
    if (!path) return NULL;
    if (ends_with(path, ".xlsx")) return "xlsx";
    if (ends_with(path, ".csv")) return "csv";
    if (ends_with(path, ".html") || ends_with(path, ".htm")) return "html";
    return NULL;
}

typedef struct Args {
    const char *file, *db, *county, *format, *out;
    long long run;
} Args;

static int parse_args(int argc, char **argv, Args *a)
{
    *a = (Args){.db = "doudi.db"};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) a->db = argv[++i];
        else if (!strcmp(argv[i], "--county") && i + 1 < argc) a->county = argv[++i];
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) a->format = argv[++i];
        else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) && i + 1 < argc) a->out = argv[++i];
        else if (!strcmp(argv[i], "--run") && i + 1 < argc) {
            const char *s = argv[++i];
            char *end = NULL;
            a->run = strtoll(s, &end, 10);
            if (!*s || *end || a->run <= 0) return cli_usage_error("notice", tr("--run takes a run number (1, 2, ...), not '%s'"), s);
        } else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("notice", tr("unknown option '%s'"), argv[i]);
        else if (!a->file) a->file = argv[i];
        else return cli_usage_error("notice", tr("one rule file at a time"));
    }
    if (a->out && !strcmp(a->out, "-")) a->out = NULL;
    if (!a->format) a->format = format_of_path(a->out) ? format_of_path(a->out) : "html";
    if (strcmp(a->format, "html") && strcmp(a->format, "csv") && strcmp(a->format, "xlsx"))
        return cli_usage_error("notice", tr("unknown format '%s' (html, csv or xlsx)"), a->format);
    if (!strcmp(a->format, "xlsx") && !a->out) return cli_usage_error("notice", tr("an xlsx workbook needs -o FILE.xlsx"));
    if (access(a->db, F_OK) != 0)
        return cli_usage_error("notice", tr("no ledger %s (doudi import, then doudi run, make one)"), a->db);
    const char *inputs[] = {a->file, a->db};
    return cli_not_an_input("notice", a->out, inputs, 2) ? 0 : 2;
}

int cli_notice(int argc, char **argv)
{
    Args a;
    int status = parse_args(argc, argv, &a);
    if (status) return status;
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open_mode(a.db, DOUDI_LEDGER_READ, &err);
    doudi_rules *r = NULL;
    if (l && a.file) r = cli_open_rules("notice", a.file);
    else if (l) r = doudi_ledger_rules(l, (int64_t)a.run, &err);
    if (!l || !r || doudi_notice(l, r, a.county, (int64_t)a.run, a.format, a.out, &err)) status = 2;
    if (err) fprintf(stderr, "doudi notice: %s\n", msg_text(err));
    doudi_string_free(err);
    doudi_free(r);
    doudi_ledger_close(l);
    return status;
}
