/* main.c — the doudi command: dispatch to one verb. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct Verb {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} Verb;

static const Verb verbs[] = {
    {"check", cli_check, "check FILE... [--format text|json]   names and types of rule files"},
    {"fmt", cli_fmt, "fmt [--check] FILE...                 print the canonical form"},
    {"compile", cli_compile, "compile FILE -o OUT.ddc              write the compiled program"},
    {"disasm", cli_disasm, "disasm FILE                          list the bytecode (.doudi or .ddc)"},
    {"eval", cli_eval, "eval FILE --record 'f=v,...'         one record's outcome and why"},
    {"import", cli_import, "import --db DB --rules FILE persons.csv [institutions.csv]"},
    {"run", cli_run, "run FILE --db DB [--as-of D] [--out results.csv]"},
    {"explain", cli_explain, "explain FILE --db DB --id ID [--show-ids]"},
    {"repl", cli_repl, "repl [FILE] [--db DB] [--show-ids] [--echo]   try expressions against records"},
    {"test", cli_test, "test FILE... [--coverage] [--require-full-coverage]   run the rule file's tests"},
    {"diff", cli_diff, "diff OLD NEW --population DIR|DB [--expect FILE] [--limit N] [--format text|json]   what a rule change changes"},
    {"report", cli_report, "report FILE --db DB --form NAME [--county C] [--run ID] [--format text|csv|json|xlsx] [-o FILE]"},
    {"sql", cli_sql, "sql FILE --dialect postgres|sqlite|duckdb|spark [-o plan.sql]   the rules as an SQL script"},
    {"gen", cli_gen, "gen --count N --seed S [--out DIR] [--bad-rate R] [--as-of D] [--encoding gbk] [--bom]"},
};

static void usage(FILE *to)
{
    fputs("doudi — a rules engine for social-assistance policy\n\nusage: doudi VERB [ARGS]\n\n",
          to);
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) fprintf(to, "  doudi %s\n", verbs[i].usage);
    fputs("\nExit codes: 0 ok, 1 findings, 2 usage or input error.\n", to);
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "doudi %s: ", verb);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (!strcmp(argv[1], verbs[i].name)) return verbs[i].run(argc - 1, argv + 1);
    fprintf(stderr, "doudi: unknown verb '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
