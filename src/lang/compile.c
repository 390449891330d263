/* compile.c — typed AST to a Program (see compile.h): the rule file's declarations laid out
 * as rules around the code compile_expr.c makes for their expressions, then the registers
 * assigned (compile_int.h says how the files share the work). */
#include "compile_int.h"
#include "base/date.h"
#include "vm/vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rules --------------------------------------------------------------------------------- */


RuleInfo cg_begin_rule(Cg *g, RuleKind kind, const char *name, const char *label, const char *cite, Span at)
{
    RuleInfo ri = {.kind = (uint8_t)kind, .name = xstrdup(name ? name : ""),
                   .label = label ? xstrdup(label) : NULL, .cite = cite ? xstrdup(cite) : NULL,
                   .pc_start = cg_here(g), .enum_index = -1};
    Span saved = g->span;
    g->span = at;
    cg_position(g, &ri.line, &ri.col);
    g->span = saved;
    for (size_t i = 0; i < g->reads.count; i++) free(g->reads.items[i].name);
    for (size_t i = 0; i < g->atoms.count; i++) free(g->atoms.items[i].text);
    g->atoms.count = g->reads.count = 0;
    return ri;
}

void cg_end_rule(Cg *g, RuleVec *rules, RuleInfo ri)
{
    ri.pc_end = cg_here(g);
    ri.natoms = (uint32_t)g->atoms.count;
    ri.atoms = g->atoms.items;
    ri.nreads = (uint32_t)g->reads.count;
    ri.reads = g->reads.items;
    g->atoms.items = NULL;
    g->reads.items = NULL;
    g->atoms.count = g->atoms.cap = g->reads.count = g->reads.cap = 0;
    VEC_PUSH(rules, ri);
}

static void compile_let(Cg *g, RuleVec *rules, Symbol *s)
{
    Decl *d = s->decl;
    RuleInfo ri = cg_begin_rule(g, RULE_LET, s->name, s->label, NULL, d->name.span);
    ri.reg = g->let_reg[s->index];
    ri.value_kind = cg_value_kind(s->type);
    ri.enum_index = cg_enum_index_of(s->type);
    g->span = d->value->span;
    if (cg_is_fixed(s->type) && d->value->type->kind == TY_INT)
        cg_emit(g, OP_I2F, ri.reg, cg_expr_reg(g, d->value), 0);
    else
        cg_expr_into(g, d->value, ri.reg);
    cg_end_rule(g, rules, ri);
}

static void compile_category(Cg *g, RuleVec *rules, Symbol *s)
{
    Decl *d = s->decl;
    RuleInfo ri = cg_begin_rule(g, RULE_CATEGORY, s->name, s->label, d->cite, d->name.span);
    ri.reg = g->cat_reg[s->index];
    ri.value_kind = VK_BOOL;
    cg_cond_into(g, d->when, ri.reg);
    cg_end_rule(g, rules, ri);
}

/* The category set, count and primary, then first-match placement (targets only). */
static void compile_outcome(Cg *g, RuleVec *rules)
{
    const Rules *r = g->r;
    g->span = r->placement ? r->placement->span : (Span){0};
    uint32_t ncat = (uint32_t)r->categories.count;
    if (ncat > 63) {
        cg_compile_error(g, r->categories.items[63]->span, "at most 63 categories are supported");
        return;
    }
    /* mask, count, primary, and placement and branch as none: one instruction, the five
     * registers being consecutive (alloc_person_registers) */
    cg_emit(g, OP_OUTCOME, g->reg_catmask, ncat ? g->cat_reg[0] : g->reg_catmask, ncat);
    if (!r->placement || !r->placement_enum) return;
    uint32_t not_target = cg_emit(g, OP_JMPF, g->reg_catmask, 0, 0);
    Decl *pd = r->placement;
    uint32_t *ends = xmalloc((pd->branches.count + 1) * sizeof *ends);
    size_t nends = 0;
    for (size_t i = 0; i < pd->branches.count; i++) {
        Branch *b = &pd->branches.items[i];
        int value = enum_find(r->placement_enum, b->value.text);
        const char *label = b->label ? b->label : r->placement_enum->values.items[value].label;
        RuleInfo ri = cg_begin_rule(g, RULE_BRANCH, b->value.text, label, b->cite, b->span);
        ri.enum_index = value;
        ri.reg = cg_new_reg(g);
        g->span = b->span;
        uint32_t skip = NO_REG;
        if (b->when) {
            cg_cond_into(g, b->when, ri.reg);
            skip = cg_emit(g, OP_JMPF, ri.reg, 0, 0);
        } else {
            cg_emit(g, OP_MOV, ri.reg, cg_konst(g, VK_BOOL, 1), 0);
        }
        cg_emit(g, OP_LOADI2, g->reg_placement, (uint32_t)value, (uint32_t)i);   /* and reg_branch */
        ends[nends++] = cg_emit(g, OP_JMP, 0, 0, 0);
        cg_end_rule(g, rules, ri);
        if (skip != NO_REG) cg_patch_jump(g, skip);
        if (!b->when) break;
    }
    for (size_t i = 0; i < nends; i++) cg_patch_jump(g, ends[i]);
    cg_patch_jump(g, not_target);
    free(ends);
}

static void compile_keys(Cg *g, RuleVec *rules)
{
    Decl *sd = g->r->schedule;
    if (!sd) return;
    for (size_t i = 0; i < sd->order.count; i++) {
        OrderKey *k = &sd->order.items[i];
        char *text = cg_span_text(k->expr->span);
        RuleInfo ri = cg_begin_rule(g, RULE_KEY, text, NULL, NULL, k->span);
        free(text);
        ri.desc = k->desc;
        ri.value_kind = cg_value_kind(k->expr->type);
        ri.enum_index = cg_enum_index_of(k->expr->type);
        g->span = k->expr->span;
        ri.reg = cg_expr_reg(g, k->expr);
        cg_end_rule(g, rules, ri);
    }
    if (sd->when) {
        char *text = cg_span_text(sd->when->span);
        RuleInfo ri = cg_begin_rule(g, RULE_FILTER, text, sd->label, NULL, sd->when->span);
        free(text);
        ri.reg = cg_new_reg(g);
        ri.value_kind = VK_BOOL;
        cg_cond_into(g, sd->when, ri.reg);
        cg_end_rule(g, rules, ri);
    }
}

/* Lets and categories run in dependency order; their RuleInfos are listed lets first (in
 * that order), then categories in declaration order. */
static void compile_person(Cg *g, RuleVec *rules)
{
    const Rules *r = g->r;
    g->p->person_entry = cg_here(g);
    RuleVec cats = {0};
    size_t ncat = r->categories.count;
    RuleInfo *by_index = xcalloc(ncat + 1, sizeof *by_index);
    for (size_t i = 0; i < r->eval_order.count; i++) {
        Symbol *s = r->eval_order.items[i];
        if (s->kind == SYM_LET) {
            compile_let(g, rules, s);
        } else {
            compile_category(g, &cats, s);
            by_index[s->index] = cats.items[cats.count - 1];
        }
    }
    for (size_t i = 0; i < ncat; i++) VEC_PUSH(rules, by_index[i]);
    free(by_index);
    free(cats.items);
    compile_outcome(g, rules);
    g->span = (Span){0};
    cg_emit(g, OP_HALT, 0, 0, 0);
    /* the schedule and the forms are about targets: their code is an entry of its own */
    g->p->targets_entry = cg_here(g);
    compile_keys(g, rules);
    cg_forms(g, rules);
    cg_notice(g, rules);
    g->span = (Span){0};
    cg_emit(g, OP_HALT, 0, 0, 0);
}

/* ---- schemas: records, enums, params -------------------------------------------------------- */

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static void fill_enums(Cg *g)
{
    const EnumList *el = &g->r->enums;
    Program *p = g->p;
    p->nenums = (uint32_t)el->count;
    p->enums = xcalloc(el->count + 1, sizeof *p->enums);
    for (size_t i = 0; i < el->count; i++) {
        EnumType *en = el->items[i];
        EnumInfo *ei = &p->enums[i];
        ei->name = xstrdup(en->name);
        ei->label = dup_or_null(en->label);
        ei->count = (uint32_t)en->values.count;
        ei->values = xcalloc(en->values.count + 1, sizeof *ei->values);
        ei->labels = xcalloc(en->values.count + 1, sizeof *ei->labels);
        for (size_t k = 0; k < en->values.count; k++) {
            ei->values[k] = xstrdup(en->values.items[k].name.text);
            ei->labels[k] = dup_or_null(en->values.items[k].label);
        }
        if (en->values.count && en->values.items[0].code) {
            ei->codes = xcalloc(en->values.count + 1, sizeof *ei->codes);
            for (size_t k = 0; k < en->values.count; k++) ei->codes[k] = dup_or_null(en->values.items[k].code);
        }
    }
}

static void fill_field(Cg *g, FieldInfo *fi, const Field *f)
{
    fi->name = xstrdup(f->name.text);
    fi->label = dup_or_null(f->label);
    fi->kind = cg_value_kind(f->resolved);
    fi->enum_index = cg_enum_index_of(f->resolved);
    fi->key = f->is_key;
    if (f->span.file) {
        int line = 0, col = 0;
        source_position(f->span.file, f->span.start, &line, &col);
        fi->line = (uint32_t)line;
        fi->col = (uint32_t)col;
    }
    if (f->default_value) {
        fi->has_default = true;
        if (f->default_value->kind == EX_TEXT) fi->default_value = cg_string_index(g, f->default_value->v.s);
        else if (compile_fold(f->default_value, &fi->default_value) && cg_is_fixed(f->resolved) &&
                 f->default_value->type->kind == TY_INT)
            fixed_from_int(fi->default_value, &fi->default_value);
    }
    if (f->range && f->range->kind == EX_RANGE) {
        if (compile_fold(f->range->lhs, &fi->range_lo) && compile_fold(f->range->rhs, &fi->range_hi)) {
            fi->range_kind = 1;
            if (cg_is_fixed(f->resolved)) {
                if (!cg_is_fixed(f->range->lhs->type)) fixed_from_int(fi->range_lo, &fi->range_lo);
                if (!cg_is_fixed(f->range->rhs->type)) fixed_from_int(fi->range_hi, &fi->range_hi);
            }
        }
    } else if (f->range && cg_fold_set(f->range, &fi->range_lo)) {
        fi->range_kind = 2;
    }
}

/* The requires of a record: each condition into its register, stopping at the first that
 * fails; registers of the ones not reached keep `true`, so the first false one is the
 * reason. */
static void compile_record(Cg *g, RecordInfo *ri, const Decl *d, RuleVec *upgrade_rules)
{
    ri->name = xstrdup(d->name.text);
    ri->label = dup_or_null(d->label);
    ri->nfields = (uint32_t)d->fields.count;
    ri->fields = xcalloc(d->fields.count + 1, sizeof *ri->fields);
    ri->key = -1;
    for (size_t i = 0; i < d->fields.count; i++) {
        fill_field(g, &ri->fields[i], &d->fields.items[i]);
        if (d->fields.items[i].is_key) ri->key = (int32_t)i;
    }
    ri->check_entry = cg_here(g);
    cg_capacity_upgrade(g, upgrade_rules, d);
    ri->nrequires = (uint32_t)d->requires.count;
    ri->requires = xcalloc(d->requires.count + 1, sizeof *ri->requires);
    uint32_t yes = cg_konst(g, VK_BOOL, 1);
    g->span = d->span;
    for (size_t i = 0; i < d->requires.count; i++) {
        ri->requires[i].reg = cg_new_reg(g);
        cg_emit(g, OP_MOV, ri->requires[i].reg, yes, 0);
    }
    uint32_t *fails = xmalloc((d->requires.count + 1) * sizeof *fails);
    for (size_t i = 0; i < d->requires.count; i++) {
        const Require *rq = &d->requires.items[i];
        RequireInfo *qi = &ri->requires[i];
        qi->message = xstrdup(rq->message);
        qi->text = cg_span_text(rq->cond->span);
        g->span = rq->cond->span;
        cg_position(g, &qi->line, &qi->col);
        cg_expr_into(g, rq->cond, qi->reg);
        fails[i] = cg_emit(g, OP_JMPF, qi->reg, 0, 0);
    }
    for (size_t i = 0; i < d->requires.count; i++) cg_patch_jump(g, fails[i]);
    free(fails);
    g->span = (Span){0};
    cg_emit(g, OP_HALT, 0, 0, 0);
}

static int64_t param_value(Cg *g, const Expr *e, const Type *t)
{
    int64_t v = 0;
    if (e->kind == EX_TEXT) return cg_string_index(g, e->v.s);
    if (!compile_fold(e, &v)) cg_compile_error(g, e->span, "a param's value must be a constant");
    if (cg_is_fixed(t) && e->type && e->type->kind == TY_INT) fixed_from_int(v, &v);
    return v;
}

/* Each param gets constant registers of its own; a table param a block: size, values. */
static void compile_params(Cg *g)
{
    const Rules *r = g->r;
    Program *p = g->p;
    g->param_reg = xcalloc(r->params.count + 1, sizeof *g->param_reg);
    p->nparams = (uint32_t)r->params.count;
    p->params = xcalloc(r->params.count + 1, sizeof *p->params);
    for (size_t i = 0; i < r->params.count; i++) {
        Symbol *s = r->params.items[i];
        Expr *e = s->decl->value;
        ParamInfo *pi = &p->params[i];
        pi->name = xstrdup(s->name);
        pi->kind = cg_value_kind(s->type);
        pi->enum_index = cg_enum_index_of(s->type);
        if (s->type->kind == TY_TABLE) {
            EnumType *key = s->type->en;
            pi->kind = cg_value_kind(s->type->elem);
            pi->enum_index = cg_enum_index_of(s->type->elem);
            g->param_reg[i] = cg_konst_own(g, VK_INT, (int64_t)key->values.count);
            for (size_t k = 0; k < key->values.count; k++) {
                int64_t v = 0;
                for (size_t j = 0; j < e->keys.count; j++)
                    if (!strcmp(e->keys.items[j].text, key->values.items[k].name.text))
                        v = param_value(g, e->items.items[j], s->type->elem);
                cg_konst_own(g, cg_value_kind(s->type->elem), v);
            }
        } else {
            g->param_reg[i] = cg_konst_own(g, pi->kind, param_value(g, e, s->type));
        }
        pi->reg = g->param_reg[i];
    }
}

/* ---- layout ------------------------------------------------------------------------------ */

uint32_t cg_relocate(const Cg *g, uint32_t v)
{
    if (v & K_TAG) return v & ~K_TAG;
    return (uint32_t)g->consts.count + v;
}

static bool layout(Cg *g)
{
    cg_peephole(g);
    Program *p = g->p;
    uint32_t nconsts = (uint32_t)g->consts.count;
    if ((uint64_t)nconsts + g->nregs > 65535 || g->code.count > 65535) {
        cg_compile_error(g, (Span){g->r->module->source, 0, 0},
                      "the rule file is too large for one program (65535 registers or instructions)");
        return false;
    }
    p->nconsts = nconsts;
    p->consts = xcalloc(nconsts + 1, sizeof *p->consts);
    if (nconsts) memcpy(p->consts, g->consts.items, nconsts * sizeof *p->consts);   /* an empty file has none */
    p->nregs = nconsts + g->nregs;
    p->field_base = nconsts;
    p->ncode = (uint32_t)g->code.count;
    p->code = xcalloc(p->ncode + 1, sizeof *p->code);
    p->pc_line = xcalloc(p->ncode + 1, sizeof *p->pc_line);
    p->pc_col = xcalloc(p->ncode + 1, sizeof *p->pc_col);
    for (uint32_t i = 0; i < p->ncode; i++) {
        const IrIns *ir = &g->code.items[i];
        const char *shape = opcode_shapes[ir->op];
        uint32_t ops[3] = {ir->a, ir->b, ir->c};
        for (int k = 0; k < 3; k++)
            if (shape[k] == 'R' || shape[k] == 'T') ops[k] = cg_relocate(g, ops[k]);
        p->code[i] = (Ins){.op = ir->op, .k = ir->k, .a = (uint16_t)ops[0], .b = (uint16_t)ops[1], .c = (uint16_t)ops[2]};
        p->pc_line[i] = ir->line;
        p->pc_col[i] = ir->col;
    }
    p->nstrings = (uint32_t)g->strings.count;
    p->strings = g->strings.items;
    g->strings.items = NULL;
    return true;
}

static void relocate_rules(Cg *g)
{
    Program *p = g->p;
    for (uint32_t i = 0; i < p->nrules; i++) {
        RuleInfo *ri = &p->rules[i];
        ri->reg = cg_relocate(g, ri->reg);
        for (uint32_t k = 0; k < ri->natoms; k++) ri->atoms[k].reg = cg_relocate(g, ri->atoms[k].reg);
        for (uint32_t k = 0; k < ri->nreads; k++) ri->reads[k].reg = cg_relocate(g, ri->reads[k].reg);
    }
    for (uint32_t i = 0; i < p->nrecords; i++)
        for (uint32_t k = 0; k < p->records[i].nrequires; k++)
            p->records[i].requires[k].reg = cg_relocate(g, p->records[i].requires[k].reg);
    for (uint32_t i = 0; i < p->nparams; i++) p->params[i].reg = cg_relocate(g, p->params[i].reg);
    p->reg_catmask = cg_relocate(g, g->reg_catmask);
    p->reg_catcount = cg_relocate(g, g->reg_catcount);
    p->reg_primary = cg_relocate(g, g->reg_primary);
    p->reg_placement = cg_relocate(g, g->reg_placement);
    p->reg_branch = cg_relocate(g, g->reg_branch);
}

static void alloc_person_registers(Cg *g)
{
    const Rules *r = g->r;
    uint32_t max_fields = 0;
    for (size_t i = 0; i < r->records.count; i++)
        if (r->records.items[i]->fields.count > max_fields) max_fields = (uint32_t)r->records.items[i]->fields.count;
    g->nregs = max_fields;   /* virtual registers 0.. are the fields */
    g->let_reg = xcalloc(r->lets.count + 1, sizeof *g->let_reg);
    for (size_t i = 0; i < r->lets.count; i++) g->let_reg[i] = cg_new_reg(g);
    g->cat_reg = xcalloc(r->categories.count + 1, sizeof *g->cat_reg);
    for (size_t i = 0; i < r->categories.count; i++) g->cat_reg[i] = cg_new_reg(g);   /* contiguous for CATS */
    /* these five in this order: OUTCOME writes them together, LOADI2 the last two */
    g->reg_catmask = cg_new_reg(g);
    g->reg_catcount = cg_new_reg(g);
    g->reg_primary = cg_new_reg(g);
    g->reg_placement = cg_new_reg(g);
    g->reg_branch = cg_new_reg(g);
}

static void fill_header(Cg *g)
{
    const Rules *r = g->r;
    Program *p = g->p;
    const SourceFile *src = r->module->source;
    p->source_path = xstrdup(src->path);
    p->source_len = (uint32_t)src->len;
    p->source_text = xcalloc(src->len + 1, 1);
    memcpy(p->source_text, src->text, src->len);
    if (r->policy) {
        p->policy = dup_or_null(r->policy->label);
        p->policy_source = dup_or_null(r->policy->source);
    }
    p->ncategories = (uint32_t)r->categories.count;
    p->category_enum = r->category_enum ? r->category_enum->index : -1;
    p->placement_enum = r->placement_enum ? r->placement_enum->index : -1;
    if (r->placement) {
        p->placement_name = xstrdup(r->placement->name.text);
        p->placement_label = dup_or_null(r->placement->label);
    }
}

Program *compile_rules(const Rules *r, DiagList *diags)
{
    Program *p = xcalloc(1, sizeof *p);
    Cg g = {.r = r, .dl = diags, .p = p, .upgrade_reg = -1};
    fill_header(&g);
    fill_enums(&g);
    alloc_person_registers(&g);
    compile_params(&g);
    RuleVec rules = {0};
    compile_person(&g, &rules);
    p->nrecords = (uint32_t)r->records.count;
    p->records = xcalloc(r->records.count + 1, sizeof *p->records);
    for (size_t i = 0; i < r->records.count; i++) compile_record(&g, &p->records[i], r->records.items[i], &rules);
    cg_schedule_info(&g);
    cg_capacity_info(&g);
    p->nrules = (uint32_t)rules.count;
    p->rules = rules.items;
    bool ok = !g.failed && layout(&g);
    if (ok) {
        relocate_rules(&g);
        cg_relocate_plan(&g);
    }
    for (size_t i = 0; i < g.reads.count; i++) free(g.reads.items[i].name);
    for (size_t i = 0; i < g.atoms.count; i++) free(g.atoms.items[i].text);
    free(g.reads.items);
    free(g.atoms.items);
    free(g.code.items);
    free(g.consts.items);
    free(g.own.items);
    for (size_t i = 0; g.strings.items && i < g.strings.count; i++) free(g.strings.items[i]);
    free(g.strings.items);
    free(g.let_reg);
    free(g.cat_reg);
    free(g.param_reg);
    cg_free_indexes(&g);
    if (!ok) {
        program_free(p);
        return NULL;
    }
    return p;
}
