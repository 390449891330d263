/* cli_gen.c — `doudi gen --count N --seed S [--out DIR] [--bad-rate R] [--as-of DATE]
 * [--encoding utf-8|gbk] [--bom]`: a deterministic synthetic Zhengzhou population
 * (persons.csv, institutions.csv, and expected_review.csv when R > 0) in DIR. A progress bar
 * and a summary go to stderr when it is a terminal; otherwise the verb is silent on success.
 * Exit 0 ok, 2 usage or output error. */
#include "cli.h"
#include "base/date.h"
#include "base/msg.h"
#include "gen/gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s) return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = (uint64_t)v;
    return true;
}

static bool parse_rate(const char *s, double *out)
{
    if (!s || !*s) return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || errno) return false;
    if (*end == '%' && end[1] == '\0') v /= 100, end++;
    if (*end || !(v >= 0 && v <= 1)) return false;
    *out = v;
    return true;
}

typedef struct Progress {
    int last;
} Progress;

static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
    Progress *p = ctx;
    int pct = total ? (int)(done * 100 / total) : 100;
    if (pct == p->last) return;
    p->last = pct;
    char bar[41];
    int fill = pct * 40 / 100;
    for (int i = 0; i < 40; i++) bar[i] = i < fill ? '#' : '.';
    bar[40] = '\0';
    fprintf(stderr, "\rdoudi gen: [%s] %3d%% %llu/%llu", bar, pct, (unsigned long long)done,
            (unsigned long long)total);
    if (done == total) fputc('\n', stderr);
    fflush(stderr);
}

int cli_gen(int argc, char **argv)
{
    GenOptions o = gen_default_options();
    const char *out = ".";
    bool have_count = false, have_seed = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--count")) {
            if (!parse_u64(v, &o.count) || o.count > GEN_MAX_COUNT)
                return cli_usage_error("gen", tr("--count wants a whole number from 0 to %llu"),
                                       (unsigned long long)GEN_MAX_COUNT);
            have_count = true;
            i++;
        } else if (!strcmp(a, "--seed")) {
            if (!parse_u64(v, &o.seed))
                return cli_usage_error("gen", tr("--seed wants an unsigned 64-bit integer"));
            have_seed = true;
            i++;
        } else if (!strcmp(a, "--out")) {
            if (!v || !*v) return cli_usage_error("gen", tr("--out wants a directory"));
            out = v;
            i++;
        } else if (!strcmp(a, "--bad-rate")) {
            if (!parse_rate(v, &o.bad_rate))
                return cli_usage_error("gen", tr("--bad-rate wants a fraction from 0 to 1 (or 0%%–100%%)"));
            i++;
        } else if (!strcmp(a, "--as-of")) {
            int64_t day, y;
            unsigned m, d;
            if (!v || !date_parse(v, strlen(v), &day))
                return cli_usage_error("gen", tr("--as-of wants a date YYYY-MM-DD"));
            civil_from_days(day, &y, &m, &d);
            if (y < 1900 || y > 9000)
                return cli_usage_error("gen", tr("--as-of must lie in the years 1900 to 9000"));
            o.as_of = day;
            i++;
        } else if (!strcmp(a, "--encoding")) {
            if (v && (!strcmp(v, "gbk") || !strcmp(v, "GBK"))) o.gbk = true;
            else if (v && (!strcmp(v, "utf-8") || !strcmp(v, "UTF-8") || !strcmp(v, "utf8"))) o.gbk = false;
            else return cli_usage_error("gen", tr("--encoding wants utf-8 or gbk"));
            i++;
        } else if (!strcmp(a, "--bom")) {
            o.bom = true;
        } else {
            return cli_usage_error("gen", tr("unknown argument '%s' (see doudi gen --help)"), a);
        }
    }
    if (!have_count || !have_seed)
        return cli_usage_error("gen", tr("--count and --seed are required\nusage: doudi %s"), cli_synopsis("gen"));
    if (o.bom && o.gbk)
        return cli_usage_error("gen", tr("--bom is for UTF-8; it cannot be combined with --encoding gbk"));

    bool tty = isatty(STDERR_FILENO);
    Progress prog = {-1};
    if (tty && o.count >= 200000) {
        o.progress = show_progress;
        o.progress_ctx = &prog;
    }
    GenStats st;
    char *err = NULL;
    if (gen_write_dir(&o, out, &st, &err) != 0) {
        fprintf(stderr, "doudi gen: %s\n", err ? msg_text(err) : tr("failed"));
        free(err);
        return 2;
    }
    if (tty) {
        fputs("doudi gen: ", stderr);
        fprintf(stderr, tr("%s: %llu persons (%llu malformed), %llu institutions\n"), out,
                (unsigned long long)st.persons, (unsigned long long)st.bad,
                (unsigned long long)st.institutions);
    }
    return 0;
}
