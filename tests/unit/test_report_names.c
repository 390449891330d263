/* test_report_names.c — how the documents name a form and a county (engine/report.c):
 * report_partition_name (an enum partition value by its label, anything else as it is) and
 * report_find_form (by name, label, or the unique start of a label). On compiled rules; the
 * workbooks that use them are read back in test_report.c. */
#include "helpers.h"

#include "api/api_int.h"
#include "engine/report.h"

#include <string.h>

/* The Zhengzhou rule file (run from the top of the tree) with a form per sex — an enum whose
 * values have labels (male 男, female 女) — whose label starts like 附件1's. */
static const char *const EXTRA =
    "\n"
    "table tenth \"附件10 按性别\" per sex {\n"
    "  row tekun  \"特困\" when primary == tekun\n"
    "  row others \"其他\" when primary != tekun\n"
    "  column n \"人数\" count\n"
    "}\n";

static doudi_rules *compile(void)
{
    FILE *f = fopen("rules/zhengzhou-2021.doudi", "rb");
    if (!f) fail_msg("run from the top of the tree");
    StrBuf sb = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) sb_putn(&sb, buf, n);
    fclose(f);
    sb_puts(&sb, EXTRA);
    char *diags = NULL;
    doudi_rules *r = doudi_compile_string("names.doudi", sb.items, sb.count, &diags);
    if (!r) fail_msg("%s", diags ? diags : "?");
    doudi_string_free(diags);
    sb_free(&sb);
    return r;
}

static int32_t field_index(const Program *p, const char *name)
{
    for (uint32_t i = 0; i < p->records[0].nfields; i++)
        if (!strcmp(p->records[0].fields[i].name, name)) return (int32_t)i;
    fail_msg("no field %s", name);
    return -1;
}

static void test_partition_name(void **state)
{
    (void)state;
    doudi_rules *r = compile();
    const Program *p = r->prog;
    int32_t sex = field_index(p, "sex"), county = field_index(p, "county");
    assert_string_equal(report_partition_name(p, sex, "female"), "女");
    assert_string_equal(report_partition_name(p, sex, "male"), "男");
    assert_string_equal(report_partition_name(p, sex, "女"), "女");               /* already the name */
    assert_string_equal(report_partition_name(p, sex, "nobody"), "nobody");       /* not a value */
    assert_string_equal(report_partition_name(p, county, "410102"), "中原区");     /* a county by its code */
    assert_string_equal(report_partition_name(p, county, "zhongyuan"), "中原区");  /* ... or identifier */
    assert_string_equal(report_partition_name(p, -1, "410102"), "410102");         /* no partition */
    assert_int_equal(p->forms[2].partition_field, sex);
    doudi_free(r);
}

static void test_find_form(void **state)
{
    (void)state;
    doudi_rules *r = compile();
    const Program *p = r->prog;
    assert_ptr_equal(report_find_form(p, "attachment1"), &p->forms[0]);
    assert_ptr_equal(report_find_form(p, "附件1 郑州市特殊贫困群体兜底保障对象摸底统计表"), &p->forms[0]);
    assert_ptr_equal(report_find_form(p, "附件1"), &p->forms[0]);     /* not 附件10 */
    assert_ptr_equal(report_find_form(p, "附件2"), &p->forms[1]);
    assert_ptr_equal(report_find_form(p, "附件10"), &p->forms[2]);
    assert_ptr_equal(report_find_form(p, "附件10 按"), &p->forms[2]);
    assert_null(report_find_form(p, "附件"));                          /* all three start so */
    assert_null(report_find_form(p, ""));
    assert_null(report_find_form(p, NULL));
    assert_null(report_find_form(p, "fourth"));
    doudi_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partition_name),
        cmocka_unit_test(test_find_form),
    };
    return cmocka_run_group_tests_name("report_names", tests, NULL, NULL);
}
