/* bench_util.h — what the benchmarks share: clocks, the median of repetitions, peak memory,
 * removing a ledger with its WAL files, and dying with a message. Each benchmark defines
 * BENCH_NAME (its program's name, for messages) before including this. */
#ifndef DOUDI_BENCH_UTIL_H
#define DOUDI_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* CPU time of the process: what the benchmarks compare, since the machine is shared. */
static inline double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static inline double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline long peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static inline long peak_mb(void) { return peak_kb() / 1024; }

static inline void die(const char *what, const char *err)
{
    fprintf(stderr, "%s: %s: %s\n", BENCH_NAME, what, err ? err : "?");
    exit(2);
}

static inline void remove_db(const char *db)
{
    char p[1100];
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db);
    unlink(p);
}

#endif
