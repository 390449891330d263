/* replay.c — a harness of tests/fuzz/ without libFuzzer: feeds it each file named on the command
 * line (each file of a directory named, in name order), once, and says how many it ran.
 *
 * `make test` links every harness with this file, using the ordinary compiler, and replays the
 * regression inputs (tests/fuzz/regressions/HARNESS/: inputs that once crashed, kept after
 * their fix) and the seeds (tests/fuzz/corpus/HARNESS/). A crash or a failed oracle aborts the
 * process, which fails the test; under `make SAN=1 test` the sanitizers watch it too.
 * A directory that does not exist counts as empty (a harness may have no regressions yet). */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>

/* libFuzzer calls LLVMFuzzerInitialize when a harness defines it; so does this driver. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int ran;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0, got;
    uint8_t *data = malloc(cap);
    while (data && (got = fread(data + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) data = realloc(data, cap *= 2);
    }
    fclose(f);
    if (!data) return -1;
    if (getenv("REPLAY_VERBOSE")) fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    ran++;
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int replay_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name), rc = 0;
    if (n < 0) return 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            struct stat st;
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path)) rc = -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) rc |= replay_dir(argv[i]);
        else if (stat(argv[i], &st) == 0) rc |= replay_file(argv[i]);
    }
    printf("%s: %d inputs replayed\n", argv[0], ran);
    return rc ? 1 : 0;
}
