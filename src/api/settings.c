/* settings.c — what holds for the whole process: the language of messages and the versions
 * (doudi.h, "version and language"). */
#include "doudi.h"
#include "api_int.h"
#include "base/msg.h"
#include "base/oom.h"
#include "engine/ledger.h"
#include "vm/program.h"

#include <stdlib.h>
#include <string.h>

doudi_version doudi_version_info(void)
{
    return (doudi_version){DOUDI_VERSION, program_ddc_version(), LEDGER_VERSION};
}

int doudi_set_language(const char *lang)
{
    MsgLang l;
    if (!lang) l = msg_lang_from_env();
    else if (!msg_parse_lang(lang, &l)) return -1;
    msg_set_lang(l);
    return 0;
}

/* ---- running out of memory ---- */

static doudi_alloc_failure_fn alloc_hook;

/* base/oom.h's hook, in the public API's terms */
static int call_alloc_hook(size_t size, void *ctx)
{
    return alloc_hook(size, ctx) == DOUDI_ALLOC_RETRY ? OOM_RETRY : OOM_GIVE_UP;
}

void doudi_set_alloc_failure(doudi_alloc_failure_fn hook, void *ctx)
{
    alloc_hook = hook;
    oom_set_hook(hook ? call_alloc_hook : NULL, ctx);
}

bool api_alloc_hook_set(void) { return alloc_hook != NULL; }

unsigned api_run_threads(unsigned jobs) { return api_alloc_hook_set() || jobs == 0 ? 1 : jobs; }

int doudi_out_of_memory(void) { return oom_last_call_failed(); }

void api_out_of_memory(OomGuard *g, char **error)
{
    oom_guard_abandon(g);
    msg_alias_reset();             /* phrases of an abandoned compile point into its freed blocks */
    if (!error) return;
    const char *m = tr("out of memory");
    size_t n = strlen(m) + 1;
    *error = malloc(n);                    /* the C library's own: failing here is no failure */
    if (*error) memcpy(*error, m, n);
}
