/* cli_report.c — `doudi report`: the official forms of a stored run, rendered.
 *
 *   doudi report FILE --db DB --form NAME [--county CODE] [--run ID]
 *                [--format text|csv|json|xlsx|html] [-o FILE]
 *
 * The numbers come from the run (the latest unless --run), the layout from FILE's `table`
 * declaration. Without --county, the city: every county summed. --format defaults to the
 * extension of -o (.csv, .json, .xlsx, .html), else text; text, csv, json and html go to stdout
 * without -o, an xlsx workbook needs -o. Without --form and with a single form in FILE, that
 * form. html is the whole run on one page: every form, city and counties, with charts, the
 * schedule, the capacity plan, the review queue and near misses (no --form, no --county). */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <stdbool.h>
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
    if (ends_with(path, ".json")) return "json";
    if (ends_with(path, ".html") || ends_with(path, ".htm")) return "html";
    return NULL;
}

static void list_forms(FILE *to, const doudi_rules *r)
{
    for (int i = 0; i < doudi_form_count(r); i++) {
        const char *label = doudi_form_label(r, i);
        fprintf(to, "  %s%s%s\n", doudi_form_name(r, i), label ? "  " : "", label ? label : "");
    }
}

int cli_report(int argc, char **argv)
{
    const char *file = NULL, *db = "doudi.db", *form = NULL, *county = NULL, *format = NULL, *out = NULL;
    long long run = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--form") && i + 1 < argc) form = argv[++i];
        else if (!strcmp(argv[i], "--county") && i + 1 < argc) county = argv[++i];
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) format = argv[++i];
        else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--run") && i + 1 < argc) {
            const char *s = argv[++i];
            char *end = NULL;
            run = strtoll(s, &end, 10);
            if (!*s || *end || run <= 0) return cli_usage_error("report", tr("--run takes a run number (1, 2, ...), not '%s'"), s);
        } else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("report", tr("unknown option '%s'"), argv[i]);
        else if (!file) file = argv[i];
        else return cli_usage_error("report", tr("one rule file at a time"));
    }
    if (!file) return cli_usage("report");
    if (out && !strcmp(out, "-")) out = NULL;
    if (!format) format = format_of_path(out) ? format_of_path(out) : "text";
    bool html = !strcmp(format, "html");
    if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "xlsx") && !html)
        return cli_usage_error("report", tr("unknown format '%s' (text, csv, json, xlsx or html)"), format);
    if (html && (form || county))
        return cli_usage_error("report", tr("the html report holds every form and every county: no --form, no --county"));
    if (!strcmp(format, "xlsx") && !out) return cli_usage_error("report", tr("an xlsx workbook needs -o FILE.xlsx"));

    if (access(db, F_OK) != 0)
        return cli_usage_error("report", tr("no ledger %s (doudi import, then doudi run, make one)"), db);
    const char *inputs[] = {file, db};
    if (!cli_not_an_input("report", out, inputs, 2)) return 2;
    char *err = NULL;
    doudi_rules *r = cli_open_rules("report", file);
    if (!r) return 2;
    if (!form && doudi_form_count(r) == 1) form = doudi_form_name(r, 0);
    if (!form && !html) {
        fputs("doudi report: ", stderr);
        if (doudi_form_count(r) == 0) fprintf(stderr, tr("%s declares no form (no `table`)\n"), file);
        else {
            fputs(tr("which form? give --form NAME, one of:\n"), stderr);
            list_forms(stderr, r);
        }
        doudi_free(r);
        return 2;
    }
    int status = 0;
    doudi_ledger *l = doudi_ledger_open_mode(db, DOUDI_LEDGER_READ, &err);
    if (!l || doudi_report(l, r, form, county, (int64_t)run, format, out, &err)) status = 2;
    if (err) fprintf(stderr, "doudi report: %s\n", msg_text(err));
    doudi_string_free(err);
    doudi_ledger_close(l);
    doudi_free(r);
    return status;
}
