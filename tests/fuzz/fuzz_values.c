/* fuzz_values.c — single values read from text: every cell, param and REPL value goes here.
 *
 * The input is one value as text, read every way there is:
 *   - value_parse_kind for every kind (int, number, percent, bool, date, text, and every enum
 *     of the Zhengzhou rules); a value read is written back (value_format) and read again,
 *     and must come back the same — an oracle;
 *   - value_parse and value_in_range for every field of the Zhengzhou person record;
 *   - fixed_parse at every number of decimals (0–18), written back and read again;
 *   - date_parse (YYYY-MM-DD exactly), which must write back the very input;
 *   - json_parse_flat_object, as `--json` and the REPL read a record: every name and value it
 *     hands over is valid UTF-8 without NUL (as documented), and goes through value_parse. */
#include "fuzz.h"

#include "base/arena.h"
#include "base/date.h"
#include "base/diag.h"
#include "base/fixed.h"
#include "base/util.h"
#include "lang/check.h"
#include "lang/compile.h"
#include "lang/parse.h"
#include "vm/program.h"
#include "vm/values.h"

static Program *zz;            /* the Zhengzhou rules: their enums and person fields */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[4096];
    SourceFile *sf = source_read(fuzz_tree_path("rules/zhengzhou-2021.doudi", path, sizeof path));
    FUZZ_ASSERT(sf, "cannot read %s", path);
    Arena a = {0};
    DiagList dl = {0};
    Rules *rules = check_module(&a, parse_module(&a, sf, &dl), &dl);
    zz = dl.errors ? NULL : compile_rules(rules, &dl);
    FUZZ_ASSERT(zz, "%s does not compile", path);
    diag_free(&dl);
    arena_free(&a);
    source_free(sf);
    return 0;
}

/* ---- value_parse ------------------------------------------------------------------------------ */

/* Read s as kind; when it reads, what it writes reads back as the same value. */
static void parse_kind(uint8_t kind, int32_t en, const char *s, size_t n)
{
    int64_t v = 0, again = 0;
    char *owned = NULL, *owned2 = NULL, err[256];
    if (!value_parse_kind(zz, kind, en, s, n, &v, &owned, err, sizeof err)) {
        FUZZ_ASSERT(err[0], "a %s refused without a reason", value_kind_name(kind));
        return;
    }
    StrBuf sb = {0};
    value_format(zz, kind, en, v, false, &sb);
    bool ok = value_parse_kind(zz, kind, en, sb_str(&sb), sb.count, &again, &owned2, err, sizeof err);
    FUZZ_ASSERT(ok, "%s '%s' is written '%s', which does not read back: %s", value_kind_name(kind), owned ? owned : "",
                sb_str(&sb), err);
    if (kind == VK_TEXT)
        FUZZ_ASSERT(!strcmp(owned, owned2), "text '%s' reads back as '%s'", owned, owned2);
    else
        FUZZ_ASSERT(v == again, "%s %lld is written '%s', which reads back as %lld", value_kind_name(kind), (long long)v,
                    sb_str(&sb), (long long)again);
    sb_free(&sb);
    free(owned);
    free(owned2);
}

static void parse_every_kind(const char *s, size_t n)
{
    for (uint8_t kind = VK_INT; kind <= VK_DATE; kind++) parse_kind(kind, -1, s, n);
    for (uint32_t e = 0; e < zz->nenums; e++) parse_kind(VK_ENUM, (int32_t)e, s, n);
    parse_kind(0, -1, s, n);
    parse_kind(VK_ENUM, (int32_t)zz->nenums, s, n);
}

static void parse_every_field(const char *s, size_t n)
{
    const RecordInfo *ri = &zz->records[0];
    for (uint32_t i = 0; i < ri->nfields; i++) {
        int64_t v;
        char *owned = NULL, err[256];
        if (value_parse(zz, &ri->fields[i], s, n, &v, &owned, err, sizeof err))
            value_in_range(zz, &ri->fields[i], v, err, sizeof err);
        free(owned);
    }
}

/* ---- numbers and dates ------------------------------------------------------------------------ */

static void fixed_every_decimals(const char *s, size_t n)
{
    for (unsigned dec = 0; dec <= 18; dec++) {
        int64_t v, again;
        if (fixed_parse(s, n, dec, &v) != FIXED_OK) continue;
        StrBuf sb = {0};
        fixed_format(v, dec, &sb);
        FixedParse back = fixed_parse(sb_str(&sb), sb.count, dec, &again);
        FUZZ_ASSERT(back == FIXED_OK && again == v, "%lld at %u decimals is written '%s', which reads back as %lld (%d)",
                    (long long)v, dec, sb_str(&sb), (long long)again, (int)back);
        sb_free(&sb);
    }
}

static void date_exactly(const char *s, size_t n)
{
    int64_t days;
    if (!date_parse(s, n, &days)) return;
    char out[16];
    date_format(days, out);
    FUZZ_ASSERT(strlen(out) == n && !memcmp(out, s, n), "date '%.*s' is written '%s'", (int)n, s, out);
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    FUZZ_ASSERT(date_valid(y, m, d) && days_from_civil(y, m, d) == days, "day %lld is no date", (long long)days);
    years_between(days, days_from_civil(2021, 4, 1));
}

/* ---- JSON ------------------------------------------------------------------------------------- */

static bool json_member(const char *name, const char *value, size_t len, bool is_null, void *ctx)
{
    (void)ctx;
    FUZZ_ASSERT(utf8_valid(name, strlen(name)), "a JSON name that is not UTF-8");
    FUZZ_ASSERT(utf8_valid(value, len) && !memchr(value, '\0', len), "a JSON value that is not UTF-8 text");
    FUZZ_ASSERT(!is_null || len == 0, "null with a value");
    const RecordInfo *ri = &zz->records[0];
    for (uint32_t i = 0; i < ri->nfields; i++) {
        if (strcmp(ri->fields[i].name, name)) continue;
        int64_t v;
        char *owned = NULL;
        value_parse(zz, &ri->fields[i], value, len, &v, &owned, NULL, 0);
        free(owned);
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the text as a C string would hold it too (callers pass NUL-terminated cells) */
    char *s = xmalloc(size + 1);
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    parse_every_kind(s, size);
    parse_every_field(s, size);
    fixed_every_decimals(s, size);
    date_exactly(s, size);
    char err[256];
    json_parse_flat_object(s, size, json_member, NULL, err, sizeof err);
    free(s);
    return 0;
}
