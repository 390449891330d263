/* oom.c — see oom.h. The blocks of a guarded call are kept in an open-addressing set of
 * pointers that lives outside the x-allocators (plain malloc): recording must never recurse. */
#include "oom.h"
#include "msg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define TOMBSTONE ((void *)1)

typedef struct ThreadState {
    OomGuard *active;          /* the outermost guard of the call in progress, or NULL */
    void **slots;              /* the call's blocks; NULL empty, TOMBSTONE removed */
    size_t nslots, used;       /* used counts tombstones too */
    bool last_failed;
    bool unwinding;            /* jumped back to the guard's entry point, which is undoing */
    long fail_countdown;       /* oom_fail_after: allocations to let through; -1 none */
    long live;                 /* counted while a failure is injected or pending */
    bool counting;
    struct {
        void (*fn)(void *);
        void *arg;
    } undo[OOM_UNDO_MAX];      /* what the call in progress must undo if abandoned; fn NULL: free */
    int nundo;                 /* entries in use, free ones included, from the start */
} ThreadState;

static _Noreturn void give_up(void);

static _Thread_local ThreadState st = {.fail_countdown = -1};
static OomHook hook;
static void *hook_ctx;

void oom_set_hook(OomHook h, void *ctx)
{
    hook = h;
    hook_ctx = ctx;
}

static size_t slot_of(void *p, size_t nslots)
{
    uintptr_t h = (uintptr_t)p;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15u;
    return (size_t)(h >> 7) & (nslots - 1);
}

static void forget_blocks(bool free_them)
{
    for (size_t i = 0; i < st.nslots; i++)
        if (free_them && st.slots[i] && st.slots[i] != TOMBSTONE) free(st.slots[i]);
    free(st.slots);
    st.slots = NULL;
    st.nslots = st.used = 0;
}

static bool insert(void **slots, size_t nslots, void *p)
{
    size_t j = slot_of(p, nslots);
    while (slots[j] && slots[j] != TOMBSTONE) j = (j + 1) & (nslots - 1);
    bool fresh = !slots[j];
    slots[j] = p;
    return fresh;
}

static bool grow(void)
{
    size_t n = st.nslots ? st.nslots * 2 : 256;
    void **slots = calloc(n, sizeof *slots);
    if (!slots) return false;
    size_t used = 0;
    for (size_t i = 0; i < st.nslots; i++)
        if (st.slots[i] && st.slots[i] != TOMBSTONE) used += insert(slots, n, st.slots[i]);
    free(st.slots);
    st.slots = slots;
    st.nslots = n;
    st.used = used;
    return true;
}

static void record(void *p)
{
    /* no room to record the block: ask the host as for any allocation; giving up abandons the
     * call with p freed first (it is in no set, and its caller never sees it) */
    while ((st.used + 1) * 2 > st.nslots && !grow()) {
        if (hook && hook(st.nslots * 2 * sizeof(void *), hook_ctx) == OOM_RETRY) continue;
        free(p);
        if (st.counting) st.live--;
        give_up();
    }
    st.used += insert(st.slots, st.nslots, p);
}

static bool remove_block(void *p)
{
    if (!st.nslots) return false;
    size_t j = slot_of(p, st.nslots);
    while (st.slots[j]) {
        if (st.slots[j] == p) {
            st.slots[j] = TOMBSTONE;
            return true;
        }
        j = (j + 1) & (st.nslots - 1);
    }
    return false;
}

void oom_guard_enter(OomGuard *g)
{
    g->outermost = !st.active;
    if (!g->outermost) return;
    st.active = g;
    st.last_failed = false;
    st.nundo = 0;
}

void oom_guard_leave(OomGuard *g)
{
    if (!g->outermost || st.active != g) return;
    st.active = NULL;
    st.nundo = 0;
    forget_blocks(false);
}

void oom_undo_push(void (*undo)(void *arg), void *arg)
{
    if (!st.active) return;
    while (st.nundo > 0 && !st.undo[st.nundo - 1].fn) st.nundo--;
    if (st.nundo == OOM_UNDO_MAX) {
        fprintf(stderr, "doudi: more than %d things to undo at once\n", OOM_UNDO_MAX); /* not a message: a defect */
        abort();
    }
    st.undo[st.nundo].fn = undo;
    st.undo[st.nundo].arg = arg;
    st.nundo++;
}

void oom_undo_drop(void *arg)
{
    for (int i = st.nundo - 1; i >= 0; i--)
        if (st.undo[i].fn && st.undo[i].arg == arg) {
            st.undo[i].fn = NULL;
            return;
        }
}

void oom_undo_fclose(void *file) { fclose(file); }

void oom_undo_close(void *fd) { close((int)(intptr_t)fd); }

/* The abandoned call's undos, the last registered first. */
static void run_undos(void)
{
    while (st.nundo > 0) {
        st.nundo--;
        if (st.undo[st.nundo].fn) st.undo[st.nundo].fn(st.undo[st.nundo].arg);
    }
}

bool oom_last_call_failed(void) { return st.last_failed; }

bool oom_failed(size_t size)
{
    if (hook && hook(size, hook_ctx) == OOM_RETRY) return true;
    give_up();
}

static _Noreturn void give_up(void)
{
    OomGuard *g = st.active;
    if (hook && g && !st.unwinding) {
        st.unwinding = true;
        longjmp(g->env, 1);
    }
    fprintf(stderr, "doudi: %s\n", tr("out of memory"));
    abort();
}

void oom_guard_abandon(OomGuard *g)
{
    if (!g->outermost || st.active != g) return;
    run_undos();
    if (st.counting) {
        for (size_t i = 0; i < st.nslots; i++)
            if (st.slots[i] && st.slots[i] != TOMBSTONE) st.live--;
    }
    forget_blocks(true);
    st.active = NULL;
    st.unwinding = false;
    st.last_failed = true;
}

/* The injected failure, once, when its countdown reaches zero. */
static bool injected_failure(void)
{
    if (st.fail_countdown < 0) return false;
    if (st.fail_countdown-- > 0) return false;
    return true;
}

void oom_note_alloc(void *p)
{
    if (st.counting) st.live++;
    if (st.active) record(p);
}

void oom_note_free(void *p)
{
    if (!p) return;
    if (st.active) remove_block(p);
    if (st.counting) st.live--;
}

void oom_note_moved(uintptr_t from, void *to)
{
    if (st.active && remove_block((void *)from)) record(to);
}

bool oom_should_fail(void) { return injected_failure(); }

void oom_fail_after(long n)
{
    st.fail_countdown = n;
    st.counting = true;
}

long oom_live_blocks(void) { return st.live; }
