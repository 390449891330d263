/* cli_repl.c — `doudi repl [FILE] [--db DB] [--show-ids]`: try expressions against records.
 *
 * On a terminal, lines are edited with libedit (emacs keys, history in ~/.doudi_history, Tab
 * completes names and commands; Ctrl-C drops the input, Ctrl-D quits). With stdin not a
 * terminal, lines are read as they come, with no prompt and no escape codes, so sessions can
 * be scripted; the output is the same but for the prompts.
 *
 * An input is a declaration (added to the session; a name declared again is replaced), an
 * expression (its value for the current record, `value : type`), or a command (`:help`). An
 * input goes on over several lines while a bracket, a block or a declaration is open. Values
 * go to stdout; diagnostics and errors to stderr, in the order they happen. Resident ids are
 * masked (410122********1234) unless --show-ids. The rules and inputs are repl_session.c's. */
#include "cli.h"
#include "doudi.h"
#include "api/repl_session.h"
#include "base/msg.h"
#include "base/resid.h"
#include "base/util.h"

#include <dirent.h>
#include <histedit.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char PROMPT[] = "doudi> ";
static const char MORE[] = "  ...> ";

typedef struct Repl {
    ReplSession *s;
    doudi_ledger *ledger;
    char *db;
    bool show_ids;
    bool echo;                 /* not a terminal: show each line after its prompt, as typed */
    bool tty;
    bool quit;
    bool failed;               /* an input failed (the exit status when scripted) */
    /* line editing (tty) */
    EditLine *el;
    History *hist;
    HistEvent ev;
    char *hist_path;
    const char *prompt;
    bool interrupted;
    /* plain reading */
    char *buf;
    size_t cap;
} Repl;

/* ---- output ---------------------------------------------------------------------------------- */

/* Resident ids masked, and the current record's birth date with them: it is the very digits
 * the mask hides, and a line such as `birth_date = 1950-03-07` shows no id to go by. */
static void mask(Repl *r, char *text)
{
    doudi_mask_ids(text);
    doudi_rules *rules = repl_rules(r->s);
    int key = doudi_key_field(rules);
    char *id = key >= 0 ? doudi_record_get(repl_record(r->s), doudi_field_name(rules, key), 0) : NULL;
    if (id) resident_id_mask_date(text, id);
    doudi_string_free(id);
}

static void put(Repl *r, FILE *f, const char *text)
{
    if (!text || !*text) return;
    char *copy = xstrdup(text);
    if (!r->show_ids) mask(r, copy);
    if (f == stderr) fflush(stdout);
    fputs(copy, f);
    fflush(f);
    free(copy);
}

static void say(Repl *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(Repl *r, const char *fmt, ...)
{
    StrBuf sb = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    put(r, stdout, sb_str(&sb));
    sb_free(&sb);
}

static void complain(Repl *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void complain(Repl *r, const char *fmt, ...)
{
    StrBuf msg = {0}, sb = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&msg, fmt, ap);
    va_end(ap);
    sb_printf(&sb, tr("error: %s"), sb_str(&msg));
    sb_putc(&sb, '\n');
    put(r, stderr, sb_str(&sb));
    sb_free(&msg);
    sb_free(&sb);
    r->failed = true;
}

/* An API error message (freed here), or the fallback (translated by the caller). */
static void complain_err(Repl *r, char *err, const char *fallback)
{
    complain(r, "%s", err ? msg_text(err) : fallback);
    doudi_string_free(err);
}

/* ---- the ledger ------------------------------------------------------------------------------- */

static void open_db(Repl *r, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        complain(r, tr("no ledger at %s (make one with doudi import)"), path);
        return;
    }
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open_mode(path, DOUDI_LEDGER_READ, &err);
    if (!l) {
        complain_err(r, err, tr("cannot open the ledger"));
        return;
    }
    doudi_ledger_close(r->ledger);
    r->ledger = l;
    free(r->db);
    r->db = xstrdup(path);
    int64_t n = doudi_ledger_persons(l, repl_rules(r->s), &err);
    if (n < 0) {
        say(r, tr("ledger %s\n"), path);
        complain_err(r, err, tr("cannot count its records"));
    } else {
        say(r, tr("ledger %s: %lld records\n"), path, (long long)n);
    }
}

static bool need_ledger(Repl *r)
{
    if (r->ledger) return true;
    complain(r, tr("no ledger: open one with :db DB (or start with --db DB)"));
    return false;
}

/* ---- inputs ----------------------------------------------------------------------------------- */

/* Print what repl_input said; true when there is a value to use. */
static bool report(Repl *r, ReplResult *res)
{
    put(r, stderr, sb_str(&res->diags));
    if (res->status == REPL_ERROR) r->failed = true;
    if (res->status == REPL_DECLARED) say(r, "%s\n", res->declared);
    return res->status == REPL_VALUE;
}

static void show_value(Repl *r, const ReplResult *res)
{
    char *err = NULL;
    char *v = doudi_value(res->rules, repl_record(r->s), res->name, NULL, &err);
    if (!v) {
        complain_err(r, err, tr("no value"));
        return;
    }
    say(r, "%s : %s\n", v, res->type);
    doudi_string_free(v);
}

/* An expression or a declaration; true when it needs more lines. */
static bool input(Repl *r, const char *text, bool final)
{
    ReplResult res;
    if (repl_input(r->s, text, 0, REPL_ANY, final, &res) == REPL_INCOMPLETE) {
        repl_result_free(&res);
        return true;
    }
    if (report(r, &res)) show_value(r, &res);
    repl_result_free(&res);
    return false;
}

/* ---- commands --------------------------------------------------------------------------------- */

typedef struct Cmd {
    const char *name;
    /* text: the whole input; arg: where the argument starts. True: needs more lines. */
    bool (*run)(Repl *r, const char *text, size_t arg, bool final);
    const char *args;
    const char *help;
} Cmd;

static const char *arg_of(const char *text, size_t arg) { return text + arg; }

/* The argument without the spaces around it (malloc'd). */
static char *trimmed_arg(const char *text, size_t arg)
{
    const char *s = text + arg;
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    return xstrndup(s, n);
}

static bool cmd_help(Repl *r, const char *text, size_t arg, bool final);

static bool cmd_quit(Repl *r, const char *text, size_t arg, bool final)
{
    r->quit = true;
    return false;
}

/* "loaded FILE: what it declares" (or reloaded), and the declarations typed, if any. */
static void print_loaded(Repl *r, bool reloaded)
{
    char *sum = repl_summary(r->s);
    int typed = repl_typed_count(r->s);
    if (reloaded) say(r, tr("reloaded %s: %s"), repl_file(r->s), sum);
    else say(r, tr("loaded %s: %s"), repl_file(r->s), sum);
    if (typed == 1) say(r, "%s", tr(" (and 1 typed declaration)"));
    else if (typed) say(r, tr(" (and %d typed declarations)"), typed);
    say(r, "\n");
    free(sum);
}

static bool cmd_load(Repl *r, const char *text, size_t arg, bool final)
{
    char *path = trimmed_arg(text, arg);
    if (!*path) {
        complain(r, tr("which file? :load FILE"));
    } else {
        StrBuf diags = {0};
        bool ok = repl_load(r->s, path, &diags);
        put(r, stderr, sb_str(&diags));
        sb_free(&diags);
        if (ok) print_loaded(r, false);
        else r->failed = true;
    }
    free(path);
    return false;
}

static bool cmd_reload(Repl *r, const char *text, size_t arg, bool final)
{
    StrBuf diags = {0};
    bool ok = repl_reload(r->s, &diags);
    put(r, stderr, sb_str(&diags));
    sb_free(&diags);
    if (ok) print_loaded(r, true);
    else r->failed = true;
    return false;
}

static bool cmd_db(Repl *r, const char *text, size_t arg, bool final)
{
    char *path = trimmed_arg(text, arg);
    if (!*path) {
        if (r->db) say(r, tr("ledger %s\n"), r->db);
        else complain(r, tr("which ledger? :db DB"));
    } else {
        open_db(r, path);
    }
    free(path);
    return false;
}

static bool cmd_person(Repl *r, const char *text, size_t arg, bool final)
{
    char *id = trimmed_arg(text, arg);
    if (!*id) {
        complain(r, tr("which person? :person ID"));
    } else if (need_ledger(r)) {
        char *err = NULL;
        doudi_record *rec = doudi_ledger_record(r->ledger, repl_rules(r->s), id, &err);
        if (rec) {
            repl_set_record(r->s, rec);
            say(r, tr("current record: %s from %s\n"), id, r->db);
        } else {
            complain_err(r, err, tr("not found"));
        }
    }
    free(id);
    return false;
}

/* :set with no assignment: every field of the current record. */
static void list_record(Repl *r)
{
    doudi_rules *rules = repl_rules(r->s);
    doudi_record *rec = repl_record(r->s);
    int n = doudi_field_count(rules), width = 0;
    for (int i = 0; i < n; i++) {
        int w = utf8_width(doudi_field_name(rules, i), strlen(doudi_field_name(rules, i)));
        if (w > width) width = w;
    }
    for (int i = 0; i < n; i++) {
        const char *name = doudi_field_name(rules, i);
        if (name[0] == '<') continue;
        char *v = doudi_record_get(rec, name, 1);
        StrBuf sb = {0};
        sb_puts(&sb, name);
        sb_pad(&sb, width - utf8_width(name, strlen(name)));
        sb_printf(&sb, " = %s\n", !v ? tr("(not set)") : *v ? v : "\"\"");
        put(r, stdout, sb_str(&sb));
        sb_free(&sb);
        doudi_string_free(v);
    }
}

/* Next `field=value` of :set's argument (a value may be "quoted"; pairs are separated by spaces
 * or commas). False at the end or on an error (*err set). */
static bool next_assignment(const char **p, StrBuf *field, StrBuf *value, const char **err)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == ',' || *s == '\n') s++;
    if (!*s) return false;
    field->count = value->count = 0;
    while (*s && *s != '=' && *s != ' ' && *s != '\t' && *s != ',') sb_putc(field, *s++);
    while (*s == ' ' || *s == '\t') s++;
    if (*s != '=' || !field->count) {
        *err = tr("expected field=value, as in :set wants_central=yes");
        return false;
    }
    s++;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++) {
            if (*s == '\\' && s[1]) s++;
            sb_putc(value, *s);
        }
        if (*s != '"') {
            *err = tr("a quoted value has no closing '\"'");
            return false;
        }
        s++;
    } else {
        while (*s && *s != ' ' && *s != '\t' && *s != ',' && *s != '\n') sb_putc(value, *s++);
    }
    sb_putc(field, '\0');
    field->count--;
    sb_putc(value, '\0');
    value->count--;
    *p = s;
    return true;
}

static bool cmd_set(Repl *r, const char *text, size_t arg, bool final)
{
    const char *p = arg_of(text, arg);
    const char *bad = NULL;
    StrBuf field = {0}, value = {0};
    doudi_record *rec = repl_record_copy(r->s);
    StrBuf done = {0};
    int count = 0;
    char *err = NULL;
    while (next_assignment(&p, &field, &value, &bad)) {
        if (doudi_record_set(rec, sb_str(&field), sb_str(&value), &err)) break;
        char *v = doudi_record_get(rec, sb_str(&field), 1);
        sb_printf(&done, "%s = %s\n", sb_str(&field), v ? v : "");
        doudi_string_free(v);
        count++;
    }
    if (err || bad) {
        if (err) complain_err(r, err, "");
        else complain(r, "%s", bad);
        say(r, "%s", tr("the record is unchanged\n"));
        doudi_record_free(rec);
    } else if (count == 0) {
        doudi_record_free(rec);
        list_record(r);
    } else {
        repl_set_record(r->s, rec);
        put(r, stdout, sb_str(&done));
    }
    sb_free(&done);
    sb_free(&field);
    sb_free(&value);
    return false;
}

static bool cmd_explain(Repl *r, const char *text, size_t arg, bool final)
{
    char *err = NULL;
    char *why = doudi_explain(repl_rules(r->s), repl_record(r->s), DOUDI_TEXT, &err);
    if (why) put(r, stdout, why);
    else complain_err(r, err, tr("cannot explain"));
    doudi_string_free(why);
    return false;
}

/* Run the command's expression through repl_input; true (with *res to free) when there is a
 * value. *more: it needs more lines. */
static bool expr_arg(Repl *r, const char *text, size_t arg, ReplMode mode, bool final, ReplResult *res, bool *more)
{
    *more = false;
    ReplStatus st = repl_input(r->s, text, arg, mode, final, res);
    if (st == REPL_INCOMPLETE) {
        *more = true;
        repl_result_free(res);
        return false;
    }
    if (st == REPL_BLANK) {
        const char *syntax = mode == REPL_TYPE ? "type EXPR" : mode == REPL_COUNT ? "count EXPR" :
                             mode == REPL_CODE ? "bytecode NAME|EXPR" : "time EXPR";
        complain(r, tr("which expression? :%s"), syntax);
        repl_result_free(res);
        return false;
    }
    if (!report(r, res)) {
        repl_result_free(res);
        return false;
    }
    return true;
}

static bool cmd_type(Repl *r, const char *text, size_t arg, bool final)
{
    ReplResult res;
    bool more;
    if (expr_arg(r, text, arg, REPL_TYPE, final, &res, &more)) {
        say(r, "%s\n", res.type);
        repl_result_free(&res);
    }
    return more;
}

static bool plain_name(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!((unsigned char)*s >= 0x80 || *s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static bool cmd_bytecode(Repl *r, const char *text, size_t arg, bool final)
{
    char *name = trimmed_arg(text, arg);
    char *code = plain_name(name) ? doudi_disasm_rule(repl_rules(r->s), name) : NULL;
    free(name);
    if (code) {
        put(r, stdout, code);
        doudi_string_free(code);
        return false;
    }
    ReplResult res;
    bool more;
    if (expr_arg(r, text, arg, REPL_CODE, final, &res, &more)) {
        code = doudi_disasm_rule(res.rules, res.name);
        if (code) put(r, stdout, code);
        else complain(r, tr("no code for %s"), res.name);
        doudi_string_free(code);
        repl_result_free(&res);
    }
    return more;
}

static bool cmd_count(Repl *r, const char *text, size_t arg, bool final)
{
    ReplResult res;
    bool more;
    if (!expr_arg(r, text, arg, REPL_COUNT, final, &res, &more)) return more;
    doudi_scan_stats st;
    char *err = NULL;
    if (need_ledger(r)) {
        if (doudi_ledger_scan(r->ledger, res.rules, res.name, &st, &err)) {
            complain_err(r, err, tr("the ledger could not be read"));
        } else {
            say(r, tr("%llu of %llu records\n"), (unsigned long long)st.holds, (unsigned long long)st.evaluated);
            if (st.review)
                say(r, tr("%llu more could not be evaluated (doudi run sends them to review)\n"),
                    (unsigned long long)st.review);
        }
    }
    repl_result_free(&res);
    return false;
}

/* 1234567 -> "1,234,567" */
static void put_thousands(StrBuf *sb, unsigned long long n)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%llu", n);
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) sb_putc(sb, ',');
        sb_putc(sb, digits[i]);
    }
}

static bool cmd_time(Repl *r, const char *text, size_t arg, bool final)
{
    ReplResult res;
    bool more;
    if (!expr_arg(r, text, arg, REPL_EXPR, final, &res, &more)) return more;
    doudi_scan_stats st;
    char *err = NULL;
    if (need_ledger(r)) {
        if (doudi_ledger_scan(r->ledger, res.rules, res.name, &st, &err)) {
            complain_err(r, err, tr("the ledger could not be read"));
        } else {
            StrBuf rate = {0}, sb = {0};
            put_thousands(&rate, st.eval_seconds > 0 ? (unsigned long long)((double)st.evaluated / st.eval_seconds) : 0);
            sb_printf(&sb, tr("%llu records evaluated in %.3f ms: %s records/s (reading them from the ledger: %.3f ms)\n"),
                      (unsigned long long)st.evaluated, st.eval_seconds * 1e3, sb_str(&rate), st.load_seconds * 1e3);
            if (res.is_bool) sb_printf(&sb, tr("true for %llu\n"), (unsigned long long)st.holds);
            if (st.review) sb_printf(&sb, tr("%llu more could not be evaluated\n"), (unsigned long long)st.review);
            put(r, stdout, sb_str(&sb));
            sb_free(&rate);
            sb_free(&sb);
        }
    }
    repl_result_free(&res);
    return false;
}

static const Cmd commands[] = {
    {"load", cmd_load, "FILE", "load a rule file (the declarations typed so far are dropped)"},
    {"reload", cmd_reload, "", "read the rule file again, keeping the typed declarations"},
    {"db", cmd_db, "DB", "open a ledger (SQLite, made by doudi import)"},
    {"person", cmd_person, "ID", "make the ledger's person ID the current record"},
    {"set", cmd_set, "field=value ...", "edit the current record (values as in the CSV); alone: list it"},
    {"explain", cmd_explain, "", "the current record's categories and placement, and why"},
    {"type", cmd_type, "EXPR", "the type of an expression"},
    {"bytecode", cmd_bytecode, "NAME|EXPR", "the bytecode of a let, a category, the placement, or an expression"},
    {"count", cmd_count, "EXPR", "how many records of the ledger satisfy a condition"},
    {"time", cmd_time, "EXPR", "evaluate over the whole ledger: how many records, how fast"},
    {"help", cmd_help, "", "this list"},
    {"quit", cmd_quit, "", "leave (Ctrl-D too)"},
};

/* The commands' help texts (the table's, English) go through tr() here. */
static bool cmd_help(Repl *r, const char *text, size_t arg, bool final)
{
    StrBuf sb = {0};
    sb_puts(&sb, tr("Type an expression to see its value for the current record (`age`, `care`,\n"
                    "`tekun and age > 80`), or a declaration to add it to the session (`let x = age + 1`;\n"
                    "declaring a name again replaces it). Commands:\n"));
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        StrBuf head = {0};
        sb_printf(&head, ":%s %s", commands[i].name, commands[i].args);
        sb_printf(&sb, "  %-22s %s\n", sb_str(&head), tr(commands[i].help));
        sb_free(&head);
    }
    sb_puts(&sb, tr("An input goes on over several lines while a bracket or a declaration is open.\n"
                    "Tab completes names; Ctrl-C drops the input; Ctrl-D quits.\n"));
    put(r, stdout, sb_str(&sb));
    sb_free(&sb);
    return false;
}

static bool command(Repl *r, const char *text, size_t colon, bool final)
{
    const char *name = text + colon + 1;
    size_t n = 0;
    while (name[n] && name[n] != ' ' && name[n] != '\t' && name[n] != '\n') n++;
    const Cmd *found = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof *commands && !found; i++)
        if (strlen(commands[i].name) == n && !strncmp(commands[i].name, name, n)) found = &commands[i];
    if (!found && n == 1 && name[0] == 'q') found = &commands[sizeof commands / sizeof *commands - 1];
    if (!found && n == 4 && !strncmp(name, "exit", 4)) found = &commands[sizeof commands / sizeof *commands - 1];
    if (!found) {
        const char *close = NULL;
        for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
            char *typed = xstrndup(name, n);
            if (edit_distance(typed, commands[i].name, 2) <= 2) close = commands[i].name;
            free(typed);
            if (close) break;
        }
        if (close) complain(r, tr("unknown command ':%.*s' (did you mean :%s? :help lists them)"), (int)n, name, close);
        else complain(r, tr("unknown command ':%.*s' (:help lists them)"), (int)n, name);
        return false;
    }
    return found->run(r, text, colon + 1 + n, final);
}

/* One complete or partial input; true when it needs more lines. */
static bool handle(Repl *r, const char *text, bool final)
{
    size_t i = 0;
    while (text[i] == ' ' || text[i] == '\t') i++;
    if (text[i] == ':') return command(r, text, i, final);
    return input(r, text, final);
}

/* ---- completion (tty) --------------------------------------------------------------------------- */

typedef struct Cands {
    const char *prefix;
    size_t plen;
    VEC(char *) items;
} Cands;

static void cand(const char *name, void *ctx)
{
    Cands *c = ctx;
    if (strncmp(name, c->prefix, c->plen)) return;
    for (size_t i = 0; i < c->items.count; i++)
        if (!strcmp(c->items.items[i], name)) return;
    VEC_PUSH(&c->items, xstrdup(name));
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool word_byte(char c)
{
    return (unsigned char)c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

static void file_cands(Cands *c)
{
    const char *slash = strrchr(c->prefix, '/');
    char *dir = slash ? xstrndup(c->prefix, (size_t)(slash - c->prefix) + 1) : xstrdup("");
    const char *base = slash ? slash + 1 : c->prefix;
    DIR *d = opendir(*dir ? dir : ".");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (e->d_name[0] == '.' && base[0] != '.') continue;
        if (strncmp(e->d_name, base, strlen(base))) continue;
        StrBuf sb = {0};
        sb_printf(&sb, "%s%s", dir, e->d_name);
        struct stat st;
        if (stat(sb_str(&sb), &st) == 0 && S_ISDIR(st.st_mode)) sb_putc(&sb, '/');
        cand(sb_str(&sb), c);
        sb_free(&sb);
    }
    if (d) closedir(d);
    free(dir);
}

static void list_cands(const Cands *c)
{
    int width = 0;
    for (size_t i = 0; i < c->items.count; i++) {
        int w = utf8_width(c->items.items[i], strlen(c->items.items[i]));
        if (w > width) width = w;
    }
    int per_line = 78 / (width + 2);
    if (per_line < 1) per_line = 1;
    fputc('\n', stdout);
    for (size_t i = 0; i < c->items.count; i++) {
        const char *s = c->items.items[i];
        fputs(s, stdout);
        bool last = (i + 1) % (size_t)per_line == 0 || i + 1 == c->items.count;
        if (last) fputc('\n', stdout);
        else fprintf(stdout, "%*s", width + 2 - utf8_width(s, strlen(s)), "");
    }
    fflush(stdout);
}

static unsigned char complete(EditLine *el, int ch)
{
    (void)ch;
    Repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    const LineInfo *li = el_line(el);
    char *line = xstrndup(li->buffer, (size_t)(li->cursor - li->buffer));
    size_t lead = 0;
    while (line[lead] == ' ' || line[lead] == '\t') lead++;
    bool is_cmd = line[lead] == ':';
    size_t cmd_end = lead + 1;
    while (is_cmd && line[cmd_end] && line[cmd_end] != ' ' && line[cmd_end] != '\t') cmd_end++;
    const char *cmd = line + lead + 1;
    size_t cmd_len = cmd_end - lead - 1;
    size_t start = strlen(line);
    Cands c = {0};
    bool files = is_cmd && line[cmd_end] && ((cmd_len == 4 && !strncmp(cmd, "load", 4)) || (cmd_len == 2 && !strncmp(cmd, "db", 2)));
    if (files)
        while (start > cmd_end && line[start - 1] != ' ' && line[start - 1] != '\t') start--;
    else
        while (start > 0 && word_byte(line[start - 1])) start--;
    c.prefix = line + start;
    c.plen = strlen(c.prefix);
    bool command_name = is_cmd && start == lead + 1;
    if (command_name) {
        for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) cand(commands[i].name, &c);
    } else if (files) {
        file_cands(&c);
    } else if (is_cmd && cmd_len == 3 && !strncmp(cmd, "set", 3)) {
        if (start > 0 && line[start - 1] == '=') {
            size_t fs = start - 1;
            while (fs > 0 && word_byte(line[fs - 1])) fs--;
            char *field = xstrndup(line + fs, start - 1 - fs);
            repl_field_values(r->s, field, cand, &c);
            free(field);
        } else {
            repl_field_names(r->s, cand, &c);
        }
    } else if (!(is_cmd && cmd_len == 6 && !strncmp(cmd, "person", 6))) {
        static const char *const words[] = {"and", "or", "not", "in", "if", "then", "else", "case", "when",
                                            "true", "false", "let", "category", "param"};
        repl_expr_names(r->s, cand, &c);
        for (size_t i = 0; i < sizeof words / sizeof *words; i++) cand(words[i], &c);
    }
    unsigned char rc = CC_REFRESH_BEEP;
    if (c.items.count == 1) {
        StrBuf ins = {0};
        sb_puts(&ins, c.items.items[0] + c.plen);
        const char *full = c.items.items[0];
        if (command_name || (files && full[strlen(full) - 1] != '/')) sb_putc(&ins, ' ');
        if (ins.count) el_insertstr(el, sb_str(&ins));
        sb_free(&ins);
        rc = CC_REFRESH;
    } else if (c.items.count > 1) {
        qsort(c.items.items, c.items.count, sizeof *c.items.items, cmp_str);
        size_t common = strlen(c.items.items[0]);
        for (size_t i = 1; i < c.items.count; i++) {
            size_t k = 0;
            while (k < common && c.items.items[i][k] == c.items.items[0][k]) k++;
            common = k;
        }
        while (common > c.plen && ((unsigned char)c.items.items[0][common] & 0xC0) == 0x80) common--;
        if (common > c.plen) {
            char *ins = xstrndup(c.items.items[0] + c.plen, common - c.plen);
            el_insertstr(el, ins);
            free(ins);
            rc = CC_REFRESH;
        } else {
            list_cands(&c);
            rc = CC_REDISPLAY;
        }
    }
    for (size_t i = 0; i < c.items.count; i++) free(c.items.items[i]);
    VEC_FREE(&c.items);
    free(line);
    return rc;
}

/* Ctrl-C: show ^C at the end of the line, and end the line (a pushed newline, so that libedit
 * moves below the input as for Enter); read_line drops it. */
static unsigned char interrupt(EditLine *el, int ch)
{
    (void)ch;
    Repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    r->interrupted = true;
    const LineInfoW *li = el_wline(el);
    el_cursor(el, (int)(li->lastchar - li->cursor));
    el_insertstr(el, "^C");
    el_push(el, "\n");
    return CC_REFRESH;
}

/* ---- reading lines ------------------------------------------------------------------------------- */

static char *prompt_of(EditLine *el)
{
    Repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    return (char *)r->prompt;
}

static void editing_start(Repl *r)
{
    r->el = el_init("doudi", stdin, stdout, stderr);
    el_set(r->el, EL_CLIENTDATA, r);
    el_set(r->el, EL_PROMPT, prompt_of);
    el_set(r->el, EL_EDITOR, "emacs");
    el_set(r->el, EL_SIGNAL, 1);
    el_set(r->el, EL_SETTY, "-d", "-isig", NULL);   /* Ctrl-C reaches us as a key while editing */
    el_set(r->el, EL_ADDFN, "doudi-complete", "complete a name or a command", complete);
    el_set(r->el, EL_BIND, "^I", "doudi-complete", NULL);
    el_set(r->el, EL_ADDFN, "doudi-interrupt", "drop the input", interrupt);
    el_set(r->el, EL_BIND, "^C", "doudi-interrupt", NULL);
    r->hist = history_init();
    history(r->hist, &r->ev, H_SETSIZE, 1000);
    history(r->hist, &r->ev, H_SETUNIQUE, 1);
    const char *home = getenv("HOME");
    if (home && *home) {
        StrBuf sb = {0};
        sb_printf(&sb, "%s/.doudi_history", home); /* not a message: a file name */
        r->hist_path = sb_take(&sb);
        history(r->hist, &r->ev, H_LOAD, r->hist_path);
    }
    el_set(r->el, EL_HIST, history, r->hist);
    el_source(r->el, NULL);
}

static void editing_end(Repl *r)
{
    if (r->el) el_end(r->el);
    if (r->hist) history_end(r->hist);
    free(r->hist_path);
}

/* The next line without its line end; NULL at the end of input. *dropped: Ctrl-C. */
static const char *read_line(Repl *r, bool more, bool *dropped)
{
    *dropped = false;
    if (!r->tty) {
        ssize_t n = getline(&r->buf, &r->cap, stdin);
        if (n < 0) return NULL;
        while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r')) r->buf[--n] = '\0';
        return r->buf;
    }
    r->prompt = more ? MORE : PROMPT;
    r->interrupted = false;
    int count = 0;
    const char *line = el_gets(r->el, &count);
    if (!line || count <= 0) return NULL;
    if (r->interrupted) {
        *dropped = true;
        return "";
    }
    free(r->buf);
    r->buf = xstrdup(line);
    size_t n = strlen(r->buf);
    while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r')) r->buf[--n] = '\0';
    const char *p = r->buf;
    while (*p == ' ' || *p == '\t') p++;
    if (*p && r->hist) {
        /* the history file keeps no full id (`:person 410122…` is kept masked) */
        char *kept = xstrdup(r->buf);
        doudi_mask_ids(kept);
        history(r->hist, &r->ev, H_ENTER, kept);
        free(kept);
        if (r->hist_path) history(r->hist, &r->ev, H_SAVE, r->hist_path);
    }
    return r->buf;
}

/* ---- the verb ------------------------------------------------------------------------------------ */

/* libedit edits multibyte text only under a UTF-8 locale; rule files are UTF-8 anyway. */
static void utf8_locale(void)
{
    const char *loc = setlocale(LC_CTYPE, "");
    if (loc && !strcmp(nl_langinfo(CODESET), "UTF-8")) return;
    if (!setlocale(LC_CTYPE, "C.UTF-8")) setlocale(LC_CTYPE, "C.utf8");
}

static volatile sig_atomic_t got_sigint;
static void on_sigint(int sig)
{
    (void)sig;
    got_sigint = 1;
}

int cli_repl(int argc, char **argv)
{
    const char *file = NULL, *db = NULL;
    Repl r = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--show-ids")) r.show_ids = true;
        else if (!strcmp(argv[i], "--echo")) r.echo = true;
        else if (argv[i][0] == '-') return cli_usage_error("repl", tr("unknown option '%s'"), argv[i]);
        else if (!file) file = argv[i];
        else return cli_usage_error("repl", tr("one rule file at a time"));
    }
    utf8_locale();
    r.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    r.s = repl_session_new();
    if (file) {
        StrBuf diags = {0};
        bool ok = repl_load(r.s, file, &diags);
        put(&r, stderr, sb_str(&diags));
        sb_free(&diags);
        if (ok) print_loaded(&r, false);
        else complain(&r, tr("%s was not loaded; fix it and :reload"), file);
    }
    if (db) open_db(&r, db);
    if (r.tty) {
        struct sigaction sa = {0};
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);   /* Ctrl-C while evaluating does not end the session */
        editing_start(&r);
        say(&r, "%s", tr("doudi repl: :help lists the commands, Tab completes, Ctrl-D quits\n"));
    }
    StrBuf text = {0};
    bool more = false;
    while (!r.quit) {
        bool dropped;
        const char *line = read_line(&r, more, &dropped);
        if (dropped) {
            text.count = 0;
            more = false;
            continue;
        }
        if (!line) {
            if (more) handle(&r, sb_str(&text), true);
            if (r.tty) fputc('\n', stdout);
            break;
        }
        if (r.echo && !r.tty) {
            fputs(more ? MORE : PROMPT, stdout);
            fputs(line, stdout);
            fputc('\n', stdout);
        }
        if (more) sb_putc(&text, '\n');
        else text.count = 0;
        sb_puts(&text, line);
        more = handle(&r, sb_str(&text), false);
        got_sigint = 0;
    }
    sb_free(&text);
    if (r.tty) editing_end(&r);
    free(r.buf);
    doudi_ledger_close(r.ledger);
    free(r.db);
    repl_session_free(r.s);
    return r.failed && !r.tty ? 1 : 0;
}
