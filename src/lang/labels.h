/* labels.h — a name written as its Chinese label: the hint that gives the identifier.
 *
 * Rule text names a field, a let, a category, a param or an enum value by its identifier;
 * its label ("部分丧失", "家庭照料能力") is display text for forms, CSV headers and reports, and a
 * clerk reading a form will type it. The checker does not take a label for a name: labels are
 * edited freely (a form's wording changes, a rule must not), and several declarations share
 * one (无 labels a value of four enums of the Zhengzhou file). Instead an unknown name that is
 * a label gets the identifier it labels: "did you mean 'partial' (部分丧失)?", or, when several
 * declarations carry that label, all of them. */
#ifndef DOUDI_LABELS_H
#define DOUDI_LABELS_H

#include "check.h"

/* What a label may stand for, as bits. */
enum {
    LABEL_VALUES = 1,          /* values of enums (of `en` only, when it is given) */
    LABEL_NAMES = 2,           /* fields of the subject, lets, categories, params, the placement */
    LABEL_CATEGORIES = 4,      /* categories only */
    LABEL_FIELDS = 8,          /* fields of the subject and params only */
};

/* When `text` is the label of what `what` allows, attach a note naming the identifier(s) to
 * the last diagnostic of dl and return true; otherwise return false and add nothing. */
bool labels_hint(const Rules *r, DiagList *dl, const char *text, const EnumType *en, unsigned what);

/* Where a value of enum `en` is wanted: when `text` is no value's label but the label of a
 * field, let, category, param or the placement, report it as an unknown name at `at` with the
 * identifier it labels, and return true (`家庭照料能力 in {…}` is about a field, not a value). */
bool labels_unknown_name(const Rules *r, DiagList *dl, const char *text, Span at, const EnumType *en);

#endif
