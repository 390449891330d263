/* eval_helpers.h — shared helpers for the semantic tests of the compiler, VM and explanations
 * (test_eval.c, test_semantics.c). Everything here goes through the public API, doudi.h, only;
 * header only (each test binary is one .c file), so everything is `static inline`.
 *
 * - resident ids: the GB 11643-1999 check character, and an id made from a county code, a
 *   birth date and a sequence number (so every test person has a valid id matching its birth
 *   date and sex);
 * - the Zhengzhou rules: the names of its categories, placement values and branches as
 *   numbers, and a baseline person (in no category) that each case overrides field by field;
 * - asserting an outcome (on a mismatch the explanation is printed, so a failure shows why);
 * - a small JSON validator for the explanation's JSON form.
 */
#ifndef DOUDI_EVAL_HELPERS_H
#define DOUDI_EVAL_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "doudi.h"

#define EH_LEN(a) (sizeof(a) / sizeof *(a))

/* ---- resident ids (GB 11643-1999) ----------------------------------------------------------- */

/* The check character of the first 17 digits: sum of digit × weight, mod 11, indexes
 * "10X98765432". */
static inline char id_check_char(const char *d17)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (d17[i] - '0') * w[i];
    return "10X98765432"[sum % 11];
}

/* out (19 bytes) = county (6 digits) + birth date (YYYY-MM-DD, written YYYYMMDD) + seq (3
 * digits, 0..999: its last digit is odd for a man) + the check character. */
static inline void make_id(char out[19], const char *county, const char *birth, int seq)
{
    assert_int_equal(strlen(county), 6);
    assert_int_equal(strlen(birth), 10);
    assert_true(seq >= 0 && seq <= 999);
    snprintf(out, 19, "%.6s%.4s%.2s%.2s%03d", county, birth, birth + 5, birth + 8, seq);
    out[17] = id_check_char(out);
    out[18] = '\0';
}

/* ---- the Zhengzhou rules ---------------------------------------------------------------------- */

#define ZZ_RULES "rules/zhengzhou-2021.doudi"

/* categories, in declaration order (INTERPRETATION §3) */
enum { TEKUN, SEVERE_DISABLED, CHRONIC_ILLNESS, DISABLED_CARE, ORPHAN, LONELY_ELDERLY, ZZ_NCAT };
#define CAT(c) (UINT64_C(1) << (c))
/* values of enum care_mode, in declaration order */
enum { HOME, MEDICAL_REHAB, DISABILITY_CENTER, WELFARE_INSTITUTION, VILLAGE_COURTYARD, TOWNSHIP_HOME };
/* the placement branches, 0-based (INTERPRETATION §4 numbers them from 1) */
enum { BR_HOME, BR_MEDICAL, BR_DISABILITY, BR_ORPHAN, BR_FULL, BR_PARTIAL, BR_NONE };

/* The baseline person (every field set, the id and birth date and sex added by zz_person):
 * 39 years old on 2021-04-01 (born 1981-05-10: not minor, not elderly), not poor, full labor
 * capacity with an income and an able supporter (so not tekun), no disability, no illness,
 * all six ADL items (adl_lost 0, self_care full), family care adequate, a capable guardian, a
 * caretaker, none of the home-care conditions, wants central care. In no category:
 *   tekun: labor_capacity == none false; severe_disabled, chronic_illness, disabled_care,
 *   lonely_elderly: poor_household false; orphan: minor false. */
#define ZZ_BASE                                                                                    \
    "county=410122,dibao=0,low_income=0,registered_poor=0,labor_capacity=full,income_source=1,"  \
    "supporter=able,disability_type=none,disability_grade=0,chronic_severe=0,family_can_bear=1,"   \
    "severe_mental=0,adl_eat=1,adl_dress=1,adl_bed=1,adl_toilet=1,adl_walk=1,adl_bathe=1,"         \
    "family_care=adequate,guardian=capable,de_facto_unsupported=0,has_caretaker=1,"               \
    "home_caregiver=0,home_same_food=0,home_same_housing=0,home_medical=0,home_activity_space=0,"  \
    "home_heating_cooling=0,home_pocket_money=0,wants_central=yes"

#define ZZ_BASE_BIRTH "1981-05-10"
/* the seven home-care conditions 一有两同四保障 */
#define ZZ_HOME_MET                                                                                \
    "home_caregiver=1,home_same_food=1,home_same_housing=1,home_medical=1,home_activity_space=1,"  \
    "home_heating_cooling=1,home_pocket_money=1"

/* A new record: the baseline, born `birth` (NULL: 1981-05-10), sex `male`, with an id
 * 410122 + birth + (001 for a man, 002 for a woman) + check character, then `overrides`
 * ("field=value,..."; may be NULL) applied on top — they may replace id, birth_date or sex. */
static inline doudi_record *zz_person_at(const doudi_rules *r, const char *birth, bool male, const char *overrides,
                                         const char *file, int line)
{
    if (!birth) birth = ZZ_BASE_BIRTH;
    char id[19];
    make_id(id, "410122", birth, male ? 1 : 2);
    char buf[1024];
    snprintf(buf, sizeof buf, "id=%s,birth_date=%s,sex=%s,%s", id, birth, male ? "male" : "female", ZZ_BASE);
    doudi_record *rec = doudi_record_new(r);
    assert_non_null(rec);
    char *err = NULL;
    if (doudi_record_parse(rec, buf, &err) != 0 || (overrides && doudi_record_parse(rec, overrides, &err) != 0)) {
        print_error("%s:%d: cannot set the record: %s\n", file, line, err ? err : "(no message)");
        doudi_string_free(err);
        doudi_record_free(rec);
        _fail(file, line);
    }
    return rec;
}
#define zz_person(r, birth, male, overrides) zz_person_at((r), (birth), (male), (overrides), __FILE__, __LINE__)

/* ---- outcomes ------------------------------------------------------------------------------- */

static inline int popcount64(uint64_t v)
{
    int n = 0;
    for (; v; v &= v - 1) n++;
    return n;
}

/* Evaluate rec and compare every part of the outcome; category_count is the number of bits of
 * `cats`. On a mismatch, print the explanation. Frees nothing. */
static inline void assert_outcome_at(const doudi_rules *r, const doudi_record *rec, uint64_t cats, int primary,
                                     int placement, int branch, const char *file, int line)
{
    doudi_outcome o;
    memset(&o, 0x5a, sizeof o);
    char *err = NULL;
    if (doudi_eval(r, rec, &o, &err) != 0) {
        print_error("%s:%d: doudi_eval failed: %s\n", file, line, err ? err : "(no message)");
        doudi_string_free(err);
        _fail(file, line);
    }
    if (o.categories != cats || o.category_count != popcount64(cats) || o.primary != primary ||
        o.placement != placement || o.branch != branch) {
        char *why = doudi_explain(r, rec, DOUDI_TEXT, NULL);
        print_error("%s:%d: outcome\n  want: categories=0x%llx count=%d primary=%d placement=%d branch=%d\n"
                    "  got:  categories=0x%llx count=%d primary=%d placement=%d branch=%d\n%s\n",
                    file, line, (unsigned long long)cats, popcount64(cats), primary, placement, branch,
                    (unsigned long long)o.categories, o.category_count, o.primary, o.placement, o.branch,
                    why ? why : "(no explanation)");
        doudi_string_free(why);
        _fail(file, line);
    }
}
#define assert_outcome(r, rec, cats, primary, placement, branch) \
    assert_outcome_at((r), (rec), (cats), (primary), (placement), (branch), __FILE__, __LINE__)

/* doudi_eval must fail with a message containing `want`. */
static inline void assert_eval_fails_at(const doudi_rules *r, const doudi_record *rec, const char *want,
                                        const char *file, int line)
{
    doudi_outcome o;
    char *err = NULL;
    int rc = doudi_eval(r, rec, &o, &err);
    bool ok = rc == -1 && err && strstr(err, want);
    if (!ok) print_error("%s:%d: doudi_eval: want -1 with a message containing \"%s\", got %d: %s\n", file, line,
                         want, rc, err ? err : "(no message)");
    doudi_string_free(err);
    if (!ok) _fail(file, line);
}
#define assert_eval_fails(r, rec, want) assert_eval_fails_at((r), (rec), (want), __FILE__, __LINE__)

/* The explanation (must succeed); caller frees with doudi_string_free. */
static inline char *explain_ok_at(const doudi_rules *r, const doudi_record *rec, doudi_format f, const char *file,
                                  int line)
{
    char *err = NULL;
    char *s = doudi_explain(r, rec, f, &err);
    if (!s) {
        print_error("%s:%d: doudi_explain failed: %s\n", file, line, err ? err : "(no message)");
        doudi_string_free(err);
        _fail(file, line);
    }
    return s;
}
#define explain_ok(r, rec, f) explain_ok_at((r), (rec), (f), __FILE__, __LINE__)

/* `hay` contains `needle` (shows the whole text when not). */
static inline void assert_contains_at(const char *hay, const char *needle, const char *file, int line)
{
    if (hay && strstr(hay, needle)) return;
    print_error("%s:%d: wanted \"%s\" in:\n%s\n", file, line, needle, hay ? hay : "(null)");
    _fail(file, line);
}
#define assert_contains(hay, needle) assert_contains_at((hay), (needle), __FILE__, __LINE__)

static inline void assert_not_contains_at(const char *hay, const char *needle, const char *file, int line)
{
    if (!hay || !strstr(hay, needle)) return;
    print_error("%s:%d: did not want \"%s\" in:\n%s\n", file, line, needle, hay);
    _fail(file, line);
}
#define assert_not_contains(hay, needle) assert_not_contains_at((hay), (needle), __FILE__, __LINE__)

/* ---- known bugs (as in helpers.h) ------------------------------------------------------------- */

/* Skip the calling test (it pins a reported bug) unless DOUDI_KNOWN_BUGS=1. */
#define known_bug(why)                                                                    \
    do {                                                                                  \
        const char *kb_ = getenv("DOUDI_KNOWN_BUGS");                                     \
        if (!kb_ || strcmp(kb_, "1") != 0) {                                              \
            print_message("[   BUG    ] %s (set DOUDI_KNOWN_BUGS=1 to run)\n", (why));       \
            skip();                                                                       \
        }                                                                                 \
    } while (0)

/* ---- a strict little JSON validator (RFC 8259 grammar; no depth beyond 64) ------------------- */

static inline void jv_ws(const char **s)
{
    while (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r') (*s)++;
}

static inline bool jv_value(const char **s, int depth);

static inline bool jv_string(const char **s)
{
    if (**s != '"') return false;
    for ((*s)++; **s != '"'; (*s)++) {
        unsigned char c = (unsigned char)**s;
        if (c < 0x20) return false;             /* raw control characters (and the end) */
        if (c == '\\') {
            (*s)++;
            if (**s == 'u') {
                for (int i = 1; i <= 4; i++) {
                    char h = (*s)[i];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return false;
                }
                *s += 4;
            } else if (!**s || !strchr("\"\\/bfnrt", **s)) return false;
        }
    }
    (*s)++;
    return true;
}

static inline bool jv_number(const char **s)
{
    const char *p = *s;
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') while (*p >= '0' && *p <= '9') p++;
    else return false;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9')) return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    *s = p;
    return true;
}

static inline bool jv_value(const char **s, int depth)
{
    if (depth > 64) return false;
    jv_ws(s);
    switch (**s) {
    case '{':
        (*s)++;
        jv_ws(s);
        if (**s == '}') { (*s)++; return true; }
        for (;;) {
            jv_ws(s);
            if (!jv_string(s)) return false;
            jv_ws(s);
            if (**s != ':') return false;
            (*s)++;
            if (!jv_value(s, depth + 1)) return false;
            jv_ws(s);
            if (**s == ',') { (*s)++; continue; }
            if (**s == '}') { (*s)++; return true; }
            return false;
        }
    case '[':
        (*s)++;
        jv_ws(s);
        if (**s == ']') { (*s)++; return true; }
        for (;;) {
            if (!jv_value(s, depth + 1)) return false;
            jv_ws(s);
            if (**s == ',') { (*s)++; continue; }
            if (**s == ']') { (*s)++; return true; }
            return false;
        }
    case '"': return jv_string(s);
    case 't': if (!strncmp(*s, "true", 4)) { *s += 4; return true; } return false;
    case 'f': if (!strncmp(*s, "false", 5)) { *s += 5; return true; } return false;
    case 'n': if (!strncmp(*s, "null", 4)) { *s += 4; return true; } return false;
    default: return jv_number(s);
    }
}

/* One JSON value and nothing but white space after it. */
static inline bool json_valid(const char *text)
{
    const char *s = text;
    if (!jv_value(&s, 0)) return false;
    jv_ws(&s);
    return *s == '\0';
}

#endif
