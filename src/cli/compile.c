/* cli_compile.c — `doudi compile FILE -o OUT.ddc` and `doudi disasm FILE` (.doudi or .ddc). */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"

#include <stdio.h>
#include <string.h>

int cli_compile(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (argv[i][0] == '-') return cli_usage_error("compile", tr("unknown option '%s'"), argv[i]);
        else if (!in) in = argv[i];
        else return cli_usage_error("compile", tr("one rule file at a time"));
    }
    if (!in || !out) return cli_usage("compile");
    if (!cli_not_an_input("compile", out, &in, 1)) return 2;
    char *diags = NULL;
    doudi_rules *r = doudi_compile_file(in, &diags);
    if (diags) fputs(diags, stderr);
    doudi_string_free(diags);
    if (!r) return 1;
    char *err = NULL;
    int rc = doudi_save(r, out, &err);
    if (rc) fprintf(stderr, "doudi compile: %s\n", msg_text(err));
    doudi_string_free(err);
    doudi_free(r);
    return rc ? 2 : 0;
}

int cli_disasm(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') return cli_usage("disasm");
    char *err = NULL;
    doudi_rules *r = doudi_open(argv[1], &err);
    if (!r) {
        fprintf(stderr, "%s%s", err ? msg_text(err) : "", err && err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
        doudi_string_free(err);
        return 1;
    }
    doudi_string_free(err);
    char *text = doudi_disasm(r);
    fputs(text, stdout);
    doudi_string_free(text);
    doudi_free(r);
    return 0;
}
