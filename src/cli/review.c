/* review.c — `doudi review`: the rows in review (待核查) sent back to the clerk.
 *
 *   doudi review [--db DB] [-o 待核查.xlsx|待核查.csv] [--rules FILE] [--source FILE]
 *
 * Every row an import sent to review, as it was read, under its file's header, the offending
 * cell marked and a reason column last, then the persons the latest run could not evaluate, as
 * the ledger holds them (doudi_review_export). The rules name the columns: FILE
 * (a rule file or a .ddc) or, without it, the ones the latest run stored. The format is -o's
 * extension (.xlsx a workbook, else CSV); CSV goes to stdout without -o. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct Args {
    const char *db, *rules, *source, *out;
} Args;

static int parse_args(int argc, char **argv, Args *a)
{
    *a = (Args){.db = "doudi.db"};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) a->db = argv[++i];
        else if (!strcmp(argv[i], "--rules") && i + 1 < argc) a->rules = argv[++i];
        else if (!strcmp(argv[i], "--source") && i + 1 < argc) a->source = argv[++i];
        else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) && i + 1 < argc) a->out = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("review", tr("unknown option '%s'"), argv[i]);
        else return cli_usage_error("review", tr("unexpected argument '%s'"), argv[i]);
    }
    if (a->out && !strcmp(a->out, "-")) a->out = NULL;
    if (access(a->db, F_OK) != 0) return cli_usage_error("review", tr("no ledger %s (doudi import makes one)"), a->db);
    const char *inputs[] = {a->db, a->rules, a->source};
    return cli_not_an_input("review", a->out, inputs, 3) ? 0 : 2;
}

int cli_review(int argc, char **argv)
{
    Args a;
    int status = parse_args(argc, argv, &a);
    if (status) return status;
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open_mode(a.db, DOUDI_LEDGER_READ, &err);
    doudi_rules *r = NULL;
    if (l && a.rules) r = cli_open_rules("review", a.rules);
    else if (l) r = doudi_ledger_rules(l, 0, &err);
    doudi_review_stats st;
    if (!l || !r || doudi_review_export(l, r, a.source, NULL, a.out, &st, &err)) status = 2;
    else if (a.out) printf(tr("%s: %llu rows in review (files they came from: %llu)\n"), a.out, (unsigned long long)st.rows,
                           (unsigned long long)st.files);
    if (err && l && !r && !a.rules)
        fprintf(stderr, tr("doudi review: %s (give the rules with --rules FILE)\n"), msg_text(err));
    else if (err)
        fprintf(stderr, "doudi review: %s\n", msg_text(err));
    doudi_string_free(err);
    doudi_free(r);
    doudi_ledger_close(l);
    return status;
}
