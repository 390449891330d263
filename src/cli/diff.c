/* cli_diff.c — `doudi diff OLD NEW --population DIR|DB [--as-of D] [--limit N] [--expect FILE |
 * --write-expect FILE] [--format text|json|markdown] [-o FILE] [--comment-limit BYTES]
 * [--show-ids]`: what a rule amendment changes (docs/rule-changes.md).
 *
 * Both rule files run over the population (a directory with persons.csv [institutions.csv],
 * imported into a temporary ledger, or a ledger file, run in a temporary copy); stdout gets
 * the report: people per category, placement and year before → after, the moves between
 * placements, the first N changed people (by key) with both explanations, the forms' and the
 * capacity plan's changed cells — resident ids masked unless --show-ids. With --expect, the
 * report ends with the verdict against the approved-changes file, and a mismatch makes the
 * exit status 1 (a line on stderr says how many figures differ). Exit 2 on usage errors, a
 * rule file with errors, an unreadable population, or an approved-changes line that is no
 * figure (each named FILE:LINE on stderr).
 *
 * --format markdown writes the summary a merge request shows as a comment, under
 * --comment-limit bytes (60,000 by default: GitHub takes 65,536 characters a comment); with
 * -o FILE.md the full text and JSON reports are written beside it (FILE.txt, FILE.json) and
 * the comment names them. -o FILE writes any format to FILE instead of stdout. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"
#include "base/replace.h"

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

enum { FORMAT_TEXT, FORMAT_JSON, FORMAT_MARKDOWN };

/* The smallest comment limit: the heading, the verdict and the closing lines fit in it. */
enum { MIN_COMMENT = 2000 };

static bool parse_bytes(const char *s, size_t *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < MIN_COMMENT || v > 100000000) return false;
    *out = (size_t)v;
    return true;
}

static bool write_text(const char *path, const char *text)
{
    int err = file_replace(path, text, strlen(text), FILE_MODE_KEEP, NULL);
    if (err) {
        fputs("doudi diff: ", stderr);
        fprintf(stderr, tr("cannot write %s: %s\n"), path, msg_strerror(err));
    }
    return !err;
}

/* FILE.md → FILE.EXT (FILE.EXT beside any other name). */
static char *beside(const char *path, const char *ext)
{
    size_t n = strlen(path);
    if (n > 3 && !strcmp(path + n - 3, ".md")) n -= 3;
    char *s = malloc(n + strlen(ext) + 2);
    if (!s) return NULL;
    memcpy(s, path, n);
    s[n] = '.';
    strcpy(s + n + 1, ext);
    return s;
}

static char *rendered(const doudi_diff *d, doudi_format f, bool show_ids)
{
    char *text = doudi_diff_render(d, f);
    if (!show_ids) doudi_mask_ids(text);
    return text;
}

/* The Markdown comment, and with -o the full text and JSON beside it. */
static bool write_markdown(const doudi_diff *d, const char *out, int limit, size_t bytes, bool show_ids)
{
    char *txt = out ? beside(out, "txt") : NULL, *json = out ? beside(out, "json") : NULL;
    bool ok = true;
    if (out) {
        char *t = rendered(d, DOUDI_TEXT, show_ids), *j = rendered(d, DOUDI_JSON, show_ids);
        ok = txt && json && write_text(txt, t) && write_text(json, j);
        doudi_string_free(t);
        doudi_string_free(j);
    }
    doudi_markdown_options opt = {.limit = bytes, .people = limit, .show_ids = show_ids, .full_text = txt,
                                  .full_json = json};
    char *md = doudi_diff_render_markdown(d, &opt);
    if (ok) ok = out ? write_text(out, md) : fputs(md, stdout) >= 0;
    doudi_string_free(md);
    free(txt);
    free(json);
    return ok;
}

static bool write_report(const doudi_diff *d, int format, const char *out, int limit, size_t bytes, bool show_ids)
{
    if (format == FORMAT_MARKDOWN) return write_markdown(d, out, limit, bytes, show_ids);
    char *text = rendered(d, format == FORMAT_JSON ? DOUDI_JSON : DOUDI_TEXT, show_ids);
    bool ok = out ? write_text(out, text) : fputs(text, stdout) >= 0;
    doudi_string_free(text);
    return ok;
}

/* --write-expect: the approved-changes file this change passes with, written in place; each
 * change to it said on `say`. False after saying why nothing was written. */
static bool write_approved(doudi_diff *d, const char *path, FILE *say)
{
    char *text = NULL, *changes = NULL, *err = NULL;
    int n = doudi_diff_write_expect(d, path, &text, &changes, &err);
    bool ok = n >= 0;
    if (n < 0) {
        fprintf(stderr, "%s\ndoudi diff: ", err ? err : "");
        fprintf(stderr, tr("%s: lines that are no figure\n"), path);
    } else if (n == 0) {
        fprintf(say, tr("%s already approves every figure\n"), path);
    } else if ((ok = cli_write_in_place("diff", path, text, "diff.before-rename") == 0)) {
        fputs(changes, say);
        if (n == 1) fprintf(say, tr("wrote %s: 1 line changed\n"), path);
        else fprintf(say, tr("wrote %s: %d lines changed\n"), path, n);
    }
    doudi_string_free(text);
    doudi_string_free(changes);
    doudi_string_free(err);
    return ok;
}

int cli_diff(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *population = NULL, *as_of = NULL, *expect = NULL, *out = NULL;
    const char *write_expect = NULL;
    int nfiles = 0, limit = 10, format = FORMAT_TEXT;
    size_t bytes = 0;
    bool show_ids = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--population") && i + 1 < argc) population = argv[++i];
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc) as_of = argv[++i];
        else if (!strcmp(argv[i], "--expect") && i + 1 < argc) expect = argv[++i];
        else if (!strcmp(argv[i], "--write-expect") && i + 1 < argc) write_expect = argv[++i];
        else if (!strcmp(argv[i], "--show-ids")) show_ids = true;
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--comment-limit") && i + 1 < argc) {
            if (!parse_bytes(argv[++i], &bytes))
                return cli_usage_error("diff", tr("--comment-limit wants a number of bytes, at least %d (not '%s')"),
                                       MIN_COMMENT, argv[i]);
        } else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
            if (!parse_limit(argv[++i], &limit))
                return cli_usage_error("diff", tr("--limit wants a number of people, 0 or more (not '%s')"), argv[i]);
        } else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json")) format = FORMAT_JSON;
            else if (!strcmp(f, "markdown")) format = FORMAT_MARKDOWN;
            else if (strcmp(f, "text")) return cli_usage_error("diff", tr("unknown format '%s' (text, json or markdown)"), f);
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
    if (expect && write_expect)
        return cli_usage_error("diff", tr("--expect checks an approved-changes file and --write-expect writes one: give one of them"));
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
    else if (write_expect && !write_approved(d, write_expect, format == FORMAT_TEXT || out ? stdout : stderr))
        status = 2;
    else if (write_expect && (verdict = doudi_diff_expect(d, write_expect, &mismatches, &err)) < 0)
        status = 2;
    else if (expect && (verdict = doudi_diff_expect(d, expect, &mismatches, &err)) < 0)
        status = 2;
    if (write_expect && !expect) expect = write_expect;     /* the file the verdict is against */
    if (status == 0) {
        if (!write_report(d, format, out, limit, bytes, show_ids)) status = 2;
        fflush(stdout);
        if (verdict == 1) {
            int n = 0;
            for (const char *s = mismatches; s && *s; s++) n += *s == '\n';
            fputs("doudi diff: ", stderr);
            if (n == 1) fprintf(stderr, tr("1 figure differs from %s\n"), expect);
            else fprintf(stderr, tr("%d figures differ from %s\n"), n, expect);
            if (status == 0) status = 1;
        }
    }
    if (err) {
        if (!show_ids) doudi_mask_ids(err);
        if (verdict < 0) {
            for (char *line = err, *end; line && *line; line = end ? end + 1 : NULL) {
                end = strchr(line, '\n');          /* one message a line: FILE:LINE: WHAT */
                if (end) *end = '\0';
                fprintf(stderr, "%s\n", msg_text(line));
            }
            fputs("doudi diff: ", stderr);
            fprintf(stderr, tr("%s: lines that are no figure\n"), expect);
        }
        else fprintf(stderr, "doudi diff: %s\n", msg_text(err));
    }
    doudi_string_free(err);
    doudi_string_free(mismatches);
    doudi_diff_free(d);
    doudi_free(old_rules);
    doudi_free(new_rules);
    return status;
}
