/* main.c — the doudi command: the language, the help, and dispatch to one verb.
 *
 *   doudi [--lang zh|en] VERB [ARGS]     (--lang may come after the verb too)
 *   doudi help [VERB]   doudi VERB --help   doudi --version
 *
 * The language of every message is, first of: --lang, DOUDI_LANG, the locale (LC_ALL, then
 * LC_MESSAGES, then LANG: zh_* is Chinese), English (msg.h). It is chosen before anything is
 * said, and never through setlocale, so Chinese works where no zh_CN locale is generated.
 *
 * The table below is the one home of each verb's usage line, summary and options: `doudi
 * help VERB`, `VERB --help` and the usage errors all read it. Its texts are English and go
 * through tr() where they are printed (the CLI tests print every page in Chinese under
 * DOUDI_MSG_STRICT=1, so an entry missing from messages.def fails them). Option names and
 * placeholders (--db DB, FILE) are what is typed, and are never translated. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"
#include "base/util.h"

#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Option {
    const char *flags;       /* as typed: "--db DB", or an operand: "FILE" */
    const char *help;        /* English, shown through tr(); '\n' continues on the next line */
} Option;

enum { MAX_OPTIONS = 14 };

typedef struct Verb {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis;    /* after "doudi ": the usage line, never translated */
    const char *summary;     /* one line for the list of verbs; English, through tr() */
    const char *about;       /* what the verb does, a few lines, or NULL; English, through tr() */
    Option options[MAX_OPTIONS];   /* operands and options; --lang and --help are added */
} Verb;

static const Verb verbs[] = {
    {"check", cli_check, "check FILE... [--format text|json|sarif]",
     "check rule files: names, types and every declaration's rules",
     "Diagnostics go to stderr: FILE:LINE:COL, the source line and a caret under the mistake.\n"
     "Exit 0 when no file has errors (warnings allowed), 1 when one has, 2 when one cannot be read.",
     {{"FILE...", "rule files (.doudi)"},
      {"--format text|json|sarif", "text on stderr (default), or one JSON array, or one SARIF 2.1.0 log, for all files on stdout"}}},
    {"fmt", cli_fmt, "fmt FILE | doudi fmt -w FILE... | doudi fmt --check FILE...",
     "print a rule file in canonical form, or rewrite it in place",
     "Without -w the canonical form goes to stdout (doudi fmt a.doudi > b.doudi). Full-width punctuation\n"
     "outside strings becomes ASCII. A file with syntax errors is never formatted nor rewritten.",
     {{"FILE", "the rule file"},
      {"-w, --write", "rewrite each file not in canonical form in place, atomically, and name it"},
      {"--check", "print nothing on stdout; say what differs in each file not in canonical form, line by line (exit 1)"}}},
    {"compile", cli_compile, "compile FILE -o OUT.ddc",
     "write the compiled program to a .ddc file",
     "A .ddc file holds the checked program with its format version and a checksum;\n"
     "eval and disasm accept it in place of the rule file.",
     {{"FILE", "the rule file"}, {"-o OUT.ddc", "the file to write"}}},
    {"disasm", cli_disasm, "disasm FILE",
     "list the bytecode of a rule file or a .ddc file", NULL,
     {{"FILE", "a rule file (.doudi) or a compiled program (.ddc)"}}},
    {"eval", cli_eval,
     "eval FILE (--record 'field=value,...' | --json '{...}') [--as-of DATE] [--format text|json] [--show-ids]",
     "one record's outcome, and why", NULL,
     {{"FILE", "a rule file or a .ddc file"},
      {"--record 'f=v,...'", "the record's fields, written as in the CSV (a value may be \"quoted\")"},
      {"--json '{...}'", "the record as a flat JSON object"},
      {"--as-of DATE", "the date ages are reckoned at (default: the rule file's as_of)"},
      {"--format text|json", "the explanation as text (default) or JSON"},
      {"--show-ids", "show resident ids in full (otherwise masked: 410122********1234)"}}},
    {"import", cli_import,
     "import --db DB --rules FILE [--encoding E] [--sheet NAME] persons.csv|.xlsx [institutions.csv|.xlsx]",
     "read survey ledgers (CSV or Excel .xlsx) into the ledger",
     "Every row is checked against the rule file's record declarations. A bad row is reported\n"
     "(FILE:LINE:COL, or FILE.xlsx!F12, and the reason) and kept for review, never dropped; a row\n"
     "whose id is already in the ledger replaces it. Title rows above the header are skipped. Each\n"
     "file is one transaction. Exit 1 when rows went to review.",
     {{"persons.csv|.xlsx", "the persons: a column per field (a field's label is accepted as its name)"},
      {"institutions.csv|.xlsx", "the institutions, when the rule file declares them"},
      {"--db DB", "the ledger file, created when missing (default doudi.db)"},
      {"--rules FILE", "the rule file that declares the columns"},
      {"--encoding E", "a CSV's encoding: utf-8, gbk or gb18030 (default: detected from the file)"},
      {"--sheet NAME", "a workbook's sheet to read (default: the first)"}}},
    {"run", cli_run,
     "run FILE [--db DB | --from PERSONS [--institutions F] [--review F] [--forms DIR]] [--as-of DATE] [--out results.csv] [--jobs N]",
     "run the rules over every person in the ledger",
     "Every person is evaluated, the years are scheduled and the forms counted, and all of it is\n"
     "stored as one run (one transaction). Persons that cannot be evaluated go to review (exit 1).\n"
     "A progress bar is shown when stderr is a terminal.\n"
     "With --from, the persons are read from their file (CSV or .xlsx) straight into the run, with\n"
     "no ledger file: each row checked as `doudi import` checks it, bad rows reported (and written\n"
     "to --review), the results file and the forms the same as import, run and report would give.",
     {{"FILE", "the rule file"},
      {"--db DB", "the ledger (default doudi.db)"},
      {"--as-of DATE", "the date of the run (default: the rule file's as_of)"},
      {"--out FILE", "also write the results file (CSV, sorted by id)"},
      {"--from PERSONS", "read the persons from this file (CSV or .xlsx), not from a ledger"},
      {"--institutions F", "with --from: the institutions' file, when the rule file declares them"},
      {"--review F", "with --from: the rows sent to review, as CSV (file, line, column, reason, row)"},
      {"--forms DIR", "with --from: every form for the city into DIR/NAME.txt, as `doudi report` prints it"},
      {"--forms-format F", "text (default), csv or json: the forms as `doudi report --format F`"},
      {"--encoding E", "with --from: a CSV's encoding, as for `doudi import`"},
      {"--sheet NAME", "with --from: a workbook's sheet, as for `doudi import`"},

      {"--jobs N", "threads to use (default: the cores present); the run is the same for every N"}}},
    {"explain", cli_explain,
     "explain FILE (--id ID | --name NAME) [--db DB] [--run N] [--as-of DATE] [--format text|json|html] [--show-ids]",
     "why a person in the ledger is placed as they are",
     "The person is explained as the stored run decided: at the run's as_of, with the rules the run\n"
     "used (when the rule file given differs, the run's stored rule text is used, and said so), next\n"
     "to the year the run gave them or why they went to review. Several matches are listed.",
     {{"FILE", "the rule file or a .ddc"},
      {"--id ID", "the person's resident id (a final x may be lower case), or the masked id doudi prints"},
      {"--name NAME", "the person's name (several matches are listed, with county and village)"},
      {"--db DB", "the ledger (default doudi.db)"},
      {"--run N", "the run to explain by (default: the latest)"},
      {"--as-of DATE", "evaluate at another date than the run's (a what-if, said so)"},
      {"--format text|json|html", "text (default), JSON, or one printable page (HTML, in Chinese)"},
      {"--show-ids", "show resident ids in full (otherwise masked: 410122********1234)"}}},
    {"repl", cli_repl, "repl [FILE] [--db DB] [--show-ids] [--echo]",
     "try expressions and declarations against records",
     "Inside, :help lists the commands. With stdin not a terminal, lines are read as they come,\n"
     "without prompts, so a session can be scripted.",
     {{"FILE", "a rule file to load"},
      {"--db DB", "a ledger to take records from"},
      {"--show-ids", "show resident ids in full (otherwise masked: 410122********1234)"},
      {"--echo", "without a terminal: show each line after its prompt, as typed"}}},
    {"test", cli_test,
     "test FILE... [--coverage] [--require-full-coverage] [--format text|json|junit|tap|markdown] [-o FILE]\n"
     "     [--update]",
     "run the tests a rule file declares",
     "One line per test: ok, or FAIL with each expected value that differed and the explanation;\n"
     "then how many passed and failed. Exit 1 when a test failed.",
     {{"FILE...", "rule files"},
      {"--update", "rewrite in place the expected values a change moved, showing each; then run the tests again"},
      {"--coverage", "also show what the tests cover: conditions, categories, branches, schedule groups"},
      {"--require-full-coverage", "the same, and anything not covered fails the run"},
      {"--format F", "text (default), json, junit (JUnit XML for CI), tap (TAP 13) or markdown"},
      {"-o FILE", "write the report to FILE instead of stdout"}}},
    {"diff", cli_diff,
     "diff OLD NEW --population DIR|DB [--as-of DATE] [--limit N] [--expect FILE | --write-expect FILE]\n"
     "     [--format text|json|markdown] [-o FILE] [--comment-limit BYTES] [--show-ids]",
     "what a rule change changes, over a population",
     "Both rule files run over the same people; the report gives the counts per category, placement\n"
     "and year before and after, the moves, the changed people and the forms' changed cells\n"
     "(docs/rule-changes.md). A ledger given as the population is only read.",
     {{"OLD NEW", "the rule file before and after the change"},
      {"--population DIR|DB", "a directory with persons.csv (and institutions.csv), or a ledger"},
      {"--as-of DATE", "the date of both runs (default: each rule file's as_of)"},
      {"--limit N", "how many changed people to show, with their explanations (default 10)"},
      {"--expect FILE", "the approved changes: exit 1 when a figure differs from them"},
      {"--write-expect FILE", "write the approved changes this change passes with (an existing FILE keeps its comments)"},
      {"--format text|json|markdown", "text (default), JSON, or a merge-request comment in Markdown"},
      {"-o FILE", "write the report to FILE; with markdown, the full text and JSON beside it (FILE.txt, FILE.json)"},
      {"--comment-limit BYTES", "the Markdown comment's size limit (default 60000, at least 2000)"},
      {"--show-ids", "show resident ids in full (otherwise masked: 410122********1234)"}}},
    {"ci", cli_ci,
     "ci [--base REV] [--out DIR] [--rules DIR] [--populations DIR] [--approved DIR] [--as-of DATE] [--limit N]\n"
     "   [--comment-limit BYTES]",
     "check, test and diff a rule repository's change, with reports for CI",
     "Checks every rule file, runs their tests with full coverage required and, with --base, diffs\n"
     "each changed rule file against the base revision's over every fixture population, checking the\n"
     "approved-changes files. One exit code; every report in one folder (summary.md is the\n"
     "merge-request comment). docs/rule-changes.md describes the workflow.",
     {{"--base REV", "the git revision the change is compared with"},
      {"--out DIR", "where the reports go (default doudi-ci)"},
      {"--rules DIR", "the rule files (default rules)"},
      {"--populations DIR", "the fixture populations, a folder each with persons.csv (default populations)"},
      {"--approved DIR", "the approved-changes files (default approved)"},
      {"--as-of DATE", "the date of every run (default: each rule file's as_of)"},
      {"--limit N", "how many changed people each diff lists (default 10)"},
      {"--comment-limit BYTES", "summary.md's size limit (default 60000, at least 4000)"}}},
    {"report", cli_report, "report FILE [--db DB] [--form NAME] [--county CODE] [--run N] [--format F] [-o FILE]",
     "the official forms of a stored run",
     "The numbers come from the run, the layout from the rule file's table declarations.",
     {{"FILE", "the rule file (it declares the forms)"},
      {"--db DB", "the ledger (default doudi.db)"},
      {"--form NAME", "the form, by name or label (附件1: the start of a label will do); needed when the\n"
                      "rule file declares several; all: every form in one workbook (xlsx)"},
      {"--county CODE", "one county, by code or name (default: the city, every county summed)"},
      {"--run N", "the run (default: the latest)"},
      {"--format F", "text, csv, json, xlsx or html (default: from -o's extension, else text);\n"
                     "html is the whole run on one page: every form, charts, the schedule, the capacity\n"
                     "plan, the review queue and near misses"},
      {"-o, --out FILE", "write to FILE instead of stdout; xlsx needs it\n"
                  "(a sheet for the city, then one per county; with --county, that county's)"}}},
    {"sql", cli_sql,
     "sql FILE --dialect postgres|sqlite|duckdb|spark [--table T] [--institutions T] [--as-of DATE] [--prefix P]\n"
     "    [--ddl] [-o plan.sql]",
     "the rules as an SQL script for a database engine",
     "The script computes what doudi run computes, from the ledger's record tables, into tables named\n"
     "plan_* (results, review, schedule, capacity, forms); every part carries its rule's line and cite.\n"
     "docs/scale.md describes it. Exit 1 when the rule file has errors.",
     {{"FILE", "the rule file (its text: not a .ddc)"},
      {"--dialect D", "postgres, sqlite, duckdb or spark"},
      {"--table T", "the persons' table (default: the record's name, person)"},
      {"--institutions T", "the institutions' table (default: the record's name, institution)"},
      {"--as-of DATE", "the date ages are reckoned at (default: the rule file's as_of)"},
      {"--prefix P", "the prefix of the tables the script makes (default plan_)"},
      {"--ddl", "print the CREATE TABLE statements for the record tables instead"},
      {"-o FILE", "write the script to FILE instead of stdout"}}},
    {"notice", cli_notice, "notice [FILE] [--db DB] [--county CODE] [--run N] [--format F] [-o FILE]",
     "the public notice (公示名单) of a stored run",
     "Who was identified, per county, township and village, as the rule file's notice block declares:\n"
     "names and ids masked, persons it withholds (minors) only counted, with the period of publicity\n"
     "and the office that receives objections. The document is in Chinese.",
     {{"FILE", "the rules (default: those the run was made with, as the ledger stores them)"},
      {"--db DB", "the ledger (default doudi.db)"},
      {"--county CODE", "one county, by code or name (default: every county)"},
      {"--run N", "the run (default: the latest)"},
      {"--format F", "html, csv or xlsx (default: from -o's extension, else html)"},
      {"-o, --out FILE", "write to FILE instead of stdout; xlsx needs it (a sheet per county)"}}},
    {"review", cli_review, "review [--db DB] [-o FILE.xlsx|FILE.csv] [--rules FILE] [--source FILE]",
     "the rows in review (待核查), back to the clerk as a workbook to correct",
     "Every row an import sent to review, as it was read, under the header of its file: the\n"
     "offending cell filled red with the reason as a comment, and a last column 原因 with the reason\n"
     "and where it was; then every person the latest run could not evaluate, as the ledger holds\n"
     "them (a sheet 第N次运行). Correct the cells and import the file: the rows read again leave review.",
     {{"--db DB", "the ledger (default doudi.db)"},
      {"-o, --out FILE", "write to FILE: .xlsx a workbook (a sheet per file), else CSV (default: CSV to stdout)"},
      {"--rules FILE", "the rules that name the columns (default: those of the latest run)"},
      {"--source FILE", "only the rows of this imported file; `run`: the latest run's persons (a CSV holds one source)"}}},
    {"stats", cli_stats, "stats FILE [--db DB] --near-miss [--as-of DATE] [--format text|json]",
     "figures about the ledger under a rule file: near misses",
     "--near-miss: for each category, how many persons meet every condition but one, and which\n"
     "condition keeps them out — who sits just outside when a threshold is debated. Every person\n"
     "is evaluated again; nothing is stored.",
     {{"FILE", "a rule file or a .ddc file"},
      {"--db DB", "the ledger (default doudi.db)"},
      {"--near-miss", "count the near misses of every category"},
      {"--as-of DATE", "the date to evaluate at (default: the rule file's as_of)"},
      {"--format text|json", "text (default) or JSON"}}},
    {"gen", cli_gen, "gen --count N --seed S [--out DIR] [--bad-rate R] [--as-of DATE] [--encoding gbk] [--bom]",
     "write a synthetic Zhengzhou population, for tests and demonstrations",
     "Writes persons.csv, institutions.csv and, when R > 0, expected_review.csv (line, column and kind\n"
     "of each malformed row). The same options give byte-identical files.",
     {{"--count N", "person rows (0 to 100000000)"},
      {"--seed S", "any unsigned 64-bit integer"},
      {"--out DIR", "output directory, created when missing (default .)"},
      {"--bad-rate R", "fraction of malformed person rows, 0 to 1 (or a percentage: 5%)"},
      {"--as-of DATE", "the survey date ages are reckoned at (default 2021-04-01)"},
      {"--encoding gbk", "persons.csv in GBK, as Excel on Chinese Windows saves it"},
      {"--bom", "persons.csv starts with a UTF-8 byte-order mark"}}},
};

enum { NVERBS = sizeof verbs / sizeof *verbs };

/* Every verb takes these two (main handles them). */
static const Option common_options[] = {
    {"--lang zh|en", "the language of messages (default: DOUDI_LANG, else the locale)"},
    {"--help", "this help"},
};

static const Verb *find_verb(const char *name)
{
    for (size_t i = 0; i < NVERBS; i++)
        if (!strcmp(verbs[i].name, name)) return &verbs[i];
    return NULL;
}

const char *cli_synopsis(const char *verb)
{
    const Verb *v = find_verb(verb);
    return v ? v->synopsis : verb;
}

/* ---- help ---------------------------------------------------------------------------------- */

static void usage(FILE *to)
{
    fprintf(to, "doudi — %s\n\n", tr("a rules engine for social-assistance policy"));
    fprintf(to, tr("usage: %s"), "doudi [--lang zh|en] VERB [ARGS]"); /* not a message: the syntax */
    fputs("\n\n", to);
    for (size_t i = 0; i < NVERBS; i++) fprintf(to, "  %-9s %s\n", verbs[i].name, tr(verbs[i].summary));
    fputc('\n', to);
    fprintf(to, "%s\n", tr("doudi help VERB (or doudi VERB --help) describes a verb and its options;\n"
                           "doudi --version gives the versions."));
    fprintf(to, "%s\n", tr("Language: --lang zh|en, else DOUDI_LANG=zh|en, else the locale\n"
                           "(LC_ALL, LC_MESSAGES, LANG: zh_CN and other zh_* mean Chinese), else English."));
    fprintf(to, "%s\n", tr("Exit status: 0 ok, 1 findings, 2 usage or input error."));
}

/* One option: the flags in a column, the help beside them (continuation lines indented). */
static void print_option(FILE *to, const Option *o, int width)
{
    const char *help = tr(o->help);
    fprintf(to, "  %-*s  ", width, o->flags);
    for (const char *p = help; *p; p++) {
        fputc(*p, to);
        if (*p == '\n') fprintf(to, "  %-*s  ", width, "");
    }
    fputc('\n', to);
}

static void verb_help(FILE *to, const Verb *v)
{
    char *line = xasprintf("doudi %s", v->synopsis);
    fprintf(to, tr("usage: %s"), line);
    fprintf(to, "\n\n%s\n", tr(v->summary));
    free(line);
    if (v->about) fprintf(to, "%s\n", tr(v->about));
    fputc('\n', to);
    int width = 0;
    for (size_t i = 0; i < MAX_OPTIONS && v->options[i].flags; i++)
        if ((int)strlen(v->options[i].flags) > width) width = (int)strlen(v->options[i].flags);
    for (size_t i = 0; i < sizeof common_options / sizeof *common_options; i++)
        if ((int)strlen(common_options[i].flags) > width) width = (int)strlen(common_options[i].flags);
    for (size_t i = 0; i < MAX_OPTIONS && v->options[i].flags; i++) print_option(to, &v->options[i], width);
    for (size_t i = 0; i < sizeof common_options / sizeof *common_options; i++)
        print_option(to, &common_options[i], width);
}

static int unknown_verb(const char *name)
{
    fprintf(stderr, "doudi: ");
    fprintf(stderr, tr("unknown verb '%s'"), name);
    fputs("\n\n", stderr);
    usage(stderr);
    return 2;
}

/* `doudi help [VERB]` */
static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    const Verb *v = find_verb(argv[1]);
    if (!v) return unknown_verb(argv[1]);
    verb_help(stdout, v);
    return 0;
}

static int version(void)
{
    doudi_version v = doudi_version_info();
    printf("doudi %s\n", v.version);
    printf(tr(".ddc format %d, ledger format %d\n"), v.ddc_format, v.ledger_format);
    return 0;
}

/* ---- errors -------------------------------------------------------------------------------- */

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

int cli_usage(const char *verb)
{
    return cli_usage_error(verb, tr("usage: doudi %s\n(doudi help %s describes every option)"),
                           cli_synopsis(verb), verb);
}

/* ---- the language -------------------------------------------------------------------------- */

/* Take --lang X (or --lang=X) out of argv, wherever it is; set the language from it, or from
 * the environment. Returns -1 to go on, or the exit code of a bad --lang. */
static int take_lang(int *argc, char **argv)
{
    const char *lang = NULL;
    int n = 1;
    bool missing = false;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--lang")) {
            if (i + 1 < *argc) lang = argv[++i];
            else missing = true;
        } else if (!strncmp(argv[i], "--lang=", 7)) {
            lang = argv[i] + 7;
        } else {
            argv[n++] = argv[i];
        }
    }
    argv[n] = NULL;
    *argc = n;
    doudi_set_language(NULL);
    if (missing || (lang && doudi_set_language(lang) != 0)) {
        fputs("doudi: ", stderr);
        fprintf(stderr, tr("--lang wants zh or en, not '%s'"), lang ? lang : "");
        fputc('\n', stderr);
        return 2;
    }
    return -1;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return true;
    return false;
}

/* Data goes to stdout; a write that failed there (a full disk, a closed pipe) must not pass
 * for success: the verb's status, or 2 when stdout could not be written. */
static int finish_output(const char *verb, int status)
{
    int failed = fflush(stdout) != 0 || ferror(stdout);
    int err = errno;
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        err = errno;
    }
    if (!failed) return status;
    fprintf(stderr, "doudi %s: ", verb);
    fprintf(stderr, tr("cannot write the output: %s\n"), msg_strerror(err ? err : EIO));
    return 2;
}

int main(int argc, char **argv)
{
    int rc = take_lang(&argc, argv);
    if (rc >= 0) return rc;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *first = argv[1];
    if (!strcmp(first, "--help") || !strcmp(first, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(first, "--version")) return version();
    if (!strcmp(first, "help")) return help(argc - 1, argv + 1);
    const Verb *v = find_verb(first);
    if (!v) return unknown_verb(first);
    if (wants_help(argc - 1, argv + 1)) {
        verb_help(stdout, v);
        return 0;
    }
    return finish_output(first, v->run(argc - 1, argv + 1));
}
