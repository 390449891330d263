/* nearmiss.h — near misses: for each category, the persons who are not in it although every
 * condition but one holds, and which condition keeps them out (`doudi stats --near-miss`, and
 * a section of the HTML report). When a threshold is debated ("should the elderly age be 60
 * or 65?") this is who sits just outside.
 *
 * Computed from the same bytecode as the outcomes and their explanations: each person's
 * person entry runs traced (vm_run_traced, as explanations do), which gives every condition
 * of every category (the atoms of its RuleInfo) that ran and its value. For a category the
 * person is not in, each atom that ran and was false is a candidate; the category's own code
 * is run again with that one atom's instruction made to write true and carry on as a true
 * value does (the rest of the condition evaluated as the program evaluates it, short-circuits
 * and all). If the category then holds, that condition alone kept the person out. This is
 * exact for any mix of `and`, `or` and `not`: under an `or`, each alternative that would let
 * the person in counts, so a person may count under several conditions of a category, and
 * once in its total. An atom that did not run cannot matter (making it true changes nothing
 * the program looks at), and one that ran true is not what keeps anyone out.
 *
 * Cost: one traced run of the person entry per person, plus, per category a person is not in,
 * a run of that category's few instructions per false atom — no SQLite writes; see
 * docs/performance.md for the measured ratio against `doudi run`. */
#ifndef DOUDI_NEARMISS_H
#define DOUDI_NEARMISS_H

#include "engine/ledger.h"
#include "engine/report_html.h"
#include "vm/vm.h"

/* Scan every person of the ledger with program p, its params as they are in `params` (a VM
 * of p: an overridden as_of reaches the scan). Fills *out (nearmiss_free). */
bool nearmiss_scan(Ledger *l, const Program *p, const Vm *params, NearMiss *out, char **error);

/* One person's way into a category they are not in (rules[rule], a RULE_CATEGORY), for an
 * explanation: from the registers `person` holds after the person entry ran, the first
 * condition of the category that ran and was false is made true and the category's code run
 * again, until it holds. atoms (room for the rule's natoms) receives the conditions made true,
 * as indices into its atoms, in order; returns how many, or UINT32_MAX when no such change lets
 * the person in. Exact for a conjunction; under an `or` it takes the first alternative. */
uint32_t nearmiss_person(const Program *p, const Vm *person, uint32_t rule, uint32_t *atoms);

/* Text (a message, in the current language) or JSON. */
void nearmiss_render(const Program *p, const NearMiss *nm, bool json, StrBuf *out);

#endif
