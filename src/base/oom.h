/* oom.h — running out of memory: the host decides, and a call can be abandoned cleanly.
 *
 * Everything in the library allocates through xmalloc/xcalloc/xrealloc (util.h). When the
 * system refuses, the hook the host set (oom_set_hook; doudi_set_alloc_failure in doudi.h) is
 * asked what to do: free memory of its own and have the allocation tried again, or give up.
 * Giving up inside a guarded call — the public API's entry points wrap their work in a guard —
 * abandons the call: control returns to the entry point (longjmp), which undoes what it must
 * (a ledger transaction is rolled back, a temporary file removed), then every block the call
 * allocated and had not freed is freed (oom_guard_abandon), and the call fails. Without a hook, or outside any guard, doudi prints "out of memory"
 * and aborts, as the command line always has.
 *
 * So that abandoning frees exactly the call's blocks, a guarded call records every block it
 * gets from xmalloc/xcalloc (and from xrealloc of NULL) and forgets every block freed: util.h
 * makes free() mean xfree() in every file that includes it. A block grown by xrealloc keeps
 * the status it had: one older than the call belongs to its owner, not to the call.
 *
 * Guards nest: only the outermost records and receives the jump; an entry point called from
 * another is part of its caller's call. State is per thread. */
#ifndef DOUDI_OOM_H
#define DOUDI_OOM_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the hook returns. */
enum { OOM_GIVE_UP = 0, OOM_RETRY = 1 };
/* Called when `size` bytes could not be had. */
typedef int (*OomHook)(size_t size, void *ctx);
void oom_set_hook(OomHook hook, void *ctx);

typedef struct OomGuard {
    jmp_buf env;
    bool outermost;            /* this guard records the call's blocks and receives the jump */
} OomGuard;

/* Use as:   OomGuard g;  oom_guard_enter(&g);
 *           if (setjmp(g.env)) { undo (without allocating); oom_guard_abandon(&g); fail }
 *           ... the work ...;  oom_guard_leave(&g);
 * (setjmp must be called in the entry point's own frame, so it is not hidden in here.) While
 * undoing, the call's blocks are still there to read, and freeing one is fine; running out of
 * memory again aborts. */
void oom_guard_enter(OomGuard *g);
void oom_guard_leave(OomGuard *g);
/* Free the blocks of the abandoned call and leave its guard. */
void oom_guard_abandon(OomGuard *g);
/* What an abandoned call must undo besides freeing its blocks — a file it has open — is
 * registered where it is opened (oom_undo_push; nothing is recorded outside a guarded call) and
 * taken back where it is closed (oom_undo_drop, by the arg it was registered with). An abandoned
 * call's undos run (last registered first) when its guard is abandoned, before its blocks are
 * freed. At most OOM_UNDO_MAX at a time: more is a defect, and aborts. */
enum { OOM_UNDO_MAX = 16 };
void oom_undo_push(void (*undo)(void *arg), void *arg);
/* The latest entry registered with this arg (none: nothing). */
void oom_undo_drop(void *arg);
/* The undos of the usual things: fclose a FILE *, close a descriptor (its number as the arg). */
void oom_undo_fclose(void *file);
void oom_undo_close(void *fd);
/* True when the last guarded call on this thread was abandoned for lack of memory. */
bool oom_last_call_failed(void);

/* Called by util.c when an allocation of `size` failed: returns true to try again; otherwise
 * does not return (abandons the guarded call, or aborts). */
bool oom_failed(size_t size);
/* Called by util.c for every block it hands out and every block freed. */
void oom_note_alloc(void *p);
void oom_note_free(void *p);
/* A block xrealloc moved: recorded under its new address if the old one was. */
void oom_note_moved(uintptr_t from, void *to);
/* True for the one allocation oom_fail_after picked: util.c treats it as refused. */
bool oom_should_fail(void);

/* For tests: the allocation after the next `n` fails once as if the system had refused it
 * (n < 0: none does). While set, blocks are counted (oom_live_blocks). */
void oom_fail_after(long n);
/* Blocks from xmalloc/xcalloc/xrealloc(NULL) less blocks freed, counted on this thread since
 * the first oom_fail_after (a difference between two moments is what means something). */
long oom_live_blocks(void);

#endif
