/* cli.h — the verbs of the doudi command line, one file each (or a group of verbs a file).
 * Each returns the process exit code: 0 ok, 1 findings (rule errors, failed tests, rows in
 * review), 2 usage or input error. Errors go to stderr, data to stdout.
 *
 * Every message is written in English inside tr() (base/msg.h) and paired with its Chinese in
 * src/base/messages.def; main.c has chosen the language before a verb runs, and handles --help
 * and --lang for every verb (a verb never sees them). tests/messages.sh checks that no
 * message is printed without tr(). */
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
int cli_ci(int argc, char **argv);
int cli_sql(int argc, char **argv);
int cli_notice(int argc, char **argv);
int cli_stats(int argc, char **argv);
int cli_review(int argc, char **argv);

/* The rules at `path`, a rule file or a compiled program; NULL after printing why (the rule
 * file's diagnostics, or why the program cannot be loaded). Warnings are printed too. */
struct doudi_rules *cli_open_rules(const char *verb, const char *path);
/* False, after saying so, when `path` is a compiled program: for verbs that read rule text. */
bool cli_is_source(const char *verb, const char *path);
/* False, after saying so, when the output file `out` is one of the n input files (the same
 * file, by device and inode): a verb never overwrites what it reads. */
bool cli_not_an_input(const char *verb, const char *out, const char *const *inputs, int n);
/* Whether two paths name one file: the same file when both exist, else the same place (a
 * directory's links resolved). */
bool cli_same_file(const char *a, const char *b);

/* Replace the file at `path` (a symbolic link followed; created when missing) by `text`,
 * atomically: a temporary file beside it, flushed, with the file's mode, renamed over it; the
 * crash point (or NULL) just before the rename. 0, or 2 after saying on stderr why the file
 * is unchanged (write_in_place.c). */
int cli_write_in_place(const char *verb, const char *path, const char *text, const char *crash_point);

/* Print "doudi VERB: message" to stderr and return 2. fmt is a translated format: tr("..."). */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "doudi VERB: usage: doudi SYNOPSIS" and where to read more, on stderr; returns 2. */
int cli_usage(const char *verb);
/* The verb's usage line after "doudi " (main.c's table): "run FILE [--db DB] ...". */
const char *cli_synopsis(const char *verb);

#endif
