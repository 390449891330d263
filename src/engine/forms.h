/* forms.h — the official forms and the capacity plan, computed during a run.
 *
 * Forms are the rule file's `table` declarations: as each person is evaluated, the run hands
 * the VM's registers to forms_add, which counts the person into every (row, column) whose
 * conditions hold, per partition (county). After the scan, capacity_plan computes, per
 * partition and institution type, the demand (people placed there), the beds required with
 * the headroom, the institutions to build and upgrade, and their yearly split
 * (INTERPRETATION §6). Both are stored with the run, so a report reads them back and never
 * re-evaluates anyone. */
#ifndef DOUDI_FORMS_H
#define DOUDI_FORMS_H

#include "ledger.h"
#include "vm/vm.h"

typedef struct Forms Forms;

Forms *forms_new(const Program *p);
void forms_free(Forms *f);
/* Count the person just evaluated (vm holds its registers; fields its values). */
void forms_add(Forms *f, const Vm *vm, const int64_t *fields);
/* Store the counts and the capacity plan of run `run_id` (inside the run's transaction). */
bool forms_store(Forms *f, Ledger *l, Vm *vm, int64_t run_id, char **error);

/* The schema of the stored forms; created by ledger_open. */
extern const char *const FORMS_SCHEMA;

#endif
