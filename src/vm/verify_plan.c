/* verify_plan.c — program_verify_plan: the engine phases' part of a Program (program.h, "the
 * engine phases") checked before anyone runs it. The schedule, the capacity plan and the
 * forms are read by the engine, not the VM, so what they must satisfy is what the engine
 * relies on: every register in range and of the kind the engine reads (a share is a percent
 * constant, standard beds an int constant); every field index inside its record and of the
 * kind the engine reads there (a partition is text, an institution's type the placement
 * enum, its beds an int); every condition register the result of a RULE_CELL rule, so the
 * rules' own checks (verify.c) cover what it holds; every count and index inside its table.
 * The notice likewise: its levels text fields, its period date constants and its office a
 * text constant, each column's source in range (a let's register that let's). */
#include "program.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/util.h"

#define FAIL(...) return xasprintf(__VA_ARGS__)

static bool constant_of(const Program *p, uint32_t reg, uint8_t kind)
{
    return reg < p->nconsts && p->consts[reg].kind == kind;
}

/* -1, or a field of record `rec` of kind `kind` (and, for an enum, of enum `en` when en >= 0). */
static bool field_ok(const Program *p, int32_t rec, int32_t field, uint8_t kind, int32_t en)
{
    if (field == -1) return true;
    if (rec < 0 || (uint32_t)rec >= p->nrecords || field < 0 || (uint32_t)field >= p->records[rec].nfields)
        return false;
    const FieldInfo *f = &p->records[rec].fields[field];
    return f->kind == kind && (en < 0 || f->enum_index == en);
}

/* -1, or the register of a RULE_CELL rule. */
static bool cell_reg_ok(const Program *p, int32_t reg)
{
    if (reg == -1) return true;
    if (reg < 0) return false;
    for (uint32_t i = 0; i < p->nrules; i++)
        if (p->rules[i].kind == RULE_CELL && p->rules[i].reg == (uint32_t)reg) return true;
    return false;
}

static bool years_increase(const int64_t *years, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++)
        if (years[i] <= years[i - 1]) return false;
    return true;
}

static char *verify_schedule(const Program *p)
{
    const ScheduleInfo *si = p->schedule;
    if (!si) return NULL;
    if (!field_ok(p, 0, si->partition_field, VK_TEXT, -1)) FAIL("schedule: partition field %d is no text field", si->partition_field);
    for (uint32_t g = 0; g < si->ngroups; g++) {
        const ScheduleGroupInfo *gi = &si->groups[g];
        if (p->ncategories < 64 && gi->categories >> p->ncategories) FAIL("schedule group %u: no such category", g);
        if (!years_increase(gi->years, gi->nyears)) FAIL("schedule group %u: years do not increase", g);
        for (uint32_t y = 0; y < gi->nyears; y++)
            if (!constant_of(p, gi->share_reg[y], VK_PERCENT)) FAIL("schedule group %u: share %u is no percent constant", g, y);
    }
    return NULL;
}

static char *verify_capacity(const Program *p)
{
    const CapacityInfo *ci = p->capacity;
    if (!ci) return NULL;
    if (p->placement_enum < 0 || (uint32_t)p->placement_enum >= p->nenums) FAIL("capacity: the program has no placement");
    if (ci->record < 1 || (uint32_t)ci->record >= p->nrecords) FAIL("capacity: record %d is no institution record", ci->record);
    if (!field_ok(p, 0, ci->partition_field, VK_TEXT, -1)) FAIL("capacity: partition field %d is no text field", ci->partition_field);
    if (!field_ok(p, ci->record, ci->inst_partition_field, VK_TEXT, -1) ||
        !field_ok(p, ci->record, ci->inst_type_field, VK_ENUM, p->placement_enum) ||
        !field_ok(p, ci->record, ci->inst_beds_field, VK_INT, -1))
        FAIL("capacity: an institution field is out of range or of the wrong kind");
    if (!cell_reg_ok(p, ci->upgrade_reg)) FAIL("capacity: the upgrade condition is no condition's register");
    if (!constant_of(p, ci->headroom_reg, VK_PERCENT)) FAIL("capacity: the headroom is no percent constant");
    if (!years_increase(ci->build_years, ci->nbuild)) FAIL("capacity: build years do not increase");
    for (uint32_t y = 0; y < ci->nbuild; y++)
        if (!constant_of(p, ci->build_reg[y], VK_PERCENT)) FAIL("capacity: build share %u is no percent constant", y);
    uint32_t ntypes = p->enums[p->placement_enum].count;
    for (uint32_t i = 0; i < ci->nitems; i++) {
        const CapacityItemInfo *it = &ci->items[i];
        if (it->type < 0 || (uint32_t)it->type >= ntypes) FAIL("capacity item %u: no such placement value", i);
        if (!constant_of(p, it->beds_reg, VK_INT) || (it->has_minimum && !constant_of(p, it->minimum_reg, VK_INT)))
            FAIL("capacity item %u: its beds or minimum is no int constant", i);
    }
    return NULL;
}

static char *verify_form(const Program *p, const FormInfo *f, uint32_t k)
{
    if (!field_ok(p, 0, f->partition_field, VK_TEXT, -1)) FAIL("form %u: partition field %d is no text field", k, f->partition_field);
    uint32_t nitems = p->capacity ? p->capacity->nitems : 0;
    for (uint32_t r = 0; r < f->nrows; r++) {
        const FormRow *row = &f->rows[r];
        if (!cell_reg_ok(p, row->reg) || (row->total && row->reg != -1)) FAIL("form %u row %u: no condition's register", k, r);
        if (row->capacity_item < -1 || row->capacity_item >= (int32_t)nitems) FAIL("form %u row %u: no such capacity item", k, r);
    }
    for (uint32_t c = 0; c < f->ncols; c++) {
        const FormColumn *col = &f->cols[c];
        if (col->cell > FORM_BLANK) FAIL("form %u column %u: unknown cell kind %u", k, c, col->cell);
        if (!cell_reg_ok(p, col->reg) || (col->cell != FORM_COUNT && col->reg != -1))
            FAIL("form %u column %u: no condition's register", k, c);
        if (col->cell == FORM_EXISTING || col->cell == FORM_BUILD) {
            if (!p->capacity) FAIL("form %u column %u: reads a capacity plan the program lacks", k, c);
        }
    }
    for (size_t i = 0; i < (size_t)f->nrows * f->ncols; i++)
        if (f->blank[i] > 1) FAIL("form %u: a blank flag is neither 0 nor 1", k);
    return NULL;
}

/* The register of a let of kind `kind` (and enum `en`). */
static bool let_reg_ok(const Program *p, uint32_t reg, uint8_t kind, int32_t en)
{
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        if (r->kind == RULE_LET && r->reg == reg) return r->value_kind == kind && r->enum_index == en;
    }
    return false;
}

static char *verify_notice_column(const Program *p, const NoticeColumnInfo *c, uint32_t k)
{
    if (c->source > NOTICE_YEAR) FAIL("notice column %u: unknown source %u", k, c->source);
    if (c->mask > NOTICE_MASK_ID) FAIL("notice column %u: unknown mask %u", k, c->mask);
    if (c->source == NOTICE_FIELD) {
        if (p->nrecords == 0 || c->field < 0 || (uint32_t)c->field >= p->records[0].nfields)
            FAIL("notice column %u: no such field", k);
        if (c->mask && p->records[0].fields[c->field].kind != VK_TEXT) FAIL("notice column %u: masks a field that is no text", k);
    } else if (c->field != -1) {
        FAIL("notice column %u: a field index where it shows no field", k);
    }
    if (c->source == NOTICE_LET) {
        if (!let_reg_ok(p, c->reg, c->kind, c->enum_index)) FAIL("notice column %u: no let's register", k);
        if (c->mask && c->kind != VK_TEXT) FAIL("notice column %u: masks a let that is no text", k);
    } else if (c->mask && c->source != NOTICE_FIELD) {
        FAIL("notice column %u: masks an outcome", k);
    }
    if (c->source == NOTICE_PLACEMENT && p->placement_enum < 0) FAIL("notice column %u: the program has no placement", k);
    return NULL;
}

static char *verify_notice(const Program *p)
{
    const NoticeInfo *n = p->notice;
    if (!n) return NULL;
    for (uint32_t i = 0; i < n->nper; i++)
        if (n->per_fields[i] < 0 || !field_ok(p, 0, n->per_fields[i], VK_TEXT, -1)) FAIL("notice: level %u is no text field", i);
    if (!constant_of(p, n->period_from_reg, VK_DATE) || !constant_of(p, n->period_to_reg, VK_DATE))
        FAIL("notice: the period is no pair of date constants");
    if (!constant_of(p, n->office_reg, VK_TEXT)) FAIL("notice: the office is no text constant");
    for (uint32_t k = 0; k < n->ncols; k++) {
        char *e = verify_notice_column(p, &n->cols[k], k);
        if (e) return e;
    }
    for (uint32_t w = 0; w < n->nwithholds; w++)
        if (!cell_reg_ok(p, (int32_t)n->withholds[w].reg)) FAIL("notice withhold %u: no condition's register", w);
    return NULL;
}

char *program_verify_plan(const Program *p)
{
    char *e = verify_schedule(p);
    if (!e) e = verify_capacity(p);
    for (uint32_t k = 0; !e && k < p->nforms; k++) e = verify_form(p, &p->forms[k], k);
    if (!e) e = verify_notice(p);
    return e;
}
