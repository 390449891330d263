/* cli_eval.c — `doudi eval FILE --record 'field=value,...' | --json '{...}'`: one record's
 * outcome and its explanation, the first end-to-end use of the engine. */
#include "cli.h"
#include "doudi.h"
#include "base/msg.h"
#include "base/util.h"

#include <stdio.h>
#include <string.h>

/* One line: the categories (joined by |), the primary one and the placement, as identifiers. */
static void print_outcome(const doudi_rules *r, const doudi_outcome *o)
{
    StrBuf cats = {0};
    for (int i = 0; i < doudi_category_count(r); i++)
        if (o->categories >> i & 1) {
            if (cats.count) sb_putc(&cats, '|');
            sb_puts(&cats, doudi_category_name(r, i));
        }
    printf(tr("outcome: categories=%s primary=%s placement=%s\n"), sb_str(&cats),
           o->primary >= 0 ? doudi_category_name(r, o->primary) : "",
           o->placement >= 0 ? doudi_placement_name(r, o->placement) : "");
    sb_free(&cats);
}

int cli_eval(int argc, char **argv)
{
    const char *file = NULL, *record = NULL, *json = NULL, *as_of = NULL;
    int want_json = 0, show_ids = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--record") && i + 1 < argc) record = argv[++i];
        else if (!strcmp(argv[i], "--json") && i + 1 < argc) json = argv[++i];
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc) as_of = argv[++i];
        else if (!strcmp(argv[i], "--show-ids")) show_ids = 1;
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json")) want_json = 1;
            else if (strcmp(f, "text")) return cli_usage_error("eval", tr("unknown format '%s' (text or json)"), f);
        } else if (argv[i][0] == '-') return cli_usage_error("eval", tr("unknown option '%s'"), argv[i]);
        else if (!file) file = argv[i];
        else return cli_usage_error("eval", tr("one rule file at a time"));
    }
    if (!file || (!record && !json)) return cli_usage("eval");
    char *err = NULL;
    doudi_rules *r = doudi_open(file, &err);
    if (!r) {
        fputs(err ? msg_text(err) : "", stderr);
        doudi_string_free(err);
        return 1;
    }
    doudi_string_free(err);
    err = NULL;
    doudi_record *rec = doudi_record_new(r);
    int rc = 0;
    if (as_of && doudi_set_param(r, "as_of", as_of, &err)) rc = 2;
    else if (record && doudi_record_parse(rec, record, &err)) rc = 2;
    else if (json && doudi_record_parse_json(rec, json, &err)) rc = 2;
    doudi_outcome out;
    if (!rc && doudi_eval(r, rec, &out, &err)) rc = 1;
    if (!rc) {
        if (!want_json) print_outcome(r, &out);
        char *why = doudi_explain(r, rec, want_json ? DOUDI_JSON : DOUDI_TEXT, &err);
        if (why && !show_ids) doudi_mask_ids(why);
        if (why) fputs(why, stdout);
        else rc = 1;
        doudi_string_free(why);
    }
    if (err && !show_ids) doudi_mask_ids(err);
    if (rc) fprintf(stderr, "doudi eval: %s\n", err ? msg_text(err) : tr("failed"));
    doudi_string_free(err);
    doudi_record_free(rec);
    doudi_free(r);
    return rc;
}
