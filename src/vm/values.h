/* values.h — reading and writing single typed values, as text.
 *
 * One place decides how a cell of the survey ledger, a `--record`/`--json` value, a param on
 * the command line or a REPL value is read, and how every report writes a value back, so the
 * importer, the CLI and the reports can never disagree. Values are the VM's representation
 * (types.h): int64; number/percent fixed point with 4 decimals (1.5 = 15000, 30% = 3000); dates
 * day numbers (date.h); enums the value's index; bools 0/1; text a `const char *` cast to int64.
 *
 * Reading follows INTERPRETATION.md §1 and what staff type into Excel:
 *   - spaces around a value are trimmed: ASCII white space, the full-width space U+3000 and
 *     the no-break space U+00A0; a value empty after trimming is the error "empty" (the caller
 *     decides whether a default applies);
 *   - bool   1/0, true/false, yes/no, y/n (ASCII case-insensitive), 是/否;
 *   - enum   the identifier (ASCII case-insensitive) or the label (exact);
 *   - int    optional sign and digits;
 *   - number optional sign, digits, up to 4 decimals (further decimals only if zero);
 *   - percent 30% / 12.5% / 30％ (up to 2 decimals), or a fraction of at most 1 in magnitude
 *            (0.3 = 30%); a bare "30" is refused as ambiguous;
 *   - date   YYYY-MM-DD, YYYY-M-D, YYYY/M/D, YYYY.M.D, YYYY年M月D日, YYYYMMDD; a real date;
 *            all but YYYYMMDD may carry a time of day as spreadsheets write one (a space or 'T',
 *            then H:MM, H:MM:SS or H:MM:SS.fff): midnight is accepted, any other time is an
 *            error that names it ("has a time of day 08:30: a date is wanted");
 *   - text   as is (valid UTF-8, no NUL byte); 17 digits and a lowercase 'x' (a resident id)
 *            is read with 'X'.
 * Errors are short English reasons quoting the value, to follow `file:line:col: `. */
#ifndef DOUDI_VALUES_H
#define DOUDI_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/program.h"
#include "base/util.h"

/* Parse one cell for field f of program p (p is needed for enums only). On success stores the
 * value in *out; for VK_TEXT it mallocs a NUL-terminated copy, stored in *owned (the caller
 * frees it) and *out is that pointer cast to int64. For other kinds *owned is set to NULL;
 * owned may be NULL for them. On failure returns false, leaves *out alone, and writes a short
 * reason into err (err may be NULL / errlen 0). The field's range is not checked here
 * (value_in_range). */
bool value_parse(const Program *p, const FieldInfo *f, const char *text, size_t len,
                 int64_t *out, char **owned, char *err, size_t errlen);

/* The same by kind, for params and REPL values: kind (ValueKind) and, for VK_ENUM, the index
 * into p->enums. */
bool value_parse_kind(const Program *p, uint8_t kind, int32_t enum_index, const char *text, size_t len,
                      int64_t *out, char **owned, char *err, size_t errlen);

/* Append a value to out: ints as digits; number as the shortest decimal (1.5, 2, -0.3333);
 * percent as 30% / 12.5%; bool true/false; date YYYY-MM-DD; text as is (NULL as nothing); enum
 * as its identifier and, with `labels`, " (label)" when it has one, e.g. "none (无)". An enum
 * index out of range is written "#N". */
void value_format(const Program *p, uint8_t kind, int32_t enum_index, int64_t v, bool labels, StrBuf *out);
/* Text as a rule file's string literal writes it: quoted, with \" \\ \n \t escaped (for a test's
 * expected value, a REPL's echo). NULL as "". */
void value_text_literal(const char *s, StrBuf *out);

/* Whether the field's value lies in its declared range (FieldInfo.range_kind: 0 none, 1
 * range_lo..range_hi inclusive, 2 bit mask in range_lo of the allowed values 0..63). On failure
 * a reason like "4 is outside 0..3" or "5 is not one of 0, 1, 2" into err. */
bool value_in_range(const Program *p, const FieldInfo *f, int64_t v, char *err, size_t errlen);

/* A flat JSON object {"field": value, ...} whose values are strings, numbers, true, false or
 * null. Calls cb(name, value, len, is_null, ctx) for each member in order: name is the
 * unescaped member name, value the unescaped string for strings and the literal text for
 * numbers and true/false (so they can go through value_parse); for null, is_null is true and
 * value is "". Both are NUL-terminated and valid only during the call.
 * Returns false with a reason and its byte offset (0-based) in err for malformed JSON, nested
 * objects or arrays, duplicate member names (compared after unescaping), invalid UTF-8, and
 * \u0000. String escapes are JSON's, \uXXXX and surrogate pairs becoming UTF-8. A UTF-8 BOM
 * before the object is skipped. When cb returns false, parsing stops and the function returns
 * false with err set to "" (the callback reports its own reason through ctx). */
typedef bool (*json_member_fn)(const char *name, const char *value, size_t len, bool is_null, void *ctx);
bool json_parse_flat_object(const char *text, size_t len, json_member_fn cb, void *ctx, char *err, size_t errlen);

/* ---- helpers ---------------------------------------------------------------------------- */

/* Narrow [*s, *s + *n) by the spaces value_parse trims (ASCII, U+3000, U+00A0). */
void value_trim(const char **s, size_t *n);

/* Index of the enum value written as s (identifier, ASCII case-insensitive, or exact label),
 * or -1. s is not trimmed. */
int32_t value_enum_lookup(const EnumInfo *e, const char *s, size_t n);

/* "int", "number", "percent", "bool", "text", "date", "enum"; "?" for anything else. */
const char *value_kind_name(uint8_t kind);

#endif
