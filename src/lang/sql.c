/* sql.c — the SQL back end's driver (see sql.h): the script's header, then the per-person
 * evaluation, the schedule, the results, the capacity plan and the forms, in that order
 * (each reads the tables made before it); or, with `ddl`, the record tables the script
 * reads, for loading a ledger into another engine. */
#include "sql_int.h"

#include <stdlib.h>
#include <string.h>

void sql_error(Sql *g, Span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    diag_add(g->dl, DIAG_ERROR, "sql", at, "%s", msg);
    free(msg);
    g->failed = true;
}

static int line_of(Span sp)
{
    int line = 0, col = 0;
    if (sp.file) source_position(sp.file, sp.start, &line, &col);
    return line;
}

/* ---- the header -------------------------------------------------------------------------------- */

static void header_params(Sql *g)
{
    const Rules *r = g->r;
    if (!r->params.count) return;
    sb_puts(&g->out, "-- Params, as bound into the script (change one with `doudi sql` again, e.g. --as-of):\n");
    for (size_t i = 0; i < r->params.count; i++) {
        const Symbol *s = r->params.items[i];
        if (s->type->kind == TY_TABLE) {
            sb_printf(&g->out, "--   %s (line %d): a table by %s\n", s->name, line_of(s->decl->span), s->type->en->name);
            continue;
        }
        int64_t v = 0;
        char *lit = sql_param_value(g, s, &v);
        sb_printf(&g->out, "--   %s = %s (line %d)\n", s->name, lit, line_of(s->decl->span));
        free(lit);
    }
}

static void header(Sql *g)
{
    const Program *p = g->p;
    const RecordInfo *person = &p->records[0];
    sb_printf(&g->out, "-- %s%s%s%s\n", p->policy ? p->policy : "rules", p->policy_source ? " (" : "",
              p->policy_source ? p->policy_source : "", p->policy_source ? ")" : "");
    sb_printf(&g->out, "-- %s as a script for %s, made by `doudi sql`. It computes what `doudi run` computes, with\n"
                       "-- the same integers: fixed point with 4 decimals rounded half away from zero, quotas ⌈share × N⌉,\n"
                       "-- dates as day numbers since 1970-01-01. NULL in its tables means where the VM would stop.\n",
              p->source_path, sql_dialect_name(g->opt.dialect));
    sb_printf(&g->out, "-- Reads the table %s", g->opt.person_table ? g->opt.person_table : person->name);
    if (p->capacity)
        sb_printf(&g->out, " and the table %s",
                  g->opt.institution_table ? g->opt.institution_table : p->records[p->capacity->record].name);
    sb_printf(&g->out, " as `doudi import` writes them\n-- (enums by identifier, dates YYYY-MM-DD or DATE, ints and bools as integers, numbers as\n"
                       "-- decimals, percents as 30%%) and makes only objects named %s*:\n", g->opt.prefix);
    sb_printf(&g->out, "--   %seval       the per-person evaluation (every let, category and condition)\n", g->opt.prefix);
    sb_printf(&g->out, "--   %sresults    id, categories, primary_category, placement, year: the results file's rows\n", g->opt.prefix);
    sb_printf(&g->out, "--   %sreview     the persons held back, with the reason\n", g->opt.prefix);
    if (p->schedule) sb_printf(&g->out, "--   %sschedule   the ranks and years of the scheduled\n", g->opt.prefix);
    if (p->capacity)
        sb_printf(&g->out, "--   %scapacity, %scapacity_years   the capacity plan; %sinstitution the institutions it counts\n",
                  g->opt.prefix, g->opt.prefix, g->opt.prefix);
    if (p->nforms)
        sb_printf(&g->out, "--   %sforms      every form's cells per county and for the city (partition NULL);\n"
                           "--   %sform_layout, %sform_counts, %sform_parts   what they are made from\n",
                  g->opt.prefix, g->opt.prefix, g->opt.prefix, g->opt.prefix);
    header_params(g);
    sb_putc(&g->out, '\n');
}

/* ---- the record tables (ddl) ------------------------------------------------------------------------ */

static const char *column_type(const Sql *g, uint8_t kind)
{
    bool spark = g->opt.dialect == SQL_SPARK, sqlite = g->opt.dialect == SQL_SQLITE;
    switch (kind) {
    case VK_INT: return sqlite ? "INTEGER" : "BIGINT";
    case VK_BOOL: return sqlite ? "INTEGER" : "BOOLEAN";
    case VK_DATE: return sqlite ? "TEXT" : "DATE";
    default: return spark ? "STRING" : "TEXT";
    }
}

static void ddl(Sql *g)
{
    sb_printf(&g->out, "-- The record tables of %s for %s, as `doudi import` fills them: load the ledger's rows here,\n"
                       "-- then run the script `doudi sql` makes.\n", g->p->source_path, sql_dialect_name(g->opt.dialect));
    for (uint32_t r = 0; r < g->p->nrecords; r++) {
        const RecordInfo *ri = &g->p->records[r];
        const char *name = ri->name;
        if (r == 0 && g->opt.person_table) name = g->opt.person_table;
        if (g->p->capacity && (int32_t)r == g->p->capacity->record && g->opt.institution_table) name = g->opt.institution_table;
        char *t = sql_ident(g, name);
        sb_printf(&g->out, "CREATE TABLE IF NOT EXISTS %s (", t);
        for (uint32_t i = 0; i < ri->nfields; i++) {
            char *c = sql_ident(g, ri->fields[i].name);
            sb_printf(&g->out, "%s\n  %s %s%s", i ? "," : "", c, column_type(g, ri->fields[i].kind),
                      ri->fields[i].key && g->opt.dialect != SQL_SPARK ? " PRIMARY KEY" : "");
            free(c);
        }
        sb_puts(&g->out, "\n);\n");
        free(t);
    }
}

/* ---- what has no SQL form --------------------------------------------------------------------------- */

static void check_translatable(Sql *g)
{
    const Program *p = g->p;
    if (p->nrecords == 0 || p->records[0].key < 0) {
        sql_error(g, g->r->subject ? g->r->subject->span : (Span){0},
                  "the subject record has no key: the results have no id to be keyed by");
        return;
    }
    if (p->capacity && (p->capacity->record < 0 || (uint32_t)p->capacity->record >= p->nrecords))
        sql_error(g, g->r->capacity->span, "the capacity plan reads no record of the rule file");
}

char *sql_generate(const Rules *r, const Program *p, const int64_t *regs, const SqlOptions *opt, DiagList *diags)
{
    Sql g = {.r = r, .p = p, .regs = regs, .opt = *opt, .dl = diags};
    if (!g.opt.prefix) g.opt.prefix = "plan_";
    g.lets = xcalloc(r->lets.count + 1, sizeof *g.lets);
    g.cats = xcalloc(r->categories.count + 1, sizeof *g.cats);
    if (opt->ddl) {
        ddl(&g);
    } else {
        check_translatable(&g);
        if (!g.failed) {
            header(&g);
            bool tx = g.opt.dialect != SQL_SPARK;
            if (tx) sb_puts(&g.out, "BEGIN;\n\n");
            if (g.opt.dialect == SQL_POSTGRES) sb_puts(&g.out, "SET LOCAL client_min_messages = warning;\n\n");
            sql_person(&g);
            if (p->schedule) sql_schedule(&g);
            sql_results(&g);
            if (p->capacity && p->placement_enum >= 0) {
                sql_institution(&g);
                sql_capacity(&g);
            }
            if (p->nforms) sql_forms(&g);
            if (tx) sb_puts(&g.out, "COMMIT;\n");
        }
    }
    free(g.lets);
    free(g.cats);
    if (g.failed) {
        sb_free(&g.out);
        return NULL;
    }
    return sb_take(&g.out);
}
