/* capacity.h — the capacity plan (INTERPRETATION §6, the Program's CapacityInfo), made after a
 * run's scan: per partition and institution type, the demand (people placed there), the beds
 * required with the headroom, the existing institutions and beds (read from the ledger's
 * institution records), the institutions to build — at least the declared minimum — and to
 * upgrade, and the tasks spread over the build years by cumulative ceilings ⌈share × K⌉. */
#ifndef DOUDI_CAPACITY_H
#define DOUDI_CAPACITY_H

#include "forms.h"
#include "ledger.h"
#include "vm/vm.h"

/* Plan and store run `run_id`'s capacity plan (inside the run's transaction); nothing when
 * the program has none. The plan's numbers are read from their registers in vm, so a param
 * that was overridden gives its new value. */
bool capacity_store(const Program *p, Vm *vm, const Forms *demand, Ledger *l, int64_t run_id, char **error);

#endif
