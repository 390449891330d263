/* cli_diff.c — `doudi diff OLD NEW --population DIR|DB [--as-of D] [--limit N] [--expect FILE]
 * [--format text|json] [--show-ids]`: what a rule amendment changes (docs/rule-changes.md).
 *
 * Both rule files run over the population (a directory with persons.csv [institutions.csv],
 * imported into a temporary ledger, or a ledger file, run in a temporary copy); stdout gets
 * the report: people per category, placement and year before → after, the moves between
 * placements, the first N changed people (by key) with both explanations, the forms' and the
 * capacity plan's changed cells — resident ids masked unless --show-ids. With --expect, the
 * report ends with the verdict against the approved-changes file, and a mismatch makes the
 * exit status 1 (a line on stderr says how many figures differ). Exit 2 on usage errors, a
 * rule file with errors, an unreadable population, or an approved-changes line that is no
 * figure (each named FILE:LINE on stderr). */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static bool parse_limit(const char *s, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 1000000) return false;
    *out = (int)v;
    return true;
}

int cli_diff(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *population = NULL, *as_of = NULL, *expect = NULL;
    int nfiles = 0, limit = 10;
    bool show_ids = false;
    doudi_format format = DOUDI_TEXT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--population") && i + 1 < argc) population = argv[++i];
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc) as_of = argv[++i];
        else if (!strcmp(argv[i], "--expect") && i + 1 < argc) expect = argv[++i];
        else if (!strcmp(argv[i], "--show-ids")) show_ids = true;
        else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
            if (!parse_limit(argv[++i], &limit))
                return cli_usage_error("diff", tr("--limit wants a number of people, 0 or more (not '%s')"), argv[i]);
        } else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json")) format = DOUDI_JSON;
            else if (strcmp(f, "text")) return cli_usage_error("diff", tr("unknown format '%s' (text or json)"), f);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("diff", tr("unknown option '%s'\nusage: doudi %s"), argv[i], cli_synopsis("diff"));
        } else if (nfiles < 2) {
            files[nfiles++] = argv[i];
        } else {
            return cli_usage_error("diff", tr("two rule files: the old one and the new one\nusage: doudi %s"),
                                   cli_synopsis("diff"));
        }
    }
    if (nfiles < 2)
        return cli_usage_error("diff", tr("two rule files are needed: the old one and the new one\nusage: doudi %s"),
                               cli_synopsis("diff"));
    if (!population)
        return cli_usage_error("diff", tr("which people? give --population DIR (with persons.csv) or a ledger\nusage: doudi %s"),
                               cli_synopsis("diff"));
    FILE *f = expect ? fopen(expect, "r") : NULL;
    if (expect && !f) {
        fputs("doudi diff: ", stderr);
        fprintf(stderr, tr("cannot read %s: %s\n"), expect, msg_strerror(errno));
        return 2;
    }
    if (f) fclose(f);
    doudi_rules *old_rules = cli_open_rules("diff", files[0]);
    doudi_rules *new_rules = old_rules ? cli_open_rules("diff", files[1]) : NULL;
    if (!new_rules) {
        doudi_free(old_rules);
        return 2;
    }
    char *err = NULL, *mismatches = NULL;
    int status = 0, verdict = 0;
    doudi_diff *d = NULL;
    if (as_of && (doudi_set_param(old_rules, "as_of", as_of, &err) || doudi_set_param(new_rules, "as_of", as_of, &err)))
        status = 2;
    else if (!(d = doudi_diff_population(old_rules, new_rules, population, limit, &err)))
        status = 2;
    else if (expect && (verdict = doudi_diff_expect(d, expect, &mismatches, &err)) < 0)
        status = 2;
    if (status == 0) {
        char *text = doudi_diff_render(d, format);
        if (!show_ids) doudi_mask_ids(text);
        fputs(text, stdout);
        fflush(stdout);
        doudi_string_free(text);
        if (verdict == 1) {
            int n = 0;
            for (const char *s = mismatches; s && *s; s++) n += *s == '\n';
            fputs("doudi diff: ", stderr);
            if (n == 1) fprintf(stderr, tr("1 figure differs from %s\n"), expect);
            else fprintf(stderr, tr("%d figures differ from %s\n"), n, expect);
            status = 1;
        }
    }
    if (err) {
        if (!show_ids) doudi_mask_ids(err);
        if (verdict < 0) {
            fprintf(stderr, "%s\ndoudi diff: ", err);
            fprintf(stderr, tr("%s: lines that are no figure\n"), expect);
        }
        else fprintf(stderr, "doudi diff: %s\n", err);
    }
    doudi_string_free(err);
    doudi_string_free(mismatches);
    doudi_diff_free(d);
    doudi_free(old_rules);
    doudi_free(new_rules);
    return status;
}
