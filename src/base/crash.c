/* crash.c — named crash points (see crash.h). */
#include "crash.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int crash_armed = -1;

static char crash_name[128];
static unsigned long crash_countdown;   /* hits of the named point still to pass */

/* DOUDI_CRASH_AT=NAME or NAME:N. A malformed value disarms: a typo must not crash a real run. */
static void read_setting(void)
{
    const char *v = getenv("DOUDI_CRASH_AT");
    crash_armed = 0;
    if (!v || !*v) return;
    const char *colon = strchr(v, ':');
    size_t n = colon ? (size_t)(colon - v) : strlen(v);
    if (n == 0 || n >= sizeof crash_name) return;
    unsigned long count = 1;
    if (colon) {
        char *end;
        count = strtoul(colon + 1, &end, 10);
        if (*end || count == 0) return;
    }
    memcpy(crash_name, v, n);
    crash_name[n] = '\0';
    crash_countdown = count;
    crash_armed = 1;
}

void crash_reached(const char *name)
{
    if (crash_armed < 0) read_setting();
    if (!crash_armed || strcmp(name, crash_name) != 0) return;
    if (--crash_countdown > 0) return;
    kill(getpid(), SIGKILL);
    _exit(137);   /* not reached */
}
