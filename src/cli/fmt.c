/* cli/fmt.c — `doudi fmt FILE` and `doudi fmt --check FILE...`.
 *
 * `doudi fmt FILE` prints the canonical form of one rule file (fmt.h) on stdout; it never
 * rewrites the file, so an editor can pipe through it and `doudi fmt f > g` is the whole
 * workflow. Lexer warnings (full-width punctuation, which the output has rewritten) still go
 * to stderr, without changing the exit code. `--check` prints nothing on stdout and names
 * on stderr each file that is not in canonical form, for CI. A file with syntax errors is
 * never formatted: its diagnostics go to stderr and the exit code is 1. Unreadable files
 * and bad usage exit 2. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FMT_OK = 0, FMT_FINDINGS = 1, FMT_INPUT_ERROR = 2 };

/* Format one file: its canonical text (caller frees) and whether the file already was
 * exactly that, or NULL with *status raised to the file's exit code. Diagnostics are shown
 * when there are errors, warnings too if `warn`. */
static char *format_file(const char *path, bool warn, int *status, bool *canonical)
{
    char *text = NULL, *diags = NULL;
    int same = 0;
    if (!cli_is_source("fmt", path)) {
        *status = FMT_INPUT_ERROR;
        return NULL;
    }
    int rc = doudi_canonical(path, &text, &same, &diags);
    if (rc < 0) {
        fprintf(stderr, "doudi fmt: %s", diags);
        *status = FMT_INPUT_ERROR;
    } else if (rc > 0) {
        fputs(diags, stderr);
        if (*status < FMT_FINDINGS) *status = FMT_FINDINGS;
    } else if (warn && diags) {
        fputs(diags, stderr);
    }
    *canonical = same;
    doudi_string_free(diags);
    return text;
}

/* --check: 0 when every file is canonical, 1 when some is not (or has errors), 2 when some
 * could not be read. */
static int check_files(char **files, int nfiles)
{
    int status = FMT_OK;
    for (int i = 0; i < nfiles; i++) {
        bool canonical = false;
        char *text = format_file(files[i], false, &status, &canonical);
        if (text && !canonical) {
            fprintf(stderr, tr("%s: not in canonical form\n"), files[i]);
            if (status < FMT_FINDINGS) status = FMT_FINDINGS;
        }
        free(text);
    }
    return status;
}

/* Reads the options into *check and the file names into files; returns -1 to go on, or the
 * exit code to stop with. */
static int parse_args(int argc, char **argv, bool *check, char **files, int *nfiles)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--check")) {
            *check = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("fmt", tr("unknown option '%s'\nusage: doudi %s"), argv[i], cli_synopsis("fmt"));
        } else {
            files[(*nfiles)++] = argv[i];
        }
    }
    if (*nfiles == 0) return cli_usage("fmt");
    if (!*check && *nfiles > 1)
        return cli_usage_error("fmt", tr("give one FILE, or use --check for several"));
    return -1;
}

int cli_fmt(int argc, char **argv)
{
    bool check = false;
    int nfiles = 0;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files) return FMT_INPUT_ERROR;
    int status = parse_args(argc, argv, &check, files, &nfiles);
    if (status < 0 && check) {
        status = check_files(files, nfiles);
    } else if (status < 0) {
        bool canonical;
        status = FMT_OK;
        char *text = format_file(files[0], true, &status, &canonical);
        if (text) fputs(text, stdout);
        free(text);
    }
    free(files);
    return status;
}
