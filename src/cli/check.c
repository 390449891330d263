/* cli_check.c — `doudi check FILE... [--format text|json|sarif]`: parse and check rule files.
 * Text diagnostics go to stderr; with --format json one JSON array (all files) goes to stdout
 * for editors and CI, and with --format sarif one SARIF 2.1.0 log (all files; written even
 * when there is nothing to say) for code-review tools that annotate the lines of a change.
 * Exit 0 when no file has errors (warnings allowed), 1 when any has, 2 on usage or an
 * unreadable file. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_check(int argc, char **argv)
{
    doudi_format format = DOUDI_TEXT;
    const char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json")) format = DOUDI_JSON;
            else if (!strcmp(f, "sarif")) format = DOUDI_SARIF;
            else if (strcmp(f, "text")) {
                free(files);
                return cli_usage_error("check", tr("unknown format '%s' (text, json or sarif)"), f);
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            free(files);
            return cli_usage_error("check", tr("unknown option '%s'"), argv[i]);
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0) {
        free(files);
        return cli_usage("check");
    }
    for (int i = 0; i < nfiles; i++)
        if (!cli_is_source("check", files[i])) {
            free(files);
            return 2;
        }
    char *diags = NULL;
    int errors = doudi_check_files(files, nfiles, format, &diags, NULL);
    if (diags) fputs(diags, format == DOUDI_TEXT ? stderr : stdout);
    doudi_string_free(diags);
    free(files);
    return errors < 0 ? 2 : errors > 0 ? 1 : 0;
}
