/* notice.h — the public notice of a run (公示名单, `doudi notice`): who was identified, per
 * county, township and village — whatever levels the rule file's `notice` declares — as the
 * village posts it.
 *
 * What is shown is the rule file's (NoticeInfo): its columns, each masked as declared (a name
 * as 张*三, 张* for two characters; an id as 410102********1234), and who is withheld: a person
 * for whom a `withhold` condition holds (minors, in the Zhengzhou rules) is not listed at all,
 * only counted per village under that condition's label. A person whose record can no longer
 * be evaluated as the run did (changed since) is withheld too, and counted as such: the
 * notice never shows someone it cannot check. The outcome columns (category, placement,
 * year) are the run's stored results; the rest, and the withholding conditions, come from
 * evaluating the stored record again with the run's rules at the run's as_of.
 *
 * Each village is one unit: the title, the period of publicity, the levels, the table (序号
 * then the columns), the withheld counts and the office receiving objections. Units are in
 * byte order of their levels, persons in each by key. Formats:
 *   html  one self-contained page, a unit per printed A4 page;
 *   csv   UTF-8 with a BOM: the title, period and office lines, a blank line, then one table
 *         (the levels, 序号, the columns, 备注) with a row per listed person and a row per
 *         withheld count;
 *   xlsx  a sheet per first level (county), its units one below the other, a page break
 *         before each. */
#ifndef DOUDI_NOTICE_H
#define DOUDI_NOTICE_H

#include "ledger.h"
#include "vm/vm.h"

typedef enum NoticeFormat { NOTICE_HTML, NOTICE_CSV, NOTICE_XLSX } NoticeFormat;

/* "html", "csv", "xlsx"; false for anything else. */
bool notice_parse_format(const char *s, NoticeFormat *out);

/* Write the notice of run `run` (0: the latest) of the program p, which declares it, to
 * `path` (NULL: stdout; not for xlsx). county: only the units whose first level is that value.
 * vm is a VM of p; its as_of is the run's while this works, and given back after. Errors: no
 * notice declared, no run, an unknown county (the message lists the known ones). */
bool notice_write(Ledger *l, const Program *p, Vm *vm, const char *county, int64_t run, NoticeFormat format,
                  const char *path, char **error);

/* The masks, for tests: 张三丰 → 张*丰, 张三 → 张*, 欧阳小明 → 欧**明; an id keeps its first
 * six and last four characters. Appended to out. */
void notice_mask_name(const char *s, StrBuf *out);
void notice_mask_id(const char *s, StrBuf *out);

#endif
