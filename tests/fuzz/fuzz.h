/* fuzz.h — what the fuzz harnesses (tests/fuzz/fuzz_*.c) share.
 *
 * Each harness defines LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize). They are
 * linked two ways: by clang with libFuzzer, ASan and UBSan (`make fuzz`, build/fuzz/), and by
 * the ordinary compiler with tests/fuzz/replay.c, a main() that feeds them the files of the
 * regression corpora (`make test`). So a harness is plain C11 that builds under both, and it
 * must not keep state from one input to the next that changes what the next one does.
 *
 * Everything a harness reads from the tree is named from FUZZ_TOP, the top of the tree (set by
 * the Makefile), so the binaries run from any directory. Temporary files go to /dev/shm when it
 * is there (memory, fast), else $TMPDIR or /tmp, named by the process id. */
#ifndef DOUDI_FUZZ_H
#define DOUDI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doudi.h"
#include "base/util.h"

#ifndef FUZZ_TOP
#define FUZZ_TOP "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A file of the tree, by its path from the top. */
static inline const char *fuzz_tree_path(const char *rel, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", FUZZ_TOP, rel);
    return buf;
}

/* A temporary file name of this process, ending in `suffix` (the caller removes the file). */
static inline const char *fuzz_temp_path(const char *suffix, char *buf, size_t n)
{
    struct stat st;
    const char *dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                          ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(buf, n, "%s/doudi-fuzz-%ld-%s", dir, (long)getpid(), suffix);
    return buf;
}

/* Write `size` bytes to `path`, replacing it; 0 or -1. */
static inline int fuzz_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t put = size ? fwrite(data, 1, size, f) : 0;
    return fclose(f) == 0 && put == size ? 0 : -1;
}

/* The bytes of a new, empty ledger made at `path` (then removed): a harness that imports copies
 * them to a fresh file per input, which is much cheaper than making a ledger each time. */
static inline char *fuzz_empty_ledger(const char *path, size_t *len)
{
    unlink(path);
    char *error = NULL;
    doudi_ledger *l = doudi_ledger_open(path, &error);
    if (!l) {
        fprintf(stderr, "fuzz: cannot make a ledger at %s: %s\n", path, error ? error : "");
        abort();
    }
    doudi_ledger_close(l);
    char *bytes = read_file(path, len);
    unlink(path);
    if (!bytes) abort();
    return bytes;
}

/* A bug the harness itself detected (an oracle failed): print it and abort, which both
 * libFuzzer and the replay driver report as a crash with the input that caused it. */
#define FUZZ_ASSERT(cond, ...)                                                         \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
            abort();                                                                   \
        }                                                                              \
    } while (0)

#endif
