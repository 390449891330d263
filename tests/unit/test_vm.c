/* test_vm.c — the VM as libdoudi.a builds it (computed goto under GCC and Clang). The cases
 * are in vm_cases.h; test_vm_switch.c runs the same ones through the switch loop. */
#include "vm_cases.h"

int main(void)
{
#if defined(__GNUC__) && !defined(DOUDI_VM_SWITCH)
    const char *name = "vm (computed goto)";
#else
    const char *name = "vm (switch)";
#endif
    return cmocka_run_group_tests_name(name, vm_cases, NULL, NULL);
}
