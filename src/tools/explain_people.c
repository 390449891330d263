/* explain_people.c — a person's outcome as a county office is asked about it (see
 * explain_people.h).
 *
 * Names are shown as people read them: a field, let or category by its label (in English with
 * the identifier beside it), an enum value by its label, a bool as yes/no. A condition is its
 * source text with every name it reads replaced so; the values beside it are the names it reads
 * (ReadInfo) that appear in it, as the traced run left them. */
#include "explain_people.h"
#include "nearmiss.h"
#include "base/msg.h"
#include "engine/document.h"
#include "vm/values.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct People {
    const Program *p;
    Vm *vm;
    const VmTrace *t;
    const ExplainYear *y;
    bool zh;
    uint32_t cat_first, ncats, branch_first, nbranches, key_first, nkeys;
    int64_t primary, branch;
    bool target, scheduled;    /* scheduled: the schedule's filter holds (a target it ranks) */
    int32_t group;             /* the schedule group of the primary category, or -1 */
    uint32_t *missing;         /* by category: conditions short (UINT32_MAX: none admits), 0 for in */
    uint32_t **change;         /* by category: the atoms that would have to change */
    int64_t nearest;           /* the category with fewest conditions short, or -1 */
} People;

/* ---- names and values as people read them ------------------------------------------------------ */

static const char *label_of(const Program *p, const char *name)
{
    AtomInfo a = {.text = (char *)name};
    return nearmiss_atom_label(p, &a);
}

/* "特困供养人员" in Chinese, "特困供养人员 (tekun)" in English; the name when there is no label. */
static void put_named(const People *x, const char *label, const char *name, StrBuf *out)
{
    if (!label) sb_puts(out, name);
    else if (x->zh) sb_puts(out, label);
    else sb_printf(out, "%s (%s)", label, name);
}

static void put_name(const People *x, const char *name, StrBuf *out)
{
    if (!strcmp(name, "category_count")) put_named(x, tr("number of categories"), name, out);
    else put_named(x, label_of(x->p, name), name, out);
}

static void put_value(const People *x, uint8_t kind, int32_t en, int64_t v, StrBuf *out)
{
    if (kind == VK_BOOL) {
        sb_puts(out, v ? tr("yes") : tr("no"));
        return;
    }
    if (kind == VK_ENUM && en >= 0 && (uint32_t)en < x->p->nenums && v >= 0 && (uint64_t)v < x->p->enums[en].count &&
        x->p->enums[en].labels && x->p->enums[en].labels[v]) {
        put_named(x, x->p->enums[en].labels[v], x->p->enums[en].values[v], out);
        return;
    }
    value_format(x->p, kind, en, v, false, out);
}

static void put_category(const People *x, uint32_t c, StrBuf *out)
{
    const RuleInfo *ri = &x->p->rules[x->cat_first + c];
    put_named(x, ri->label, ri->name, out);
}

/* "三、(一), line 99" / "三、(一)，第99行": where a decision comes from. */
static void put_where(const char *cite, uint32_t line, StrBuf *out)
{
    if (cite) sb_printf(out, tr("%s, line %u"), cite, line);
    else sb_printf(out, tr("line %u"), line);
}

/* Whether `name` appears in `text` as a whole word. */
static bool mentions(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = strstr(text, name); s; s = strstr(s + 1, name)) {
        bool before = s == text || !(isalnum((unsigned char)s[-1]) || s[-1] == '_');
        bool after = !(isalnum((unsigned char)s[n]) || s[n] == '_');
        if (before && after) return true;
    }
    return false;
}

/* An enum value's label when `word` is a value of an enum some read of the rule has. */
static const char *enum_word(const People *x, const RuleInfo *ri, const AtomInfo *a, const char *word)
{
    for (uint32_t i = 0; i < ri->nreads; i++) {
        int32_t en = ri->reads[i].enum_index;
        if (!mentions(a->text, ri->reads[i].name)) continue;   /* the enum of what the condition compares */
        if (ri->reads[i].kind != VK_ENUM || en < 0 || (uint32_t)en >= x->p->nenums) continue;
        const EnumInfo *e = &x->p->enums[en];
        for (uint32_t v = 0; v < e->count; v++)
            if (!strcmp(e->values[v], word)) return e->labels && e->labels[v] ? e->labels[v] : e->values[v];
    }
    return NULL;
}

/* A condition as people read it: in Chinese every name and enum value by its label and the
 * words of the language as Chinese; in English as the rule file writes it. */
static void put_condition(const People *x, const RuleInfo *ri, const AtomInfo *a, StrBuf *out)
{
    if (!x->zh) {
        sb_puts(out, a->text);
        return;
    }
    static const char *const words[][2] = {{"not", "非"}, {"in", "属于"}, {"and", "且"}, {"or", "或"},
                                           {"true", "是"}, {"false", "否"}};
    static const char *const ops[][2] = {{"==", "="}, {"!=", "≠"}, {">=", "≥"}, {"<=", "≤"}};
    for (const char *s = a->text; *s;) {
        if (isalpha((unsigned char)*s) || *s == '_') {
            const char *b = s;
            while (isalnum((unsigned char)*s) || *s == '_') s++;
            char *w = xstrndup(b, (size_t)(s - b));
            const char *shown = label_of(x->p, w);
            if (!shown && !strcmp(w, "category_count")) shown = tr("number of categories");
            for (size_t i = 0; !shown && i < sizeof words / sizeof *words; i++)
                if (!strcmp(w, words[i][0])) shown = words[i][1];
            if (!shown) shown = enum_word(x, ri, a, w);
            sb_puts(out, shown ? shown : w);
            free(w);
            continue;
        }
        size_t i = 0;
        while (i < sizeof ops / sizeof *ops && strncmp(s, ops[i][0], 2)) i++;
        if (i < sizeof ops / sizeof *ops) {
            sb_puts(out, ops[i][1]);
            s += 2;
        } else {
            sb_putc(out, *s++);
        }
    }
}

/* The values a condition reads: "年龄 = 88, 法定义务人 = 有履行能力". False when it reads none. */
static bool put_reads(const People *x, const RuleInfo *ri, const AtomInfo *a, StrBuf *out)
{
    bool any = false;
    for (uint32_t i = 0; i < ri->nreads; i++) {
        const ReadInfo *rd = &ri->reads[i];
        if (!mentions(a->text, rd->name)) continue;
        if (any) sb_puts(out, x->zh ? "，" : ", ");
        put_name(x, rd->name, out);
        sb_puts(out, " = ");
        put_value(x, rd->kind, rd->enum_index, x->vm->regs[rd->reg], out);
        any = true;
    }
    return any;
}

/* ---- what was decided ------------------------------------------------------------------------- */

static void decide(People *x)
{
    const Program *p = x->p;
    int64_t *R = x->vm->regs;
    x->zh = msg_lang() == MSG_ZH;
    x->cat_first = program_rules(p, RULE_CATEGORY, &x->ncats);
    x->branch_first = program_rules(p, RULE_BRANCH, &x->nbranches);
    x->key_first = program_rules(p, RULE_KEY, &x->nkeys);
    x->primary = program_index(R[p->reg_primary], x->ncats);
    x->branch = program_index(R[p->reg_branch], x->nbranches);
    x->target = x->primary >= 0;
    x->group = -1;
    if (x->target && p->schedule) {
        /* the schedule's keys and filter: the targets entry, on the registers the person entry left */
        if (vm_continue(x->vm, p->targets_entry)) {
            uint32_t nf, f = program_rules(p, RULE_FILTER, &nf);
            x->scheduled = !nf || R[p->rules[f].reg];
        }
        for (uint32_t g = 0; g < p->schedule->ngroups; g++)
            if (x->primary < 64 && p->schedule->groups[g].categories >> x->primary & 1) x->group = (int32_t)g;
        if (x->group < 0) x->scheduled = false;
    }
    x->missing = xcalloc(x->ncats + 1, sizeof *x->missing);
    x->change = xcalloc(x->ncats + 1, sizeof *x->change);
    x->nearest = -1;
    for (uint32_t c = 0; c < x->ncats; c++) {
        const RuleInfo *ri = &p->rules[x->cat_first + c];
        x->change[c] = xcalloc(ri->natoms + 1, sizeof **x->change);
        if (R[ri->reg]) continue;
        x->missing[c] = nearmiss_person(p, x->vm, x->cat_first + c, x->change[c]);
        if (x->missing[c] != UINT32_MAX && (x->nearest < 0 || x->missing[c] < x->missing[x->nearest]))
            x->nearest = c;
    }
}

static void forget(People *x)
{
    for (uint32_t c = 0; c < x->ncats; c++) free(x->change[c]);
    free(x->change);
    free(x->missing);
}

/* The categories, primary first: "特困供养人员（兼属孤寡老人、失能、半失能人员）". */
static void put_categories(const People *x, StrBuf *out)
{
    StrBuf also = {0};
    for (uint32_t c = 0; c < x->ncats; c++)
        if ((int64_t)c != x->primary && x->vm->regs[x->p->rules[x->cat_first + c].reg]) {
            if (also.count) sb_puts(&also, x->zh ? "；" : "; ");
            put_category(x, c, &also);
        }
    StrBuf prim = {0};
    put_category(x, (uint32_t)x->primary, &prim);
    if (also.count) sb_printf(out, tr("%s (also %s)"), sb_str(&prim), sb_str(&also));
    else sb_puts(out, sb_str(&prim));
    sb_free(&prim);
    sb_free(&also);
}

static void verdict(const People *x, StrBuf *out)
{
    if (!x->target) {
        if (x->nearest < 0) {
            sb_puts(out, tr("Not a target: the person meets the conditions of no category"));
            return;
        }
        StrBuf near = {0};
        put_category(x, (uint32_t)x->nearest, &near);
        sb_printf(out, tr("Not a target: the person meets the conditions of no category; the nearest is %s, %u "
                          "condition(s) short"), sb_str(&near), x->missing[x->nearest]);
        sb_free(&near);
        return;
    }
    StrBuf cats = {0}, place = {0};
    put_categories(x, &cats);
    if (x->branch >= 0) {
        const RuleInfo *b = &x->p->rules[x->branch_first + (uint32_t)x->branch];
        put_named(x, b->label, b->name, &place);
    }
    if (x->branch < 0) sb_printf(out, tr("A target as %s"), sb_str(&cats));
    else if (!x->scheduled) sb_printf(out, tr("A target as %s, care: %s"), sb_str(&cats), sb_str(&place));
    else if (x->y && x->y->has_year)
        sb_printf(out, tr("A target as %s, in centralized care at %s, placed in %lld"), sb_str(&cats),
                  sb_str(&place), (long long)x->y->year);
    else
        sb_printf(out, tr("A target as %s, in centralized care at %s (the year is set by a run over everyone)"),
                  sb_str(&cats), sb_str(&place));
    sb_free(&cats);
    sb_free(&place);
}

/* ---- text --------------------------------------------------------------------------------------- */

static void text_person(const People *x, StrBuf *out)
{
    const RecordInfo *rec = &x->p->records[0];
    const int64_t *R = x->vm->regs;
    for (uint32_t i = 0; i < rec->nfields; i++) {
        const FieldInfo *f = &rec->fields[i];
        bool shown = (int32_t)i == rec->key || (f->kind == VK_TEXT && !strcmp(f->name, "name")) ||
                     (x->p->schedule && x->p->schedule->partition_field == (int32_t)i);
        if (!shown) continue;
        int64_t v = R[x->p->field_base + i];
        if (f->kind == VK_TEXT && (!v || !*(const char *)(intptr_t)v)) continue;
        sb_puts(out, i == (uint32_t)rec->key ? "" : x->zh ? "，" : ", ");
        put_named(x, f->label, f->name, out);
        sb_puts(out, " = ");
        put_value(x, f->kind, f->enum_index, v, out);
    }
    sb_putc(out, '\n');
}

/* One condition: ✓ met, ✗ not met, – not evaluated (the rest of an `and`/`or` decided it). */
static void text_condition(const People *x, const RuleInfo *ri, const AtomInfo *a, StrBuf *out)
{
    const char *mark = !x->t->ran[a->pc] ? "–" : x->t->value[a->pc] ? "✓" : "✗";
    sb_printf(out, "    %s ", mark);
    put_condition(x, ri, a, out);
    StrBuf reads = {0};
    if (put_reads(x, ri, a, &reads)) sb_printf(out, x->zh ? "（%s）" : "  (%s)", sb_str(&reads));
    if (!x->t->ran[a->pc]) sb_puts(out, tr("  (not evaluated)"));
    sb_putc(out, '\n');
    sb_free(&reads);
}

static void text_rule_head(const People *x, const char *verdict_word, const RuleInfo *ri, StrBuf *out)
{
    /* 【符合】 needs no space after it */
    sb_printf(out, x->zh && !strncmp(verdict_word, "【", strlen("【")) ? "  %s" : "  %s ", verdict_word);
    put_named(x, ri->label, ri->name, out);
    sb_puts(out, x->zh ? "（" : "  (");
    put_where(ri->cite, ri->line, out);
    sb_puts(out, x->zh ? "）" : ")");
}

static void text_categories(const People *x, StrBuf *out)
{
    sb_puts(out, tr("Categories:\n"));
    for (uint32_t c = 0; c < x->ncats; c++) {
        const RuleInfo *ri = &x->p->rules[x->cat_first + c];
        bool holds = x->vm->regs[ri->reg] != 0;
        text_rule_head(x, holds ? tr("[met]") : tr("[not met]"), ri, out);
        if (!holds && x->missing[c] != UINT32_MAX) sb_printf(out, tr(": %u condition(s) short"), x->missing[c]);
        sb_putc(out, '\n');
        for (uint32_t k = 0; k < ri->natoms; k++) {
            const AtomInfo *a = &ri->atoms[k];
            /* a category not met: only what keeps the person out */
            if (holds || (x->t->ran[a->pc] && !x->t->value[a->pc])) text_condition(x, ri, a, out);
        }
    }
}

static void text_nearest(const People *x, StrBuf *out)
{
    if (x->target || x->nearest < 0) return;
    uint32_t c = (uint32_t)x->nearest;
    const RuleInfo *ri = &x->p->rules[x->cat_first + c];
    StrBuf name = {0};
    put_category(x, c, &name);
    sb_printf(out, tr("Nearest category: %s; to be in it, these would have to change:\n"), sb_str(&name));
    sb_free(&name);
    for (uint32_t i = 0; i < x->missing[c]; i++) text_condition(x, ri, &ri->atoms[x->change[c][i]], out);
}

static void text_placement(const People *x, StrBuf *out)
{
    if (!x->target || x->p->placement_enum < 0) return;
    if (x->branch < 0) {
        sb_puts(out, tr("Care: no placement rule matched\n"));
        return;
    }
    const RuleInfo *b = &x->p->rules[x->branch_first + (uint32_t)x->branch];
    sb_puts(out, tr("Care:\n"));
    text_rule_head(x, "✓", b, out);
    sb_putc(out, '\n');
    for (uint32_t k = 0; k < b->natoms; k++)
        if (x->t->ran[b->atoms[k].pc]) text_condition(x, b, &b->atoms[k], out);
}

/* The group: its categories' labels, "重症慢性病人员、孤寡老人". */
static void put_group(const People *x, const ScheduleGroupInfo *g, StrBuf *out)
{
    bool first = true;
    for (uint32_t c = 0; c < x->ncats && c < 64; c++)
        if (g->categories >> c & 1) {
            if (!first) sb_puts(out, x->zh ? "、" : ", ");
            put_category(x, c, out);
            first = false;
        }
}

/* The order keys and this person's values of them. */
static void text_keys(const People *x, StrBuf *out)
{
    sb_puts(out, tr("  ordered by:"));
    for (uint32_t k = 0; k < x->nkeys; k++) {
        const RuleInfo *ri = &x->p->rules[x->key_first + k];
        sb_puts(out, k ? (x->zh ? "，" : ", ") : x->zh ? "" : " ");
        put_name(x, ri->name, out);
        sb_puts(out, " = ");
        put_value(x, ri->value_kind, ri->enum_index, x->vm->regs[ri->reg], out);
        sb_puts(out, ri->desc ? tr(" (high first)") : tr(" (low first)"));
    }
    sb_putc(out, '\n');
}

/* A cut-off person's keys as stored (joined by 0x1F), named. */
static void put_stored_keys(const People *x, const char *keys, StrBuf *out)
{
    const char *s = keys;
    for (uint32_t k = 0; k < x->nkeys && s; k++) {
        const char *e = strchr(s, '\x1f');
        if (k) sb_puts(out, x->zh ? "，" : ", ");
        put_name(x, x->p->rules[x->key_first + k].name, out);
        sb_printf(out, " = %.*s", (int)(e ? e - s : (ptrdiff_t)strlen(s)), s);
        s = e ? e + 1 : NULL;
    }
}

/* A partition as people name it: a county's name and code (中牟县 410122), else the key. */
static const char *partition_shown(const People *x, int32_t field, const char *key, StrBuf *buf)
{
    buf->count = 0;
    const char *name = program_partition_name(x->p, field, key);
    const char *code = program_partition_code(x->p, field, key);
    if (!key || !name || !strcmp(name, key)) sb_puts(buf, key ? key : "");
    else sb_printf(buf, "%s %s", name, code ? code : key);
    return sb_str(buf);
}

static void text_year(const People *x, StrBuf *out)
{
    if (!x->scheduled) return;
    const ScheduleInfo *si = x->p->schedule;
    const ScheduleGroupInfo *g = &si->groups[x->group];
    StrBuf grp = {0};
    put_group(x, g, &grp);
    sb_printf(out, tr("Year (%s): group %s"), si->label ? si->label : "", sb_str(&grp));
    sb_puts(out, x->zh ? "（" : "  (");
    put_where(g->cite, g->line, out);
    sb_puts(out, x->zh ? "）\n" : ")\n");
    sb_free(&grp);
    const ExplainYear *y = x->y;
    if (!y) {
        sb_puts(out, tr("  the rank and the year are set by a run over everyone (doudi run)\n"));
        text_keys(x, out);
        return;
    }
    if (!y->has_rank) {
        sb_puts(out, tr("  the run did not store the rank (it was made before ledger format 2)\n"));
        text_keys(x, out);
        return;
    }
    int64_t n = y->nyears ? y->years[0].n : 0;
    StrBuf part = {0};
    if (si->partition_field >= 0) {
        const FieldInfo *pf = &x->p->records[0].fields[si->partition_field];
        sb_puts(out, "  ");
        put_named(x, pf->label, pf->name, out);
        sb_printf(out, " = %s", partition_shown(x, si->partition_field, y->partition, &part));
        sb_puts(out, x->zh ? "，" : ", ");
    } else {
        sb_puts(out, "  ");
    }
    sb_printf(out, tr("rank %lld of %lld\n"), (long long)y->rank, (long long)n);
    text_keys(x, out);
    for (int i = 0; i < y->nyears; i++) {
        const ScheduleYearRow *r = &y->years[i];
        sb_printf(out, tr("  %lld: %lld placed by then"), (long long)r->year, (long long)r->quota);
        if (r->cutoff_key) {
            sb_puts(out, tr("; the last placed:"));
            if (!x->zh) sb_putc(out, ' ');
            put_stored_keys(x, r->cutoff_keys, out);
        }
        if (y->has_year && r->year == y->year) sb_puts(out, tr("  <- this person's year"));
        sb_putc(out, '\n');
    }
    sb_free(&part);
}

void explain_people_text(const Program *p, Vm *vm, const VmTrace *trace, const ExplainYear *y, StrBuf *out)
{
    People x = {.p = p, .vm = vm, .t = trace, .y = y};
    decide(&x);
    verdict(&x, out);
    sb_putc(out, '\n');
    if (p->nrecords && p->records[0].key >= 0) text_person(&x, out);
    text_categories(&x, out);
    text_nearest(&x, out);
    text_placement(&x, out);
    text_year(&x, out);
    forget(&x);
}

/* ---- JSON --------------------------------------------------------------------------------------- */

static void json_str(StrBuf *out, const char *s)
{
    if (s) sb_json_string(out, s);
    else sb_puts(out, "null");
}

static void json_value(const People *x, uint8_t kind, int32_t en, int64_t v, StrBuf *out)
{
    if (kind == VK_BOOL) sb_puts(out, v ? "true" : "false");
    else if (kind == VK_INT) sb_printf(out, "%lld", (long long)v);
    else {
        StrBuf tmp = {0};
        value_format(x->p, kind, en, v, false, &tmp);
        sb_json_string(out, sb_str(&tmp));
        sb_free(&tmp);
    }
}

static void json_condition(const People *x, const RuleInfo *ri, const AtomInfo *a, StrBuf *out)
{
    sb_puts(out, "{\"text\":");
    json_str(out, a->text);
    StrBuf shown = {0};
    put_condition(x, ri, a, &shown);
    sb_puts(out, ",\"shown\":");
    json_str(out, sb_str(&shown));
    sb_free(&shown);
    sb_printf(out, ",\"line\":%u,\"holds\":%s,\"values\":[", a->line,
              !x->t->ran[a->pc] ? "null" : x->t->value[a->pc] ? "true" : "false");
    bool any = false;
    for (uint32_t i = 0; i < ri->nreads; i++) {
        const ReadInfo *rd = &ri->reads[i];
        if (!mentions(a->text, rd->name)) continue;
        sb_puts(out, any ? ",{\"name\":" : "{\"name\":");
        json_str(out, rd->name);
        sb_puts(out, ",\"label\":");
        json_str(out, !strcmp(rd->name, "category_count") ? tr("number of categories") : label_of(x->p, rd->name));
        sb_puts(out, ",\"value\":");
        json_value(x, rd->kind, rd->enum_index, x->vm->regs[rd->reg], out);
        StrBuf shownv = {0};
        put_value(x, rd->kind, rd->enum_index, x->vm->regs[rd->reg], &shownv);
        sb_puts(out, ",\"shown\":");
        json_str(out, sb_str(&shownv));
        sb_free(&shownv);
        sb_putc(out, '}');
        any = true;
    }
    sb_puts(out, "]}");
}

static void json_rule(const People *x, const RuleInfo *ri, StrBuf *out)
{
    sb_puts(out, "\"name\":");
    json_str(out, ri->name);
    sb_puts(out, ",\"label\":");
    json_str(out, ri->label);
    sb_puts(out, ",\"cite\":");
    json_str(out, ri->cite);
    sb_printf(out, ",\"line\":%u", ri->line);
}

static void json_categories(const People *x, StrBuf *out)
{
    sb_puts(out, ",\"people\":[");
    for (uint32_t c = 0; c < x->ncats; c++) {
        const RuleInfo *ri = &x->p->rules[x->cat_first + c];
        bool holds = x->vm->regs[ri->reg] != 0;
        sb_puts(out, c ? ",{" : "{");
        json_rule(x, ri, out);
        sb_printf(out, ",\"holds\":%s,\"short\":", holds ? "true" : "false");
        if (holds) sb_puts(out, "0");
        else if (x->missing[c] == UINT32_MAX) sb_puts(out, "null");
        else sb_printf(out, "%u", x->missing[c]);
        sb_puts(out, ",\"conditions\":[");
        for (uint32_t k = 0; k < ri->natoms; k++) {
            if (k) sb_putc(out, ',');
            json_condition(x, ri, &ri->atoms[k], out);
        }
        sb_puts(out, "]}");
    }
    sb_putc(out, ']');
}

static void json_nearest(const People *x, StrBuf *out)
{
    sb_puts(out, ",\"nearest\":");
    if (x->target || x->nearest < 0) {
        sb_puts(out, "null");
        return;
    }
    uint32_t c = (uint32_t)x->nearest;
    const RuleInfo *ri = &x->p->rules[x->cat_first + c];
    sb_putc(out, '{');
    json_rule(x, ri, out);
    sb_printf(out, ",\"short\":%u,\"change\":[", x->missing[c]);
    for (uint32_t i = 0; i < x->missing[c]; i++) {
        if (i) sb_putc(out, ',');
        json_condition(x, ri, &ri->atoms[x->change[c][i]], out);
    }
    sb_puts(out, "]}");
}

static void json_placement(const People *x, StrBuf *out)
{
    sb_puts(out, ",\"care\":");
    if (!x->target || x->branch < 0) {
        sb_puts(out, "null");
        return;
    }
    const RuleInfo *b = &x->p->rules[x->branch_first + (uint32_t)x->branch];
    sb_putc(out, '{');
    json_rule(x, b, out);
    sb_puts(out, ",\"conditions\":[");
    bool any = false;
    for (uint32_t k = 0; k < b->natoms; k++)
        if (x->t->ran[b->atoms[k].pc]) {
            if (any) sb_putc(out, ',');
            json_condition(x, b, &b->atoms[k], out);
            any = true;
        }
    sb_puts(out, "]}");
}

static void json_stored_keys(const People *x, const char *keys, StrBuf *out)
{
    sb_putc(out, '[');
    const char *s = keys;
    for (uint32_t k = 0; k < x->nkeys && s; k++) {
        const char *e = strchr(s, '\x1f');
        char *v = xstrndup(s, e ? (size_t)(e - s) : strlen(s));
        if (k) sb_putc(out, ',');
        json_str(out, v);
        free(v);
        s = e ? e + 1 : NULL;
    }
    sb_putc(out, ']');
}

static void json_year(const People *x, StrBuf *out)
{
    sb_puts(out, ",\"year\":");
    if (!x->scheduled) {
        sb_puts(out, "null");
        return;
    }
    const ScheduleInfo *si = x->p->schedule;
    const ScheduleGroupInfo *g = &si->groups[x->group];
    const ExplainYear *y = x->y;
    sb_puts(out, "{\"group\":{\"categories\":[");
    bool first = true;
    for (uint32_t c = 0; c < x->ncats && c < 64; c++)
        if (g->categories >> c & 1) {
            if (!first) sb_putc(out, ',');
            json_str(out, x->p->rules[x->cat_first + c].name);
            first = false;
        }
    sb_printf(out, "],\"index\":%d,\"cite\":", x->group);
    json_str(out, g->cite);
    sb_printf(out, ",\"line\":%u},\"year\":", g->line);
    if (y && y->has_year) sb_printf(out, "%lld", (long long)y->year);
    else sb_puts(out, "null");
    sb_printf(out, ",\"rank_stored\":%s,\"partition\":", y && y->has_rank ? "true" : "false");
    json_str(out, y && y->has_rank ? y->partition : NULL);
    sb_puts(out, ",\"rank\":");
    if (y && y->has_rank) sb_printf(out, "%lld,\"n\":%lld", (long long)y->rank, (long long)(y->nyears ? y->years[0].n : 0));
    else sb_puts(out, "null,\"n\":null");
    sb_puts(out, ",\"keys\":[");
    for (uint32_t k = 0; k < x->nkeys; k++) {
        const RuleInfo *ri = &x->p->rules[x->key_first + k];
        sb_puts(out, k ? ",{\"name\":" : "{\"name\":");
        json_str(out, ri->name);
        sb_puts(out, ",\"label\":");
        json_str(out, !strcmp(ri->name, "category_count") ? tr("number of categories") : label_of(x->p, ri->name));
        sb_printf(out, ",\"desc\":%s,\"value\":", ri->desc ? "true" : "false");
        json_value(x, ri->value_kind, ri->enum_index, x->vm->regs[ri->reg], out);
        sb_putc(out, '}');
    }
    sb_puts(out, "],\"years\":[");
    for (int i = 0; y && y->has_rank && i < y->nyears; i++) {
        const ScheduleYearRow *r = &y->years[i];
        sb_printf(out, "%s{\"year\":%lld,\"quota\":%lld,\"cutoff\":", i ? "," : "", (long long)r->year,
                  (long long)r->quota);
        if (r->cutoff_key) {
            sb_puts(out, "{\"key\":");
            json_str(out, r->cutoff_key);
            sb_puts(out, ",\"keys\":");
            json_stored_keys(x, r->cutoff_keys, out);
            sb_putc(out, '}');
        } else {
            sb_puts(out, "null");
        }
        sb_putc(out, '}');
    }
    sb_puts(out, "]}");
}

void explain_people_json(const Program *p, Vm *vm, const VmTrace *trace, const ExplainYear *y, StrBuf *out)
{
    People x = {.p = p, .vm = vm, .t = trace, .y = y};
    decide(&x);
    StrBuf v = {0};
    verdict(&x, &v);
    sb_puts(out, ",\"verdict\":");
    json_str(out, sb_str(&v));
    sb_free(&v);
    json_categories(&x, out);
    json_nearest(&x, out);
    json_placement(&x, out);
    json_year(&x, out);
    forget(&x);
}

/* ---- HTML: one printable page ----------------------------------------------------------------------
 * Self-contained (inline CSS, no script, nothing fetched), A4 when printed, in the language of the
 * catalogue (the caller chooses Chinese). Every number sits in a cell with a class naming it
 * (short, rank, n, quota), so a test can read the page back against the JSON. */

static const char *const PAGE_CSS =
    "@page{size:A4;margin:16mm 14mm}"
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"WenQuanYi Micro Hei\",sans-serif;"
    "font-size:10.5pt;color:#111;max-width:182mm;margin:8mm auto;line-height:1.45}"
    "h1{font-size:15pt;margin:0 0 .4em}h2{font-size:12pt;border-bottom:1px solid #555;margin:1.1em 0 .4em}"
    "p.run{color:#444;margin:.2em 0}"
    "table{border-collapse:collapse;width:100%;margin:.3em 0}"
    "th,td{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#eee;font-weight:600}"
    "ul{margin:0;padding-left:1.1em}li{margin:.1em 0}"
    "table.categories td:first-child{width:24%}table.categories td:nth-child(2){width:13%;white-space:nowrap}"
    ".met{color:#06602a;font-weight:600}.unmet{color:#a01818}.skip{color:#777}.mine{background:#fff3c4}"
    "@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}";

static void html_text(StrBuf *out, const char *s) { doc_escape(out, s ? s : ""); }

/* Escape what `fill` built. */
static void html_buf(StrBuf *out, StrBuf *tmp)
{
    html_text(out, sb_str(tmp));
    tmp->count = 0;
}

static void html_condition(const People *x, const RuleInfo *ri, const AtomInfo *a, StrBuf *out)
{
    StrBuf tmp = {0};
    bool ran = x->t->ran[a->pc];
    const char *cls = !ran ? "skip" : x->t->value[a->pc] ? "met" : "unmet";
    sb_printf(out, "<li class=\"%s\">%s ", cls, !ran ? "–" : x->t->value[a->pc] ? "✓" : "✗");
    put_condition(x, ri, a, &tmp);
    html_buf(out, &tmp);
    if (put_reads(x, ri, a, &tmp)) {
        sb_puts(out, x->zh ? "（" : " (");
        html_buf(out, &tmp);
        sb_puts(out, x->zh ? "）" : ")");
    }
    if (!ran) html_text(out, tr("  (not evaluated)"));
    sb_printf(out, " <span class=\"skip\">");
    put_where(NULL, a->line, &tmp);
    html_buf(out, &tmp);
    sb_puts(out, "</span></li>");
    sb_free(&tmp);
}

static void html_person(const People *x, StrBuf *out)
{
    const RecordInfo *rec = &x->p->records[0];
    const int64_t *R = x->vm->regs;
    StrBuf tmp = {0};
    sb_puts(out, "<table class=\"person\"><tr>");
    for (uint32_t i = 0; i < rec->nfields; i++) {
        const FieldInfo *f = &rec->fields[i];
        bool shown = (int32_t)i == rec->key || (f->kind == VK_TEXT && !strcmp(f->name, "name")) ||
                     (x->p->schedule && x->p->schedule->partition_field == (int32_t)i);
        int64_t v = R[x->p->field_base + i];
        if (!shown || (f->kind == VK_TEXT && (!v || !*(const char *)(intptr_t)v))) continue;
        sb_puts(out, "<th>");
        put_named(x, f->label, f->name, &tmp);
        html_buf(out, &tmp);
        sb_puts(out, "</th><td>");
        put_value(x, f->kind, f->enum_index, v, &tmp);
        html_buf(out, &tmp);
        sb_puts(out, "</td>");
    }
    sb_puts(out, "</tr></table>\n");
    sb_free(&tmp);
}

static void html_categories(const People *x, StrBuf *out)
{
    StrBuf tmp = {0};
    sb_puts(out, "<h2>");
    html_text(out, tr("Categories:\n"));
    sb_puts(out, "</h2>\n<table class=\"categories\">\n");
    for (uint32_t c = 0; c < x->ncats; c++) {
        const RuleInfo *ri = &x->p->rules[x->cat_first + c];
        bool holds = x->vm->regs[ri->reg] != 0;
        sb_printf(out, "<tr data-category=\"%s\"><td>", ri->name);
        put_named(x, ri->label, ri->name, &tmp);
        html_buf(out, &tmp);
        sb_printf(out, "<br><span class=\"skip\">");
        put_where(ri->cite, ri->line, &tmp);
        html_buf(out, &tmp);
        sb_printf(out, "</span></td><td class=\"%s\">", holds ? "met" : "unmet"); /* not a message: CSS classes */
        html_text(out, holds ? tr("[met]") : tr("[not met]"));
        if (!holds && x->missing[c] != UINT32_MAX) {
            char n[48];
            snprintf(n, sizeof n, "<span class=\"short\">%u</span>", x->missing[c]);
            sb_puts(out, "<br>");
            sb_printf(out, tr("%s condition(s) short"), n);
        }
        sb_puts(out, "</td><td><ul>");
        for (uint32_t k = 0; k < ri->natoms; k++) {
            const AtomInfo *a = &ri->atoms[k];
            if (holds || (x->t->ran[a->pc] && !x->t->value[a->pc])) html_condition(x, ri, a, out);
        }
        sb_puts(out, "</ul></td></tr>\n");
    }
    sb_puts(out, "</table>\n");
    sb_free(&tmp);
}

static void html_nearest(const People *x, StrBuf *out)
{
    if (x->target || x->nearest < 0) return;
    uint32_t c = (uint32_t)x->nearest;
    const RuleInfo *ri = &x->p->rules[x->cat_first + c];
    StrBuf name = {0}, line = {0};
    put_category(x, c, &name);
    sb_printf(&line, tr("Nearest category: %s; to be in it, these would have to change:\n"), sb_str(&name));
    sb_puts(out, "<h2 class=\"nearest\">");
    html_buf(out, &line);
    sb_puts(out, "</h2><ul>");
    for (uint32_t i = 0; i < x->missing[c]; i++) html_condition(x, ri, &ri->atoms[x->change[c][i]], out);
    sb_puts(out, "</ul>\n");
    sb_free(&name);
    sb_free(&line);
}

static void html_placement(const People *x, StrBuf *out)
{
    if (!x->target || x->p->placement_enum < 0) return;
    StrBuf tmp = {0};
    sb_puts(out, "<h2>");
    if (x->branch < 0) {
        html_text(out, tr("Care: no placement rule matched\n"));
        sb_puts(out, "</h2>\n");
        return;
    }
    const RuleInfo *b = &x->p->rules[x->branch_first + (uint32_t)x->branch];
    html_text(out, tr("Care:\n"));
    sb_puts(out, "</h2><p class=\"care\">");
    put_named(x, b->label, b->name, &tmp);
    html_buf(out, &tmp);
    sb_puts(out, " <span class=\"skip\">");
    put_where(b->cite, b->line, &tmp);
    html_buf(out, &tmp);
    sb_puts(out, "</span></p><ul>");
    for (uint32_t k = 0; k < b->natoms; k++)
        if (x->t->ran[b->atoms[k].pc]) html_condition(x, b, &b->atoms[k], out);
    sb_puts(out, "</ul>\n");
    sb_free(&tmp);
}

static void html_years(const People *x, StrBuf *out)
{
    const ExplainYear *y = x->y;
    StrBuf tmp = {0};
    sb_puts(out, "<table class=\"years\">\n<tr><th>");
    html_text(out, tr("Year"));
    sb_puts(out, "</th><th>");
    html_text(out, tr("Placed by then"));
    sb_puts(out, "</th><th>");
    html_text(out, tr("The last placed"));
    sb_puts(out, "</th></tr>\n");
    for (int i = 0; i < y->nyears; i++) {
        const ScheduleYearRow *r = &y->years[i];
        bool mine = y->has_year && r->year == y->year;
        sb_printf(out, "<tr class=\"yrow%s\"><td class=\"year\">%lld</td><td class=\"quota\">%lld</td><td>",
                  mine ? " mine" : "", (long long)r->year, (long long)r->quota); /* not a message: a CSS class */
        if (r->cutoff_key) {
            put_stored_keys(x, r->cutoff_keys, &tmp);
            html_buf(out, &tmp);
        }
        sb_puts(out, "</td></tr>\n");
    }
    sb_puts(out, "</table>\n");
    sb_free(&tmp);
}

static void html_year(const People *x, StrBuf *out)
{
    if (!x->scheduled) return;
    const ScheduleInfo *si = x->p->schedule;
    const ScheduleGroupInfo *g = &si->groups[x->group];
    StrBuf grp = {0}, tmp = {0};
    put_group(x, g, &grp);
    sb_printf(&tmp, tr("Year (%s): group %s"), si->label ? si->label : "", sb_str(&grp));
    sb_puts(out, "<h2>");
    html_buf(out, &tmp);
    sb_puts(out, "</h2><p><span class=\"skip\">");
    put_where(g->cite, g->line, &tmp);
    html_buf(out, &tmp);
    sb_puts(out, "</span></p>\n");
    const ExplainYear *y = x->y;
    if (!y || !y->has_rank) {
        sb_puts(out, "<p>");
        html_text(out, !y ? tr("  the rank and the year are set by a run over everyone (doudi run)\n")
                          : tr("  the run did not store the rank (it was made before ledger format 2)\n"));
        sb_puts(out, "</p>\n");
    } else {
        int64_t n = y->nyears ? y->years[0].n : 0;
        StrBuf part = {0};
        sb_puts(out, "<p>");
        if (si->partition_field >= 0) {
            const FieldInfo *pf = &x->p->records[0].fields[si->partition_field];
            put_named(x, pf->label, pf->name, &tmp);
            html_buf(out, &tmp);
            sb_puts(out, " = ");
            html_text(out, partition_shown(x, si->partition_field, y->partition, &part));
            sb_puts(out, x->zh ? "，" : ", ");
        }
        sb_free(&part);
        /* the rank and N in elements of their own, for reading back */
        char r[64], nn[64];
        snprintf(r, sizeof r, "<span class=\"rank\">%lld</span>", (long long)y->rank);
        snprintf(nn, sizeof nn, "<span class=\"n\">%lld</span>", (long long)n);
        sb_printf(out, tr("rank %s of %s"), r, nn);
        tmp.count = 0;
        sb_puts(out, "</p>\n");
    }
    sb_puts(out, "<p>");
    StrBuf keys = {0};
    text_keys(x, &keys);
    html_buf(out, &keys);
    sb_free(&keys);
    sb_puts(out, "</p>\n");
    if (y && y->has_rank) html_years(x, out);
    sb_free(&grp);
    sb_free(&tmp);
}

void explain_people_html(const Program *p, Vm *vm, const VmTrace *trace, const ExplainYear *y, const char *run_lines,
                         StrBuf *out)
{
    People x = {.p = p, .vm = vm, .t = trace, .y = y};
    decide(&x);
    StrBuf v = {0};
    verdict(&x, &v);
    sb_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>", x.zh ? "zh-CN" : "en"); /* not a message: the page's language tag */
    html_text(out, sb_str(&v));
    sb_printf(out, "</title><style>%s</style></head>\n<body>\n<h1 class=\"verdict\">", PAGE_CSS);
    html_text(out, sb_str(&v));
    sb_puts(out, "</h1>\n");
    sb_free(&v);
    for (const char *s = run_lines; s && *s;) {
        const char *e = strchr(s, '\n');
        char *line = xstrndup(s, e ? (size_t)(e - s) : strlen(s));
        sb_puts(out, "<p class=\"run\">");
        html_text(out, line);
        sb_puts(out, "</p>\n");
        free(line);
        s = e ? e + 1 : NULL;
    }
    if (p->nrecords && p->records[0].key >= 0) html_person(&x, out);
    html_categories(&x, out);
    html_nearest(&x, out);
    html_placement(&x, out);
    html_year(&x, out);
    sb_puts(out, "</body></html>\n");
    forget(&x);
}
