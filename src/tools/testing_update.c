/* testing_update.c — `doudi test --update`: the expected values a rule change moved, rewritten
 * in the rule file's own text (see testing.h).
 *
 * Only the bytes of each expected value that differed are replaced — by the actual value as a
 * rule file writes it — so comments, blank lines, spacing and the alignment of the `expect`
 * block stay as the author left them. A test is rewritten whole or not at all: when one of its
 * expectations cannot be written as a value (the case could not be evaluated, the actual value
 * is `none`, a rejection did not come), the test is listed and left as it is, since half of it
 * rewritten would pass without anyone having looked at the rest. */
#include "testing.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Edit {
    uint32_t start, end;
    int line;
    const char *key, *literal;
} Edit;

static int edit_order(const void *a, const void *b)
{
    const Edit *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Why test t cannot be rewritten, or NULL when every difference of it can. */
static const char *not_rewritable(const TestResult *t, size_t len, char *why, size_t whylen)
{
    for (size_t k = 0; k < t->failures.count; k++) {
        const TestCaseResult *c = &t->failures.items[k];
        if (c->error) {
            snprintf(why, whylen, tr("case %u: %s"), c->number, c->error);
            return why;
        }
        for (size_t m = 0; m < c->diffs.count; m++) {
            const TestDifference *d = &c->diffs.items[m];
            if (d->literal && d->end > d->start && d->end <= len) continue;
            if (d->note) snprintf(why, whylen, tr("case %u: %s %s"), c->number, d->key, d->note);
            else snprintf(why, whylen, tr("case %u: %s: expected %s, actual %s, which is no value to write"),
                          c->number, d->key, d->expected, d->actual);
            return why;
        }
    }
    return NULL;
}

size_t testing_update(const TestReport *r, const char *text, size_t len, StrBuf *out, StrBuf *changes,
                      StrBuf *untouched)
{
    VEC(Edit) edits = {0};
    char why[600];
    for (size_t i = 0; i < r->tests.count; i++) {
        const TestResult *t = &r->tests.items[i];
        if (!t->failed) continue;
        if (not_rewritable(t, len, why, sizeof why)) {
            sb_printf(untouched, tr("%s:%d: test \"%s\" not rewritten: %s\n"), r->path, t->line, t->name, why);
            continue;
        }
        for (size_t k = 0; k < t->failures.count; k++)
            for (size_t m = 0; m < t->failures.items[k].diffs.count; m++) {
                const TestDifference *d = &t->failures.items[k].diffs.items[m];
                Edit e = {d->start, d->end, d->line, d->key, d->literal};
                VEC_PUSH(&edits, e);
            }
    }
    if (edits.count) qsort(edits.items, edits.count, sizeof *edits.items, edit_order);
    size_t at = 0, done = 0;
    for (size_t i = 0; i < edits.count; i++) {
        const Edit *e = &edits.items[i];
        if (e->start < at) continue;           /* one value compared twice: written once */
        sb_putn(out, text + at, e->start - at);
        sb_puts(out, e->literal);
        sb_printf(changes, "%s:%d: %s: %.*s → %s\n", r->path, e->line, e->key, (int)(e->end - e->start),
                  text + e->start, e->literal);
        at = e->end;
        done++;
    }
    sb_putn(out, text + at, len - at);
    VEC_FREE(&edits);
    return done;
}
