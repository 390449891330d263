/* settings.c — what holds for the whole process: the language of messages and the versions
 * (doudi.h, "version and language"). */
#include "doudi.h"
#include "base/msg.h"
#include "vm/program.h"

/* The ledger's format version. The ledger does not record one yet; this is the format of
 * today's tables (persons, institutions, runs, results, review, form_counts, capacity). It
 * belongs with the ledger's schema, and moves there when the ledger stores it. */
enum { LEDGER_FORMAT_VERSION = 1 };

doudi_version doudi_version_info(void)
{
    return (doudi_version){DOUDI_VERSION, program_ddc_version(), LEDGER_FORMAT_VERSION};
}

int doudi_set_language(const char *lang)
{
    MsgLang l;
    if (!lang) l = msg_lang_from_env();
    else if (!msg_parse_lang(lang, &l)) return -1;
    msg_set_lang(l);
    return 0;
}
