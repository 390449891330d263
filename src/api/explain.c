/* explain.c — a person of the ledger explained as a stored run decided (doudi.h, "explaining a
 * stored person"), and finding the person as clerks name them: by full id, by the masked id the
 * outputs print, or by name.
 *
 * The stored run is the truth: the person is explained at the run's as_of, with the run's rules
 * — when the rule file given is not the one the run used (its SHA-256 differs), the run's own
 * rule text, stored with it, is compiled and used, and the explanation says so — and next to
 * what the run stored for them (their year, or why they went to review). */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/msg.h"
#include "base/sha256.h"
#include "tools/explain_people.h"
#include "vm/values.h"

/* ---- finding people ------------------------------------------------------------------------------ */

typedef VEC(char *) Keys;

static bool add_key(void *ctx, const char *key)
{
    VEC_PUSH((Keys *)ctx, xstrdup(key));
    return true;
}

/* A masked id (410122********1234, or with '_' or '?' for the hidden characters) as an SQL LIKE
 * pattern; NULL when the query hides nothing. */
static char *mask_pattern(const char *q)
{
    if (!strpbrk(q, "*?_")) return NULL;
    char *p = xstrdup(q);
    for (char *c = p; *c; c++)
        if (*c == '*' || *c == '?') *c = '_';
        else if (*c == '%') *c = '_';
    return p;
}

/* The field people are found by name in: `name`, or a text field labelled 姓名. */
static int name_field(const RecordInfo *ri)
{
    for (uint32_t i = 0; i < ri->nfields; i++)
        if (ri->fields[i].kind == VK_TEXT && !strcmp(ri->fields[i].name, "name")) return (int)i;
    for (uint32_t i = 0; i < ri->nfields; i++)
        if (ri->fields[i].kind == VK_TEXT && ri->fields[i].label && !strcmp(ri->fields[i].label, "姓名")) return (int)i;
    return -1;
}

int doudi_find(doudi_ledger *l, const doudi_rules *r, const char *query, int by_name, char ***keys, int *count,
               char **error)
{
    if (error) *error = NULL;
    *keys = NULL;
    *count = 0;
    const RecordInfo *ri = api_subject(r);
    if (!ri || ri->key < 0) return api_fail(error, tr("the rules declare no record with a key"));
    Keys found = {0};
    bool ok;
    if (by_name) {
        int f = name_field(ri);
        if (f < 0) return api_fail(error, tr("record %s has no name field to search (a text field `name` or labelled 姓名)"), ri->name);
        ok = ledger_each_match(l->l, ri, NULL, ri->fields[f].name, query, add_key, &found, error);
    } else {
        char *pattern = mask_pattern(query);
        /* the key as the importer would have stored it (trimmed; an id's lowercase x as X) */
        int64_t kv = 0;
        char *normal = NULL, why[200];
        if (!pattern && !value_parse(r->prog, &ri->fields[ri->key], query, strlen(query), &kv, &normal, why, sizeof why))
            normal = NULL;
        const char *like = pattern ? pattern : normal ? normal : query;
        ok = ledger_each_match(l->l, ri, like, NULL, NULL, add_key, &found, error);
        free(pattern);
        free(normal);
    }
    if (!ok) {
        for (size_t i = 0; i < found.count; i++) free(found.items[i]);
        free(found.items);
        return -1;
    }
    *keys = found.items;
    *count = (int)found.count;
    return 0;
}

void doudi_keys_free(char **keys, int count)
{
    for (int i = 0; i < count; i++) free(keys[i]);
    free(keys);
}

char *doudi_person_summary(doudi_ledger *l, doudi_rules *r, const char *key)
{
    doudi_record *rec = doudi_ledger_record(l, r, key, NULL);
    if (!rec) return xstrdup(key);
    StrBuf sb = {0};
    sb_puts(&sb, key);
    static const char *const fields[] = {"name", "county", "township", "village"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        char *v = doudi_record_get(rec, fields[i], 0);
        if (v && *v) sb_printf(&sb, "  %s", v);
        free(v);
    }
    doudi_record_free(rec);
    return sb_take(&sb);
}

/* ---- explaining a stored person ------------------------------------------------------------------- */

typedef struct Stored {
    RunInfo run;
    bool has_run, rules_differ, in_run;
    char *review;              /* why the run (or the import) sent the person to review */
    ResultRow result;
} Stored;

/* The rules to explain with: the given ones, or the run's stored text when it differs. */
static doudi_rules *rules_of_run(doudi_ledger *l, doudi_rules *given, Stored *st, char **error)
{
    char hex[65];
    sha256_hex(given->prog->source_text ? given->prog->source_text : "", given->prog->source_len, hex);
    if (!strcmp(hex, st->run.rules_sha256)) return given;
    st->rules_differ = true;
    size_t len = 0;
    char *text = ledger_run_rules_text(l->l, st->run.id, &len, error);
    if (!text) return NULL;
    char *diags = NULL;
    doudi_rules *stored = doudi_compile_string(st->run.rules_path, text, len, &diags);
    free(text);
    if (!stored) api_fail(error, tr("the rules stored with run %lld no longer compile: %s"), (long long)st->run.id,
                          diags ? diags : "");
    free(diags);
    return stored;
}

static void header_text(StrBuf *out, const Stored *st, const char *as_of)
{
    if (!st->has_run) {
        sb_printf(out, tr("No run yet: explained at the rules' as_of, %s.\n"), as_of);
        return;
    }
    sb_printf(out, tr("Run %lld, as of %s.\n"), (long long)st->run.id, as_of);
    if (st->rules_differ)
        sb_printf(out, tr("The rule file given is not the one run %lld used (its SHA-256 differs): explained with the "
                          "rules stored with the run (%s).\n"),
                  (long long)st->run.id, st->run.rules_path);
}

static void stored_text(StrBuf *out, const Stored *st, const char *key)
{
    if (!st->has_run) return;
    if (st->in_run) {
        if (st->result.has_year)
            sb_printf(out, tr("Run %lld placed %s in year %lld.\n"), (long long)st->run.id, key, (long long)st->result.year);
        else if (*st->result.placement)
            sb_printf(out, tr("Run %lld gave %s no year (not scheduled).\n"), (long long)st->run.id, key);
        return;
    }
    if (st->review)
        sb_printf(out, tr("%s is not in run %lld's results: it went to review (%s).\n"), key, (long long)st->run.id,
                  st->review);
    else
        sb_printf(out, tr("%s is not in run %lld's results: it was imported after the run.\n"), key,
                  (long long)st->run.id);
}

static void json_text(StrBuf *out, const Stored *st, const char *as_of, const char *body)
{
    sb_puts(out, "{\"run\": ");
    if (st->has_run) sb_printf(out, "%lld", (long long)st->run.id);
    else sb_puts(out, "null");
    sb_puts(out, ", \"as_of\": ");
    sb_json_string(out, as_of);
    sb_printf(out, ", \"rules_differ\": %s, \"in_run\": %s, \"review\": ", st->rules_differ ? "true" : "false",
              st->in_run ? "true" : "false");
    if (st->review) sb_json_string(out, st->review);
    else sb_puts(out, "null");
    sb_puts(out, ", \"stored\": ");
    if (st->in_run) {
        sb_puts(out, "{\"categories\": ");
        sb_json_string(out, st->result.categories);
        sb_puts(out, ", \"primary\": ");
        sb_json_string(out, st->result.primary);
        sb_puts(out, ", \"placement\": ");
        sb_json_string(out, st->result.placement);
        sb_puts(out, ", \"year\": ");
        if (st->result.has_year) sb_printf(out, "%lld", (long long)st->result.year);
        else sb_puts(out, "null");
        sb_puts(out, "}");
    } else {
        sb_puts(out, "null");
    }
    sb_puts(out, ", \"explanation\": ");
    sb_puts(out, body);
    sb_puts(out, "}\n");
}

static char *as_of_of(const doudi_rules *r)
{
    char *v = NULL;
    for (uint32_t i = 0; i < r->prog->nparams; i++)
        if (!strcmp(r->prog->params[i].name, "as_of")) {
            StrBuf sb = {0};
            const ParamInfo *pi = &r->prog->params[i];
            value_format(r->prog, pi->kind, pi->enum_index, r->vm->regs[pi->reg], false, &sb);
            v = sb_take(&sb);
        }
    return v ? v : xstrdup("");
}

char *doudi_explain_stored(doudi_ledger *l, doudi_rules *r, const char *key, int64_t run, const char *as_of,
                           doudi_format format, char **error)
{
    if (error) *error = NULL;
    /* the printable page is in Chinese, whatever the language of the rest */
    int lang = msg_lang_enter(format == DOUDI_HTML ? MSG_ZH : msg_lang());
    Stored st = {0};
    char *ignored = NULL;
    st.has_run = ledger_run_info(l->l, run, &st.run, run ? error : &ignored);
    free(ignored);
    if (!st.has_run && run) {
        msg_lang_leave(lang);
        return NULL;
    }
    doudi_rules *use = st.has_run ? rules_of_run(l, r, &st, error) : r;
    char *text = NULL, *when = NULL;
    doudi_record *rec = NULL;
    const char *date = as_of ? as_of : st.has_run ? st.run.as_of : NULL;
    if (use && (!date || doudi_set_param(use, "as_of", date, error) == 0) &&
        (rec = doudi_ledger_record(l, use, key, error)) != NULL) {
        if (st.has_run) {
            bool found = false;
            char *e = NULL;
            if (ledger_result_of(l->l, st.run.id, key, &st.result, &found, &e)) st.in_run = found;
            free(e);
            if (!st.in_run) st.review = ledger_review_reason(l->l, st.run.id, key);
            if (!st.in_run && !st.review) st.review = ledger_review_reason(l->l, 0, key);
        }
        when = as_of_of(use);
        ExplainYear year = {0};
        ScheduleYearRow years[64];
        if (st.in_run) {
            year = (ExplainYear){.in_run = true, .has_year = st.result.has_year, .year = st.result.year,
                                 .has_rank = st.result.has_rank, .partition = st.result.partition,
                                 .group = st.result.group, .rank = st.result.rank, .years = years};
            if (year.has_rank) {
                char *e = NULL;
                year.nyears = ledger_schedule_years(l->l, st.run.id, st.result.partition, st.result.group, years, 64, &e);
                if (year.nyears < 0) year.nyears = 0, year.has_rank = false;
                free(e);
            }
        }
        StrBuf lines = {0};
        if (format == DOUDI_HTML) {
            header_text(&lines, &st, when);
            stored_text(&lines, &st, key);
        }
        char *body = api_explain(use, rec, format, st.has_run ? &year : NULL, sb_str(&lines), error);
        sb_free(&lines);
        ledger_schedule_years_free(years, year.nyears);
        if (body) {
            StrBuf sb = {0};
            if (format == DOUDI_HTML) {
                sb_puts(&sb, body);
            } else if (format == DOUDI_JSON) {
                json_text(&sb, &st, when, body);
            } else {
                header_text(&sb, &st, when);
                if (as_of && st.has_run && strcmp(as_of, st.run.as_of))
                    sb_printf(&sb, tr("Asked for as of %s; run %lld was as of %s.\n"), as_of, (long long)st.run.id,
                              st.run.as_of);
                stored_text(&sb, &st, key);
                sb_puts(&sb, body);
            }
            text = sb_take(&sb);
        }
        free(body);
    }
    doudi_record_free(rec);
    free(when);
    free(st.review);
    ledger_result_free(&st.result);
    ledger_run_info_free(&st.run);
    if (use && use != r) doudi_free(use);
    msg_lang_leave(lang);
    return text;
}
