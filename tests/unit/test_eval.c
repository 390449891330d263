/* test_eval.c — the Zhengzhou rules (rules/zhengzhou-2021.doudi) run through the embedding API
 * (doudi.h; a generated population, read with engine/csv.h, for the batch): categories,
 * primary, placement, record validation, explanations and batch evaluation.
 *
 * Every expected value is worked out by hand from INTERPRETATION.md (§1 the record, §2 derived
 * values, §3 categories, §4 placement); the reasoning is in the comments. Unless a case says
 * otherwise the survey date as_of is the default 2021-04-01, and the person is the baseline of
 * eval_helpers.h (39 years old, in no category) with the fields named in the case changed.
 * Category bits and placement numbers are in declaration order:
 *   categories  0 tekun, 1 severe_disabled, 2 chronic_illness, 3 disabled_care, 4 orphan,
 *               5 lonely_elderly
 *   care_mode   0 home, 1 medical_rehab, 2 disability_center, 3 welfare_institution,
 *               4 village_courtyard, 5 township_home
 *   branches    0 home, 1 medical_rehab, 2 disability_center, 3 welfare_institution (orphan),
 *               4 village_courtyard (full), 5 township_home (partial), 6 welfare_institution (none)
 */
#include "eval_helpers.h"

#include "engine/csv.h"
#include "gen/gen.h"

static doudi_rules *R;   /* compiled once for the group */

static int group_setup(void **state)
{
    (void)state;
    char *diags = NULL;
    R = doudi_compile_file(ZZ_RULES, &diags);
    if (!R) fprintf(stderr, "cannot compile %s:\n%s\n", ZZ_RULES, diags ? diags : "(no diagnostics)");
    doudi_string_free(diags);
    return R ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    doudi_free(R);
    R = NULL;
    return 0;
}

/* A fresh compile of the rule file, for the cases that override params (so R keeps its
 * defaults). */
static doudi_rules *compile_zz(void)
{
    char *diags = NULL;
    doudi_rules *r = doudi_compile_file(ZZ_RULES, &diags);
    if (!r) print_error("%s\n", diags ? diags : "");
    doudi_string_free(diags);
    assert_non_null(r);
    return r;
}

/* Evaluate `person` (built with zz_person) against `r`, check the outcome, free the record. */
#define CASE(r, person, cats, primary, placement, branch)                    \
    do {                                                                     \
        doudi_record *rec_ = (person);                                       \
        assert_outcome((r), rec_, (cats), (primary), (placement), (branch)); \
        doudi_record_free(rec_);                                             \
    } while (0)

/* Not a target: no category, no primary, no placement (INTERPRETATION §3 last line). */
#define NOT_TARGET(r, person) CASE((r), (person), 0, -1, -1, -1)

/* The JSON explanation of `person` contains `needle` (e.g. "\"age\":18,"). */
static void assert_json_has_at(const doudi_rules *r, doudi_record *rec, const char *needle, const char *file,
                               int line)
{
    char *j = explain_ok_at(r, rec, DOUDI_JSON, file, line);
    assert_contains_at(j, needle, file, line);
    doudi_string_free(j);
}
#define assert_json_has(r, rec, needle) assert_json_has_at((r), (rec), (needle), __FILE__, __LINE__)

/* ---- the rule file and the helpers ------------------------------------------------------ */

static void test_declarations(void **state)
{
    (void)state;
    /* §3: six categories in this order, with their labels and cites */
    static const char *names[] = {"tekun", "severe_disabled", "chronic_illness", "disabled_care", "orphan",
                                  "lonely_elderly"};
    static const char *labels[] = {"特困供养人员", "贫困重度残疾人员", "重症慢性病人员", "失能、半失能人员", "孤儿",
                                   "孤寡老人"};
    static const char *cites[] = {"三、(一)", "三、(二)", "三、(三)", "三、(四)", "三、(五)", "三、(六)"};
    assert_int_equal(doudi_category_count(R), ZZ_NCAT);
    for (int i = 0; i < ZZ_NCAT; i++) {
        assert_string_equal(doudi_category_name(R, i), names[i]);
        assert_string_equal(doudi_category_label(R, i), labels[i]);
        assert_string_equal(doudi_category_cite(R, i), cites[i]);
    }
    assert_null(doudi_category_name(R, -1));
    assert_null(doudi_category_name(R, ZZ_NCAT));
    /* enum care_mode, in declaration order */
    static const char *modes[] = {"home", "medical_rehab", "disability_center", "welfare_institution",
                                  "village_courtyard", "township_home"};
    static const char *mode_labels[] = {"居家供养", "医疗康复机构", "残疾人托养中心", "社会福利机构", "村级幸福大院",
                                        "乡镇敬老院"};
    for (int v = 0; v < 6; v++) {
        assert_string_equal(doudi_placement_name(R, v), modes[v]);
        assert_string_equal(doudi_placement_label(R, v), mode_labels[v]);
    }
    assert_null(doudi_placement_name(R, -1));
    assert_null(doudi_placement_label(R, -1));
    assert_null(doudi_placement_name(R, 6));
    assert_string_equal(doudi_policy(R), "郑州市特殊贫困群体兜底保障工作三年行动方案");
    /* §1: 36 columns, id first (labelled 身份证号), wants_central last */
    assert_int_equal(doudi_field_count(R), 36);
    assert_string_equal(doudi_field_name(R, 0), "id");
    assert_string_equal(doudi_field_label(R, 0), "身份证号");
    assert_string_equal(doudi_field_name(R, 35), "wants_central");
    assert_null(doudi_field_name(R, 36));
}

static void test_id_helper(void **state)
{
    (void)state;
    char id[19];
    /* 11010519491231002X, by hand: digits 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 times the weights
     * 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167;
     * 167 mod 11 = 2 -> "10X98765432"[2] = X. Digit 17 is 2, even: female. */
    make_id(id, "110105", "1949-12-31", 2);
    assert_string_equal(id, "11010519491231002X");
    /* 410122195003071238 (language.md's example): 28+9+0+5+16+8+2+9+30+0+0+27+0+35+8+8+6 = 191;
     * 191 mod 11 = 4 -> '8'. */
    make_id(id, "410122", "1950-03-07", 123);
    assert_string_equal(id, "410122195003071238");
    /* the baseline, 41012219810510001?: 28+9+0+5+16+8+2+9+48+3+0+45+10+0+0+0+2 = 185;
     * 185 mod 11 = 9 -> '3' */
    make_id(id, "410122", "1981-05-10", 1);
    assert_string_equal(id, "410122198105100013");
    /* 1950-06-15, seq 001: 28+9+0+5+16+8+2+9+30+0+0+54+10+25+0+0+2 = 198; 198 mod 11 = 0 -> '1' */
    make_id(id, "410122", "1950-06-15", 1);
    assert_string_equal(id, "410122195006150011");
    /* 1960-02-29, seq 002: 28+9+0+5+16+8+2+9+36+0+0+18+20+45+0+0+4 = 200; 200 mod 11 = 2 -> 'X' */
    make_id(id, "410122", "1960-02-29", 2);
    assert_string_equal(id, "41012219600229002X");

    /* and the engine agrees: the known id with its birth date and sex validates */
    doudi_record *rec = zz_person(R, "1949-12-31", false, "id=11010519491231002X");
    char *err = NULL;
    assert_int_equal(doudi_record_validate(R, rec, &err), 0);
    assert_null(err);
    doudi_record_free(rec);
}

/* The baseline itself is in no category (see ZZ_BASE), and its id validates. */
static void test_baseline_not_target(void **state)
{
    (void)state;
    doudi_record *rec = zz_person(R, NULL, true, NULL);
    char *err = NULL;
    assert_int_equal(doudi_record_validate(R, rec, &err), 0);
    assert_outcome(R, rec, 0, -1, -1, -1);
    /* age 39: born 1981-05-10, 2021 - 1981 = 40, birthday not yet on 04-01 */
    assert_json_has(R, rec, "\"age\":39,");
    assert_json_has(R, rec, "\"self_care\":\"full\"");
    doudi_record_free(rec);
    /* with the seven home-care conditions met and no wish for central care: still no placement,
     * placement is for targets only (§4) */
    NOT_TARGET(R, zz_person(R, NULL, true, ZZ_HOME_MET ",wants_central=no"));
}

/* ---- each category alone ---------------------------------------------------------------- */

static void test_tekun_alone(void **state)
{
    (void)state;
    /* born 1950-06-15: age 70 on 2021-04-01 (elderly). labor none, no income, supporter none:
     * tekun. Not poor, so not 2, 3, 4, 6; not minor, so not 5. ADL all: self_care full ->
     * branches 0..3 fail (home_care_met false, no illness, not severe_disabled, not orphan),
     * branch 4 village_courtyard. */
    CASE(R, zz_person(R, "1950-06-15", true, "labor_capacity=none,income_source=0,supporter=none"), CAT(TEKUN),
         TEKUN, VILLAGE_COURTYARD, BR_FULL);
    /* supporter unable counts like none */
    CASE(R, zz_person(R, "1950-06-15", true, "labor_capacity=none,income_source=0,supporter=unable"), CAT(TEKUN),
         TEKUN, VILLAGE_COURTYARD, BR_FULL);
    /* the disability path: 39 years old (neither elderly nor minor) with a hearing disability of
     * grade 3: disability_grade >= 1 -> tekun; grade 3 hearing is not severe_disabled, and not
     * poor anyway */
    CASE(R, zz_person(R, NULL, true,
                      "labor_capacity=none,income_source=0,supporter=none,disability_type=hearing,disability_grade=3"),
         CAT(TEKUN), TEKUN, VILLAGE_COURTYARD, BR_FULL);
    /* the minor path: born 2010-05-05, 10 years old, with a capable guardian (so not orphan) */
    CASE(R, zz_person(R, "2010-05-05", false, "labor_capacity=none,income_source=0,supporter=unable"), CAT(TEKUN),
         TEKUN, VILLAGE_COURTYARD, BR_FULL);
    /* each condition missing in turn: not a target */
    NOT_TARGET(R, zz_person(R, NULL, true, "labor_capacity=none,income_source=0,supporter=none")); /* 39, grade 0 */
    NOT_TARGET(R, zz_person(R, "1950-06-15", true, "labor_capacity=none,income_source=0,supporter=able"));
    NOT_TARGET(R, zz_person(R, "1950-06-15", true, "labor_capacity=none,income_source=1,supporter=none"));
    NOT_TARGET(R, zz_person(R, "1950-06-15", true, "labor_capacity=partial,income_source=0,supporter=none"));
}

static void test_severe_disabled_alone(void **state)
{
    (void)state;
    /* dibao (poor), physical grade 1. labor full: not tekun, not disabled_care; no illness; 39:
     * not orphan, not lonely. Placement: home_care_met false, no illness -> branch 2
     * disability_center. */
    CASE(R, zz_person(R, NULL, true, "dibao=1,disability_type=physical,disability_grade=1"), CAT(SEVERE_DISABLED),
         SEVERE_DISABLED, DISABILITY_CENTER, BR_DISABILITY);
    /* poor by low_income or registered_poor alone (poor_household is the or of the three) */
    CASE(R, zz_person(R, NULL, true, "low_income=1,disability_type=intellectual,disability_grade=2"),
         CAT(SEVERE_DISABLED), SEVERE_DISABLED, DISABILITY_CENTER, BR_DISABILITY);
    CASE(R, zz_person(R, NULL, true, "registered_poor=1,disability_type=mental,disability_grade=2"),
         CAT(SEVERE_DISABLED), SEVERE_DISABLED, DISABILITY_CENTER, BR_DISABILITY);
    /* not poor: not a target */
    NOT_TARGET(R, zz_person(R, NULL, true, "disability_type=physical,disability_grade=1"));
}

static void test_chronic_illness_alone(void **state)
{
    (void)state;
    /* dibao, chronic_severe, the family cannot bear it, one ADL item lost (adl_lost 1 ->
     * partial != full). labor full: no tekun/disabled_care. Placement: home no; branch 1:
     * chronic_severe and self_care != full -> medical_rehab. */
    CASE(R, zz_person(R, NULL, true, "dibao=1,chronic_severe=1,family_can_bear=0,adl_bathe=0"),
         CAT(CHRONIC_ILLNESS), CHRONIC_ILLNESS, MEDICAL_REHAB, BR_MEDICAL);
    /* the family can bear it: not in the category, and no other -> not a target */
    NOT_TARGET(R, zz_person(R, NULL, true, "dibao=1,chronic_severe=1,family_can_bear=1,adl_bathe=0"));
    /* self_care full (no ADL lost): not in the category */
    NOT_TARGET(R, zz_person(R, NULL, true, "dibao=1,chronic_severe=1,family_can_bear=0"));
}

static void test_disabled_care_alone(void **state)
{
    (void)state;
    /* dibao, labor partial (so not tekun, which needs none), family care heavy. ADL all: full ->
     * branch 4 village_courtyard. */
    CASE(R, zz_person(R, NULL, true, "dibao=1,labor_capacity=partial,family_care=heavy"), CAT(DISABLED_CARE),
         DISABLED_CARE, VILLAGE_COURTYARD, BR_FULL);
    /* labor none but an income: not tekun, still disabled_care; family care none */
    CASE(R, zz_person(R, NULL, true, "low_income=1,labor_capacity=none,income_source=1,family_care=none"),
         CAT(DISABLED_CARE), DISABLED_CARE, VILLAGE_COURTYARD, BR_FULL);
    /* family care adequate, or labor full: not a target */
    NOT_TARGET(R, zz_person(R, NULL, true, "dibao=1,labor_capacity=partial,family_care=adequate"));
    NOT_TARGET(R, zz_person(R, NULL, true, "dibao=1,labor_capacity=full,family_care=heavy"));
}

static void test_orphan_alone(void **state)
{
    (void)state;
    /* born 2010-05-05: 10, a minor, no guardian. labor full (baseline): not tekun; not poor.
     * Placement: branch 3, orphan -> welfare_institution (before branch 4, though self_care is
     * full). */
    CASE(R, zz_person(R, "2010-05-05", false, "guardian=none"), CAT(ORPHAN), ORPHAN, WELFARE_INSTITUTION,
         BR_ORPHAN);
    CASE(R, zz_person(R, "2010-05-05", false, "guardian=incapable"), CAT(ORPHAN), ORPHAN, WELFARE_INSTITUTION,
         BR_ORPHAN);
    /* a capable guardian, but 事实无人抚养 */
    CASE(R, zz_person(R, "2010-05-05", false, "guardian=capable,de_facto_unsupported=1"), CAT(ORPHAN), ORPHAN,
         WELFARE_INSTITUTION, BR_ORPHAN);
    /* a capable guardian: not a target */
    NOT_TARGET(R, zz_person(R, "2010-05-05", false, NULL));
    /* an adult without a guardian is no orphan */
    NOT_TARGET(R, zz_person(R, NULL, true, "guardian=none,de_facto_unsupported=1"));
}

static void test_lonely_elderly_alone(void **state)
{
    (void)state;
    /* 70, dibao, no caretaker, two ADL items lost (adl_lost 2 -> partial). labor full: not tekun
     * nor disabled_care; no illness. Placement: no illness, not severe/orphan, not full ->
     * branch 5 township_home. */
    CASE(R, zz_person(R, "1950-06-15", true, "dibao=1,has_caretaker=0,adl_walk=0,adl_bathe=0"),
         CAT(LONELY_ELDERLY), LONELY_ELDERLY, TOWNSHIP_HOME, BR_PARTIAL);
    /* with a caretaker, or self_care full: not a target */
    NOT_TARGET(R, zz_person(R, "1950-06-15", true, "dibao=1,has_caretaker=1,adl_walk=0,adl_bathe=0"));
    NOT_TARGET(R, zz_person(R, "1950-06-15", true, "dibao=1,has_caretaker=0"));
}

/* ---- several at once ------------------------------------------------------------------- */

static void test_several_categories(void **state)
{
    (void)state;
    /* language.md's lonely old man: born 1950-03-07 -> 71; dibao, labor none, no income, no
     * supporter -> tekun; labor none + family care none -> disabled_care; no caretaker and 2 ADL
     * lost (partial) -> lonely_elderly. Primary: tekun (first). Placement: partial -> branch 5. */
    CASE(R,
         zz_person(R, "1950-03-07", true,
                   "id=410122195003071238,dibao=1,labor_capacity=none,income_source=0,supporter=none,"
                   "family_care=none,has_caretaker=0,adl_bed=0,adl_bathe=0"),
         CAT(TEKUN) | CAT(DISABLED_CARE) | CAT(LONELY_ELDERLY), TEKUN, TOWNSHIP_HOME, BR_PARTIAL);

    /* a 10-year-old, dibao, intellectual grade 2 -> severe_disabled; chronic, family cannot
     * bear, 1 ADL lost -> chronic_illness; guardian incapable -> orphan. labor full: not tekun
     * nor disabled_care. Primary: severe_disabled (the first of 1, 2, 4). Placement: branch 1
     * (chronic and partial) medical_rehab, before disability_center and the orphan branch. */
    CASE(R,
         zz_person(R, "2010-05-05", false,
                   "dibao=1,disability_type=intellectual,disability_grade=2,chronic_severe=1,family_can_bear=0,"
                   "adl_dress=0,guardian=incapable"),
         CAT(SEVERE_DISABLED) | CAT(CHRONIC_ILLNESS) | CAT(ORPHAN), SEVERE_DISABLED, MEDICAL_REHAB, BR_MEDICAL);

    /* five at once (orphan needs a minor and lonely_elderly an elder, so six cannot hold):
     * 10 years old, dibao, labor none, no income, supporter unable, minor -> tekun; mental
     * grade 1 -> severe_disabled; chronic, cannot bear, 4 ADL lost (none) -> chronic_illness;
     * labor none, family care heavy -> disabled_care; no guardian -> orphan. Primary tekun.
     * Placement: chronic and self_care none -> branch 1 medical_rehab. */
    CASE(R,
         zz_person(R, "2010-05-05", false,
                   "dibao=1,labor_capacity=none,income_source=0,supporter=unable,disability_type=mental,"
                   "disability_grade=1,chronic_severe=1,family_can_bear=0,adl_eat=0,adl_dress=0,adl_bed=0,"
                   "adl_toilet=0,family_care=heavy,guardian=none"),
         CAT(TEKUN) | CAT(SEVERE_DISABLED) | CAT(CHRONIC_ILLNESS) | CAT(DISABLED_CARE) | CAT(ORPHAN), TEKUN,
         MEDICAL_REHAB, BR_MEDICAL);

    /* 70, dibao, labor partial, family heavy -> disabled_care; no caretaker, 1 ADL lost ->
     * lonely_elderly. Primary disabled_care (3 before 5). Partial -> township_home. */
    CASE(R,
         zz_person(R, "1950-06-15", true,
                   "dibao=1,labor_capacity=partial,family_care=heavy,has_caretaker=0,adl_toilet=0"),
         CAT(DISABLED_CARE) | CAT(LONELY_ELDERLY), DISABLED_CARE, TOWNSHIP_HOME, BR_PARTIAL);
}

/* ---- ages ----------------------------------------------------------------------------------- */

static void test_age_boundaries(void **state)
{
    (void)state;
    doudi_record *rec;
    /* born 2003-04-01: 18 on 2021-04-01, the birthday itself -> not a minor -> no orphan */
    rec = zz_person(R, "2003-04-01", false, "guardian=none");
    assert_json_has(R, rec, "\"age\":18,");
    assert_outcome(R, rec, 0, -1, -1, -1);
    doudi_record_free(rec);
    /* born 2003-04-02: birthday tomorrow -> 17 -> minor -> orphan */
    rec = zz_person(R, "2003-04-02", false, "guardian=none");
    assert_json_has(R, rec, "\"age\":17,");
    assert_outcome(R, rec, CAT(ORPHAN), ORPHAN, WELFARE_INSTITUTION, BR_ORPHAN);
    doudi_record_free(rec);
    /* born 1961-04-01: 60 today -> elderly -> lonely_elderly (dibao, no caretaker, 1 ADL lost) */
    rec = zz_person(R, "1961-04-01", true, "dibao=1,has_caretaker=0,adl_bathe=0");
    assert_json_has(R, rec, "\"age\":60,");
    assert_outcome(R, rec, CAT(LONELY_ELDERLY), LONELY_ELDERLY, TOWNSHIP_HOME, BR_PARTIAL);
    doudi_record_free(rec);
    /* born 1961-04-02: 59 -> not elderly -> not a target */
    rec = zz_person(R, "1961-04-02", true, "dibao=1,has_caretaker=0,adl_bathe=0");
    assert_json_has(R, rec, "\"age\":59,");
    assert_outcome(R, rec, 0, -1, -1, -1);
    doudi_record_free(rec);
}

/* A 29 February birthday counts as passed on 1 March (§2). as_of is overridden, so these use
 * their own compiled rules. */
static void test_age_29_february(void **state)
{
    (void)state;
    doudi_rules *r = compile_zz();
    char *err = NULL;
    /* born 1960-02-29 (id 41012219600229002X, see test_id_helper), dibao, alone, 1 ADL lost.
     * With elderly_age 61 the category tells 60 from 61. */
    assert_int_equal(doudi_set_param(r, "elderly_age", "61", &err), 0);
    doudi_record *rec = zz_person(r, "1960-02-29", false, "dibao=1,has_caretaker=0,adl_bathe=0");
    /* 2021-02-28: 2021 has no 29 February, the birthday is 03-01, not yet -> 60 */
    assert_int_equal(doudi_set_param(r, "as_of", "2021-02-28", &err), 0);
    assert_json_has(r, rec, "\"age\":60,");
    assert_outcome(r, rec, 0, -1, -1, -1);
    /* 2021-03-01: 61 -> elderly (61) -> lonely_elderly */
    assert_int_equal(doudi_set_param(r, "as_of", "2021-03-01", &err), 0);
    assert_json_has(r, rec, "\"age\":61,");
    assert_outcome(r, rec, CAT(LONELY_ELDERLY), LONELY_ELDERLY, TOWNSHIP_HOME, BR_PARTIAL);
    /* in a leap year the birthday is the 29th itself: 2020-02-28 -> 59, 2020-02-29 -> 60 */
    assert_int_equal(doudi_set_param(r, "as_of", "2020-02-28", &err), 0);
    assert_json_has(r, rec, "\"age\":59,");
    assert_int_equal(doudi_set_param(r, "as_of", "2020-02-29", &err), 0);
    assert_json_has(r, rec, "\"age\":60,");
    doudi_record_free(rec);

    /* a minor by the same rule: born 2004-02-29, no guardian; 17 on 2022-02-28 (orphan), 18 on
     * 2022-03-01 (not a minor: not a target) */
    rec = zz_person(r, "2004-02-29", false, "guardian=none");
    assert_int_equal(doudi_set_param(r, "as_of", "2022-02-28", &err), 0);
    assert_json_has(r, rec, "\"age\":17,");
    assert_outcome(r, rec, CAT(ORPHAN), ORPHAN, WELFARE_INSTITUTION, BR_ORPHAN);
    assert_int_equal(doudi_set_param(r, "as_of", "2022-03-01", &err), 0);
    assert_json_has(r, rec, "\"age\":18,");
    assert_outcome(r, rec, 0, -1, -1, -1);
    doudi_record_free(rec);
    assert_null(err);

    /* the override belongs to r: the shared rules R still use 2021-04-01 (age 39) */
    rec = zz_person(R, NULL, true, NULL);
    assert_json_has(R, rec, "\"age\":39,");
    doudi_record_free(rec);

    /* bad overrides are refused with a message */
    assert_int_equal(doudi_set_param(r, "no_such_param", "1", &err), -1);
    assert_non_null(err);
    assert_contains(err, "no_such_param");
    doudi_string_free(err);
    err = NULL;
    assert_int_equal(doudi_set_param(r, "as_of", "2021-02-30", &err), -1);
    assert_non_null(err);
    doudi_string_free(err);
    err = NULL;
    assert_int_equal(doudi_set_param(r, "elderly_age", "sixty", &err), -1);
    assert_non_null(err);
    doudi_string_free(err);
    doudi_free(r);
}

/* ---- self care (ADL) -------------------------------------------------------------------------- */

static void test_adl(void **state)
{
    (void)state;
    /* the disabled_care person (dibao, labor partial, family heavy): no illness, not severe, not
     * orphan, so the self_care branches 4..6 decide */
    const char *dc = "dibao=1,labor_capacity=partial,family_care=heavy";
    char buf[512];
    doudi_record *rec;
    /* adl_lost 0 -> full -> branch 4 village_courtyard */
    CASE(R, zz_person(R, NULL, true, dc), CAT(DISABLED_CARE), DISABLED_CARE, VILLAGE_COURTYARD, BR_FULL);
    /* each one of the six items alone: adl_lost 1 -> partial -> branch 5 township_home */
    static const char *items[] = {"adl_eat", "adl_dress", "adl_bed", "adl_toilet", "adl_walk", "adl_bathe"};
    for (size_t i = 0; i < EH_LEN(items); i++) {
        snprintf(buf, sizeof buf, "%s,%s=0", dc, items[i]);
        rec = zz_person(R, NULL, true, buf);
        assert_json_has(R, rec, "\"adl_lost\":1,");
        assert_outcome(R, rec, CAT(DISABLED_CARE), DISABLED_CARE, TOWNSHIP_HOME, BR_PARTIAL);
        doudi_record_free(rec);
    }
    /* adl_lost 3 -> still partial (1..3) -> township_home */
    snprintf(buf, sizeof buf, "%s,adl_eat=0,adl_dress=0,adl_bed=0", dc);
    rec = zz_person(R, NULL, true, buf);
    assert_json_has(R, rec, "\"adl_lost\":3,");
    assert_json_has(R, rec, "\"self_care\":\"partial\"");
    assert_outcome(R, rec, CAT(DISABLED_CARE), DISABLED_CARE, TOWNSHIP_HOME, BR_PARTIAL);
    doudi_record_free(rec);
    /* adl_lost 4 -> none -> welfare_institution by branch 6 (self_care none), not branch 3
     * (that one is for orphans) */
    snprintf(buf, sizeof buf, "%s,adl_eat=0,adl_dress=0,adl_bed=0,adl_toilet=0", dc);
    rec = zz_person(R, NULL, true, buf);
    assert_json_has(R, rec, "\"adl_lost\":4,");
    assert_json_has(R, rec, "\"self_care\":\"none\"");
    assert_outcome(R, rec, CAT(DISABLED_CARE), DISABLED_CARE, WELFARE_INSTITUTION, BR_NONE);
    doudi_record_free(rec);
    /* adl_lost 6 -> none */
    snprintf(buf, sizeof buf, "%s,adl_eat=0,adl_dress=0,adl_bed=0,adl_toilet=0,adl_walk=0,adl_bathe=0", dc);
    rec = zz_person(R, NULL, true, buf);
    assert_json_has(R, rec, "\"adl_lost\":6,");
    assert_outcome(R, rec, CAT(DISABLED_CARE), DISABLED_CARE, WELFARE_INSTITUTION, BR_NONE);
    doudi_record_free(rec);
}

/* ---- placement order ----------------------------------------------------------------------- */

static void test_placement_order(void **state)
{
    (void)state;
    char buf[512];
    const char *dc = "dibao=1,labor_capacity=partial,family_care=heavy";   /* disabled_care, full */
    /* all seven home conditions and wants_central no -> branch 0 home */
    snprintf(buf, sizeof buf, "%s,%s,wants_central=no", dc, ZZ_HOME_MET);
    CASE(R, zz_person(R, NULL, true, buf), CAT(DISABLED_CARE), DISABLED_CARE, HOME, BR_HOME);
    /* undecided != yes -> home */
    snprintf(buf, sizeof buf, "%s,%s,wants_central=undecided", dc, ZZ_HOME_MET);
    CASE(R, zz_person(R, NULL, true, buf), CAT(DISABLED_CARE), DISABLED_CARE, HOME, BR_HOME);
    /* wants central care -> not home; self_care full -> village_courtyard */
    snprintf(buf, sizeof buf, "%s,%s,wants_central=yes", dc, ZZ_HOME_MET);
    CASE(R, zz_person(R, NULL, true, buf), CAT(DISABLED_CARE), DISABLED_CARE, VILLAGE_COURTYARD, BR_FULL);
    /* any one of the seven missing -> not home */
    static const char *home[] = {"home_caregiver", "home_same_food", "home_same_housing", "home_medical",
                                 "home_activity_space", "home_heating_cooling", "home_pocket_money"};
    for (size_t i = 0; i < EH_LEN(home); i++) {
        snprintf(buf, sizeof buf, "%s,%s,wants_central=no,%s=0", dc, ZZ_HOME_MET, home[i]);
        CASE(R, zz_person(R, NULL, true, buf), CAT(DISABLED_CARE), DISABLED_CARE, VILLAGE_COURTYARD, BR_FULL);
    }
    /* home comes first even for a severe_disabled person */
    snprintf(buf, sizeof buf, "dibao=1,disability_type=physical,disability_grade=1,%s,wants_central=no", ZZ_HOME_MET);
    CASE(R, zz_person(R, NULL, true, buf), CAT(SEVERE_DISABLED), SEVERE_DISABLED, HOME, BR_HOME);
    /* medical_rehab beats disability_center: severe_disabled, chronically ill (the family can
     * bear it, so not in chronic_illness) with 1 ADL lost -> branch 1 */
    CASE(R,
         zz_person(R, NULL, true,
                   "dibao=1,disability_type=physical,disability_grade=1,chronic_severe=1,family_can_bear=1,adl_bathe=0"),
         CAT(SEVERE_DISABLED), SEVERE_DISABLED, MEDICAL_REHAB, BR_MEDICAL);
    /* severe_mental instead of chronic_severe: the same */
    CASE(R, zz_person(R, NULL, true, "dibao=1,disability_type=mental,disability_grade=2,severe_mental=1,adl_walk=0"),
         CAT(SEVERE_DISABLED), SEVERE_DISABLED, MEDICAL_REHAB, BR_MEDICAL);
    /* ill but self_care full -> branch 1 fails -> disability_center */
    CASE(R, zz_person(R, NULL, true, "dibao=1,disability_type=mental,disability_grade=2,severe_mental=1"),
         CAT(SEVERE_DISABLED), SEVERE_DISABLED, DISABILITY_CENTER, BR_DISABILITY);
    /* a severe_disabled orphan with no illness: disability_center (branch 2) before the orphan
     * branch 3 */
    CASE(R, zz_person(R, "2010-05-05", false, "dibao=1,disability_type=physical,disability_grade=2,guardian=none"),
         CAT(SEVERE_DISABLED) | CAT(ORPHAN), SEVERE_DISABLED, DISABILITY_CENTER, BR_DISABILITY);
    /* an orphan who cannot care for himself at all (4 lost): branch 3, not branch 6 */
    CASE(R, zz_person(R, "2010-05-05", true, "guardian=none,adl_eat=0,adl_dress=0,adl_bed=0,adl_toilet=0"),
         CAT(ORPHAN), ORPHAN, WELFARE_INSTITUTION, BR_ORPHAN);
    /* a non-target: placement -1, primary -1 */
    NOT_TARGET(R, zz_person(R, NULL, true, NULL));
}

/* ---- severe disability ----------------------------------------------------------------------- */

static void test_disability_grades(void **state)
{
    (void)state;
    /* dibao; every valid (type, grade): grade 0 only with none, 1..4 with the others. §3 (二):
     * severe_disabled exactly when grade in {1, 2} and type in {physical, intellectual, mental};
     * labor full and no illness, so no other category; then disability_center (branch 2). */
    static const char *types[] = {"none", "visual", "hearing", "speech", "physical", "intellectual", "mental",
                                  "multiple"};
    char buf[256];
    for (size_t t = 0; t < EH_LEN(types); t++)
        for (int g = 0; g <= 4; g++) {
            if ((g == 0) != (t == 0)) continue;
            bool severe = (g == 1 || g == 2) && (t == 4 || t == 5 || t == 6);
            snprintf(buf, sizeof buf, "dibao=1,disability_type=%s,disability_grade=%d", types[t], g);
            doudi_record *rec = zz_person(R, NULL, true, buf);
            if (severe) assert_outcome(R, rec, CAT(SEVERE_DISABLED), SEVERE_DISABLED, DISABILITY_CENTER, BR_DISABILITY);
            else assert_outcome(R, rec, 0, -1, -1, -1);
            doudi_record_free(rec);
        }
}

/* ---- record validation (§1 and the rule file's `require`s) ----------------------------------- */

/* Both doudi_record_validate and doudi_eval refuse rec with exactly `msg` (or, when exact is
 * false, a message containing it). */
static void assert_invalid_at(doudi_record *rec, const char *msg, bool exact, const char *file, int line)
{
    char *err = NULL;
    int rc = doudi_record_validate(R, rec, &err);
    bool ok = rc == -1 && err && (exact ? strcmp(err, msg) == 0 : strstr(err, msg) != NULL);
    if (!ok) print_error("%s:%d: validate: want -1 and \"%s\", got %d \"%s\"\n", file, line, msg, rc, err ? err : "(null)");
    doudi_string_free(err);
    if (!ok) _fail(file, line);
    assert_eval_fails_at(R, rec, msg, file, line);
    char *why = doudi_explain(R, rec, DOUDI_TEXT, &err);
    if (why || !err) {
        print_error("%s:%d: doudi_explain of an invalid record must fail\n", file, line);
        doudi_string_free(why);
        doudi_string_free(err);
        _fail(file, line);
    }
    doudi_string_free(err);
    doudi_record_free(rec);
}
#define assert_invalid(rec, msg, exact) assert_invalid_at((rec), (msg), (exact), __FILE__, __LINE__)

static void test_validation(void **state)
{
    (void)state;
    /* the check character of 41012219810510001? is 3 (test_id_helper); 4 is wrong */
    assert_invalid(zz_person(R, NULL, true, "id=410122198105100014"), "身份证号校验位不正确（GB 11643-1999）", true);
    /* a valid id whose digits 7-14 say 19810510, with birth_date one day later */
    assert_invalid(zz_person(R, NULL, true, "birth_date=1981-05-11"), "出生日期与身份证号第7–14位不符", true);
    /* digit 17 is 1 (odd: male), the record says female */
    assert_invalid(zz_person(R, NULL, true, "sex=female"), "性别与身份证号第17位的奇偶不符", true);
    /* grade 0 with a type, and a grade with type none */
    assert_invalid(zz_person(R, NULL, true, "disability_type=physical,disability_grade=0"),
                   "残疾等级为0当且仅当残疾类别为无", true);
    assert_invalid(zz_person(R, NULL, true, "disability_type=none,disability_grade=2"),
                   "残疾等级为0当且仅当残疾类别为无", true);
    /* disability_grade is `in 0..4`: 5 is out of range (caught by set or by validate) */
    {
        doudi_record *rec = zz_person(R, NULL, true, "disability_type=physical");
        char *err = NULL;
        if (doudi_record_set(rec, "disability_grade", "5", &err) == 0) {
            assert_invalid(rec, "disability_grade", false);
        } else {
            assert_non_null(err);
            assert_contains(err, "disability_grade");
            doudi_string_free(err);
            doudi_record_free(rec);
        }
    }
    /* a field without default left unset: the error names it */
    {
        char id[19];
        make_id(id, "410122", ZZ_BASE_BIRTH, 1);
        /* ZZ_BASE without labor_capacity */
        char buf[1024];
        snprintf(buf, sizeof buf, "id=%s,birth_date=%s,sex=male,%s", id, ZZ_BASE_BIRTH, ZZ_BASE);
        char *p = strstr(buf, "labor_capacity=full,");
        assert_non_null(p);
        memmove(p, p + strlen("labor_capacity=full,"), strlen(p + strlen("labor_capacity=full,")) + 1);
        doudi_record *rec = doudi_record_new(R);
        assert_int_equal(doudi_record_parse(rec, buf, NULL), 0);
        assert_invalid(rec, "labor_capacity", false);
    }
    /* §1: an empty cell is a defect (but see test_empty_optional_cells) */
    {
        doudi_record *rec = zz_person(R, NULL, true, NULL);
        char *err = NULL;
        int rc = doudi_record_set(rec, "county", "", &err);
        if (rc == 0) rc = doudi_record_validate(R, rec, &err);
        assert_int_equal(rc, -1);
        assert_non_null(err);
        assert_contains(err, "county");
        doudi_string_free(err);
        err = NULL;
        rc = doudi_record_set(rec, "dibao", "  ", &err);
        if (rc == 0) rc = doudi_record_validate(R, rec, &err);
        assert_int_equal(rc, -1);
        assert_contains(err, "dibao");
        doudi_string_free(err);
        doudi_record_free(rec);
    }
    /* fields with a default (name, township, village) may be left out: the baseline does */
    {
        doudi_record *rec = zz_person(R, NULL, true, NULL);
        assert_int_equal(doudi_record_validate(R, rec, NULL), 0);
        doudi_record_free(rec);
    }
    /* an id whose digits 7-14 are no date (1981-02-30) but whose check character is right:
     * the 17 digits 41012219810230001 -> 28+9+0+5+16+8+2+9+48+3+0+18+30+0+0+0+2 = 178,
     * 178 mod 11 = 2 -> 'X'. It cannot be valid (no birth_date can match it). */
    {
        char id[19] = "41012219810230001";
        id[17] = id_check_char(id);
        assert_int_equal(id[17], 'X');
        char buf[64];
        snprintf(buf, sizeof buf, "id=%s", id);
        doudi_record *rec = zz_person(R, NULL, true, buf);
        char *err = NULL;
        assert_int_equal(doudi_record_validate(R, rec, &err), -1);
        assert_non_null(err);
        doudi_string_free(err);
        err = NULL;
        doudi_outcome o;
        assert_int_equal(doudi_eval(R, rec, &o, &err), -1);
        doudi_string_free(err);
        doudi_record_free(rec);
    }
    /* a short id */
    {
        doudi_record *rec = zz_person(R, NULL, true, "id=4101221981");
        char *err = NULL;
        assert_int_equal(doudi_record_validate(R, rec, &err), -1);
        doudi_string_free(err);
        doudi_record_free(rec);
    }
    /* setting: an unknown field, a value not of the enum, a bad date, a bad bool */
    {
        doudi_record *rec = doudi_record_new(R);
        char *err = NULL;
        assert_int_equal(doudi_record_set(rec, "no_such_field", "1", &err), -1);
        assert_non_null(err);
        doudi_string_free(err);
        err = NULL;
        assert_int_equal(doudi_record_set(rec, "labor_capacity", "most", &err), -1);
        assert_non_null(err);
        assert_contains(err, "labor_capacity");
        doudi_string_free(err);
        err = NULL;
        assert_int_equal(doudi_record_set(rec, "birth_date", "1981-02-30", &err), -1);
        doudi_string_free(err);
        err = NULL;
        assert_int_equal(doudi_record_set(rec, "dibao", "maybe", &err), -1);
        doudi_string_free(err);
        /* nothing set: validate names the first missing field */
        err = NULL;
        assert_int_equal(doudi_record_validate(R, rec, &err), -1);
        assert_non_null(err);
        assert_contains(err, "id");
        doudi_string_free(err);
        doudi_record_free(rec);
    }
}

/* §1: name, township and village may be empty; the importer gives an empty cell of a field with
 * a default that default, and doudi_record_set reads a value "as the CSV importer reads it". */
static void test_empty_optional_cells(void **state)
{
    (void)state;
    doudi_record *rec = zz_person(R, NULL, true, NULL);
    char *err = NULL;
    int rc = doudi_record_parse(rec, "name=,township=,village=", &err);
    if (rc) print_error("%s\n", err ? err : "");
    doudi_string_free(err);
    assert_int_equal(rc, 0);
    assert_int_equal(doudi_record_validate(R, rec, NULL), 0);
    assert_outcome(R, rec, 0, -1, -1, -1);
    doudi_record_free(rec);
}

/* §1: a value may be given by its label, booleans as 是/否 TRUE/false, a lowercase x ends an id,
 * a field may be named by its label. The same person must come out the same. */
static void test_input_spellings(void **state)
{
    (void)state;
    /* the orphan/tekun child, identifiers: 10, labor none, no income, supporter unable, no
     * guardian -> tekun (minor) and orphan; primary tekun; branch 3 welfare_institution */
    const char *ids = "labor_capacity=none,income_source=0,supporter=unable,guardian=none";
    const char *labels = "劳动能力=无,有生活来源=否,法定义务人=无履行能力,监护人=无";
    const char *mixed = "labor_capacity=无,income_source=FALSE,supporter=无履行能力,guardian=无";
    CASE(R, zz_person(R, "2010-05-05", false, ids), CAT(TEKUN) | CAT(ORPHAN), TEKUN, WELFARE_INSTITUTION, BR_ORPHAN);
    CASE(R, zz_person(R, "2010-05-05", false, labels), CAT(TEKUN) | CAT(ORPHAN), TEKUN, WELFARE_INSTITUTION,
         BR_ORPHAN);
    CASE(R, zz_person(R, "2010-05-05", false, mixed), CAT(TEKUN) | CAT(ORPHAN), TEKUN, WELFARE_INSTITUTION,
         BR_ORPHAN);
    /* 11010519491231002x (lowercase) is read as ...X: valid. 1949-12-31 -> 71, woman; alone,
     * dibao, 1 ADL lost -> lonely_elderly, township_home */
    CASE(R, zz_person(R, "1949-12-31", false, "id=11010519491231002x,dibao=是,has_caretaker=no,adl_bed=0"),
         CAT(LONELY_ELDERLY), LONELY_ELDERLY, TOWNSHIP_HOME, BR_PARTIAL);
    /* the same person from JSON */
    {
        doudi_record *rec = zz_person(R, "1949-12-31", false, NULL);
        char *err = NULL;
        int rc = doudi_record_parse_json(
            rec, "{\"id\": \"11010519491231002X\", \"dibao\": true, \"has_caretaker\": false, \"adl_bed\": false,"
                 " \"disability_grade\": 0, \"性别\": \"女\"}",
            &err);
        if (rc) print_error("%s\n", err ? err : "");
        assert_int_equal(rc, 0);
        assert_outcome(R, rec, CAT(LONELY_ELDERLY), LONELY_ELDERLY, TOWNSHIP_HOME, BR_PARTIAL);
        doudi_record_free(rec);
    }
}

/* ---- explanations ------------------------------------------------------------------------- */

/* the tekun-alone person: 70, labor none, no income, no supporter; village_courtyard */
#define TEKUN_70 "labor_capacity=none,income_source=0,supporter=none"

static void test_explain_text(void **state)
{
    (void)state;
    doudi_record *rec = zz_person(R, "1950-06-15", true, TEKUN_70);
    char *t = explain_ok(R, rec, DOUDI_TEXT);
    /* the key and the derived values */
    assert_contains(t, "410122195006150011");
    assert_contains(t, "age = 70");
    assert_contains(t, "self_care = full");
    /* the verdict with its cite and label */
    assert_contains(t, "yes  tekun");
    assert_contains(t, "特困供养人员");
    assert_contains(t, "三、(一)");
    assert_contains(t, "no   severe_disabled");
    assert_contains(t, "no   lonely_elderly");
    /* the conditions that decided it: the first four true; elderly is true, so `or` skips
     * `minor` and `disability_grade >= 1` */
    assert_contains(t, "true   labor_capacity == none");
    assert_contains(t, "true   not income_source");
    assert_contains(t, "true   supporter in {none, unable}");
    assert_contains(t, "true   elderly");
    assert_contains(t, "minor   (not evaluated)");
    assert_contains(t, "disability_grade >= 1   (not evaluated)");
    /* severe_disabled: poor_household false, so the rest is short-circuited */
    assert_contains(t, "false  poor_household");
    assert_contains(t, "disability_type in {physical, intellectual, mental}   (not evaluated)");
    assert_contains(t, "primary category: tekun");
    assert_contains(t, "1 of 6");
    /* the placement: branch 4 fired, branches 0..3 listed as no, 5 and 6 not listed */
    const char *pl = strstr(t, "placement care");
    assert_non_null(pl);
    assert_contains(pl, "village_courtyard");
    const char *b0 = strstr(pl, "no   home");
    const char *b1 = strstr(pl, "no   medical_rehab");
    const char *b2 = strstr(pl, "no   disability_center");
    const char *b3 = strstr(pl, "no   welfare_institution");
    const char *b4 = strstr(pl, "yes  village_courtyard");
    assert_non_null(b0);
    assert_non_null(b1);
    assert_non_null(b2);
    assert_non_null(b3);
    assert_non_null(b4);
    assert_true(b0 < b1 && b1 < b2 && b2 < b3 && b3 < b4);
    assert_contains(b4, "村级幸福大院");
    assert_contains(b4, "四、¶2");
    assert_contains(b4, "true   self_care == full");
    assert_not_contains(pl, "township_home");
    assert_not_contains(pl, "self_care == none");
    /* the categories come before the placement */
    assert_true(strstr(t, "yes  tekun") < pl);
    doudi_string_free(t);
    doudi_record_free(rec);

    /* a non-target: no placement section */
    rec = zz_person(R, NULL, true, NULL);
    t = explain_ok(R, rec, DOUDI_TEXT);
    assert_contains(t, "primary category: none");
    assert_not_contains(t, "placement care");
    doudi_string_free(t);
    doudi_record_free(rec);

    /* the last branch: all of 0..5 listed as no, then yes for branch 6 */
    rec = zz_person(R, NULL, true, "dibao=1,labor_capacity=partial,family_care=heavy,adl_eat=0,adl_dress=0,"
                                   "adl_bed=0,adl_toilet=0");
    t = explain_ok(R, rec, DOUDI_TEXT);
    pl = strstr(t, "placement care");
    assert_non_null(pl);
    assert_contains(pl, "no   village_courtyard");
    assert_contains(pl, "no   township_home");
    assert_contains(pl, "no   welfare_institution");   /* branch 3 */
    assert_contains(pl, "yes  welfare_institution");  /* branch 6 */
    assert_true(strstr(pl, "no   welfare_institution") < strstr(pl, "yes  welfare_institution"));
    assert_contains(pl, "true   self_care == none");
    doudi_string_free(t);
    doudi_record_free(rec);
}

static void test_explain_json(void **state)
{
    (void)state;
    doudi_record *rec = zz_person(R, "1950-06-15", true, TEKUN_70);
    char *j = explain_ok(R, rec, DOUDI_JSON);
    if (!json_valid(j)) {
        print_error("not JSON:\n%s\n", j);
        fail();
    }
    assert_contains(j, "\"key\":\"410122195006150011\"");
    assert_contains(j, "\"primary\":\"tekun\"");
    assert_contains(j, "\"category_count\":1");
    assert_contains(j, "\"placement\":\"village_courtyard\"");
    assert_contains(j, "\"age\":70,");
    assert_contains(j, "\"elderly\":true");
    assert_contains(j, "\"name\":\"tekun\"");
    assert_contains(j, "\"cite\":\"三、(一)\"");
    /* the skipped condition has no value; rule file line 119 holds `minor` */
    assert_contains(j, "{\"text\":\"minor\",\"line\":119,\"value\":null}");
    assert_contains(j, "{\"text\":\"labor_capacity == none\",\"line\":118,\"value\":true}");
    doudi_string_free(j);
    doudi_record_free(rec);

    /* a non-target */
    rec = zz_person(R, NULL, true, NULL);
    j = explain_ok(R, rec, DOUDI_JSON);
    assert_true(json_valid(j));
    assert_contains(j, "\"primary\":null");
    assert_contains(j, "\"placement\":null");
    assert_contains(j, "\"category_count\":0");
    doudi_string_free(j);
    doudi_record_free(rec);

    /* text with quotes and backslashes in a field (name) must still give JSON; the name is not
     * shown in JSON but the key is: an id cannot hold quotes, so check the whole output parses */
    rec = zz_person(R, "2010-05-05", false, "name=\"a \\\"quoted\\\" name\",guardian=none");
    j = explain_ok(R, rec, DOUDI_JSON);
    assert_true(json_valid(j));
    assert_contains(j, "\"primary\":\"orphan\"");
    assert_contains(j, "\"placement\":\"welfare_institution\"");
    doudi_string_free(j);
    doudi_record_free(rec);

    /* the JSON validator itself */
    assert_true(json_valid("{\"a\":[1,-2.5e3,true,null,\"x\\n\"]}"));
    assert_false(json_valid("{\"a\":1,}"));
    assert_false(json_valid("{\"a\" 1}"));
    assert_false(json_valid("[1] 2"));
}

/* Evaluating twice — with another person between — gives the same outcome and the same text. */
static void test_determinism(void **state)
{
    (void)state;
    doudi_record *a = zz_person(R, "1950-03-07", true,
                                "id=410122195003071238,dibao=1,labor_capacity=none,income_source=0,supporter=none,"
                                "family_care=none,has_caretaker=0,adl_bed=0,adl_bathe=0");
    doudi_record *b = zz_person(R, "2010-05-05", false, "guardian=none,dibao=1,chronic_severe=1,family_can_bear=0,"
                                                        "adl_eat=0");
    for (int f = 0; f < 2; f++) {
        char *t1 = explain_ok(R, a, (doudi_format)f);
        char *t2 = explain_ok(R, a, (doudi_format)f);
        assert_string_equal(t1, t2);
        char *tb = explain_ok(R, b, (doudi_format)f);
        doudi_outcome o;
        assert_int_equal(doudi_eval(R, b, &o, NULL), 0);
        char *t3 = explain_ok(R, a, (doudi_format)f);
        assert_string_equal(t1, t3);
        assert_string_not_equal(t1, tb);
        doudi_string_free(t1);
        doudi_string_free(t2);
        doudi_string_free(t3);
        doudi_string_free(tb);
    }
    /* the outcome does not depend on an explanation having run before */
    assert_outcome(R, a, CAT(TEKUN) | CAT(DISABLED_CARE) | CAT(LONELY_ELDERLY), TEKUN, TOWNSHIP_HOME, BR_PARTIAL);
    /* b: 10, no guardian -> orphan; dibao, chronic, cannot bear, 1 lost -> chronic_illness;
     * primary chronic_illness (2 before 4); medical_rehab (branch 1) */
    assert_outcome(R, b, CAT(CHRONIC_ILLNESS) | CAT(ORPHAN), CHRONIC_ILLNESS, MEDICAL_REHAB, BR_MEDICAL);
    assert_outcome(R, a, CAT(TEKUN) | CAT(DISABLED_CARE) | CAT(LONELY_ELDERLY), TEKUN, TOWNSHIP_HOME, BR_PARTIAL);
    doudi_record_free(a);
    doudi_record_free(b);
}

/* ---- doudi_eval_batch ---------------------------------------------------------------------- */

/* A generated population (doudi gen, seed 3, 5% malformed rows) as records: every row whose
 * cells all parse; the malformed ones that parse (a wrong check digit, a birth date or sex
 * that contradicts the id, a disability grade that contradicts the type or lies outside 0..4)
 * are kept, so the batch meets records that fail validation among good ones. */
static doudi_record **population_records(const doudi_rules *r, size_t *n)
{
    GenOptions o = gen_default_options();
    o.count = 3000;
    o.seed = 3;
    o.bad_rate = 0.05;
    char *buf = NULL, *ibuf = NULL, *gerr = NULL;
    size_t len = 0, ilen = 0;
    FILE *persons = open_memstream(&buf, &len), *inst = open_memstream(&ibuf, &ilen);
    assert_int_equal(gen_write(&o, persons, inst, NULL, NULL, &gerr), 0);
    fclose(persons);
    fclose(inst);
    free(ibuf);
    CsvReader *csv = csv_open_memory(buf, len, NULL, &gerr);
    free(buf);
    assert_non_null(csv);
    CsvRecord row;
    assert_int_equal(csv_next(csv, &row), 1);
    size_t ncols = row.count;
    char **header = calloc(ncols, sizeof *header);
    for (size_t i = 0; i < ncols; i++) header[i] = strdup(row.fields[i]);
    doudi_record **recs = calloc(o.count, sizeof *recs);
    *n = 0;
    int rc;
    while ((rc = csv_next(csv, &row)) != 0) {
        if (rc != 1 || row.count != ncols) continue;
        doudi_record *rec = doudi_record_new(r);
        bool ok = true;
        for (size_t i = 0; i < ncols && ok; i++) ok = doudi_record_set(rec, header[i], row.fields[i], NULL) == 0;
        if (ok) recs[(*n)++] = rec;
        else doudi_record_free(rec);
    }
    csv_close(csv);
    for (size_t i = 0; i < ncols; i++) free(header[i]);
    free(header);
    return recs;
}

/* Record for record, the batch gives what doudi_eval gives: the same outcome for a valid
 * record, the same message for one that is not (and the outcome that says so). */
static void test_eval_batch_population(void **state)
{
    (void)state;
    size_t n;
    doudi_record **recs = population_records(R, &n);
    assert_true(n > 2900);   /* 3000 rows, 150 malformed, of which only some fail to parse */
    doudi_outcome *outs = calloc(n, sizeof *outs);
    char **errs = calloc(n, sizeof *errs);
    char *err = NULL;
    int bad = doudi_eval_batch(R, (const doudi_record *const *)recs, n, outs, errs, &err);
    assert_null(err);
    int want_bad = 0, targets = 0;
    for (size_t i = 0; i < n; i++) {
        doudi_outcome one;
        char *why = NULL;
        if (doudi_eval(R, recs[i], &one, &why) == 0) {
            assert_null(errs[i]);
            assert_memory_equal(&one, &outs[i], sizeof one);
            targets += one.primary >= 0;
        } else {
            want_bad++;
            assert_non_null(errs[i]);
            assert_string_equal(errs[i], why);
            assert_int_equal(outs[i].categories, 0);
            assert_int_equal(outs[i].category_count, -1);
            assert_int_equal(outs[i].primary, -1);
            assert_int_equal(outs[i].placement, -1);
            assert_int_equal(outs[i].branch, -1);
        }
        doudi_string_free(why);
    }
    assert_int_equal(bad, want_bad);
    /* the malformed rows that parse: at least the contradicting birth dates, sexes and grades
     * (gen cycles 13 kinds over 150 rows, about 11 each) */
    assert_true(bad >= 30);
    assert_true(targets > 100);
    /* without the errors array: the same outcomes and count */
    doudi_outcome *outs2 = calloc(n, sizeof *outs2);
    assert_int_equal(doudi_eval_batch(R, (const doudi_record *const *)recs, n, outs2, NULL, NULL), bad);
    assert_memory_equal(outs, outs2, n * sizeof *outs);
    for (size_t i = 0; i < n; i++) {
        doudi_string_free(errs[i]);
        doudi_record_free(recs[i]);
    }
    free(outs2);
    free(errs);
    free(outs);
    free(recs);
}

/* The batch's edges, worked out by hand: a known person, an incomplete record and one the rule
 * file's require refuses, in one call; an empty batch; a call that is wrong as a whole. */
static void test_eval_batch_edges(void **state)
{
    (void)state;
    /* born 1950-06-15: 70, tekun alone, full self-care -> village_courtyard (test_tekun_alone) */
    doudi_record *tekun = zz_person(R, "1950-06-15", true, "labor_capacity=none,income_source=0,supporter=none");
    doudi_record *incomplete = doudi_record_new(R);
    assert_int_equal(doudi_record_parse(incomplete, "dibao=1", NULL), 0);
    /* grade 0 with a disability type: the require on disability_type and grade fails */
    doudi_record *refused = zz_person(R, NULL, true, "disability_type=physical,disability_grade=0");
    const doudi_record *recs[4] = {tekun, incomplete, refused, tekun};
    doudi_outcome outs[4];
    char *errs[4];
    char *err = NULL;
    assert_int_equal(doudi_eval_batch(R, recs, 4, outs, errs, &err), 2);
    assert_null(err);
    for (int i = 0; i < 4; i += 3) {
        assert_null(errs[i]);
        assert_int_equal(outs[i].categories, CAT(TEKUN));
        assert_int_equal(outs[i].category_count, 1);
        assert_int_equal(outs[i].primary, TEKUN);
        assert_int_equal(outs[i].placement, VILLAGE_COURTYARD);
        assert_int_equal(outs[i].branch, BR_FULL);
    }
    assert_contains(errs[1], "missing (it has no default)");
    assert_int_equal(outs[1].category_count, -1);
    assert_non_null(errs[2]);
    char *one = NULL;
    doudi_outcome o;
    assert_int_equal(doudi_eval(R, refused, &o, &one), -1);
    assert_string_equal(errs[2], one);
    doudi_string_free(one);
    for (int i = 0; i < 4; i++) doudi_string_free(errs[i]);
    /* nothing to do */
    assert_int_equal(doudi_eval_batch(R, NULL, 0, NULL, NULL, &err), 0);
    /* records but nowhere to put the outcomes */
    assert_int_equal(doudi_eval_batch(R, recs, 4, NULL, NULL, &err), -1);
    assert_non_null(err);
    doudi_string_free(err);
    /* a NULL record is that record's failure */
    const doudi_record *holes[2] = {NULL, tekun};
    assert_int_equal(doudi_eval_batch(R, holes, 2, outs, errs, NULL), 1);
    assert_non_null(errs[0]);
    assert_null(errs[1]);
    assert_int_equal(outs[1].primary, TEKUN);
    doudi_string_free(errs[0]);
    doudi_record_free(tekun);
    doudi_record_free(incomplete);
    doudi_record_free(refused);
}

/* A record keeps its verdict only while neither it nor the params change: a field set to a
 * value the requires refuse, or a param the requires read, makes the next evaluation
 * validate it again. */
static void test_eval_verdict_kept(void **state)
{
    (void)state;
    /* the Zhengzhou rules: grade 0 with a disability type breaks the grade/type require */
    doudi_record *rec = zz_person(R, "1950-06-15", true, "labor_capacity=none,income_source=0,supporter=none");
    assert_outcome(R, rec, CAT(TEKUN), TEKUN, VILLAGE_COURTYARD, BR_FULL);
    assert_int_equal(doudi_record_set(rec, "disability_type", "physical", NULL), 0);
    assert_eval_fails(R, rec, "残疾等级为0当且仅当残疾类别为无");
    doudi_outcome o;
    char *err = NULL;
    const doudi_record *one[1] = {rec};
    assert_int_equal(doudi_eval_batch(R, one, 1, &o, NULL, NULL), 1);
    /* grade 1 physical: valid again; 70, tekun (grade >= 1 too); not poor, so not severe_disabled */
    assert_int_equal(doudi_record_set(rec, "disability_grade", "1", NULL), 0);
    assert_int_equal(doudi_eval_batch(R, one, 1, &o, NULL, &err), 0);
    assert_int_equal(o.categories, CAT(TEKUN));
    doudi_record_free(rec);

    /* a require that reads a param: born on or before as_of */
    static const char text[] = "record person {\n"
                               "  id: text key\n"
                               "  born: date\n"
                               "  require born <= as_of \"born after the survey date\"\n"
                               "}\n"
                               "param as_of: date = 2021-04-01\n"
                               "category all when born <= as_of\n";
    doudi_rules *r = doudi_compile_string("asof.doudi", text, strlen(text), &err);
    assert_non_null(r);
    doudi_string_free(err);
    err = NULL;
    doudi_record *p = doudi_record_new(r);
    assert_int_equal(doudi_record_parse(p, "id=a,born=2021-03-01", NULL), 0);
    one[0] = p;
    assert_int_equal(doudi_eval_batch(r, one, 1, &o, NULL, NULL), 0);
    assert_int_equal(o.categories, 1);
    assert_int_equal(doudi_set_param(r, "as_of", "2021-02-01", NULL), 0);
    char *why = NULL;
    assert_int_equal(doudi_eval_batch(r, one, 1, &o, &why, NULL), 1);
    assert_string_equal(why, "born after the survey date");
    doudi_string_free(why);
    assert_int_equal(doudi_eval(r, p, &o, NULL), -1);
    assert_int_equal(doudi_set_param(r, "as_of", "2021-04-01", NULL), 0);
    assert_int_equal(doudi_eval(r, p, &o, NULL), 0);
    assert_int_equal(o.categories, 1);
    doudi_record_free(p);
    doudi_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declarations),
        cmocka_unit_test(test_id_helper),
        cmocka_unit_test(test_baseline_not_target),
        cmocka_unit_test(test_tekun_alone),
        cmocka_unit_test(test_severe_disabled_alone),
        cmocka_unit_test(test_chronic_illness_alone),
        cmocka_unit_test(test_disabled_care_alone),
        cmocka_unit_test(test_orphan_alone),
        cmocka_unit_test(test_lonely_elderly_alone),
        cmocka_unit_test(test_several_categories),
        cmocka_unit_test(test_age_boundaries),
        cmocka_unit_test(test_age_29_february),
        cmocka_unit_test(test_adl),
        cmocka_unit_test(test_placement_order),
        cmocka_unit_test(test_disability_grades),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_empty_optional_cells),
        cmocka_unit_test(test_input_spellings),
        cmocka_unit_test(test_explain_text),
        cmocka_unit_test(test_explain_json),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_eval_batch_population),
        cmocka_unit_test(test_eval_batch_edges),
        cmocka_unit_test(test_eval_verdict_kept),
    };
    return cmocka_run_group_tests_name("eval (zhengzhou rules)", tests, group_setup, group_teardown);
}
