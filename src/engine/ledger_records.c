/* ledger_records.c — the record tables: their declarations (what the ledger was imported
 * with), reading records as a rule file declares them, and storing them (see ledger.h). */
#include "ledger_int.h"
#include "base/date.h"
#include "base/quicksort.h"
#include "vm/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the stored declarations ------------------------------------------------------------------- */

typedef struct StoredField {
    char *name, *kind, *enum_values;
    bool is_key, has_default;
} StoredField;

typedef VEC(StoredField) StoredFields;

static void stored_free(StoredFields *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i].name);
        free(s->items[i].kind);
        free(s->items[i].enum_values);
    }
    VEC_FREE(s);
}

static char *column_dup(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? xstrdup(t) : NULL;
}

static bool read_declaration(Ledger *l, const char *record, StoredFields *out, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT field, kind, enum_values, is_key, has_default FROM doudi_records WHERE record = ?1 ORDER BY position",
        error);
    if (!st) return false;
    sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        StoredField f = {column_dup(st, 0), column_dup(st, 1), column_dup(st, 2), sqlite3_column_int(st, 3) != 0,
                         sqlite3_column_int(st, 4) != 0};
        VEC_PUSH(out, f);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || ledger_fail(l, error, NULL);
}

static const StoredField *stored_field(const StoredFields *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (!strcmp(s->items[i].name, name)) return &s->items[i];
    return NULL;
}

/* "a|b|c": the values of the field's enum, for the declaration. */
static char *enum_values_of(const Program *p, const FieldInfo *f)
{
    if (f->kind != VK_ENUM || f->enum_index < 0 || (uint32_t)f->enum_index >= p->nenums) return NULL;
    const EnumInfo *e = &p->enums[f->enum_index];
    StrBuf sb = {0};
    sb_putc(&sb, '\0');
    sb.count = 0;
    for (uint32_t i = 0; i < e->count; i++) sb_printf(&sb, "%s%s", i ? "|" : "", e->values[i]);
    return sb_take(&sb);
}

/* ---- the tables ---------------------------------------------------------------------------------- */

/* The name under which the ledger knows record `name`'s table, ASCII case aside (SQLite folds
 * it), or NULL when it has none. The caller frees. */
static char *table_named(Ledger *l, const char *name)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE", NULL);
    if (!st) return NULL;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    char *found = sqlite3_step(st) == SQLITE_ROW ? column_dup(st, 0) : NULL;
    sqlite3_finalize(st);
    return found;
}

/* The columns of table `table`, as "\x1fname\x1f..." for a quick lookup. */
static bool table_columns(Ledger *l, const char *table, StrBuf *have, char **error)
{
    StrBuf sql = {0};
    sb_puts(&sql, "PRAGMA table_info(");
    ledger_quote_ident(&sql, table);
    sb_puts(&sql, ")");
    sqlite3_stmt *st = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    if (!st) return false;
    sb_putc(have, '\x1f');
    while (sqlite3_step(st) == SQLITE_ROW) {
        sb_puts(have, (const char *)sqlite3_column_text(st, 1));
        sb_putc(have, '\x1f');
    }
    sqlite3_finalize(st);
    return true;
}

static bool has_column(StrBuf *have, const char *name)
{
    char probe[512];
    snprintf(probe, sizeof probe, "\x1f%s\x1f", name);
    return strstr(sb_str(have), probe) != NULL;
}

static const char *column_type(const FieldInfo *f)
{
    return f->kind == VK_INT || f->kind == VK_BOOL ? "INTEGER" : "TEXT";
}

/* The other record types the ledger holds, for a message: "person, institution". */
static void list_records(Ledger *l, StrBuf *out)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'doudi\\_%' ESCAPE '\\' "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name", NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        sb_printf(out, "%s%s", out->count ? ", " : "", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

static bool create_or_extend(Ledger *l, const RecordInfo *ri, const char *table, char **error)
{
    StrBuf sql = {0};
    if (!table) {
        sb_puts(&sql, "CREATE TABLE ");
        ledger_quote_ident(&sql, ri->name);
        sb_puts(&sql, " (");
        for (uint32_t i = 0; i < ri->nfields; i++) {
            const FieldInfo *f = &ri->fields[i];
            if (i) sb_puts(&sql, ", ");
            ledger_quote_ident(&sql, f->name);
            sb_printf(&sql, " %s%s", column_type(f), f->key ? " PRIMARY KEY NOT NULL" : "");
        }
        sb_puts(&sql, ri->key >= 0 ? ") WITHOUT ROWID" : ")");
    } else {
        StrBuf have = {0};
        if (!table_columns(l, table, &have, error)) return false;
        for (uint32_t i = 0; i < ri->nfields; i++) {
            if (has_column(&have, ri->fields[i].name)) continue;
            sb_puts(&sql, "ALTER TABLE ");
            ledger_quote_ident(&sql, table);
            sb_puts(&sql, " ADD COLUMN ");
            ledger_quote_ident(&sql, ri->fields[i].name);
            sb_printf(&sql, " %s;", column_type(&ri->fields[i]));
        }
        sb_free(&have);
    }
    bool ok = sql.count == 0 || ledger_exec(l, sb_str(&sql), error);
    sb_free(&sql);
    return ok;
}

static bool store_declaration(Ledger *l, const Program *p, const RecordInfo *ri, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l,
        "INSERT OR REPLACE INTO doudi_records (record, position, field, kind, enum_values, is_key, has_default) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
    bool ok = st != NULL;
    for (uint32_t i = 0; ok && i < ri->nfields; i++) {
        const FieldInfo *f = &ri->fields[i];
        char *values = enum_values_of(p, f);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, ri->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, i);
        sqlite3_bind_text(st, 3, f->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, value_kind_name(f->kind), -1, SQLITE_STATIC);
        if (values) sqlite3_bind_text(st, 5, values, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(st, 5);
        sqlite3_bind_int(st, 6, f->key);
        sqlite3_bind_int(st, 7, f->has_default);
        ok = sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
        free(values);
    }
    sqlite3_finalize(st);
    return ok;
}

/* A field whose stored kind differs from the declared one: the values would be misread. */
static char *kind_conflict(const Program *p, const StoredFields *s, const RecordInfo *ri)
{
    for (uint32_t i = 0; i < ri->nfields; i++) {
        const FieldInfo *f = &ri->fields[i];
        const StoredField *sf = stored_field(s, f->name);
        if (sf && f->kind == VK_ENUM && !strcmp(sf->kind, value_kind_name(VK_TEXT)))
            /* a text column the rules now declare an enum (a county code become enum district):
             * its texts are not converted in place; a new import checks and converts each one */
            return xasprintf("field %s of the ledger's %s records was imported as text; these rules declare it enum %s "
                             "(its stored values are not converted): import the records again with these rules into "
                             "a new ledger (doudi import --db NEW.db --rules RULES FILES), which accepts each value's "
                             "identifier, label or code and sends any other to review",
                             f->name, ri->name, p->enums[f->enum_index].name);
        if (sf && strcmp(sf->kind, value_kind_name(f->kind)))
            return xasprintf("field %s of the ledger's %s records was imported as %s; these rules declare it %s "
                             "(its stored values would be misread): keep its type, or give the new field a new name",
                             f->name, ri->name, sf->kind, value_kind_name(f->kind));
    }
    return NULL;
}

bool ledger_declare_record(Ledger *l, const Program *p, const RecordInfo *ri, char **error)
{
    char *table = table_named(l, ri->name);
    if (table && strcmp(table, ri->name)) {
        ledger_failf(error, "the ledger holds %s records; these rules declare %s (names that differ only in case "
                     "are one table to SQLite): write the record's name as the ledger has it",
                     table, ri->name);
        free(table);
        return false;
    }
    StoredFields stored = {0};
    bool ok = read_declaration(l, ri->name, &stored, error);
    char *conflict = ok ? kind_conflict(p, &stored, ri) : NULL;
    if (conflict) {
        ok = ledger_failf(error, "%s", conflict);
        free(conflict);
    }
    ok = ok && create_or_extend(l, ri, table, error) && store_declaration(l, p, ri, error);
    stored_free(&stored);
    free(table);
    return ok;
}

bool ledger_declare_absent(Ledger *l, const Program *p, char **error)
{
    for (uint32_t i = 0; i < p->nrecords; i++) {
        char *table = table_named(l, p->records[i].name);
        bool absent = table == NULL;
        free(table);
        if (absent && !ledger_declare_record(l, p, &p->records[i], error)) return false;
    }
    return true;
}

char *ledger_check_record(Ledger *l, const Program *p, const RecordInfo *ri, bool required)
{
    char *table = table_named(l, ri->name);
    if (!table && !required) return NULL;
    if (!table || strcmp(table, ri->name)) {
        StrBuf others = {0};
        list_records(l, &others);
        char *msg = others.count
            ? xasprintf("the ledger %s holds no %s records: it was imported with rules whose records are %s "
                        "(run it with those rules, or import into a new ledger)", l->path, ri->name, sb_str(&others))
            : xasprintf("the ledger %s holds no records yet: `doudi import` first", l->path);
        sb_free(&others);
        free(table);
        return msg;
    }
    StoredFields stored = {0};
    StrBuf have = {0};
    char *msg = NULL;
    if (!read_declaration(l, ri->name, &stored, &msg) || !table_columns(l, table, &have, &msg)) goto done;
    msg = kind_conflict(p, &stored, ri);
    for (uint32_t i = 0; !msg && i < ri->nfields; i++) {
        const FieldInfo *f = &ri->fields[i];
        if (f->has_default || has_column(&have, f->name)) continue;
        StrBuf value = {0}, where = {0};
        program_default_parts(p, f, &value, &where);
        msg = xasprintf("field %s is declared without a default, and the ledger's %s records have no value for it "
                        "(they were imported before it existed): add %s to its declaration%s, or import the "
                        "records again with a column for it", f->name, ri->name, sb_str(&value), sb_str(&where));
        sb_free(&value);
        sb_free(&where);
    }
done:
    stored_free(&stored);
    sb_free(&have);
    free(table);
    return msg;
}

int64_t ledger_bytes(Ledger *l)
{
    sqlite3_stmt *st = ledger_prepare(l, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size", NULL);
    int64_t n = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return n;
}

int64_t ledger_count(Ledger *l, const RecordInfo *ri, char **error)
{
    char *table = table_named(l, ri->name);
    if (!table) return 0;
    StrBuf sql = {0};
    sb_puts(&sql, "SELECT count(*) FROM ");
    ledger_quote_ident(&sql, table);
    free(table);
    sqlite3_stmt *st = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    if (!st) return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (n < 0) ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return n;
}

/* ---- reading records ------------------------------------------------------------------------------ */

/* "SELECT <each field, or NULL where the table lacks its column> FROM <record>" + tail. */
static bool select_fields(Ledger *l, const RecordInfo *ri, const char *tail, StrBuf *sql, char **error)
{
    StrBuf have = {0};
    if (!table_columns(l, ri->name, &have, error)) return false;
    sb_puts(sql, "SELECT ");
    for (uint32_t i = 0; i < ri->nfields; i++) {
        if (i) sb_puts(sql, ", ");
        if (has_column(&have, ri->fields[i].name)) ledger_quote_ident(sql, ri->fields[i].name);
        else sb_puts(sql, "NULL");
    }
    sb_puts(sql, " FROM ");
    ledger_quote_ident(sql, ri->name);
    sb_puts(sql, tail);
    sb_free(&have);
    return true;
}

/* The common stored forms read directly: an int or bool as INTEGER, a date as YYYY-MM-DD, an
 * enum by its exact identifier, text in place. Anything else goes through value_parse. */
static bool decode_fast(sqlite3_stmt *st, int i, const Program *p, const FieldInfo *f, int64_t *out)
{
    int type = sqlite3_column_type(st, i);
    if ((f->kind == VK_INT || f->kind == VK_BOOL) && type == SQLITE_INTEGER) {
        *out = sqlite3_column_int64(st, i);
        return true;
    }
    if (type != SQLITE_TEXT) return false;
    const char *text = (const char *)sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (f->kind == VK_TEXT) {
        *out = (int64_t)(intptr_t)text;
        return true;
    }
    if (f->kind == VK_DATE) return date_parse(text, n, out);
    if (f->kind != VK_ENUM) return false;
    const EnumInfo *en = &p->enums[f->enum_index];
    for (uint32_t k = 0; k < en->count; k++)
        if (strlen(en->values[k]) == n && memcmp(en->values[k], text, n) == 0) {
            *out = k;
            return true;
        }
    return false;
}

/* Column i into *out for field f. Text values point into the statement's row. */
static bool decode(sqlite3_stmt *st, int i, const Program *p, const FieldInfo *f, int64_t *out, char *why,
                   size_t whylen)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        if (!f->has_default) {
            snprintf(why, whylen, "%s: missing (it has no default)", f->name);
            return false;
        }
        *out = f->kind == VK_TEXT ? (int64_t)(intptr_t)p->strings[f->default_value] : f->default_value;
        return true;
    }
    if (decode_fast(st, i, p, f, out)) return true;
    const char *text = (const char *)sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    char reason[200];
    if (!value_parse(p, f, text ? text : "", (size_t)n, out, NULL, reason, sizeof reason)) {
        snprintf(why, whylen, "%s: %s", f->name, reason);
        return false;
    }
    return true;
}

struct LedgerCursor {
    Ledger *l;
    const Program *p;
    const RecordInfo *ri;
    sqlite3_stmt *st;
};

LedgerCursor *ledger_records(Ledger *l, const Program *p, const RecordInfo *ri, bool ordered, char **error)
{
    StrBuf sql = {0};
    StrBuf tail = {0};
    if (ordered && ri->key >= 0) {
        sb_puts(&tail, " ORDER BY ");
        ledger_quote_ident(&tail, ri->fields[ri->key].name);
    }
    sqlite3_stmt *st = NULL;
    if (select_fields(l, ri, sb_str(&tail), &sql, error)) st = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    sb_free(&tail);
    if (!st) return NULL;
    LedgerCursor *c = xcalloc(1, sizeof *c);
    *c = (LedgerCursor){l, p, ri, st};
    return c;
}

int ledger_next(LedgerCursor *c, int64_t *values, const char **key, char *why, size_t whylen, char **error)
{
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) {
        ledger_fail(c->l, error, NULL);
        return -2;
    }
    const RecordInfo *ri = c->ri;
    if (key) {
        const char *k = ri->key >= 0 ? (const char *)sqlite3_column_text(c->st, ri->key) : NULL;
        *key = k ? k : "";
    }
    for (uint32_t i = 0; i < ri->nfields; i++)
        if (!decode(c->st, (int)i, c->p, &ri->fields[i], &values[i], why, whylen)) return -1;
    return 1;
}

void ledger_cursor_close(LedgerCursor *c)
{
    if (!c) return;
    sqlite3_finalize(c->st);
    free(c);
}

/* The record's fields, in order, where its key is `key`: the statement, ready to step. */
static sqlite3_stmt *select_by_key(Ledger *l, const RecordInfo *ri, const char *key, char **error)
{
    if (ri->key < 0) {
        ledger_failf(error, "record %s has no key", ri->name);
        return NULL;
    }
    StrBuf sql = {0}, tail = {0};
    sb_puts(&tail, " WHERE ");
    ledger_quote_ident(&tail, ri->fields[ri->key].name);
    sb_puts(&tail, " = ?1");
    sqlite3_stmt *st = NULL;
    if (select_fields(l, ri, sb_str(&tail), &sql, error)) st = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    sb_free(&tail);
    if (st) sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    return st;
}

bool ledger_record_by_key(Ledger *l, const Program *p, const RecordInfo *ri, const char *key, int64_t *values,
                          char **owned, bool *found, char **error)
{
    *found = false;
    sqlite3_stmt *st = select_by_key(l, ri, key, error);
    if (!st) return false;
    bool ok = true;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = true;
        char why[300];
        for (uint32_t i = 0; ok && i < ri->nfields; i++) {
            owned[i] = NULL;
            ok = decode(st, (int)i, p, &ri->fields[i], &values[i], why, sizeof why);
            if (!ok) ledger_failf(error, "%s", why);
            else if (ri->fields[i].kind == VK_TEXT) {
                owned[i] = xstrdup((const char *)(intptr_t)values[i]);
                values[i] = (int64_t)(intptr_t)owned[i];
            }
        }
    } else if (rc != SQLITE_DONE) {
        ok = ledger_fail(l, error, NULL);
    }
    sqlite3_finalize(st);
    return ok;
}

bool ledger_record_texts(Ledger *l, const RecordInfo *ri, const char *key, char **cells, bool *found, char **error)
{
    *found = false;
    sqlite3_stmt *st = select_by_key(l, ri, key, error);
    if (!st) return false;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = true;
        for (uint32_t i = 0; i < ri->nfields; i++) {
            const char *t = (const char *)sqlite3_column_text(st, (int)i);
            cells[i] = xstrndup(t ? t : "", t ? (size_t)sqlite3_column_bytes(st, (int)i) : 0);
        }
    }
    bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE || ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}

bool ledger_each_match(Ledger *l, const RecordInfo *ri, const char *key_like, const char *field, const char *value,
                       ledger_name_fn fn, void *ctx, char **error)
{
    if (ri->key < 0) return ledger_failf(error, "record %s has no key", ri->name);
    StrBuf sql = {0};
    sb_puts(&sql, "SELECT ");
    ledger_quote_ident(&sql, ri->fields[ri->key].name);
    sb_puts(&sql, " FROM ");
    ledger_quote_ident(&sql, ri->name);
    sb_puts(&sql, " WHERE ");
    if (field) ledger_quote_ident(&sql, field);
    else ledger_quote_ident(&sql, ri->fields[ri->key].name);
    sb_puts(&sql, field ? " = ?1" : " LIKE ?1");
    sb_puts(&sql, " ORDER BY ");
    ledger_quote_ident(&sql, ri->fields[ri->key].name);
    sqlite3_stmt *st = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    if (!st) return false;
    sqlite3_bind_text(st, 1, field ? value : key_like, -1, SQLITE_STATIC);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) ok = fn(ctx, (const char *)sqlite3_column_text(st, 0));
    if (ok && rc != SQLITE_DONE) ok = ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}

/* ---- storing records ----------------------------------------------------------------------------- */

/* One statement per row: the importer knows from the key set (ledger_each_key, read once)
 * whether the ledger holds a key already, so a new record is a bare INSERT and a known one an
 * UPDATE that writes only when a value differs; both held and run in key order (see hold_row). Values are bound in their stored form without
 * copies: ints as ints, text and enum identifiers in place, dates written into a buffer per
 * field that lives until the statement has run. */
#define IMPORT_CACHE_KIB "-524288"   /* 512 MiB: see ledger_upsert_open */

/* Rows are held and stored in key order (see hold_row): the held rows' bytes past which
 * they are written out, sorted, before more are held. 256 MiB holds about 2.9 million persons.
 * DOUDI_IMPORT_HOLD_BYTES sets another (the tests write out every few rows). */
#define HELD_CAP ((size_t)256 << 20)

/* A held row for the sort: its key's first 16 bytes big-endian (most keys differ there),
 * where the row starts in the held bytes, and whether the ledger held its key (an UPDATE). */
typedef struct HeldRow {
    uint64_t p0, p1, p2;       /* the key's first 24 bytes, big-endian: a resident id whole (its
                                  first 16 are alike for the people of a county born on one day) */
    uint64_t at;               /* the offset << 1 | 1 when stored */
} HeldRow;

/* Per field: the value a statement's parameter holds, when it holds one bind_value may keep. */
typedef struct BoundValues {
    int64_t *value;
    bool *set;
} BoundValues;

struct LedgerUpsert {
    Ledger *l;
    const Program *p;
    const RecordInfo *ri;
    sqlite3_stmt *insert, *update;
    char (*dates)[16];         /* per field: a date as YYYY-MM-DD while it is bound */
    StrBuf *other;             /* per field: a number or percent (or an odd value) written out */
    bool hold;                 /* rows held and stored in key order (keys known, text key) */
    uint64_t updated, unchanged;   /* of the held stored rows written so far */
    size_t held_cap;           /* HELD_CAP, or DOUDI_IMPORT_HOLD_BYTES */
    StrBuf held;               /* the held rows, encoded (encode_row) */
    VEC(HeldRow) order;        /* one per held row */
    int64_t *scratch;          /* a held row's values, decoded */
    size_t *lens;              /* per field: a text's length while its row is held */
    uint8_t *kind;             /* per field: its ValueKind (read for every value of every row) */
    BoundValues bound[2];      /* what insert [0] and update [1] have bound (bind_value) */
    const EnumInfo **enums;    /* per field: its enum when it is one the program declares, or NULL */
};

/* "YYYY-MM-DD" for day number v in years 0–9999 (the stored form); false outside them. */
static bool date_text(int64_t v, char out[16])
{
    int64_t y;
    unsigned m, d;
    if (v < -719468 || v > 2932896) return false;   /* 0000-03-01 .. 9999-12-31 */
    civil_from_days(v, &y, &m, &d);
    if (y < 0 || y > 9999) return false;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
    return true;
}

/* Bind value v of field i to parameter i + 1 of st in its stored form. The texts bound stay
 * valid until the statement has stepped: the caller's values, the program's enum names, and
 * this writer's per-field buffers. */
static bool bind_value(LedgerUpsert *u, sqlite3_stmt *st, uint32_t i, int64_t v)
{
    int k = (int)i + 1;
    /* A statement keeps its parameters from one step to the next (sqlite3_reset leaves them),
     * and binding one costs some hundred instructions: a number, yes/no or enum the same as the
     * last row's is left bound. (Not a text: it points into the row; nor a date: its buffer is
     * shared with the other statement.) */
    BoundValues *b = st == u->insert ? &u->bound[0] : &u->bound[1];
    if (b->set[i] && b->value[i] == v) return true;
    bool ok = true;
    switch (u->kind[i]) {
    case VK_INT:
    case VK_BOOL: ok = sqlite3_bind_int64(st, k, v) == SQLITE_OK; break;
    case VK_TEXT: return sqlite3_bind_text(st, k, (const char *)(intptr_t)v, -1, SQLITE_STATIC) == SQLITE_OK;
    case VK_ENUM:
        if (!u->enums[i] || v < 0 || (uint64_t)v >= u->enums[i]->count) goto other;
        ok = sqlite3_bind_text(st, k, u->enums[i]->values[v], -1, SQLITE_STATIC) == SQLITE_OK;
        break;
    case VK_DATE:
        b->set[i] = false;
        if (!date_text(v, u->dates[i])) goto other;
        return sqlite3_bind_text(st, k, u->dates[i], 10, SQLITE_STATIC) == SQLITE_OK;
    default: goto other;
    }
    b->set[i] = ok;
    b->value[i] = v;
    return ok;
other:
    b->set[i] = false;   /* written out into a buffer that the next value of the field reuses */
    const FieldInfo *f = &u->ri->fields[i];
    StrBuf *sb = &u->other[i];
    sb->count = 0;
    value_format(u->p, f->kind, f->enum_index, v, false, sb);
    return sqlite3_bind_text(st, k, sb_str(sb), (int)sb->count, SQLITE_STATIC) == SQLITE_OK;
}

static void insert_sql(const RecordInfo *ri, StrBuf *sql)
{
    sb_puts(sql, "INSERT INTO ");
    ledger_quote_ident(sql, ri->name);
    sb_puts(sql, " (");
    for (uint32_t i = 0; i < ri->nfields; i++) {
        if (i) sb_puts(sql, ", ");
        ledger_quote_ident(sql, ri->fields[i].name);
    }
    sb_puts(sql, ") VALUES (");
    for (uint32_t i = 0; i < ri->nfields; i++) sb_printf(sql, "%s?%u", i ? ", " : "", i + 1);
    sb_puts(sql, ")");
}

/* UPDATE every other column WHERE key = ? AND one of them differs: a row stored again
 * unchanged writes nothing (and sqlite3_changes says 0). */
static void update_sql(const RecordInfo *ri, StrBuf *sql)
{
    sb_puts(sql, "UPDATE ");
    ledger_quote_ident(sql, ri->name);
    sb_puts(sql, " SET ");
    bool first = true;
    for (uint32_t i = 0; i < ri->nfields; i++) {
        if ((int32_t)i == ri->key) continue;
        if (!first) sb_puts(sql, ", ");
        first = false;
        ledger_quote_ident(sql, ri->fields[i].name);
        sb_printf(sql, " = ?%u", i + 1);
    }
    if (first) {   /* a record of its key alone: nothing to update */
        sql->count = 0;
        sb_puts(sql, "SELECT 0 WHERE ?1 IS NULL");
        return;
    }
    sb_puts(sql, " WHERE ");
    ledger_quote_ident(sql, ri->fields[ri->key].name);
    sb_printf(sql, " = ?%u AND (", (unsigned)ri->key + 1);
    first = true;
    for (uint32_t i = 0; i < ri->nfields; i++) {
        if ((int32_t)i == ri->key) continue;
        if (!first) sb_puts(sql, " OR ");
        first = false;
        ledger_quote_ident(sql, ri->fields[i].name);
        sb_printf(sql, " IS NOT ?%u", i + 1);
    }
    sb_puts(sql, ")");
}

LedgerUpsert *ledger_upsert_open(Ledger *l, const Program *p, const RecordInfo *ri, bool keys_known, char **error)
{
    if (ri->key < 0) {
        ledger_failf(error, "record %s has no key", ri->name);
        return NULL;
    }
    /* Rows stored in the file's order (keys not known: each row tried as new) land each on a
     * page of its own, and once the table outgrows the page cache most of them are read back in
     * and written out again: a cache the size of a million persons' table (~160 MB) keeps the
     * cost per row flat that far; it is taken only as pages are used, and given back when the
     * import ends. Rows held and stored in key order pass over the table once: the connection's
     * own cache serves (a larger one only costs the memory it takes). */
    bool hold = keys_known && ri->fields[ri->key].kind == VK_TEXT;
    if (!hold && !ledger_exec(l, "PRAGMA cache_size=" IMPORT_CACHE_KIB, error)) return NULL;
    LedgerUpsert *u = xcalloc(1, sizeof *u);
    *u = (LedgerUpsert){.l = l, .p = p, .ri = ri, .hold = hold};
    u->scratch = xcalloc(ri->nfields + 1, sizeof *u->scratch);
    const char *cap = getenv("DOUDI_IMPORT_HOLD_BYTES");
    u->held_cap = cap && atoll(cap) > 0 ? (size_t)atoll(cap) : HELD_CAP;
    u->dates = xcalloc(ri->nfields + 1, sizeof *u->dates);
    u->other = xcalloc(ri->nfields + 1, sizeof *u->other);
    u->kind = xcalloc(ri->nfields + 1, sizeof *u->kind);
    u->lens = xcalloc(ri->nfields + 1, sizeof *u->lens);
    for (int s = 0; s < 2; s++) {
        u->bound[s].value = xcalloc(ri->nfields + 1, sizeof *u->bound[s].value);
        u->bound[s].set = xcalloc(ri->nfields + 1, sizeof *u->bound[s].set);
    }
    u->enums = xcalloc(ri->nfields + 1, sizeof *u->enums);
    for (uint32_t i = 0; i < ri->nfields; i++) {
        const FieldInfo *f = &ri->fields[i];
        u->kind[i] = (uint8_t)f->kind;
        if (f->kind == VK_ENUM && f->enum_index >= 0 && (uint32_t)f->enum_index < p->nenums)
            u->enums[i] = &p->enums[f->enum_index];
    }
    StrBuf sql = {0};
    insert_sql(ri, &sql);
    u->insert = ledger_prepare(l, sb_str(&sql), error);
    sql.count = 0;
    update_sql(ri, &sql);
    if (u->insert) u->update = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    if (!u->update) {
        ledger_upsert_close(u);
        return NULL;
    }
    return u;
}

bool ledger_each_key(Ledger *l, const RecordInfo *ri, ledger_key_fn fn, void *ctx, char **error)
{
    if (ri->key < 0) return ledger_failf(error, "record %s has no key", ri->name);
    StrBuf sql = {0};
    sb_puts(&sql, "SELECT ");
    ledger_quote_ident(&sql, ri->fields[ri->key].name);
    sb_puts(&sql, " FROM ");
    ledger_quote_ident(&sql, ri->name);
    sqlite3_stmt *st = ledger_prepare(l, sb_str(&sql), error);
    sb_free(&sql);
    if (!st) return false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        fn(ctx, k ? k : "", (size_t)sqlite3_column_bytes(st, 0));
    }
    bool ok = rc == SQLITE_DONE || ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}

static int step_update(LedgerUpsert *u, const int64_t *values, char **error)
{
    /* a record of its key alone has nothing to update (and its stand-in statement changes
     * nothing, so sqlite3_changes would still hold the last write's count) */
    if (u->ri->nfields <= (u->ri->key >= 0 ? 1u : 0u)) return 0;
    sqlite3_reset(u->update);
    for (uint32_t i = 0; i < u->ri->nfields; i++) bind_value(u, u->update, i, values[i]);
    if (sqlite3_step(u->update) == SQLITE_ROW || sqlite3_reset(u->update) != SQLITE_OK) {
        ledger_fail(u->l, error, NULL);
        return -1;
    }
    return sqlite3_changes(u->l->db) ? 2 : 0;
}

/* ---- new rows in key order ------------------------------------------------------------------------ */

/* A file's rows come in its own order, random for the key: each row would land on a random
 * page of the table, and once the table outgrows the page cache most rows read a page back and
 * write one out. When the importer knows every stored key (so a row it calls new cannot be in
 * the table) the rows are held, encoded, and stored sorted by key — INSERT for a new key,
 * UPDATE for a stored one — when the import ends or the held bytes reach HELD_CAP: new rows
 * appended to the B-tree or merged into it, stored ones visited, in one pass. A held row is
 * its key (text: a varint length, the bytes, a NUL) then every other field: text the same way,
 * any other value as a zigzag varint. */

/* At most 10 bytes at p; the byte after them returned. */
static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static uint64_t get_varint(const unsigned char **p)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        unsigned char c = *(*p)++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
}

static unsigned char *put_text(unsigned char *p, const char *t, size_t n)
{
    p = put_varint(p, n);
    memcpy(p, t, n);
    p[n] = '\0';
    return p + n + 1;
}

/* The row appended to the held bytes, written in place: room for its largest encoding made
 * once (the texts' lengths, taken once, and ten bytes a value), not a call a field. */
static void hold_row(LedgerUpsert *u, const int64_t *values, bool stored)
{
    const RecordInfo *ri = u->ri;
    const char *key = (const char *)(intptr_t)values[ri->key];
    size_t kn = strlen(key), room = kn + 11;
    for (uint32_t i = 0; i < ri->nfields; i++) {
        if ((int32_t)i == ri->key) continue;
        u->lens[i] = u->kind[i] == VK_TEXT ? strlen((const char *)(intptr_t)values[i]) : 0;
        room += u->lens[i] + 11;
    }
    HeldRow h = {sort_key_word(key, kn, 0), sort_key_word(key, kn, 1), sort_key_word(key, kn, 2),
                 (uint64_t)u->held.count << 1 | stored};
    VEC_PUSH(&u->order, h);
    sb_reserve(&u->held, room);
    unsigned char *start = (unsigned char *)u->held.items + u->held.count, *p = put_text(start, key, kn);
    for (uint32_t i = 0; i < ri->nfields; i++) {
        if ((int32_t)i == ri->key) continue;
        if (u->kind[i] == VK_TEXT) p = put_text(p, (const char *)(intptr_t)values[i], u->lens[i]);
        else p = put_varint(p, ((uint64_t)values[i] << 1) ^ (uint64_t)(values[i] >> 63));
    }
    u->held.count += (size_t)(p - start);
    u->held.items[u->held.count] = '\0';
}

/* Row at `off` of the held bytes back into u->scratch (texts pointing into the held bytes). */
static void unhold_row(LedgerUpsert *u, size_t off)
{
    const RecordInfo *ri = u->ri;
    const unsigned char *p = (const unsigned char *)u->held.items + off;
    uint64_t n = get_varint(&p);   /* the key comes first, whatever its field's position */
    u->scratch[ri->key] = (int64_t)(intptr_t)p;
    p += n + 1;
    for (uint32_t i = 0; i < ri->nfields; i++) {
        if ((int32_t)i == ri->key) continue;
        if (u->kind[i] == VK_TEXT) {
            n = get_varint(&p);
            u->scratch[i] = (int64_t)(intptr_t)p;
            p += n + 1;
        } else {
            uint64_t z = get_varint(&p);
            u->scratch[i] = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
        }
    }
}

static const char *held_key(const LedgerUpsert *u, size_t off)
{
    const unsigned char *p = (const unsigned char *)u->held.items + off;
    get_varint(&p);
    return (const char *)p;
}

/* SQLite's BINARY order of the keys: bytes compared unsigned, a prefix first. */
static inline int cmp_held(const HeldRow *x, const HeldRow *y, const LedgerUpsert *u)
{
    if (x->p0 != y->p0) return x->p0 < y->p0 ? -1 : 1;
    if (x->p1 != y->p1) return x->p1 < y->p1 ? -1 : 1;
    if (x->p2 != y->p2) return x->p2 < y->p2 ? -1 : 1;
    if (x->at == y->at) return 0;   /* a row and itself (the pivot's copy): no need to read it */
    return strcmp(held_key(u, x->at >> 1), held_key(u, y->at >> 1));
}

/* Held rows have unique keys: the file's duplicates went to review before. */
QUICKSORT_DEFINE(sort_held, HeldRow, const LedgerUpsert *, cmp_held)

static int step_update(LedgerUpsert *u, const int64_t *values, char **error);

enum { PREFETCH_AHEAD = 8 };

/* Store the held rows sorted by key, then forget them. */
static bool write_held(LedgerUpsert *u, char **error)
{
    if (!u->order.count) return true;
    sort_held(u->order.items, u->order.count, u);
    bool ok = true;
    for (size_t k = 0; ok && k < u->order.count; k++) {
        /* In key order the rows are read at random from a buffer of a hundred megabytes: a
         * cache miss each, unless asked for a few rows ahead (a row spans two lines). */
        if (k + PREFETCH_AHEAD < u->order.count) {
            const char *ahead = u->held.items + (u->order.items[k + PREFETCH_AHEAD].at >> 1);
            __builtin_prefetch(ahead);
            __builtin_prefetch(ahead + 64);
        }
        unhold_row(u, u->order.items[k].at >> 1);
        if (u->order.items[k].at & 1) {
            int rc = step_update(u, u->scratch, error);
            ok = rc >= 0;
            if (rc == 2) u->updated++;
            else if (rc == 0) u->unchanged++;
            continue;
        }
        sqlite3_reset(u->insert);
        for (uint32_t i = 0; i < u->ri->nfields; i++) bind_value(u, u->insert, i, u->scratch[i]);
        ok = sqlite3_step(u->insert) == SQLITE_DONE || ledger_fail(u->l, error, NULL);
    }
    sqlite3_reset(u->insert);
    u->order.count = 0;
    u->held.count = 0;
    return ok;
}

bool ledger_upsert_finish(LedgerUpsert *u, uint64_t *updated, uint64_t *unchanged, char **error)
{
    bool ok = write_held(u, error);
    *updated = u->updated;
    *unchanged = u->unchanged;
    return ok;
}

int ledger_upsert(LedgerUpsert *u, const int64_t *values, bool stored, char **error)
{
    if (u->hold) {
        hold_row(u, values, stored);
        return u->held.count < u->held_cap || write_held(u, error) ? (stored ? 3 : 1) : -1;
    }
    if (stored) return step_update(u, values, error);
    sqlite3_reset(u->insert);
    for (uint32_t i = 0; i < u->ri->nfields; i++) bind_value(u, u->insert, i, values[i]);
    int rc = sqlite3_step(u->insert);
    if (rc == SQLITE_DONE) return 1;
    if (sqlite3_extended_errcode(u->l->db) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        /* the key is stored in a spelling the key set did not know: update it as stored */
        sqlite3_reset(u->insert);
        return step_update(u, values, error);
    }
    ledger_fail(u->l, error, NULL);
    sqlite3_reset(u->insert);
    return -1;
}

void ledger_upsert_close(LedgerUpsert *u)
{
    if (!u) return;
    if (!u->hold) ledger_exec(u->l, "PRAGMA cache_size=" LEDGER_CACHE_KIB, NULL);
    sqlite3_finalize(u->insert);
    sqlite3_finalize(u->update);
    for (uint32_t i = 0; i < u->ri->nfields; i++) sb_free(&u->other[i]);
    sb_free(&u->held);
    VEC_FREE(&u->order);
    free(u->scratch);
    free(u->other);
    free(u->dates);
    free(u->kind);
    free(u->enums);
    free(u->lens);
    for (int s = 0; s < 2; s++) {
        free(u->bound[s].value);
        free(u->bound[s].set);
    }
    free(u);
}

/* ---- review ------------------------------------------------------------------------------------- */

bool ledger_review_add(Ledger *l, const ReviewEntry *e, char **error)
{
    sqlite3_stmt *st = ledger_cached(l, &l->review_insert,
        "INSERT INTO doudi_review (source, line, col, reason, raw, record, run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        error);
    if (!st) return false;
    sqlite3_bind_text(st, 1, e->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, e->line);
    sqlite3_bind_int64(st, 3, e->col);
    sqlite3_bind_text(st, 4, e->reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, e->raw ? e->raw : "", e->raw ? (int)e->raw_len : 0, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, e->record, -1, SQLITE_TRANSIENT);
    if (e->run) sqlite3_bind_int64(st, 7, e->run);
    else sqlite3_bind_null(st, 7);
    return sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
}

bool ledger_review_clear(Ledger *l, const char *source, const char *record, char **error)
{
    sqlite3_stmt *st = ledger_prepare(l, "DELETE FROM doudi_review WHERE source = ?1 AND record = ?2 AND run IS NULL",
                                      error);
    if (!st) return false;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, record, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE || ledger_fail(l, error, NULL);
    sqlite3_finalize(st);
    return ok;
}
