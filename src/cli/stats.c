/* stats.c — `doudi stats`: figures about the ledger under a rule file that are no form.
 *
 *   doudi stats FILE [--db DB] --near-miss [--as-of DATE] [--format text|json]
 *
 * --near-miss: for each category, who is one condition short of it, and which condition
 * (tools/nearmiss.h). It evaluates every person again, storing nothing; --as-of sets the date
 * they are evaluated at (default: the rule file's as_of). */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_stats(int argc, char **argv)
{
    const char *file = NULL, *db = "doudi.db", *as_of = NULL, *format = "text";
    bool near_miss = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc) as_of = argv[++i];
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) format = argv[++i];
        else if (!strcmp(argv[i], "--near-miss")) near_miss = true;
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("stats", tr("unknown option '%s'"), argv[i]);
        else if (!file) file = argv[i];
        else return cli_usage_error("stats", tr("one rule file at a time"));
    }
    if (!file) return cli_usage("stats");
    if (!near_miss) return cli_usage_error("stats", tr("which figures? --near-miss is the one there is"));
    if (strcmp(format, "text") && strcmp(format, "json"))
        return cli_usage_error("stats", tr("unknown format '%s' (text or json)"), format);
    if (access(db, F_OK) != 0) return cli_usage_error("stats", tr("no ledger %s (doudi import makes one)"), db);
    doudi_rules *r = cli_open_rules("stats", file);
    if (!r) return 2;
    char *err = NULL;
    int status = 0;
    if (as_of && doudi_set_param(r, "as_of", as_of, &err)) status = 2;
    doudi_ledger *l = status ? NULL : doudi_ledger_open_mode(db, DOUDI_LEDGER_READ, &err);
    char *text = l ? doudi_near_miss(l, r, !strcmp(format, "json") ? DOUDI_JSON : DOUDI_TEXT, &err) : NULL;
    if (text) fputs(text, stdout);
    else status = 2;
    if (err) fprintf(stderr, "doudi stats: %s\n", msg_text(err));
    doudi_string_free(text);
    doudi_string_free(err);
    doudi_ledger_close(l);
    doudi_free(r);
    return status;
}
