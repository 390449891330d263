/* notice_int.h — what notice.c (gathering, HTML, CSV) and notice_xlsx.c share: the notice as
 * gathered, ready to render. */
#ifndef DOUDI_NOTICE_INT_H
#define DOUDI_NOTICE_INT_H

#include "notice.h"

/* One target of the run: shown (withheld < 0) with its cells, or counted under withhold
 * `withheld` (nwithholds: could not be checked again). */
typedef struct NoticeEntry {
    char **levels;             /* nper values */
    char *key;
    int withheld;
    char **cells;              /* ncols texts, masked; NULL when withheld */
} NoticeEntry;

/* A village: entries [first, first + count) of the sorted list, with its withheld counts. */
typedef struct NoticeUnit {
    size_t first, count;
    size_t listed;
    int64_t *withheld;         /* nwithholds + 1 counts */
} NoticeUnit;

typedef struct Notice {
    const Program *p;
    const NoticeInfo *ni;
    char *title;
    char *period;              /* 公示期：2021年5月10日至2021年5月16日（共7天） */
    char *office;              /* 公示期间如有异议，请向…反映。 */
    char *basis;               /* the policy, the run and its as_of */
    char *privacy;             /* what is masked and withheld, in a sentence */
    char **level_labels;       /* nper: each level's field label */
    char **withhold_labels;    /* nwithholds + 1 */
    int64_t run_time;          /* the run's, for the workbook's date */
    VEC(NoticeEntry) entries;
    VEC(NoticeUnit) units;
} Notice;

/* "区县代码：410122　乡镇（街道）：城关镇　…" for unit u. */
char *notice_unit_heading(const Notice *n, const NoticeUnit *u);
/* What level `level` shows for a person's value `text` there: a county's name (program.h's
 * program_partition_name), a text level as it is. */
const char *notice_level_name(const Notice *n, uint32_t level, const char *text);
/* "未成年人：2 人（不公示姓名）" for withhold k of unit u, or NULL when none is withheld so. */
char *notice_withheld_line(const Notice *n, const NoticeUnit *u, size_t k);

/* notice_xlsx.c */
bool notice_xlsx(const Notice *n, const char *path, char **error);

#endif
