/* sql.c — the rules as an SQL script (doudi.h, "beyond one machine"): the API over
 * lang/sql.h, with the params as the rules' VM holds them now. */
#include "api_int.h"

#include "lang/sql.h"

#include <string.h>

char *doudi_sql(const doudi_rules *r, const doudi_sql_options *opt, char **error)
{
    if (error) *error = NULL;
    SqlOptions so = {0};
    if (!opt || !sql_dialect_parse(opt->dialect, &so.dialect)) {
        api_fail(error, "unknown SQL dialect '%s' (postgres, sqlite, duckdb, spark)", opt && opt->dialect ? opt->dialect : "");
        return NULL;
    }
    if (!r->rules) {
        api_fail(error, "these rules were loaded from a compiled program: the SQL script is made from the rule file");
        return NULL;
    }
    so.person_table = opt->person_table;
    so.institution_table = opt->institution_table;
    so.prefix = opt->prefix;
    so.ddl = opt->ddl != 0;
    DiagList dl = {0};
    char *script = sql_generate(r->rules, r->prog, r->vm->regs, &so, &dl);
    if (!script && error) {
        StrBuf sb = {0};
        diag_sort(&dl);
        diag_render_all(&sb, &dl);
        *error = sb_take(&sb);
    }
    diag_free(&dl);
    return script;
}
