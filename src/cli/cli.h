/* cli.h — the verbs of the doudi command line, one file each (src/cli_<verb>.c).
 * Each returns the process exit code: 0 ok, 1 findings (rule errors, failed tests, rows in
 * review), 2 usage or input error. Errors go to stderr, data to stdout. */
#ifndef DOUDI_CLI_H
#define DOUDI_CLI_H

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

/* Print "doudi VERB: message" to stderr and return 2. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
