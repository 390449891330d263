/* cli_ci.c — `doudi ci [--base REV] [--rules DIR] [--populations DIR] [--approved DIR]
 * [--out DIR] [--as-of D] [--limit N] [--comment-limit BYTES]`: the whole gate a rule
 * repository's CI runs for a change, with one exit status and its reports in one folder.
 *
 * A rule repository (examples/ci/ is one) keeps
 *
 *   rules/NAME.doudi                      the rule files
 *   populations/POP/persons.csv           fixture populations (and institutions.csv)
 *   approved/NAME/POP.approved            what the change to NAME is approved to change over
 *                                         POP (docs/rule-changes.md §4)
 *
 * and `doudi ci` runs, in order:
 *
 *   1. check   every rule file (doudi check): OUT/check.txt, OUT/check.sarif;
 *   2. test    every rule file's tests with full coverage required: OUT/tests.txt, tests.xml;
 *   3. diff    with --base REV, each rule file that differs from its text at REV (read with
 *              `git show REV:./PATH` into OUT/base/PATH) against that text, over each fixture
 *              population, checked against approved/NAME/POP.approved: OUT/diff/NAME/POP.md,
 *              .txt, .json. An approved-changes file counts only when this change writes it —
 *              one unchanged since REV approves an earlier change — and without one, every
 *              change of a figure is unapproved;
 *
 * then writes OUT/summary.md — the merge-request comment: the verdict of each step, the tests'
 * summary and each diff's Markdown, under --comment-limit bytes (60,000 by default) with
 * resident ids masked — and prints one line per step. Exit 0 when every step passes, 1 when
 * one finds something (rule errors, a failing or uncovered test, a figure not as approved), 2
 * on usage or input errors (no rule file, REV unknown to git, a population that cannot be
 * read, an approved-changes line that is no figure). */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"
#include "base/replace.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The comment's smallest limit: the verdicts and the closing lines fit in it. */
enum { MIN_COMMENT = 4000, CHECK_BYTES = 4000, DIFF_MIN = 2000 };

typedef VEC(char *) Paths;

typedef struct CiArgs {
    const char *base, *rules, *populations, *approved, *out, *as_of;
    int limit;
    size_t comment;
} CiArgs;

/* One diff: a rule file over a population. */
typedef struct CiDiff {
    char *rules, *population;  /* as found: rules/NAME.doudi, populations/POP */
    doudi_diff *d;             /* the comparison, or NULL when it was not made */
    char *note;                /* why it was not made, or a remark on its approval, or NULL */
    char *title;               /* its heading in the comment */
    char *txt, *json;          /* its full reports */
    char *line;                /* the line on stdout */
    int status;                /* 0, 1 or 2 */
} CiDiff;

typedef struct Ci {
    CiArgs a;
    Paths rule_files, populations;
    int status;
    /* check */
    int errors, warnings;
    char *check_text;
    /* tests */
    doudi_test_results *tests;
    /* diffs */
    VEC(CiDiff) diffs;
} Ci;

static void raise_status(Ci *ci, int s)
{
    if (s > ci->status) ci->status = s;
}

/* ---- files and folders ------------------------------------------------------------------ */

static bool mkdirs(const char *path)
{
    char *p = xstrdup(path);
    bool ok = true;
    for (char *s = p + 1; ok; s++) {
        if (*s && *s != '/') continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) ok = false;
        *s = c;
        if (!c) break;
    }
    if (!ok) {
        fputs("doudi ci: ", stderr);
        fprintf(stderr, tr("cannot make the folder %s: %s\n"), path, msg_strerror(errno));
    }
    free(p);
    return ok;
}

/* Make the folders above `path`. */
static bool mkparents(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    bool ok = true;
    if (slash && slash != dir) {
        *slash = '\0';
        ok = mkdirs(dir);
    }
    free(dir);
    return ok;
}

static bool write_file(const char *path, const char *text)
{
    if (!mkparents(path)) return false;
    int err = file_replace(path, text, strlen(text), FILE_MODE_KEEP, NULL);
    if (err) {
        fputs("doudi ci: ", stderr);
        fprintf(stderr, tr("cannot write %s: %s\n"), path, msg_strerror(err));
    }
    return !err;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int compare_paths(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The entries of `dir` that end with `suffix` (files) or, with suffix NULL, the folders holding
 * persons.csv; as DIR/NAME, sorted. False when dir cannot be read. */
static bool list_dir(const char *dir, const char *suffix, Paths *out)
{
    DIR *d = opendir(dir);
    if (!d) return false;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        size_t n = strlen(e->d_name), k = suffix ? strlen(suffix) : 0;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        char *persons = xasprintf("%s/persons.csv", path);
        bool take = suffix ? n > k && !strcmp(e->d_name + n - k, suffix) && is_file(path) : is_file(persons);
        free(persons);
        if (take) VEC_PUSH(out, path);
        else free(path);
    }
    closedir(d);
    if (out->count) qsort(out->items, out->count, sizeof *out->items, compare_paths);
    return true;
}

/* NAME of DIR/NAME.doudi, or of DIR/NAME. */
static char *stem(const char *path, const char *suffix)
{
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    size_t n = strlen(s), k = suffix ? strlen(suffix) : 0;
    if (suffix && n > k && !strcmp(s + n - k, suffix)) n -= k;
    return xstrndup(s, n);
}

/* ---- git ------------------------------------------------------------------------------------- */

/* Run git with argv (argv[0] "git"), its stdout to `out` (NULL: discarded) and its stderr
 * discarded when quiet. Returns git's exit status, or -1 when it could not be run. */
static int run_git(const char *const *argv, const char *out, bool quiet)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0) _exit(126);
        dup2(fd, STDOUT_FILENO);
        if (quiet) {
            int nul = open("/dev/null", O_WRONLY);
            if (nul >= 0) dup2(nul, STDERR_FILENO);
        }
        execvp("git", (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool revision_exists(const char *rev)
{
    char *spec = xasprintf("%s^{commit}", rev);
    const char *argv[] = {"git", "rev-parse", "--verify", "--quiet", spec, NULL};
    int rc = run_git(argv, NULL, true);
    free(spec);
    return rc == 0;
}

typedef enum Fetched { FETCH_ERROR = -1, FETCH_ABSENT = 0, FETCH_OK = 1 } Fetched;

/* `path` as it was at `rev`, written to `to`: FETCH_ABSENT when rev has no such file. */
static Fetched fetch(const char *rev, const char *path, const char *to)
{
    char *spec = xasprintf("%s:./%s", rev, path);
    const char *probe[] = {"git", "cat-file", "-e", spec, NULL};
    Fetched r = FETCH_ABSENT;
    if (run_git(probe, NULL, true) == 0) {
        const char *show[] = {"git", "show", spec, NULL};
        r = mkparents(to) && run_git(show, to, false) == 0 ? FETCH_OK : FETCH_ERROR;
        if (r == FETCH_ERROR) {
            fputs("doudi ci: ", stderr);
            fprintf(stderr, tr("git show %s failed\n"), spec);
        }
    }
    free(spec);
    return r;
}

/* Whether two files hold the same bytes (false when either cannot be read). */
static bool same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = read_file(a, &na), *y = read_file(b, &nb);
    bool same = x && y && na == nb && !memcmp(x, y, na);
    free(x);
    free(y);
    return same;
}

/* ---- 1. check ------------------------------------------------------------------------------- */

static bool write_out(Ci *ci, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", ci->a.out, name);
    bool ok = write_file(path, text ? text : "");
    free(path);
    return ok;
}

static void step_check(Ci *ci)
{
    const char **files = (const char **)ci->rule_files.items;
    int n = (int)ci->rule_files.count;
    char *text = NULL, *sarif = NULL;
    ci->errors = doudi_check_files(files, n, DOUDI_TEXT, &text, &ci->warnings);
    doudi_check_files(files, n, DOUDI_SARIF, &sarif, NULL);
    if (!write_out(ci, "check.txt", text) || !write_out(ci, "check.sarif", sarif)) raise_status(ci, 2);
    raise_status(ci, ci->errors < 0 ? 2 : ci->errors > 0 ? 1 : 0);
    ci->check_text = text;
    doudi_string_free(sarif);
    printf(tr("check: %d rule file(s); %d error(s), %d warning(s)\n"), n, ci->errors < 0 ? 0 : ci->errors, ci->warnings);
}

/* ---- 2. tests ------------------------------------------------------------------------------- */

static void test_one(Ci *ci, const char *path)
{
    char *diags = NULL, *err = NULL;
    doudi_rules *r = doudi_compile_file(path, &diags);
    doudi_string_free(diags); /* check.txt has them */
    if (!r) {
        doudi_test_results_error(ci->tests, path, tr("the rule file has errors or cannot be read"));
        return;
    }
    doudi_test_collect(ci->tests, r, path, DOUDI_TEST_REQUIRE_FULL_COVERAGE, &err);
    doudi_string_free(err);
    doudi_free(r);
}

static void write_tests(Ci *ci, const char *format, const char *name)
{
    char *err = NULL, *text = doudi_test_results_render(ci->tests, format, &err);
    if (!text || !write_out(ci, name, text)) raise_status(ci, 2);
    doudi_string_free(text);
    doudi_string_free(err);
}

static void step_tests(Ci *ci)
{
    ci->tests = doudi_test_results_new();
    for (size_t i = 0; i < ci->rule_files.count; i++) test_one(ci, ci->rule_files.items[i]);
    write_tests(ci, "text", "tests.txt");
    write_tests(ci, "junit", "tests.xml");
    doudi_test_counts c;
    doudi_test_results_counts(ci->tests, &c);
    raise_status(ci, c.failing_files ? 1 : 0);
    printf(tr("tests: %d passed, %d failed"), c.passed, c.failed);
    if (c.errors) printf(tr("; %d rule file(s) not tested"), c.errors);
    if (c.uncovered) printf(tr("; %d item(s) not covered"), c.uncovered);
    else if (c.files > c.errors) fputs(tr("; full coverage"), stdout);
    putchar('\n');
}

/* ---- 3. diffs --------------------------------------------------------------------------------- */

/* The approved-changes file of this change for `name` over `pop`. When there is none — no
 * file, or one unchanged since the base revision — *note says so, and the file returned is
 * an empty one written into OUT/diff/ (a comment line saying why), against which every change
 * of a figure is unapproved. NULL when that cannot be written. */
static char *approval(Ci *ci, const char *name, const char *pop, char **note)
{
    char *path = xasprintf("%s/%s/%s.approved", ci->a.approved, name, pop);
    if (!is_file(path)) {
        *note = xasprintf(tr("There is no approved-changes file %s, so every change of a figure is unapproved."), path);
    } else {
        char *old = xasprintf("%s/base/%s", ci->a.out, path);
        Fetched f = fetch(ci->a.base, path, old);
        bool stale = f == FETCH_OK && same_file(path, old);
        free(old);
        if (!stale) return path;
        *note = xasprintf(tr("The approved-changes file %s is unchanged since %s: it approves an earlier change, so "
                             "every change of a figure is unapproved."), path, ci->a.base);
    }
    free(path);
    char *none = xasprintf("%s/diff/%s/%s.approved", ci->a.out, name, pop);
    char *text = xasprintf("# %s\n", *note);
    bool ok = write_file(none, text);
    free(text);
    if (ok) return none;
    free(none);
    return NULL;
}

/* The rules at `path` (the base revision's when `base`), with --as-of; NULL with *why. */
static doudi_rules *open_rules(Ci *ci, const char *path, bool base, char **why)
{
    char *diags = NULL;
    doudi_rules *r = doudi_compile_file(path, &diags);
    doudi_string_free(diags);
    if (!r) {
        *why = base ? xasprintf(tr("The base revision's rule file %s has errors."), path)
                    : xasprintf(tr("%s has errors: see check.txt."), path);
        return NULL;
    }
    char *err = NULL;
    if (ci->a.as_of && doudi_set_param(r, "as_of", ci->a.as_of, &err)) {
        *why = xasprintf("%s: %s", path, err ? err : "as_of");
        doudi_string_free(err);
        doudi_free(r);
        return NULL;
    }
    return r;
}

/* The diff's Markdown, at most `limit` bytes. */
static char *diff_markdown(const Ci *ci, const CiDiff *cd, size_t limit)
{
    doudi_markdown_options opt = {.limit = limit, .people = ci->a.limit, .title = cd->title,
                                  .approval_note = cd->note, .full_text = cd->txt, .full_json = cd->json};
    return doudi_diff_render_markdown(cd->d, &opt);
}

/* Write the diff's reports: the full text and JSON (ids masked) and its own Markdown. */
static void diff_reports(Ci *ci, CiDiff *cd, const char *name, const char *pop)
{
    char *base = xasprintf("%s/diff/%s/%s", ci->a.out, name, pop), *md = xasprintf("%s.md", base);
    cd->txt = xasprintf("%s.txt", base);
    cd->json = xasprintf("%s.json", base);
    cd->title = xasprintf(tr("%s: %s → this change, over %s"), cd->rules, ci->a.base, cd->population);
    char *t = doudi_diff_render(cd->d, DOUDI_TEXT), *j = doudi_diff_render(cd->d, DOUDI_JSON);
    doudi_mask_ids(t);
    doudi_mask_ids(j);
    char *m = diff_markdown(ci, cd, ci->a.comment);
    if (!write_file(cd->txt, t) || !write_file(cd->json, j) || !write_file(md, m)) cd->status = 2;
    doudi_string_free(t);
    doudi_string_free(j);
    doudi_string_free(m);
    free(base);
    free(md);
}

/* Diff `old` → `now` over one population, against its approval. */
static void diff_one(Ci *ci, CiDiff *cd, doudi_rules *old, doudi_rules *now, const char *name)
{
    char *pop = stem(cd->population, NULL), *err = NULL, *mismatches = NULL;
    char *approved = approval(ci, name, pop, &cd->note);
    doudi_diff *d = approved ? doudi_diff_population(old, now, cd->population, ci->a.limit, &err) : NULL;
    int verdict = d ? doudi_diff_expect(d, approved, &mismatches, &err) : -1;
    if (!d || verdict < 0) {
        cd->status = 2;
        if (err) doudi_mask_ids(err);
        fputs("doudi ci: ", stderr);
        fprintf(stderr, tr("the diff of %s over %s failed:\n%s\n"), cd->rules, cd->population, err ? msg_text(err) : "");
        cd->line = xasprintf(tr("diff %s over %s: not made (see the errors above)"), cd->rules, cd->population);
        free(cd->note);
        cd->note = xasprintf(tr("The diff of %s over %s could not be made: %s"), cd->rules, cd->population,
                             err ? msg_text(err) : tr("see the log"));
        doudi_diff_free(d);
    } else {
        cd->d = d;
        diff_reports(ci, cd, name, pop);
        int changed = 0;
        for (int i = 0; i < doudi_diff_figure_count(d); i++) {
            int64_t b, a, c;
            const char *fig = doudi_diff_figure(d, i, &b, &a, &c);
            if (fig && !strcmp(fig, "changed")) changed = (int)c;
        }
        int n = 0;
        for (const char *s = mismatches; s && *s; s++) n += *s == '\n';
        if (verdict == 1 && cd->status < 1) cd->status = 1;
        cd->line = !verdict ? xasprintf(tr("diff %s over %s: %d changed; every figure is as approved"), cd->rules,
                                        cd->population, changed)
                   : n == 1 ? xasprintf(tr("diff %s over %s: %d changed; 1 figure differs from the approved changes"),
                                        cd->rules, cd->population, changed)
                            : xasprintf(tr("diff %s over %s: %d changed; %d figures differ from the approved changes"),
                                        cd->rules, cd->population, changed, n);
    }
    free(approved);
    free(pop);
    doudi_string_free(err);
    doudi_string_free(mismatches);
}

static CiDiff *add_diff(Ci *ci, const char *rules, const char *population)
{
    CiDiff cd = {.rules = xstrdup(rules), .population = xstrdup(population ? population : "")};
    VEC_PUSH(&ci->diffs, cd);
    return &ci->diffs.items[ci->diffs.count - 1];
}

/* A rule file against its text at the base revision, over every population. */
static void diff_rule_file(Ci *ci, const char *path)
{
    char *name = stem(path, ".doudi"), *old_path = xasprintf("%s/base/%s", ci->a.out, path), *why = NULL;
    Fetched f = fetch(ci->a.base, path, old_path);
    if (f != FETCH_OK || same_file(path, old_path)) {
        CiDiff *cd = add_diff(ci, path, NULL);
        cd->status = f == FETCH_ERROR ? 2 : 0;
        const char *what = f == FETCH_ABSENT ? tr("%s: a new rule file, with nothing at %s to compare it with")
                         : f == FETCH_OK     ? tr("%s: unchanged since %s")
                                             : tr("%s: cannot read it at %s from git");
        cd->note = xasprintf(what, path, ci->a.base);
        cd->line = xasprintf(tr("diff %s"), cd->note);
    } else {
        doudi_rules *old = open_rules(ci, old_path, true, &why);
        doudi_rules *now = old ? open_rules(ci, path, false, &why) : NULL;
        for (size_t i = 0; i < ci->populations.count; i++) {
            CiDiff *cd = add_diff(ci, path, ci->populations.items[i]);
            if (now) {
                diff_one(ci, cd, old, now, name);
            } else {
                cd->status = 1;
                cd->note = xstrdup(why);
                cd->line = xasprintf(tr("diff %s over %s: not made: %s"), path, cd->population, why);
            }
        }
        doudi_free(old);
        doudi_free(now);
    }
    free(why);
    free(old_path);
    free(name);
}

static void step_diffs(Ci *ci)
{
    if (!ci->a.base) {
        fputs(tr("diff: no --base revision given: no rule file is compared\n"), stdout);
        return;
    }
    for (size_t i = 0; i < ci->rule_files.count; i++) diff_rule_file(ci, ci->rule_files.items[i]);
    for (size_t i = 0; i < ci->diffs.count; i++) {
        puts(ci->diffs.items[i].line);
        raise_status(ci, ci->diffs.items[i].status);
    }
}

/* ---- the summary: the merge-request comment ------------------------------------------------------ */

static const char *verdict_mark(int status) { return status == 0 ? "✅" : "❌"; }

static void section_check(Ci *ci, StrBuf *out)
{
    sb_printf(out, tr("\n### Check\n\n%s %d error(s), %d warning(s).\n"), verdict_mark(ci->errors != 0),
              ci->errors < 0 ? 0 : ci->errors, ci->warnings);
    if (!ci->check_text || !*ci->check_text) return;
    size_t n = strlen(ci->check_text), keep = n;
    if (keep > CHECK_BYTES) {
        keep = CHECK_BYTES;
        while (keep > 0 && ci->check_text[keep - 1] != '\n') keep--;
    }
    sb_puts(out, "\n```text\n");   /* not a message */
    sb_putn(out, ci->check_text, keep);
    sb_puts(out, "```\n");
    if (keep < n) sb_puts(out, tr("\n*The rest of the diagnostics is in check.txt and check.sarif.*\n"));
}

static void section_tests(Ci *ci, StrBuf *out)
{
    char *err = NULL, *md = doudi_test_results_render(ci->tests, "markdown", &err);
    doudi_test_counts c;
    doudi_test_results_counts(ci->tests, &c);
    sb_printf(out, tr("\n### Tests, with full coverage required\n\n%s "), verdict_mark(c.failing_files));
    sb_puts(out, md ? md : "");
    doudi_string_free(md);
    doudi_string_free(err);
}

/* Append `section` when it fits in `budget`, else the line `instead`. */
static void add_section(StrBuf *out, const StrBuf *section, const char *instead, size_t budget)
{
    if (out->count + section->count <= budget) sb_putn(out, section->items ? section->items : "", section->count);
    else sb_puts(out, instead);
}

/* Each diff's section: every diff gets an equal share of the room left, and is rendered to fit
 * it (the Markdown cuts itself short, saying so); a diff whose share is too small for even its
 * verdict gets its line instead. */
static void section_diffs(Ci *ci, StrBuf *out, size_t budget)
{
    if (!ci->a.base) return;
    sb_printf(out, tr("\n## Changes against %s\n"), ci->a.base);
    for (size_t i = 0; i < ci->diffs.count; i++) {
        const CiDiff *cd = &ci->diffs.items[i];
        size_t left = budget > out->count ? budget - out->count : 0, share = left / (ci->diffs.count - i);
        char *line = xasprintf("\n%s %s\n", verdict_mark(cd->status), cd->d || !cd->note ? cd->line : cd->note);
        char *md = cd->d && share >= DIFF_MIN ? diff_markdown(ci, cd, share - 1) : NULL;
        if (md) sb_printf(out, "\n%s", md);
        else if (strlen(line) <= left) sb_puts(out, line);
        doudi_string_free(md);
        free(line);
    }
}

static void write_summary(Ci *ci)
{
    StrBuf s = {0}, end = {0}, check = {0}, tests = {0};
    sb_printf(&s, ci->status ? tr("## doudi ci: %s failed\n") : tr("## doudi ci: %s passed\n"), verdict_mark(ci->status));
    sb_printf(&end, ci->a.base ? tr("\n---\nEvery report is in %s/: check.txt, check.sarif, tests.txt, tests.xml, diff/.\n")
                               : tr("\n---\nEvery report is in %s/: check.txt, check.sarif, tests.txt, tests.xml.\n"),
              ci->a.out);
    size_t budget = ci->a.comment - end.count;
    section_check(ci, &check);
    section_tests(ci, &tests);
    add_section(&s, &check, tr("\n### Check\n\nThe diagnostics do not fit here: see check.txt.\n"), budget);
    add_section(&s, &tests, tr("\n### Tests\n\nThe test summary does not fit here: see tests.txt.\n"), budget);
    section_diffs(ci, &s, budget);
    sb_puts(&s, sb_str(&end));
    doudi_mask_ids(s.items);
    if (!write_out(ci, "summary.md", sb_str(&s))) raise_status(ci, 2);
    sb_free(&s);
    sb_free(&end);
    sb_free(&check);
    sb_free(&tests);
}

/* ---- the verb ------------------------------------------------------------------------------------ */

static bool parse_number(const char *s, long long lo, long long hi, long long *v)
{
    char *end = NULL;
    *v = strtoll(s, &end, 10);
    return *s && !*end && *v >= lo && *v <= hi;
}

/* 0 to run, 2 after a usage error (main.c answers --help). */
static int parse_args(int argc, char **argv, CiArgs *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long long n;
        if (!v || o[0] != '-') return cli_usage_error("ci", tr("unexpected '%s'"), o);
        i++;
        if (!strcmp(o, "--base")) a->base = v;
        else if (!strcmp(o, "--rules")) a->rules = v;
        else if (!strcmp(o, "--populations")) a->populations = v;
        else if (!strcmp(o, "--approved")) a->approved = v;
        else if (!strcmp(o, "--out")) a->out = v;
        else if (!strcmp(o, "--as-of")) a->as_of = v;
        else if (!strcmp(o, "--limit") && parse_number(v, 0, 1000000, &n)) a->limit = (int)n;
        else if (!strcmp(o, "--comment-limit") && parse_number(v, MIN_COMMENT, 100000000, &n)) a->comment = (size_t)n;
        else if (!strcmp(o, "--limit") || !strcmp(o, "--comment-limit"))
            return cli_usage_error("ci", tr("%s wants a number (--comment-limit at least %d), not '%s'"), o, MIN_COMMENT, v);
        else return cli_usage_error("ci", tr("unknown option '%s'"), o);
    }
    return 0;
}

/* What the steps need: the rule files, and with --base the populations and git. */
static int find_inputs(Ci *ci)
{
    if (!list_dir(ci->a.rules, ".doudi", &ci->rule_files) || !ci->rule_files.count)
        return cli_usage_error("ci", tr("no rule files (%s/*.doudi)"), ci->a.rules);
    if (!ci->a.base) return 0;
    if (!list_dir(ci->a.populations, NULL, &ci->populations) || !ci->populations.count)
        return cli_usage_error("ci", tr("no fixture populations (%s/*/persons.csv) to compare the rules over"),
                               ci->a.populations);
    if (!revision_exists(ci->a.base))
        return cli_usage_error("ci", tr("git knows no revision '%s' here (is this a git work tree, with that commit "
                                        "fetched?)"), ci->a.base);
    return 0;
}

static void free_ci(Ci *ci)
{
    for (size_t i = 0; i < ci->rule_files.count; i++) free(ci->rule_files.items[i]);
    VEC_FREE(&ci->rule_files);
    for (size_t i = 0; i < ci->populations.count; i++) free(ci->populations.items[i]);
    VEC_FREE(&ci->populations);
    for (size_t i = 0; i < ci->diffs.count; i++) {
        CiDiff *cd = &ci->diffs.items[i];
        free(cd->rules);
        free(cd->population);
        free(cd->note);
        free(cd->line);
        free(cd->title);
        free(cd->txt);
        free(cd->json);
        doudi_diff_free(cd->d);
    }
    VEC_FREE(&ci->diffs);
    doudi_string_free(ci->check_text);
    doudi_test_results_free(ci->tests);
}

int cli_ci(int argc, char **argv)
{
    Ci ci = {.a = {.rules = "rules", .populations = "populations", .approved = "approved", .out = "doudi-ci",
                   .limit = 10, .comment = DOUDI_MARKDOWN_LIMIT}};
    int rc = parse_args(argc, argv, &ci.a);
    if (!rc) rc = find_inputs(&ci);
    if (!rc && !mkdirs(ci.a.out)) rc = 2;
    if (rc) {
        free_ci(&ci);
        return 2;
    }
    step_check(&ci);
    step_tests(&ci);
    step_diffs(&ci);
    write_summary(&ci);
    printf(ci.status ? tr("ci: failed; the reports are in %s/ (summary.md is the merge-request comment)\n")
                     : tr("ci: passed; the reports are in %s/ (summary.md is the merge-request comment)\n"),
           ci.a.out);
    free_ci(&ci);
    return ci.status;
}
