/* test_fmt.c — the canonical formatter (src/fmt.c).
 *
 * Table-driven: each case is an input and its exact canonical output, for every kind of
 * declaration, operator precedence and parentheses, comments (own-line, trailing, inside
 * reflowed items), full-width punctuation and layout (alignment, breaking long conditions,
 * blank lines). Every case also checks that the output is a fixed point (formatting it again
 * changes nothing) and parses to the same AST as the input. Then every rule file under
 * rules/ and examples/ makes a round trip (parse, format, parse, format: the texts and the
 * ASTs agree and no comment is lost), and again when retyped the way a Chinese input method
 * types it. Run from the repository root. */
#include "helpers.h"

#include "lang/fmt.h"

#include <glob.h>

typedef struct Case {
    const char *name;
    const char *in;
    const char *out;          /* exactly what fmt prints */
} Case;

/* Parse text that must have no errors (warnings, say for full-width punctuation, are fine). */
static Parsed *parse_ok(const char *path, const char *text)
{
    Parsed *p = parse_text_as(path, text);
    if (!p->diags.errors) return p;
    char *diags = render_diags(&p->diags);
    print_error("%s does not parse:\n%s", path, diags);
    free(diags);
    fail();
    return NULL;
}

/* ---- AST equality (spans and checker fields aside) ----------------------------------------- */

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

/* A literal as written, '％' read as '%'. */
static void normalize_lit(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; s && *s && n + 1 < cap; s++) {
        if (!strncmp(s, "％", 3)) {
            out[n++] = '%';
            s += 2;
        } else {
            out[n++] = *s;
        }
    }
    out[n] = '\0';
}

static bool lit_eq(const char *a, const char *b)
{
    char x[64], y[64];
    normalize_lit(a, x, sizeof x);
    normalize_lit(b, y, sizeof y);
    return !strcmp(x, y);
}

static bool names_eq(const NameList *a, const NameList *b)
{
    if (a->count != b->count) return false;
    for (size_t i = 0; i < a->count; i++)
        if (!str_eq(a->items[i].text, b->items[i].text)) return false;
    return true;
}

static bool expr_eq(const Expr *a, const Expr *b);

static bool exprs_eq(const ExprList *a, const ExprList *b)
{
    if (a->count != b->count) return false;
    for (size_t i = 0; i < a->count; i++)
        if (!expr_eq(a->items[i], b->items[i])) return false;
    return true;
}

static bool expr_eq(const Expr *a, const Expr *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind || a->op != b->op || a->negated != b->negated) return false;
    switch (a->kind) {
    case EX_INT: case EX_NUMBER: case EX_PERCENT: case EX_DATE:
        return a->v.i == b->v.i && lit_eq(a->lit, b->lit);
    case EX_BOOL: return a->v.b == b->v.b;
    case EX_TEXT: return str_eq(a->v.s, b->v.s);
    default: break;
    }
    return str_eq(a->name.text, b->name.text) && expr_eq(a->lhs, b->lhs) &&
           expr_eq(a->rhs, b->rhs) && expr_eq(a->cond, b->cond) && exprs_eq(&a->items, &b->items) &&
           exprs_eq(&a->conds, &b->conds) && names_eq(&a->keys, &b->keys);
}

static bool enum_values_eq(const EnumValueList *a, const EnumValueList *b)
{
    if (a->count != b->count) return false;
    for (size_t i = 0; i < a->count; i++)
        if (!str_eq(a->items[i].name.text, b->items[i].name.text) ||
            !str_eq(a->items[i].label, b->items[i].label) || !str_eq(a->items[i].code, b->items[i].code))
            return false;
    return true;
}

static bool type_eq(const TypeExpr *a, const TypeExpr *b)
{
    if (!a || !b) return a == b;
    return a->kind == b->kind && str_eq(a->name.text, b->name.text) &&
           enum_values_eq(&a->values, &b->values) && type_eq(a->elem, b->elem) &&
           str_eq(a->key.text, b->key.text);
}

static bool shares_eq(const ShareList *a, const ShareList *b)
{
    if (a->count != b->count) return false;
    for (size_t i = 0; i < a->count; i++)
        if (a->items[i].year != b->items[i].year || !expr_eq(a->items[i].percent, b->items[i].percent))
            return false;
    return true;
}

static bool field_values_eq(const FieldValueList *a, const FieldValueList *b)
{
    if (a->count != b->count) return false;
    for (size_t i = 0; i < a->count; i++)
        if (!str_eq(a->items[i].name.text, b->items[i].name.text) ||
            !expr_eq(a->items[i].value, b->items[i].value))
            return false;
    return true;
}

/* Compare two arrays of n items with a per-item test. */
#define ITEMS_EQ(a, b, each)                                                   \
    do {                                                                       \
        if ((a).count != (b).count) return false;                              \
        for (size_t i_ = 0; i_ < (a).count; i_++)                              \
            if (!each(&(a).items[i_], &(b).items[i_])) return false;           \
    } while (0)

static bool field_eq(const Field *a, const Field *b)
{
    return str_eq(a->name.text, b->name.text) && type_eq(a->type, b->type) &&
           str_eq(a->label, b->label) && a->is_key == b->is_key &&
           expr_eq(a->default_value, b->default_value) && expr_eq(a->range, b->range);
}

static bool require_eq(const Require *a, const Require *b)
{
    return expr_eq(a->cond, b->cond) && str_eq(a->message, b->message);
}

static bool branch_eq(const Branch *a, const Branch *b)
{
    return str_eq(a->value.text, b->value.text) && str_eq(a->label, b->label) &&
           expr_eq(a->when, b->when) && str_eq(a->cite, b->cite);
}

static bool order_eq(const OrderKey *a, const OrderKey *b)
{
    return expr_eq(a->expr, b->expr) && a->desc == b->desc;
}

static bool group_eq(const SchedGroup *a, const SchedGroup *b)
{
    return a->pool == b->pool && names_eq(&a->categories, &b->categories) &&
           shares_eq(&a->shares, &b->shares) && str_eq(a->cite, b->cite);
}

static bool cap_item_eq(const CapItem *a, const CapItem *b)
{
    return str_eq(a->type.text, b->type.text) && expr_eq(a->beds, b->beds) &&
           expr_eq(a->minimum, b->minimum) && str_eq(a->cite, b->cite);
}

static bool row_eq(const TableRow *a, const TableRow *b)
{
    return str_eq(a->name.text, b->name.text) && str_eq(a->label, b->label) &&
           expr_eq(a->when, b->when) && a->total == b->total;
}

static bool column_eq(const TableColumn *a, const TableColumn *b)
{
    return str_eq(a->name.text, b->name.text) && str_eq(a->label, b->label) &&
           str_eq(a->group, b->group) && a->cell == b->cell && expr_eq(a->expr, b->expr) &&
           a->year == b->year && names_eq(&a->blank_rows, &b->blank_rows);
}

/* Columns of one group share the group's string: the grouping must survive too. */
static bool notice_column_eq(const NoticeColumn *a, const NoticeColumn *b)
{
    return str_eq(a->name.text, b->name.text) && str_eq(a->label, b->label) && str_eq(a->mask.text, b->mask.text);
}

static bool withhold_eq(const Withhold *a, const Withhold *b)
{
    return str_eq(a->label, b->label) && expr_eq(a->when, b->when);
}

static bool grouping_eq(const Decl *a, const Decl *b)
{
    for (size_t i = 1; i < a->columns.count; i++) {
        bool same_a = a->columns.items[i].group == a->columns.items[i - 1].group;
        bool same_b = b->columns.items[i].group == b->columns.items[i - 1].group;
        if (same_a != same_b) return false;
    }
    return true;
}

static bool decl_parts_eq(const Decl *a, const Decl *b)
{
    ITEMS_EQ(a->fields, b->fields, field_eq);
    ITEMS_EQ(a->requires, b->requires, require_eq);
    ITEMS_EQ(a->branches, b->branches, branch_eq);
    ITEMS_EQ(a->order, b->order, order_eq);
    ITEMS_EQ(a->groups, b->groups, group_eq);
    ITEMS_EQ(a->cap_items, b->cap_items, cap_item_eq);
    ITEMS_EQ(a->rows, b->rows, row_eq);
    ITEMS_EQ(a->columns, b->columns, column_eq);
    ITEMS_EQ(a->notice_columns, b->notice_columns, notice_column_eq);
    ITEMS_EQ(a->withholds, b->withholds, withhold_eq);
    return grouping_eq(a, b) && names_eq(&a->notice_per, &b->notice_per) && expr_eq(a->period_from, b->period_from) &&
           expr_eq(a->period_to, b->period_to) && expr_eq(a->office, b->office);
}

static bool decl_eq(const Decl *a, const Decl *b)
{
    return a->kind == b->kind && str_eq(a->name.text, b->name.text) && str_eq(a->label, b->label) &&
           str_eq(a->cite, b->cite) && str_eq(a->source, b->source) &&
           str_eq(a->cite_rule.text, b->cite_rule.text) &&
           enum_values_eq(&a->values, &b->values) && type_eq(a->type, b->type) &&
           expr_eq(a->value, b->value) && expr_eq(a->when, b->when) &&
           str_eq(a->per.text, b->per.text) && str_eq(a->from.text, b->from.text) &&
           expr_eq(a->headroom, b->headroom) && shares_eq(&a->build, &b->build) &&
           expr_eq(a->upgrade_when, b->upgrade_when) && str_eq(a->base.text, b->base.text) &&
           field_values_eq(&a->given, &b->given) && field_values_eq(&a->expect, &b->expect) &&
           decl_parts_eq(a, b);
}

/* The comment's text without trailing white space (fmt drops it), after its '#' (fmt writes
 * a full-width '＃' as '#'). */
static bool comment_eq(const Module *a, const Comment *x, const Module *b, const Comment *y)
{
    const char *s = a->source->text + x->span.start, *t = b->source->text + y->span.start;
    size_t n = x->span.end - x->span.start, k = y->span.end - y->span.start;
    size_t hs = strncmp(s, "＃", 3) ? 1 : 3, ht = strncmp(t, "＃", 3) ? 1 : 3;
    s += hs, n -= hs, t += ht, k -= ht;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    while (k && (t[k - 1] == ' ' || t[k - 1] == '\t' || t[k - 1] == '\r')) k--;
    return n == k && !memcmp(s, t, n);
}

/* Same declarations, same comments in the same order; says where they first differ. */
static bool modules_eq(const Module *a, const Module *b)
{
    if (a->decls.count != b->decls.count) {
        print_error("%zu declarations, then %zu\n", a->decls.count, b->decls.count);
        return false;
    }
    for (size_t i = 0; i < a->decls.count; i++) {
        if (decl_eq(a->decls.items[i], b->decls.items[i])) continue;
        print_error("declaration %zu (%s) differs\n", i, ast_decl_kind_name(a->decls.items[i]->kind));
        return false;
    }
    if (a->comments.count != b->comments.count) {
        print_error("%zu comments, then %zu\n", a->comments.count, b->comments.count);
        return false;
    }
    for (size_t i = 0; i < a->comments.count; i++) {
        if (comment_eq(a, &a->comments.items[i], b, &b->comments.items[i])) continue;
        print_error("comment %zu differs\n", i);
        return false;
    }
    return true;
}

/* ---- checking one text -------------------------------------------------------------------- */

/* Format text; also check that the output is a fixed point, parses to the same AST, keeps
 * every comment, and that fmt_is_canonical agrees. Returns the output (caller frees). */
static char *format_checked(const char *name, const char *text)
{
    Parsed *in = parse_ok(name, text);
    char *once = fmt_module(in->mod);
    Parsed *out = parse_ok(name, once);
    char *twice = fmt_module(out->mod);
    if (strcmp(once, twice)) {
        print_error("%s: not idempotent:\n--- once\n%s--- twice\n%s", name, once, twice);
        fail();
    }
    if (!modules_eq(in->mod, out->mod)) {
        print_error("%s: the output parses to a different AST:\n%s", name, once);
        fail();
    }
    assert_true(fmt_is_canonical(out->mod));
    assert_int_equal(fmt_is_canonical(in->mod), strcmp(once, text) == 0);
    free(twice);
    parsed_free(in);
    parsed_free(out);
    return once;
}

static void run_cases(const Case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *got = format_checked(cases[i].name, cases[i].in);
        if (strcmp(got, cases[i].out)) {
            print_error("case \"%s\":\n--- expected\n%s--- got\n%s", cases[i].name, cases[i].out, got);
            fail();
        }
        free(got);
    }
}

#define RUN_CASES(table) run_cases(table, ARRAY_LEN(table))

/* ---- the cases ---------------------------------------------------------------------------- */

static const Case decls_cases[] = {
    {"policy",
     "policy   \"郑州市方案\"   source \"郑民文〔2021〕16号\"\n",
     "policy \"郑州市方案\" source \"郑民文〔2021〕16号\"\n"},
    {"policy without source",
     "policy \"T\"",
     "policy \"T\"\n"},
    {"policy that requires citations",
     "policy \"T\" source \"S\"   cite   required",
     "policy \"T\" source \"S\" cite required\n"},
    {"enum with labels",
     "enum care_mode \"供养形式\" { home \"居家供养\", medical_rehab \"医疗康复机构\" township_home \"乡镇敬老院\" }\n",
     "enum care_mode \"供养形式\" {\n"
     "  home          \"居家供养\"\n"
     "  medical_rehab \"医疗康复机构\"\n"
     "  township_home \"乡镇敬老院\"\n"
     "}\n"},
    {"enum without labels",
     "enum level { low, mid, high }\n",
     "enum level {\n"
     "  low\n"
     "  mid\n"
     "  high\n"
     "}\n"},
    {"enum with codes",
     "enum district \"区县\" { zhongyuan \"中原区\" code \"410102\", guancheng \"管城回族区\" code \"410104\" x code \"410105\" }\n",
     "enum district \"区县\" {\n"
     "  zhongyuan \"中原区\"     code \"410102\"\n"
     "  guancheng \"管城回族区\" code \"410104\"\n"
     "  x                      code \"410105\"\n"
     "}\n"},
    {"enum with a value named code: its comma stays",
     "enum e { a \"甲\", code \"乙\" }\n",
     "enum e {\n"
     "  a    \"甲\",\n"
     "  code \"乙\"\n"
     "}\n"},
    {"record",
     "record person \"保障对象\" {\n"
     " id: text \"身份证号\" key\n"
     "  age: int \"年龄\" in 0..150 default 0\n"
     " sex: enum(male \"男\", female \"女\") \"性别\"\n"
     " note: text default \"\"\n"
     "  flag: bool\n"
     "  ratio: number \"比例\" in {1, 2}\n"
     " require age >= 0 \"年龄不能为负\"\n"
     "}\n",
     "record person \"保障对象\" {\n"
     "  id:    text   \"身份证号\" key\n"
     "  age:   int    \"年龄\"     default 0 in 0..150\n"
     "  sex:   enum(male \"男\", female \"女\") \"性别\"\n"
     "  note:  text              default \"\"\n"
     "  flag:  bool\n"
     "  ratio: number \"比例\"     in {1, 2}\n"
     "  require age >= 0 \"年龄不能为负\"\n"
     "}\n"},
    {"record with a long inline enum",
     "record r {\n"
     "  disability_type: enum(none \"无\", visual \"视力\", hearing \"听力\", speech \"言语\", physical \"肢体\", intellectual \"智力\", mental \"精神\", multiple \"多重\") \"残疾类别\"\n"
     "  grade: int \"等级\"\n"
     "}\n",
     "record r {\n"
     "  disability_type: enum(none \"无\", visual \"视力\", hearing \"听力\", speech \"言语\", physical \"肢体\",\n"
     "                        intellectual \"智力\", mental \"精神\", multiple \"多重\") \"残疾类别\"\n"
     "  grade:           int \"等级\"\n"
     "}\n"},
    {"empty record",
     "record nothing \"空\" {\n"
     "}\n",
     "record nothing \"空\" {}\n"},
    {"param",
     "param as_of: date \"摸底日期\" = 2021-04-01\n"
     "param headroom : percent = 10%\n"
     "param beds: int by care_mode \"床位\" = {home: 0, township_home: 60,}\n",
     "param as_of: date \"摸底日期\" = 2021-04-01\n"
     "param headroom: percent = 10%\n"
     "param beds: int by care_mode \"床位\" = {home: 0, township_home: 60}\n"},
    {"let",
     "let age \"年龄\" = years_between(birth_date, as_of)\n"
     "let minor: bool = age < 18\n",
     "let age \"年龄\" = years_between(birth_date, as_of)\n"
     "let minor: bool = age < 18\n"},
    {"let with a case",
     "let self_care: enum(full \"能自理\", partial \"半自理\", none \"不能自理\") \"自理能力\" = case when adl_lost == 0 then full when adl_lost <= 3 then partial else none\n"
     "let one_arm = case when a then 1 else 2\n",
     "let self_care: enum(full \"能自理\", partial \"半自理\", none \"不能自理\") \"自理能力\" =\n"
     "  case when adl_lost == 0 then full\n"
     "       when adl_lost <= 3 then partial\n"
     "       else none\n"
     "let one_arm = case when a then 1 else 2\n"},
    {"let too long for one line",
     "let adl_lost \"丧失的日常生活能力项数\" = count_true(not adl_eat, not adl_dress, not adl_bed, not adl_toilet, not adl_walk)\n",
     "let adl_lost \"丧失的日常生活能力项数\" =\n"
     "  count_true(not adl_eat, not adl_dress, not adl_bed, not adl_toilet, not adl_walk)\n"},
    {"let broken at and",
     "let home_care_met \"一有两同四保障\" = home_caregiver and home_same_food and home_same_housing and home_medical and home_activity_space and home_heating_cooling and home_pocket_money\n",
     "let home_care_met \"一有两同四保障\" =\n"
     "  home_caregiver and home_same_food and home_same_housing and home_medical\n"
     "  and home_activity_space and home_heating_cooling and home_pocket_money\n"},
    {"category",
     "category orphan \"孤儿\" cite \"三、(五)\" when minor and guardian == none\n"
     "category plain when a\n",
     "category orphan \"孤儿\" cite \"三、(五)\" when minor and guardian == none\n"
     "category plain when a\n"},
    {"category with a long condition",
     "category tekun \"特困供养人员\" cite \"三、(一)\" when labor_capacity == none and not income_source and supporter in {none, unable} and (elderly or minor or disability_grade >= 1)\n",
     "category tekun \"特困供养人员\" cite \"三、(一)\"\n"
     "  when labor_capacity == none and not income_source\n"
     "   and supporter in {none, unable} and (elderly or minor or disability_grade >= 1)\n"},
    {"category broken at or",
     "category c when alpha_condition_one and beta_condition_two or gamma_condition_three and delta_condition_four or epsilon_five\n",
     "category c\n"
     "  when alpha_condition_one and beta_condition_two\n"
     "    or gamma_condition_three and delta_condition_four or epsilon_five\n"},
    {"placement",
     "placement care: care_mode \"供养形式\" first match {\n"
     "  home \"居家供养\" when home_care_met and wants_central != yes cite \"四、¶1\"\n"
     "  medical_rehab \"医疗康复机构\" when (severe_mental or chronic_severe) and self_care != full and not family_can_bear cite \"四、¶2\"\n"
     "  disability_center \"残疾人托养中心\" when severe_disabled cite \"五、(三)\"\n"
     "  township_home \"乡镇敬老院\" otherwise\n"
     "}\n",
     "placement care: care_mode \"供养形式\" first match {\n"
     "  home              \"居家供养\"       when home_care_met and wants_central != yes cite \"四、¶1\"\n"
     "  medical_rehab     \"医疗康复机构\"   when (severe_mental or chronic_severe)\n"
     "                                      and self_care != full and not family_can_bear\n"
     "                                                                                 cite \"四、¶2\"\n"
     "  disability_center \"残疾人托养中心\" when severe_disabled                        cite \"五、(三)\"\n"
     "  township_home     \"乡镇敬老院\"     otherwise\n"
     "}\n"},
    {"placement without labels",
     "placement mode: enum(a, b, c) first match {\n"
     "  a when x\n"
     "  b when y cite \"c\"\n"
     "  c otherwise\n"
     "}\n",
     "placement mode: enum(a, b, c) first match {\n"
     "  a when x\n"
     "  b when y cite \"c\"\n"
     "  c otherwise\n"
     "}\n"},
    {"schedule",
     "schedule \"集中供养年度安排\" per county order by adl_lost desc, age asc, id {\n"
     "  each tekun, orphan: 2021: 100% cite \"五、(三)\"\n"
     "  each severe_disabled: 2021: 30%, 2022: 100%\n"
     "  pool chronic_illness, lonely_elderly: 2021: 30%, 2022: 60%, 2023: 100% cite \"五、(三) 30%、30%、40%\"\n"
     "}\n",
     "schedule \"集中供养年度安排\" per county order by adl_lost desc, age, id {\n"
     "  each tekun, orphan:                   2021: 100% cite \"五、(三)\"\n"
     "  each severe_disabled:                 2021: 30%, 2022: 100%\n"
     "  pool chronic_illness, lonely_elderly: 2021: 30%, 2022: 60%, 2023: 100%\n"
     "                                                   cite \"五、(三) 30%、30%、40%\"\n"
     "}\n"},
    {"schedule with a filter",
     "schedule \"集中供养年度安排\" per county when care != home order by adl_lost desc, category_count desc, age desc, id {\n"
     "  each tekun: 2021: 100%\n"
     "}\n"
     "schedule when a order by b {\n"
     "  each c: 2021: 100%\n"
     "}\n",
     "schedule \"集中供养年度安排\" per county when care != home\n"
     "         order by adl_lost desc, category_count desc, age desc, id {\n"
     "  each tekun: 2021: 100%\n"
     "}\n"
     "schedule when a order by b {\n"
     "  each c: 2021: 100%\n"
     "}\n"},
    {"schedule with long cites",
     "schedule order by id {\n"
     "  each tekun, orphan: 2021: 100% cite \"五、(三) 2021年…100%的集中供养\"\n"
     "  each chronic_illness, disabled_care, lonely_elderly: 2021: 30%, 2022: 60%, 2023: 100% cite \"五、(三) 30%、30%、40%\"\n"
     "}\n",
     "schedule order by id {\n"
     "  each tekun, orphan:                                  2021: 100%\n"
     "                                                       cite \"五、(三) 2021年…100%的集中供养\"\n"
     "  each chronic_illness, disabled_care, lonely_elderly: 2021: 30%, 2022: 60%, 2023: 100%\n"
     "                                                       cite \"五、(三) 30%、30%、40%\"\n"
     "}\n"},
    {"capacity",
     "capacity \"机构建设计划\" per county from institution headroom headroom build 2021: 30%, 2022: 30%, 2023: 40% cite \"五、(三) 30%、30%、40%\" {\n"
     "  village_courtyard beds 20\n"
     "  welfare_institution beds 100\n"
     "  disability_center beds 40 minimum 1 cite \"五、(三) 建立一所残疾人托养中心\"\n"
     "  upgrade when condition == needs_upgrade\n"
     "}\n",
     "capacity \"机构建设计划\" per county from institution headroom headroom\n"
     "         build 2021: 30%, 2022: 30%, 2023: 40% cite \"五、(三) 30%、30%、40%\" {\n"
     "  village_courtyard   beds 20\n"
     "  welfare_institution beds 100\n"
     "  disability_center   beds 40 minimum 1 cite \"五、(三) 建立一所残疾人托养中心\"\n"
     "  upgrade when condition == needs_upgrade\n"
     "}\n"},
    {"short capacity",
     "capacity from institution headroom 10% build 2021: 100% {\n"
     "  upgrade when condition == needs_upgrade\n"
     "  home beds 1\n"
     "}\n",
     "capacity from institution headroom 10% build 2021: 100% {\n"
     "  upgrade when condition == needs_upgrade\n"
     "  home beds 1\n"
     "}\n"},
    {"table",
     "table attachment2 \"附件2 机构建设情况统计表\" per county {\n"
     "  row village_courtyard \"村级幸福大院\" when care == village_courtyard\n"
     "  row township_home \"乡镇敬老院（养）\" when care == township_home\n"
     "  row total \"合计\" total\n"
     "  group \"保障对象人数\" {\n"
     "    column tekun \"特困供养人员\" count when primary == tekun blank in total\n"
     "    column persons \"合计\" count\n"
     "  }\n"
     "  column existing \"现有机构数\" existing\n"
     "  group \"机构建设计划（个）\" { column plan2021 \"2021年\" build 2021 column plan_total \"合计\" build total }\n"
     "  column remark \"备注\" blank\n"
     "}\n",
     "table attachment2 \"附件2 机构建设情况统计表\" per county {\n"
     "  row village_courtyard \"村级幸福大院\"     when care == village_courtyard\n"
     "  row township_home     \"乡镇敬老院（养）\" when care == township_home\n"
     "  row total             \"合计\"             total\n"
     "  group \"保障对象人数\" {\n"
     "    column tekun   \"特困供养人员\" count when primary == tekun blank in total\n"
     "    column persons \"合计\"         count\n"
     "  }\n"
     "  column existing \"现有机构数\" existing\n"
     "  group \"机构建设计划（个）\" {\n"
     "    column plan2021   \"2021年\" build 2021\n"
     "    column plan_total \"合计\"   build total\n"
     "  }\n"
     "  column remark \"备注\" blank\n"
     "}\n"},
    {"notice",
     "notice \"公示名单\" per county, township, village period notice_from, notice_to office \"所在县（市、区）民政局\" {\n"
     "  column name \"姓名\" mask name\n"
     "  withhold \"未成年人\" when minor\n"
     "  column primary \"保障类别\"   column id \"身份证号\" mask id\n"
     "  withhold \"本人申请不公示\" when wants_privacy and not minor\n"
     "}\n",
     "notice \"公示名单\" per county, township, village\n"
     "       period notice_from, notice_to office \"所在县（市、区）民政局\" {\n"
     "  column name \"姓名\" mask name\n"
     "  withhold \"未成年人\" when minor\n"
     "  column primary \"保障类别\"\n"
     "  column id      \"身份证号\" mask id\n"
     "  withhold \"本人申请不公示\" when wants_privacy and not minor\n"
     "}\n"},
    {"short notice",
     "notice \"公示\" per village period 2021-05-10, 2021-05-16 office o {}\n",
     "notice \"公示\" per village period 2021-05-10, 2021-05-16 office o {}\n"},
    {"example",
     "example old_man \"老人\" { age: 80, dibao: true, township: \"城关镇\" }\n",
     "example old_man \"老人\" {\n"
     "  age:      80\n"
     "  dibao:    true\n"
     "  township: \"城关镇\"\n"
     "}\n"},
    {"test",
     "test \"an orphan goes to a welfare institution\" {\n"
     "  given old_man { age: 10, guardian: none }\n"
     "  expect { care: welfare_institution, orphan: true }\n"
     "}\n"
     "test \"nothing given\" { given {} expect {} }\n",
     "test \"an orphan goes to a welfare institution\" {\n"
     "  given old_man {\n"
     "    age:      10\n"
     "    guardian: none\n"
     "  }\n"
     "  expect {\n"
     "    care:   welfare_institution\n"
     "    orphan: true\n"
     "  }\n"
     "}\n"
     "test \"nothing given\" {\n"
     "  given {}\n"
     "  expect {}\n"
     "}\n"},
};

static const Case prec_cases[] = {
    {"a + b * c",
     "let x = a + (b * c)",
     "let x = a + b * c\n"},
    {"(a + b) * c",
     "let x = (a + b) * c",
     "let x = (a + b) * c\n"},
    {"a - (b - c)",
     "let x = a - (b - c)",
     "let x = a - (b - c)\n"},
    {"left associative",
     "let x = (a - b) - c",
     "let x = a - b - c\n"},
    {"division",
     "let x = a / (b / c) * (d * e)",
     "let x = a / (b / c) * (d * e)\n"},
    {"comparison operands",
     "let x = (a + b) >= (c * d)",
     "let x = a + b >= c * d\n"},
    {"comparisons do not chain",
     "let x = (a == b) == (c != d)",
     "let x = (a == b) == (c != d)\n"},
    {"not",
     "let x = not (a and b) or (not c) and not (d == e)",
     "let x = not (a and b) or not c and not d == e\n"},
    {"not as an operand",
     "let x = (not a) == b",
     "let x = (not a) == b\n"},
    {"not on the right",
     "let x = a == (not b)",
     "let x = a == (not b)\n"},
    {"and inside or",
     "let x = (a and b) or (c and d)",
     "let x = a and b or c and d\n"},
    {"or inside and",
     "let x = (a or b) and c",
     "let x = (a or b) and c\n"},
    {"unary minus",
     "let x = -(a + b) - -c * -(d)",
     "let x = -(a + b) - -c * -d\n"},
    {"index and call",
     "let x = beds[(care)] + f((a), b + c) - (-a)[k]",
     "let x = beds[care] + f(a, b + c) - (-a)[k]\n"},
    {"minus of an index",
     "let x = -(a[k])",
     "let x = -a[k]\n"},
    {"if as an operand",
     "let x = (if a then 1 else 2) + 3",
     "let x = (if a then 1 else 2) + 3\n"},
    {"if on the right",
     "let x = a or (if b then c else d)",
     "let x = a or (if b then c else d)\n"},
    {"if absorbs its else",
     "let x = if a then b else c or d",
     "let x = if a then b else c or d\n"},
    {"if inside if",
     "let x = if (if a then b else c) then (if d then e else f) else if g then h else i",
     "let x = if (if a then b else c) then (if d then e else f) else if g then h else i\n"},
    {"case inside case",
     "let x = case when a then (case when b then 1 else 2) when c then 3 else case when d then 4 else 5",
     "let x =\n"
     "  case when a then (case when b then 1 else 2)\n"
     "       when c then 3\n"
     "       else case when d then 4 else 5\n"},
    {"in",
     "let x = (a in s) == (b not in {x, y})",
     "let x = (a in s) == (b not in {x, y})\n"},
    {"in with a range",
     "let x = age in 18..(elderly_age - 1)",
     "let x = age in 18..(elderly_age - 1)\n"},
    {"in with an expression",
     "let x = a in (s)",
     "let x = a in s\n"},
    {"sets and maps",
     "let x = f({a, b,}, {}, {k: 1, v: (2)})",
     "let x = f({a, b}, {}, {k: 1, v: 2})\n"},
    {"literals",
     "let x = f(1, 2.50, 30%, 2021-04-01, true, false, \"文本\")",
     "let x = f(1, 2.50, 30%, 2021-04-01, true, false, \"文本\")\n"},
    {"string escapes",
     "let x = \"say \\\"hi\\\"\\\\n\\ttab\\n\"",
     "let x = \"say \\\"hi\\\"\\\\n\\ttab\\n\"\n"},
};

static const Case fullwidth_cases[] = {
    {"parentheses and comparison",
     "let x = not （a ＝＝ b） and c",
     "let x = not a == b and c\n"},
    {"operands kept in parentheses",
     "let x = （a ＝＝ b） ＝＝ c",
     "let x = (a == b) == c\n"},
    {"comparisons",
     "let x = a ＞＝ 1 and b ＜＝ 2 and c ＞ 3 and d ＜ 4 and e !＝ 5",
     "let x = a >= 1 and b <= 2 and c > 3 and d < 4 and e != 5\n"},
    {"comma colon percent",
     "param share： percent ＝ 30％\n"
     "let s ＝ f（a， b）",
     "param share: percent = 30%\n"
     "let s = f(a, b)\n"},
    {"full-width quotes",
     "let mode ＝ “居家” == “（集中）”",
     "let mode = \"居家\" == \"（集中）\"\n"},
    {"full-width space",
     "let　x = 1",
     "let x = 1\n"},
    /* what else a Chinese input method types: full-width digits, letters, '！＝', maths signs,
     * '、' for ',', 【】 for [], ｛｝, ‘…’ strings, a ＃ comment; strings keep theirs */
    {"digits, letters and maths signs",
     "let x = ａｇｅ ≥ ６５ and ｂ ≤ １．５ and c ≠ 1 and d ！＝ ２０２１－０４－０１",
     "let x = age >= 65 and b <= 1.5 and c != 1 and d != 2021-04-01\n"},
    {"list separator, brackets and braces",
     "let x = t【k】 in ｛a、b｝ and y——z in {c、d}",
     "let x = t[k] in {a, b} and y_z in {c, d}\n"},
    {"single quotes and a full-width comment",
     "＃ 说明（不改）\nlet t = ‘居家（集中）、６５’ ＃ 尾注",
     "# 说明（不改）\nlet t = \"居家（集中）、６５\"  # 尾注\n"},
};

static const Case comments_cases[] = {
    {"own line and trailing",
     "# about x\n"
     "let x = 1   # one\n"
     "\n"
     "\n"
     "\n"
     "# about y\n"
     "\n"
     "let y = 2\n"
     "# end\n",
     "# about x\n"
     "let x = 1  # one\n"
     "\n"
     "# about y\n"
     "\n"
     "let y = 2\n"
     "# end\n"},
    {"comments only",
     "# just\n"
     "\n"
     "# comments\n",
     "# just\n"
     "\n"
     "# comments\n"},
    {"inside an expression",
     "let x = a and  # why a\n"
     "  b   # trailing b\n",
     "# why a\n"
     "let x = a and b  # trailing b\n"},
    {"in a record",
     "record p {  # header\n"
     "  # first\n"
     "  a: int  # the a\n"
     "  bb: text \"乙\"\n"
     "\n"
     "  # before require\n"
     "  require a > 0 \"正\"\n"
     "  # last\n"
     "}  # after\n",
     "record p {  # header\n"
     "  # first\n"
     "  a:  int  # the a\n"
     "  bb: text \"乙\"\n"
     "\n"
     "  # before require\n"
     "  require a > 0 \"正\"\n"
     "  # last\n"
     "}  # after\n"},
    {"in a block header",
     "record p # c1\n"
     "  { # c2\n"
     "  a: int\n"
     "}\n",
     "# c1\n"
     "record p {  # c2\n"
     "  a: int\n"
     "}\n"},
    {"in a test",
     "test \"t\" {\n"
     "  given # c3\n"
     "  base { # c4\n"
     "    a: 1 # c5\n"
     "    # c6\n"
     "  } # c7\n"
     "  expect { } # c8\n"
     "} # c9\n",
     "test \"t\" {\n"
     "  # c3\n"
     "  given base {  # c4\n"
     "    a: 1        # c5\n"
     "    # c6\n"
     "  }          # c7\n"
     "  expect {}  # c8\n"
     "}            # c9\n"},
    {"in a table group",
     "table t \"T\" {\n"
     "  row r \"R\" total\n"
     "  # before group\n"
     "  group \"G\" # in header\n"
     "  {\n"
     "    column c \"C\" count\n"
     "    # end of group\n"
     "  }\n"
     "  # end of table\n"
     "}\n",
     "table t \"T\" {\n"
     "  row r \"R\" total\n"
     "  # before group\n"
     "  # in header\n"
     "  group \"G\" {\n"
     "    column c \"C\" count\n"
     "    # end of group\n"
     "  }\n"
     "  # end of table\n"
     "}\n"},
    {"trailing comments align",
     "param a: int = 1 # one\n"
     "param long_name: int = 100 # two\n"
     "param c: int = 3\n"
     "param d: int = 4 # four\n",
     "param a: int = 1            # one\n"
     "param long_name: int = 100  # two\n"
     "param c: int = 3\n"
     "param d: int = 4  # four\n"},
    {"trailing on a broken condition",
     "category c cite \"x\" when alpha_one_long_name and beta_two_long_name or gamma_three_long_name and delta # t\n",
     "category c cite \"x\"\n"
     "  when alpha_one_long_name and beta_two_long_name or gamma_three_long_name and delta  # t\n"},
    {"blank lines in blocks",
     "enum e {\n"
     "\n"
     "  a \"甲\"\n"
     "\n"
     "\n"
     "  bb \"乙\"\n"
     "  c\n"
     "\n"
     "}\n",
     "enum e {\n"
     "  a \"甲\"\n"
     "\n"
     "  bb \"乙\"\n"
     "  c\n"
     "}\n"},
};

static const Case layout_cases[] = {
    {"long when in a placement branch",
     "placement p: m first match {\n"
     "  medical_rehab \"医疗康复机构\" when (severe_mental or chronic_severe) and self_care != full and not family_can_bear and minor cite \"四、¶2\"\n"
     "  home \"居家\" when a cite \"四、¶1\"\n"
     "}\n",
     "placement p: m first match {\n"
     "  medical_rehab \"医疗康复机构\" when (severe_mental or chronic_severe)\n"
     "                                and self_care != full and not family_can_bear and minor\n"
     "                                      cite \"四、¶2\"\n"
     "  home          \"居家\"         when a cite \"四、¶1\"\n"
     "}\n"},
    {"long count in a table column",
     "table t \"T\" {\n"
     "  group \"人员数\" {\n"
     "    column dibao \"低保对象\" count when dibao blank in tekun, orphan\n"
     "    column low_income \"低收入对象\" count when not dibao and low_income blank in tekun, orphan\n"
     "    column registered_poor \"建档立卡对象\" count when not dibao and not low_income and registered_poor blank in tekun, orphan\n"
     "  }\n"
     "}\n",
     "table t \"T\" {\n"
     "  group \"人员数\" {\n"
     "    column dibao           \"低保对象\"     count when dibao                    blank in tekun, orphan\n"
     "    column low_income      \"低收入对象\"   count when not dibao and low_income blank in tekun, orphan\n"
     "    column registered_poor \"建档立卡对象\" count when not dibao and not low_income\n"
     "                                                 and registered_poor          blank in tekun, orphan\n"
     "  }\n"
     "}\n"},
    {"runs split at blank lines",
     "record r {\n"
     "  a: int \"甲\" key\n"
     "  bbbbbbbb: text \"乙乙乙乙\" default \"\"\n"
     "\n"
     "  c: bool \"丙\" key\n"
     "}\n",
     "record r {\n"
     "  a:        int  \"甲\"       key\n"
     "  bbbbbbbb: text \"乙乙乙乙\" default \"\"\n"
     "\n"
     "  c: bool \"丙\" key\n"
     "}\n"},
    {"line ends",
     "let x = 1\r\n"
     "# note\r\n"
     "\r\n"
     "\r\n"
     "let y = 2   \r\n",
     "let x = 1\n"
     "# note\n"
     "\n"
     "let y = 2\n"},
    {"empty file",
     "",
     ""},
};

static void test_declarations(void **state)
{
    (void)state;
    RUN_CASES(decls_cases);
}

static void test_precedence(void **state)
{
    (void)state;
    RUN_CASES(prec_cases);
}

static void test_full_width(void **state)
{
    (void)state;
    RUN_CASES(fullwidth_cases);
}

static void test_comments(void **state)
{
    (void)state;
    RUN_CASES(comments_cases);
}

static void test_layout(void **state)
{
    (void)state;
    RUN_CASES(layout_cases);
}

/* Every expected output is already canonical. */
static void test_outputs_are_fixed_points(void **state)
{
    (void)state;
    const Case *tables[] = {decls_cases, prec_cases, fullwidth_cases, comments_cases, layout_cases};
    size_t counts[] = {ARRAY_LEN(decls_cases), ARRAY_LEN(prec_cases), ARRAY_LEN(fullwidth_cases),
                       ARRAY_LEN(comments_cases), ARRAY_LEN(layout_cases)};
    for (size_t t = 0; t < ARRAY_LEN(tables); t++) {
        for (size_t i = 0; i < counts[t]; i++) {
            const char *out = tables[t][i].out;
            char *again = format_checked(tables[t][i].name, out);
            assert_string_equal(again, out);
            free(again);
        }
    }
}

/* ---- rule files ---------------------------------------------------------------------------- */

/* The text as a Chinese input method would type it: ASCII punctuation outside strings and
 * comments replaced by the full-width twin the scanner accepts, simple strings in “”, and
 * every space doubled. It must format to the same text as the original. */
static bool retype_char(StrBuf *sb, char c)
{
    static const char *const twins[][2] = {
        {"(", "（"}, {")", "）"}, {",", "，"}, {":", "："}, {"%", "％"},
        {"=", "＝"}, {">", "＞"}, {"<", "＜"}, {" ", "  "},
    };
    for (size_t k = 0; k < ARRAY_LEN(twins); k++) {
        if (c != twins[k][0][0]) continue;
        sb_puts(sb, twins[k][1]);
        return true;
    }
    return false;
}

/* Length of the ASCII string starting at s (with its quotes), up to the end of the line. */
static size_t string_len(const char *s)
{
    size_t i = 1;
    while (s[i] && s[i] != '"' && s[i] != '\n') i += s[i] == '\\' && s[i + 1] ? 2 : 1;
    return s[i] == '"' ? i + 1 : i;
}

/* Whether the string s[0, n) can be retyped in “”: closed, no escapes, no ” inside. */
static bool plain_string(const char *s, size_t n)
{
    if (n < 2 || s[n - 1] != '"') return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (s[i] == '\\' || !strncmp(s + i, "”", 3)) return false;
    return true;
}

static char *retype(const char *text)
{
    StrBuf sb = {0};
    for (const char *s = text; *s;) {
        size_t n = 1;
        if (*s == '#') {
            n = strcspn(s, "\n");
            sb_putn(&sb, s, n);
        } else if (*s == '"' && plain_string(s, n = string_len(s))) {
            sb_puts(&sb, "“");
            sb_putn(&sb, s + 1, n - 2);
            sb_puts(&sb, "”");
        } else if (*s == '"') {
            sb_putn(&sb, s, n);
        } else if (!retype_char(&sb, *s)) {
            sb_putc(&sb, *s);
        }
        s += n;
    }
    return sb_take(&sb);
}

static void round_trip_file(const char *path)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        print_error("cannot read %s\n", path);
        fail();
    }
    char *canonical = format_checked(path, text);
    char *retyped = retype(text);
    char *from_retyped = format_checked(path, retyped);
    if (strcmp(canonical, from_retyped)) {
        print_error("%s typed with full-width punctuation formats differently:\n%s", path,
                    from_retyped);
        fail();
    }
    free(from_retyped);
    free(retyped);
    free(canonical);
    free(text);
}

static void test_rule_files_round_trip(void **state)
{
    (void)state;
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob("rules/*.doudi", 0, NULL, &g);
    if (rc == 0 || rc == GLOB_NOMATCH) rc = glob("examples/*.doudi", GLOB_APPEND, NULL, &g);
    assert_true(rc == 0 || rc == GLOB_NOMATCH);
    assert_true(g.gl_pathc >= 1); /* at least rules/zhengzhou-2021.doudi (run from the root) */
    for (size_t i = 0; i < g.gl_pathc; i++) round_trip_file(g.gl_pathv[i]);
    globfree(&g);
}

/* The shipped rule file is in canonical form (`doudi fmt --check` passes on it). */
static void test_rule_file_is_canonical(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = read_file("rules/zhengzhou-2021.doudi", &len);
    assert_non_null(text);
    char *canonical = format_checked("rules/zhengzhou-2021.doudi", text);
    assert_string_equal(canonical, text);
    free(canonical);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declarations),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_full_width),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_outputs_are_fixed_points),
        cmocka_unit_test(test_rule_files_round_trip),
        cmocka_unit_test(test_rule_file_is_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
