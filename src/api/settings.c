/* settings.c — what holds for the whole process: the language of messages and the versions
 * (doudi.h, "version and language"). */
#include "doudi.h"
#include "base/msg.h"
#include "engine/ledger.h"
#include "vm/program.h"

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
