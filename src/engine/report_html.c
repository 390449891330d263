/* report_html.c — see report_html.h. */
#include "report_html.h"

#include <stdlib.h>

void nearmiss_free(NearMiss *nm)
{
    if (!nm) return;
    for (uint32_t c = 0; nm->categories && c < nm->ncategories; c++) free(nm->categories[c].by_atom);
    free(nm->categories);
    nm->categories = NULL;
    nm->ncategories = 0;
}

bool report_html(Ledger *l, const Program *p, int64_t run, const NearMiss *near, const char *path, char **error)
{
    (void)l; (void)p; (void)run; (void)near; (void)path; (void)error;
    return false;
}
