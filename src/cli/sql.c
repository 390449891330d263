/* cli/sql.c — `doudi sql RULES --dialect D [-o plan.sql]`: the rule file as an SQL script
 * for a database engine (PostgreSQL, SQLite, DuckDB, Spark SQL), computing what `doudi run`
 * computes from the ledger's record tables (docs/scale.md). With --ddl, the CREATE TABLE
 * statements for those tables instead, for loading a ledger elsewhere. Exit 1 when the rule
 * file has errors or a construct with no SQL form (each named with its line), 2 on usage or
 * output errors. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"
#include "base/replace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int write_script(const char *path, const char *text)
{
    if (!path) {
        fputs(text, stdout);
        return fflush(stdout) == 0 ? 0 : cli_usage_error("sql", tr("cannot write the script: %s"), msg_strerror(errno));
    }
    int err = file_replace(path, text, strlen(text), FILE_MODE_KEEP, NULL);
    return err ? cli_usage_error("sql", tr("cannot write %s: %s"), path, msg_strerror(err)) : 0;
}

int cli_sql(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *as_of = NULL;
    doudi_sql_options opt = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dialect") && i + 1 < argc) opt.dialect = argv[++i];
        else if (!strcmp(argv[i], "--table") && i + 1 < argc) opt.person_table = argv[++i];
        else if (!strcmp(argv[i], "--institutions") && i + 1 < argc) opt.institution_table = argv[++i];
        else if (!strcmp(argv[i], "--prefix") && i + 1 < argc) opt.prefix = argv[++i];
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc) as_of = argv[++i];
        else if (!strcmp(argv[i], "--ddl")) opt.ddl = 1;
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (argv[i][0] == '-') return cli_usage_error("sql", tr("unknown option '%s'\nusage: doudi %s"), argv[i], cli_synopsis("sql"));
        else if (!file) file = argv[i];
        else return cli_usage_error("sql", tr("one rule file at a time"));
    }
    if (!file) return cli_usage("sql");
    if (!opt.dialect) return cli_usage_error("sql", tr("which engine? give --dialect postgres, sqlite, duckdb or spark"));
    if (!cli_is_source("sql", file)) return 2;
    doudi_rules *r = cli_open_rules("sql", file);
    if (!r) return 1;
    char *err = NULL, *script = NULL;
    int status = 0;
    if (as_of && doudi_set_param(r, "as_of", as_of, &err)) {
        fprintf(stderr, "doudi sql: %s\n", msg_text(err));
        status = 2;
    } else if (!(script = doudi_sql(r, &opt, &err))) {
        bool dialect = err && !strncmp(err, "unknown SQL dialect", 19);
        if (dialect) fprintf(stderr, "doudi sql: %s\n", msg_text(err));
        else fputs(err ? msg_text(err) : "doudi sql: ?\n", stderr);
        status = dialect ? 2 : 1;
    } else {
        status = write_script(out, script);
    }
    doudi_string_free(err);
    doudi_string_free(script);
    doudi_free(r);
    return status;
}
