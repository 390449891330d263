/* test_vm_switch.c — the same cases as test_vm.c, through the switch dispatch loop.
 *
 * This file compiles src/vm.c itself with DOUDI_VM_SWITCH defined. The binary is also linked
 * with libdoudi.a, whose vm.o holds the computed-goto build of the same functions; so that the
 * two can never be confused (or clash), every external name vm.c defines is renamed here
 * before it is included — vm.h, vm.c and the cases all see the renamed ones, and libdoudi.a's
 * vm.o is never pulled in. The rest of the library (program.c, date.c, util.c) is shared. */
#define DOUDI_VM_SWITCH
#define vm_new vm_switch_new
#define vm_copy vm_switch_copy
#define vm_free vm_switch_free
#define vm_set_param vm_switch_set_param
#define vm_run vm_switch_run
#define vm_run_traced vm_switch_run_traced
#define vm_run_region vm_switch_run_region
#define vm_continue vm_switch_continue
#define vm_continue_traced vm_switch_continue_traced
#define vm_error_text vm_switch_error_text
#define vm_code_changed vm_switch_code_changed

#include "../../src/vm/vm.c"

#include "vm_cases.h"

_Static_assert(!VM_COMPUTED_GOTO, "this binary must test the switch loop");

int main(void)
{
    return cmocka_run_group_tests_name("vm (switch)", vm_cases, NULL, NULL);
}
