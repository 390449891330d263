/* forms.h — the official forms, counted during a run.
 *
 * Forms are the rule file's `table` declarations (FormInfo in the Program): as each person is
 * evaluated, the run hands the VM's registers to forms_add, which counts the person into every
 * (row, column) whose conditions hold, per partition (county), and counts the capacity plan's
 * demand — people per placement value and partition. After the scan forms_store stores the
 * counts and has the capacity plan made from the demand (capacity.h). Both are stored with
 * the run, so a report reads them back and never re-evaluates anyone. */
#ifndef DOUDI_FORMS_H
#define DOUDI_FORMS_H

#include "ledger.h"
#include "vm/vm.h"

typedef struct Forms Forms;

Forms *forms_new(const Program *p);
void forms_free(Forms *f);
/* Count the person just evaluated (vm holds its registers; fields its values). What the
 * checker could not prove of a form's rows is verified here (FormInfo.verify_rows): a target
 * counted by the total row but by no row, or by two, is refused — false, with *error naming
 * the table, the person (the resident id masked) and both conditions with their lines — and
 * the run stops. */
bool forms_add(Forms *f, const Vm *vm, const int64_t *fields, char **error);
/* Store the counts and the capacity plan of run `run_id` (inside the run's transaction). */
bool forms_store(Forms *f, Ledger *l, Vm *vm, int64_t run_id, char **error);

/* The demand counted: partitions in the order first seen, each with its people per placement
 * value (an array of the placement enum's size). */
size_t forms_demand_count(const Forms *f);
const char *forms_demand_partition(const Forms *f, size_t i);
const int64_t *forms_demand(const Forms *f, size_t i);

#endif
