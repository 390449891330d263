/* crash.h — named crash points: moments where a test can kill the process, deterministically.
 *
 * A test that wants to know what a crash at a given moment leaves behind (a half-written
 * import, a run killed after its commit but before its results file is renamed) does not
 * sleep and hope: it sets DOUDI_CRASH_AT=NAME (the first time the point NAME is reached) or
 * NAME:N (the N-th time), and the process kills itself with SIGKILL there — no atexit
 * handler, no buffer flushed, exactly as `kill -9` would. Without the variable a crash
 * point costs one predictable branch (it is on the per-row paths of import and run).
 *
 * The points, in the order a run reaches them, are listed in docs/architecture.md. */
#ifndef DOUDI_CRASH_H
#define DOUDI_CRASH_H

extern int crash_armed;        /* -1 not read yet, 0 off, 1 armed */

void crash_reached(const char *name);

#define CRASH_POINT(name)                                   \
    do {                                                    \
        if (crash_armed) crash_reached(name);               \
    } while (0)

#endif
