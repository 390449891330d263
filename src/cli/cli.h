/* cli.h — the verbs of the doudi command line, one file each (src/cli/<verb>.c).
 * Each returns the process exit code: 0 ok, 1 findings (rule errors, failed tests, rows in
 * review), 2 usage or input error. Errors go to stderr, data to stdout. */
#ifndef DOUDI_CLI_H
#define DOUDI_CLI_H

#include <stdbool.h>

int cli_check(int argc, char **argv);
int cli_fmt(int argc, char **argv);
int cli_compile(int argc, char **argv);
int cli_disasm(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_explain(int argc, char **argv);
int cli_gen(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_test(int argc, char **argv);
int cli_repl(int argc, char **argv);
int cli_diff(int argc, char **argv);
int cli_sql(int argc, char **argv);

/* The rules at `path`, a rule file or a compiled program; NULL after printing why (the rule
 * file's diagnostics, or why the program cannot be loaded). Warnings are printed too. */
struct doudi_rules *cli_open_rules(const char *verb, const char *path);
/* False, after saying so, when `path` is a compiled program: for verbs that read rule text. */
bool cli_is_source(const char *verb, const char *path);

/* Print "doudi VERB: message" to stderr and return 2. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
