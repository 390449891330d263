/* jobs.h — `doudi run --jobs N` for the command line: a run on N threads (engine/run.h's
 * run_rules_jobs and run_rules_from), the same run as doudi_run's (doudi_run_stream's), byte
 * for byte.
 *
 * Not in doudi.h: doudi_run is a guarded call (an allocation the host's out-of-memory hook
 * gives up on abandons it cleanly), and an allocation refused on a worker thread cannot be
 * handed back to the calling thread's guard. So the embedding API stays on one thread; this
 * entry point is for a host without a hook (the command line), and with a hook set it runs on
 * one thread too. */
#ifndef DOUDI_API_JOBS_H
#define DOUDI_API_JOBS_H

#include "doudi.h"

/* doudi_run on `jobs` threads (0 or 1: on the calling thread alone). */
int doudi_run_jobs(doudi_ledger *l, doudi_rules *r, unsigned jobs, const char *results_path,
                   doudi_progress_fn progress, void *ctx, doudi_run_stats *stats, char **error);
/* doudi_run_stream on `jobs` threads (0 or 1: on the calling thread alone). */
int doudi_run_stream_jobs(doudi_rules *r, const doudi_stream_options *opt, unsigned jobs, FILE *report,
                          doudi_progress_fn progress, void *ctx, doudi_stream_stats *stats, char **error);

#endif
