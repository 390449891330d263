/* test_diff.c — `doudi diff` (src/diff.c) through the embedding API: two rule files over one
 * population, the figures of the change, the changed people and the approved-changes file.
 *
 * The population is five persons written by hand (as of 2021-04-01), run with the real rule
 * file and with a copy whose only change is `param elderly_age` 60 → 65:
 *
 *   P1 410122, born 1958-06-01 (62): no labour capacity, no income, nobody to support him,
 *      every ADL item → tekun (elderly), self_care full → village_courtyard, 2021.
 *      At 65 he is not elderly (nor a minor, nor disabled): no category.
 *   P2 410122, born 1957-05-01 (63): dibao, lives alone, cannot walk alone (adl_lost 1, partial)
 *      → lonely_elderly → township_home, 2021 (a group of one). At 65: no category.
 *   P3 410122, born 1940-01-01 (81): as P1 → tekun, village_courtyard, 2021 — either way.
 *   P4 410122, born 1980-03-03: plain, no category — either way.
 *   P5 410181, born 1950-07-07 (70): as P2 → lonely_elderly, township_home, 2021 — either way.
 *
 * So exactly P1 and P2 change, and every figure follows by hand (INTERPRETATION §6 for the
 * plan, no institutions: a county needs ⌈D × 110%⌉ beds, builds ⌈beds / standard⌉, at least one
 * 残疾人托养中心, 2021 gets ⌈30% × tasks⌉):
 *
 *   附件1, city and 410122: tekun 小计/集中 2 → 1; lonely_elderly 低保/小计/集中 1 → 0 in 410122
 *     (2 → 1 in the city, P5's stays); 合计 follows (8 cells, the county 8 cells).
 *   附件2: village_courtyard tekun/persons −1; township_home lonely_elderly/persons −1 and, 410122's
 *     only 敬老院 person gone (D 1 → 0: 2 beds → 0, 1 new → 0), plan2021/plan_total −1; 合计 follows.
 *   plan: village_courtyard demand 2 → 1 and beds ⌈2.2⌉ = 3 → ⌈1.1⌉ = 2 (still one to build);
 *     township_home demand −1, beds 2 → 0 in 410122, new, tasks and build_2021 −1. */
#include "ledger_helpers.h"

static doudi_rules *old_rules;

static int setup_rules(void **state)
{
    (void)state;
    old_rules = compile_rules();
    return 0;
}

static int teardown_rules(void **state)
{
    (void)state;
    doudi_free(old_rules);
    return 0;
}

/* The rule file with `from` replaced by `to` (once), compiled as `name`. */
static doudi_rules *amended(const char *name, const char *from, const char *to)
{
    size_t len = 0;
    char *text = slurp(RULES, &len);
    assert_non_null(text);
    char *at = strstr(text, from);
    assert_non_null(at);
    Buf b = {0};
    buf_add(&b, text, (size_t)(at - text));
    buf_puts(&b, to);
    buf_puts(&b, at + strlen(from));
    free(text);
    char *diags = NULL;
    doudi_rules *r = doudi_compile_string(name, b.p, b.n, &diags);
    if (!r) print_error("%s", diags ? diags : "?");
    doudi_string_free(diags);
    free(b.p);
    assert_non_null(r);
    return r;
}

static doudi_rules *elderly65(void)
{
    return amended("elderly65.doudi", "param elderly_age: int \"老年年龄\" = 60",
                   "param elderly_age: int \"老年年龄\" = 65");
}

static Person tekun(const char *county, const char *birth, unsigned seq)
{
    Person p = person_plain(county, birth, seq, true);
    person_set(&p, "labor_capacity", "none");
    person_set(&p, "income_source", "0");
    person_set(&p, "supporter", "none");
    return p;
}

static Person lonely(const char *county, const char *birth, unsigned seq)
{
    Person p = person_plain(county, birth, seq, false);
    person_set(&p, "dibao", "1");
    person_set(&p, "has_caretaker", "0");
    person_set(&p, "adl_walk", "0");
    return p;
}

/* The five persons as persons.csv in dir; their ids in key order: P2 (1957) before P1. */
static void write_population(const char *dir, char ids[5][19])
{
    Person ps[5] = {
        tekun("410122", "1958-06-01", 11),
        lonely("410122", "1957-05-01", 22),
        tekun("410122", "1940-01-01", 33),
        person_plain("410122", "1980-03-03", 44, true),
        lonely("410181", "1950-07-07", 56),
    };
    Buf b = {0};
    header_line(&b);
    for (int i = 0; i < 5; i++) {
        person_line(&b, &ps[i]);
        memcpy(ids[i], person_get(&ps[i], "id"), 18);
        ids[i][18] = '\0';
    }
    char *path = path_in(dir, "persons.csv");
    write_text(path, b.p);
    free(path);
    free(b.p);
}

/* Every figure that changed, one line each as an approved-changes file writes it. */
static char *changes(const doudi_diff *d)
{
    Buf b = {0};
    for (int i = 0; i < doudi_diff_figure_count(d); i++) {
        int64_t before, after, change;
        const char *name = doudi_diff_figure(d, i, &before, &after, &change);
        if (!change) continue;
        bool count = !strcmp(name, "changed") || strstr(name, " -> ") || strstr(name, "counties");
        if (count || change < 0) buf_printf(&b, "%s: %lld\n", name, (long long)change);
        else buf_printf(&b, "%s: +%lld\n", name, (long long)change);
    }
    assert_null(doudi_diff_figure(d, doudi_diff_figure_count(d), NULL, NULL, NULL));
    return buf_take(&b);
}

static const char *const EXPECTED_CHANGES =
    "changed: 2\n"
    "category tekun: -1\n"
    "category lonely_elderly: -1\n"
    "category none: +2\n"
    "member tekun: -1\n"
    "member lonely_elderly: -1\n"
    "placement village_courtyard: -1\n"
    "placement township_home: -1\n"
    "placement none: +2\n"
    "year 2021: -2\n"
    "year none: +2\n"
    "tekun 2021: -1\n"
    "lonely_elderly 2021: -1\n"
    "placement village_courtyard -> none: 1\n"
    "placement township_home -> none: 1\n"
    "form attachment1 city tekun subtotal: -1\n"
    "form attachment1 city tekun central: -1\n"
    "form attachment1 city lonely_elderly dibao: -1\n"
    "form attachment1 city lonely_elderly subtotal: -1\n"
    "form attachment1 city lonely_elderly central: -1\n"
    "form attachment1 city total dibao: -1\n"
    "form attachment1 city total subtotal: -2\n"
    "form attachment1 city total central: -2\n"
    "form attachment1 counties: 8\n"
    "form attachment1 410122 tekun subtotal: -1\n"
    "form attachment1 410122 tekun central: -1\n"
    "form attachment1 410122 lonely_elderly dibao: -1\n"
    "form attachment1 410122 lonely_elderly subtotal: -1\n"
    "form attachment1 410122 lonely_elderly central: -1\n"
    "form attachment1 410122 total dibao: -1\n"
    "form attachment1 410122 total subtotal: -2\n"
    "form attachment1 410122 total central: -2\n"
    "form attachment2 city village_courtyard tekun: -1\n"
    "form attachment2 city village_courtyard persons: -1\n"
    "form attachment2 city township_home lonely_elderly: -1\n"
    "form attachment2 city township_home persons: -1\n"
    "form attachment2 city township_home plan2021: -1\n"
    "form attachment2 city township_home plan_total: -1\n"
    "form attachment2 city total tekun: -1\n"
    "form attachment2 city total lonely_elderly: -1\n"
    "form attachment2 city total persons: -2\n"
    "form attachment2 city total plan2021: -1\n"
    "form attachment2 city total plan_total: -1\n"
    "form attachment2 counties: 11\n"
    "form attachment2 410122 village_courtyard tekun: -1\n"
    "form attachment2 410122 village_courtyard persons: -1\n"
    "form attachment2 410122 township_home lonely_elderly: -1\n"
    "form attachment2 410122 township_home persons: -1\n"
    "form attachment2 410122 township_home plan2021: -1\n"
    "form attachment2 410122 township_home plan_total: -1\n"
    "form attachment2 410122 total tekun: -1\n"
    "form attachment2 410122 total lonely_elderly: -1\n"
    "form attachment2 410122 total persons: -2\n"
    "form attachment2 410122 total plan2021: -1\n"
    "form attachment2 410122 total plan_total: -1\n"
    "capacity city village_courtyard demand: -1\n"
    "capacity city village_courtyard required_beds: -1\n"
    "capacity city township_home demand: -1\n"
    "capacity city township_home required_beds: -2\n"
    "capacity city township_home new: -1\n"
    "capacity city township_home tasks: -1\n"
    "capacity city township_home build_2021: -1\n"
    "capacity counties: 7\n"
    "capacity 410122 village_courtyard demand: -1\n"
    "capacity 410122 village_courtyard required_beds: -1\n"
    "capacity 410122 township_home demand: -1\n"
    "capacity 410122 township_home required_beds: -2\n"
    "capacity 410122 township_home new: -1\n"
    "capacity 410122 township_home tasks: -1\n"
    "capacity 410122 township_home build_2021: -1\n";

/* ---- a population in a scratch directory ------------------------------------------------------ */

typedef struct Scratch {
    char *dir, *pop, *tmp;     /* the scratch; the population directory; TMPDIR for the diff */
    char ids[5][19];
    char *saved_tmpdir;
} Scratch;

static Scratch scratch(void)
{
    Scratch s = {make_tmpdir(), NULL, NULL, {{0}}, NULL};
    s.pop = path_in(s.dir, "population");
    s.tmp = path_in(s.dir, "tmp");
    assert_int_equal(mkdir(s.pop, 0755), 0);
    assert_int_equal(mkdir(s.tmp, 0755), 0);
    write_population(s.pop, s.ids);
    const char *t = getenv("TMPDIR");
    s.saved_tmpdir = t ? strdup(t) : NULL;
    setenv("TMPDIR", s.tmp, 1);   /* the diff's temporary ledger goes here, and must go again */
    return s;
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void scratch_free(Scratch *s)
{
    assert_int_equal(entries(s->tmp), 0);   /* the temporary ledger is gone */
    if (s->saved_tmpdir) setenv("TMPDIR", s->saved_tmpdir, 1);
    else unsetenv("TMPDIR");
    free(s->saved_tmpdir);
    char *persons = path_in(s->pop, "persons.csv");
    unlink(persons);
    free(persons);
    rmdir(s->pop);
    rmdir(s->tmp);
    free(s->pop);
    free(s->tmp);
    remove_tree(s->dir);
}

static doudi_diff *diff_of(const char *population, doudi_rules *new_rules, int limit)
{
    char *err = NULL;
    doudi_diff *d = doudi_diff_population(old_rules, new_rules, population, limit, &err);
    if (!d) print_error("diff: %s\n", err ? err : "?");
    assert_non_null(d);
    assert_null(err);
    return d;
}

/* ---- the figures ------------------------------------------------------------------------------ */

static void test_figures(void **state)
{
    (void)state;
    Scratch s = scratch();
    doudi_rules *new_rules = elderly65();
    doudi_diff *d = diff_of(s.pop, new_rules, 10);
    char *got = changes(d);
    assert_text_equal(got, EXPECTED_CHANGES);
    free(got);
    /* the unchanged figures are there too, before and after */
    int64_t before = -1, after = -1, change = -1;
    bool found = false;
    for (int i = 0; i < doudi_diff_figure_count(d); i++) {
        const char *name = doudi_diff_figure(d, i, &before, &after, &change);
        if (strcmp(name, "category none")) continue;
        found = true;
        break;
    }
    assert_true(found);
    assert_int_equal(before, 1);
    assert_int_equal(after, 3);
    assert_int_equal(change, 2);
    doudi_diff_free(d);
    doudi_free(new_rules);
    scratch_free(&s);
}

/* The same rules on both sides: nothing changes, and an approval file saying so passes. */
static void test_no_change(void **state)
{
    (void)state;
    Scratch s = scratch();
    doudi_diff *d = diff_of(s.pop, old_rules, 10);
    char *got = changes(d);
    assert_text_equal(got, "");
    free(got);
    char *path = path_in(s.dir, "none.approved");
    write_text(path, "# nothing moves\nchanged: 0\n\ncategory tekun: 0   # still 2\n");
    char *mismatches = NULL, *err = NULL;
    assert_int_equal(doudi_diff_expect(d, path, &mismatches, &err), 0);
    assert_null(mismatches);
    assert_null(err);
    unlink(path);
    free(path);
    doudi_diff_free(d);
    scratch_free(&s);
}

/* ---- the transition matrix and the changed people ------------------------------------------------ */

static void test_matrix_and_people(void **state)
{
    (void)state;
    Scratch s = scratch();
    doudi_rules *new_rules = elderly65();
    doudi_diff *d = diff_of(s.pop, new_rules, 10);
    char *json = doudi_diff_render(d, DOUDI_JSON);
    /* rows before, columns after: home .. township_home, none */
    assert_non_null(strstr(json, "\"transitions\": {\"values\": [\"home\", \"medical_rehab\", \"disability_center\", "
                                 "\"welfare_institution\", \"village_courtyard\", \"township_home\", \"none\"], "
                                 "\"before_by_after\": [[0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], "
                                 "[0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 1], "
                                 "[0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 1]]}"));
    /* the two changed people, by key: P2 (born 1957) before P1 (1958) */
    const char *p2 = strstr(json, sf("{\"key\": \"%s\", \"before\": {\"categories\": [\"lonely_elderly\"], "
                                     "\"primary\": \"lonely_elderly\", \"placement\": \"township_home\", \"year\": 2021}, "
                                     "\"after\": {\"categories\": [], \"primary\": null, \"placement\": null, \"year\": null}",
                                     s.ids[1]));
    const char *p1 = strstr(json, sf("{\"key\": \"%s\", \"before\": {\"categories\": [\"tekun\"], \"primary\": \"tekun\", "
                                     "\"placement\": \"village_courtyard\", \"year\": 2021}, \"after\": {\"categories\": [], "
                                     "\"primary\": null, \"placement\": null, \"year\": null}",
                                     s.ids[0]));
    assert_non_null(p2);
    assert_non_null(p1);
    assert_true(p2 < p1);
    assert_non_null(strstr(json, "\"explanation_before\": {\"key\":"));
    assert_non_null(strstr(json, "\"explanation_after\": {\"key\":"));
    free(json);

    char *text = doudi_diff_render(d, DOUDI_TEXT);
    assert_non_null(strstr(text, "\nchanged: 2 persons\n"));
    assert_non_null(strstr(text, "\nchanged people: 2\n"));
    const char *at = strstr(text, sf("\n  %s\n    before: categories lonely_elderly, primary lonely_elderly, care "
                                     "township_home, year 2021\n    after:  not a target\n"
                                     "    -- explanation by the old rules\n",
                                     s.ids[1]));
    assert_non_null(at);
    /* the old explanation says why she was lonely_elderly, the new one why she is not */
    const char *old_expl = strstr(at, "primary category: lonely_elderly"), *cut = strstr(at, "-- explanation by the new rules\n");
    assert_non_null(old_expl);
    assert_non_null(cut);
    assert_true(old_expl < cut);
    const char *new_expl = strstr(cut, "primary category: none");
    assert_non_null(new_expl);
    assert_true(new_expl < strstr(cut, sf("\n  %s\n", s.ids[0])));
    assert_non_null(strstr(text, "  placement village_courtyard -> none        1\n"));
    free(text);
    doudi_diff_free(d);

    /* --limit 1: the first changed person only */
    d = diff_of(s.pop, new_rules, 1);
    text = doudi_diff_render(d, DOUDI_TEXT);
    assert_non_null(strstr(text, "\nchanged people: 2, the first 1 by key\n"));
    assert_non_null(strstr(text, sf("\n  %s\n", s.ids[1])));
    assert_null(strstr(text, sf("\n  %s\n", s.ids[0])));
    free(text);
    doudi_diff_free(d);
    doudi_free(new_rules);
    scratch_free(&s);
}

/* ---- the approved-changes file ------------------------------------------------------------------- */

typedef struct Verdict {
    int rc;
    char *mismatches, *error;
} Verdict;

static Verdict expect_text(doudi_diff *d, const char *dir, const char *approved)
{
    char *path = path_in(dir, "change.approved");
    write_text(path, approved);
    Verdict v = {0};
    v.rc = doudi_diff_expect(d, path, &v.mismatches, &v.error);
    unlink(path);
    free(path);
    return v;
}

static void verdict_free(Verdict *v)
{
    doudi_string_free(v->mismatches);
    doudi_string_free(v->error);
}

/* EXPECTED_CHANGES with line `from` replaced (NULL: removed), or with `extra` added. */
static char *edited(const char *from, const char *to)
{
    const char *at = strstr(EXPECTED_CHANGES, from);
    assert_non_null(at);
    Buf b = {0};
    buf_add(&b, EXPECTED_CHANGES, (size_t)(at - EXPECTED_CHANGES));
    if (to) buf_puts(&b, to);
    buf_puts(&b, at + strlen(from));
    return buf_take(&b);
}

static void test_expect(void **state)
{
    (void)state;
    Scratch s = scratch();
    doudi_rules *new_rules = elderly65();
    doudi_diff *d = diff_of(s.pop, new_rules, 0);
    const char *file = sf("%s/change.approved", s.dir);

    /* every change approved, exactly */
    Verdict v = expect_text(d, s.dir, EXPECTED_CHANGES);
    assert_int_equal(v.rc, 0);
    assert_null(v.mismatches);
    verdict_free(&v);
    char *text = doudi_diff_render(d, DOUDI_TEXT);
    assert_non_null(strstr(text, sf("\napproved changes: %s (70 figures)\nevery figure is as approved\n", file)));
    free(text);

    /* county cells in bulk: `form F counties: N` stands for the county lines */
    char *bulk = edited("form attachment1 410122 tekun subtotal: -1\n"
                        "form attachment1 410122 tekun central: -1\n"
                        "form attachment1 410122 lonely_elderly dibao: -1\n"
                        "form attachment1 410122 lonely_elderly subtotal: -1\n"
                        "form attachment1 410122 lonely_elderly central: -1\n"
                        "form attachment1 410122 total dibao: -1\n"
                        "form attachment1 410122 total subtotal: -2\n"
                        "form attachment1 410122 total central: -2\n", "");
    v = expect_text(d, s.dir, bulk);
    assert_int_equal(v.rc, 0);
    verdict_free(&v);
    /* ... and without it, each county cell is a change of its own */
    char *no_count = edited("form attachment1 counties: 8\n", "");
    v = expect_text(d, s.dir, no_count);
    assert_int_equal(v.rc, 0);
    verdict_free(&v);
    char *neither = edited("form attachment1 counties: 8\n"
                           "form attachment1 410122 tekun subtotal: -1\n"
                           "form attachment1 410122 tekun central: -1\n", "");
    v = expect_text(d, s.dir, neither);
    assert_int_equal(v.rc, 1);
    assert_text_equal(v.mismatches, "unapproved change: form attachment1 410122 tekun subtotal: -1 (2 → 1)\n"
                                    "unapproved change: form attachment1 410122 tekun central: -1 (2 → 1)\n");
    verdict_free(&v);

    /* the long form of a category's year names the same figure as the short one */
    Buf b = {0};
    buf_puts(&b, "# every change, lines 2 to 71\n");
    buf_puts(&b, EXPECTED_CHANGES);
    buf_puts(&b, "category lonely_elderly 2021: -1   # the long form of line 14\n");
    v = expect_text(d, s.dir, b.p);
    assert_int_equal(v.rc, -1);
    assert_text_equal(v.error, sf("%s:72: 'lonely_elderly 2021' is already approved on line 14", file));
    verdict_free(&v);
    free(b.p);

    /* a count off by one, a count of county cells off by one, an approved change that did not
     * happen, and a change left out */
    char *off = edited("changed: 2\n", "changed: 3\n");
    char *off2 = NULL;
    {
        const char *at = strstr(off, "form attachment2 counties: 11\n");
        assert_non_null(at);
        b = (Buf){0};
        buf_add(&b, off, (size_t)(at - off));
        buf_puts(&b, "form attachment2 counties: 10\n");
        buf_puts(&b, at + strlen("form attachment2 counties: 11\n"));
        at = strstr(b.p, "placement township_home -> none: 1\n");
        assert_non_null(at);
        Buf c = {0};
        buf_add(&c, b.p, (size_t)(at - b.p));
        buf_puts(&c, at + strlen("placement township_home -> none: 1\n"));
        buf_puts(&c, "member orphan: +1\n");
        free(b.p);
        off2 = buf_take(&c);
    }
    v = expect_text(d, s.dir, off2);
    assert_int_equal(v.rc, 1);
    assert_text_equal(v.mismatches, sf("%s:1: expected 3, actual 2 (changed)\n"
                                       "%s:43: expected 10, actual 11 (form attachment2 counties)\n"
                                       "%s:70: expected +1, actual 0 (member orphan: 0 → 0)\n"
                                       "unapproved change: placement township_home -> none: 1\n",
                                       file, file, file));
    verdict_free(&v);
    free(off);
    free(off2);

    char *wrong = edited("category none: +2\n", "category none: +3\n");
    char *missing = edited("placement township_home -> none: 1\n", "");
    v = expect_text(d, s.dir, wrong);
    assert_int_equal(v.rc, 1);
    assert_text_equal(v.mismatches, sf("%s:4: expected +3, actual +2 (category none: 1 → 3)\n", file));
    verdict_free(&v);
    v = expect_text(d, s.dir, missing);
    assert_int_equal(v.rc, 1);
    assert_text_equal(v.mismatches, "unapproved change: placement township_home -> none: 1\n");
    verdict_free(&v);
    text = doudi_diff_render(d, DOUDI_TEXT);   /* the verdict of the last check is in the report */
    assert_non_null(strstr(text, "\n  unapproved change: placement township_home -> none: 1\n"
                                 "1 figure differs from the approved changes\n"));
    free(text);
    char *json = doudi_diff_render(d, DOUDI_JSON);
    assert_non_null(strstr(json, "\"as_approved\": false, \"mismatches\": [\"unapproved change: placement "
                                 "township_home -> none: 1\"]}"));
    free(json);

    /* the long form, the arrow, spaces and comments */
    char *spelled = edited("lonely_elderly 2021: -1\n"
                           "placement village_courtyard -> none: 1\n"
                           "placement township_home -> none: 1\n",
                           "category lonely_elderly 2021 :  -1\n"
                           "  placement village_courtyard→none: 1   # 幸福大院 → 无\n"
                           "placement township_home->none:1\n");
    v = expect_text(d, s.dir, spelled);
    assert_int_equal(v.rc, 0);
    verdict_free(&v);

    /* lines that are no figure: each named, nothing checked */
    v = expect_text(d, s.dir,
                    "category tekn: -1\n"
                    "category tekun: 1\n"
                    "placement home -> home: 1\n"
                    "placement village_courtyard -> none: +1\n"
                    "form attachment3 city tekun subtotal: -1\n"
                    "form attachment1 city tekun beds: -1\n"
                    "capacity city village_courtyard beds: -1\n"
                    "year twenty: +1\n"
                    "tekun review: -1\n"
                    "changed 2\n"
                    "the blue sky: +1\n");
    assert_int_equal(v.rc, -1);
    assert_null(v.mismatches);
    assert_text_equal(v.error,
                      sf("%s:1: no category 'tekn' in either rule file\n"
                         "%s:2: a change is written with its sign: +1 or -1\n"
                         "%s:3: 'home -> home' is no move: a transition goes from one placement to another\n"
                         "%s:4: a count is written without a sign: 1\n"
                         "%s:5: no form 'attachment3' in the new rule file\n"
                         "%s:6: form attachment1 has no column 'beds'\n"
                         "%s:7: no number 'beds' in the capacity plan (demand, required_beds, existing, "
                         "existing_beds, new, upgrades, tasks, build_YEAR)\n"
                         "%s:8: 'twenty' is no year (a year, none or review)\n"
                         "%s:9: 'review' is no year (a year or none)\n"
                         "%s:10: expected FIGURE: CHANGE, e.g. 'category tekun: -3'\n"
                         "%s:11: not a figure (docs/rule-changes.md lists them: changed, category, member, "
                         "placement, year, CATEGORY YEAR, form, capacity)",
                         file, file, file, file, file, file, file, file, file, file, file));
    verdict_free(&v);
    char *err = NULL, *mm = NULL;
    assert_int_equal(doudi_diff_expect(d, sf("%s/no-such.approved", s.dir), &mm, &err), -1);
    assert_non_null(strstr(err, "cannot read "));
    doudi_string_free(err);

    free(bulk);
    free(no_count);
    free(neither);
    free(wrong);
    free(missing);
    free(spelled);
    doudi_diff_free(d);
    doudi_free(new_rules);
    scratch_free(&s);
}

/* ---- the population as a ledger, and a ledger of one's own ---------------------------------------- */

static void test_ledger_population(void **state)
{
    (void)state;
    Scratch s = scratch();
    char *db = path_in(s.dir, "ledger.db"), *persons = path_in(s.pop, "persons.csv");
    char *err = NULL;
    doudi_ledger *l = doudi_ledger_open(db, &err);
    assert_non_null(l);
    assert_int_equal(doudi_import(l, old_rules, 0, persons, NULL, NULL, NULL, &err), 0);
    assert_int_equal(doudi_run(l, old_rules, NULL, NULL, NULL, NULL, &err), 0);
    doudi_ledger_close(l);
    size_t len = 0, len2 = 0;
    char *bytes = slurp(db, &len);
    size_t files = entries(s.dir);

    doudi_rules *new_rules = elderly65();
    doudi_diff *d = diff_of(db, new_rules, 10);
    char *got = changes(d);
    assert_text_equal(got, EXPECTED_CHANGES);
    free(got);
    doudi_diff_free(d);
    char *after = slurp(db, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(bytes, after, len);   /* only read: byte for byte the same */
    assert_int_equal(entries(s.dir), files);  /* no -wal or -shm left beside it */
    assert_int_equal(query_int(db, "SELECT count(*) FROM doudi_runs"), 1);
    free(after);

    /* diffing a ledger of one's own stores both runs in it */
    l = doudi_ledger_open(db, &err);
    d = doudi_diff_ledger(l, old_rules, new_rules, 10, &err);
    assert_non_null(d);
    got = changes(d);
    assert_text_equal(got, EXPECTED_CHANGES);
    free(got);
    doudi_diff_free(d);
    doudi_ledger_close(l);
    assert_int_equal(query_int(db, "SELECT count(*) FROM doudi_runs"), 3);

    free(bytes);
    unlink(db);
    free(db);
    free(persons);
    doudi_free(new_rules);
    scratch_free(&s);
}

/* New rules may declare a field the old ones lack: the population is imported with each. */
static void test_new_field(void **state)
{
    (void)state;
    Scratch s = scratch();
    doudi_rules *with_default = amended("hukou.doudi", "  wants_central:",
                                        "  hukou:                text \"户籍\" default \"郑州\"\n  wants_central:");
    doudi_diff *d = diff_of(s.pop, with_default, 10);
    char *got = changes(d);
    assert_text_equal(got, "");
    free(got);
    doudi_diff_free(d);
    /* a new field with no default and no column: the import with the new rules fails */
    doudi_rules *required = amended("hukou2.doudi", "  wants_central:", "  hukou:                text \"户籍\"\n  wants_central:");
    char *err = NULL;
    assert_null(doudi_diff_population(old_rules, required, s.pop, 10, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "reading the population with hukou2.doudi: "));
    doudi_string_free(err);
    err = NULL;
    /* no population, or a file that is no ledger */
    assert_null(doudi_diff_population(old_rules, with_default, sf("%s/nowhere", s.dir), 10, &err));
    assert_non_null(strstr(err, "cannot read the population "));
    doudi_string_free(err);
    err = NULL;
    char *persons = path_in(s.pop, "persons.csv");
    assert_null(doudi_diff_population(old_rules, with_default, persons, 10, &err));
    assert_non_null(strstr(err, "is neither a directory with persons.csv nor a ledger"));
    doudi_string_free(err);
    free(persons);
    doudi_free(with_default);
    doudi_free(required);
    scratch_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_no_change),
        cmocka_unit_test(test_matrix_and_people),
        cmocka_unit_test(test_expect),
        cmocka_unit_test(test_ledger_population),
        cmocka_unit_test(test_new_field),
    };
    return cmocka_run_group_tests(tests, setup_rules, teardown_rules);
}
