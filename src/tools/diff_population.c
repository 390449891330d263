/* diff_population.c — the population a diff runs over: a directory of CSV files, run straight
 * from the files by each side's rules (the streaming run, engine/stream.h) into a scratch
 * ledger, or a ledger copied into a temporary one (see diff.h). */
#include "diff_int.h"
#include "engine/stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the population: a directory of CSV files, or a ledger --------------------------------- */

static char *join_path(const char *dir, const char *name)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s/%s", dir, name);
    return sb_take(&sb);
}

static char *make_tmpdir(char **error)
{
    const char *base = getenv("TMPDIR");
    char *templ = join_path(base && *base ? base : "/tmp", "doudi-diff-XXXXXX");
    if (!mkdtemp(templ)) {
        diff_failf(error, "cannot make a temporary directory in %s: %s", base && *base ? base : "/tmp", strerror(errno));
        free(templ);
        return NULL;
    }
    return templ;
}

static const char *const LEDGER_FILES[] = {"ledger.db", "ledger.db-wal", "ledger.db-shm", "ledger.db-journal"};

static void remove_tmpdir(char *dir)
{
    if (!dir) return;
    for (size_t i = 0; i < sizeof LEDGER_FILES / sizeof *LEDGER_FILES; i++) {
        char *p = join_path(dir, LEDGER_FILES[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
    free(dir);
}

static bool copy_file(const char *from, const char *to, char **error)
{
    FILE *in = fopen(from, "rb");
    if (!in) return diff_failf(error, "cannot read %s: %s", from, strerror(errno));
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return diff_failf(error, "cannot write %s: %s", to, strerror(errno));
    }
    char buf[65536];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    ok = fclose(out) == 0 && ok;
    fclose(in);
    return ok || diff_failf(error, "cannot copy %s to %s: %s", from, to, strerror(errno ? errno : EIO));
}

static bool is_sqlite_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char head[16] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == 16 && !memcmp(head, "SQLite format 3", 16);
}

/* One side's run straight from the population's files: the institutions imported into the
 * scratch ledger with the side's rules, the persons streamed (each row checked as the import
 * checks it), the results stored for the comparison. */
static bool stream_side(Diff *d, Ledger *l, const DiffRules *r, int side, const char *persons,
                        const char *institutions, char **error)
{
    Side *s = &d->side[side];
    s->imported = true;
    char *inner = NULL;
    bool ok = true;
    if (institutions && r->p->nrecords > 1) {
        s->has_institutions = true;
        ok = import_file(l, r->p, r->vm, 1, institutions, NULL, NULL, &s->institutions, &inner);
    }
    StreamOptions so = {.path = persons, .store_results = true};
    if (ok) ok = stream_run(l, r->p, r->vm, &so, NULL, NULL, NULL, NULL, &s->persons, &s->run, &inner);
    if (!ok) diff_failf(error, "reading the population with %s: %s", s->rules_path, inner ? inner : "failed");
    free(inner);
    return ok;
}

/* The people the diff explains, into the ledger: their rows of persons.csv imported with the
 * old rules, then with the new (as an import of the whole file by each side would leave them),
 * every other row read and passed over. */
static bool import_explained(Diff *d, Ledger *l, const DiffRules *o, const DiffRules *n, const char *persons,
                             char **error)
{
    if (d->people.count == 0) return true;
    StrSet keys = {0};
    for (size_t i = 0; i < d->people.count; i++) strset_add(&keys, d->people.items[i].key, NULL);
    ImportOptions io = {.only_keys = &keys};
    ImportStats st;
    char *inner = NULL;
    bool ok = import_file(l, o->p, o->vm, 0, persons, &io, NULL, &st, &inner) &&
              import_file(l, n->p, n->vm, 0, persons, &io, NULL, &st, &inner);
    if (!ok) diff_failf(error, "reading the people who changed from %s: %s", persons, inner ? inner : "failed");
    free(inner);
    strset_free(&keys);
    return ok;
}

Diff *diff_population(const DiffRules *o, const DiffRules *n, const char *population, int limit, char **error)
{
    struct stat st;
    if (stat(population, &st) != 0) {
        diff_failf(error, "cannot read the population %s: %s", population, strerror(errno));
        return NULL;
    }
    bool dir = S_ISDIR(st.st_mode);
    char *persons = NULL, *institutions = NULL;
    if (dir) {
        persons = join_path(population, "persons.csv");
        institutions = join_path(population, "institutions.csv");
        if (access(persons, R_OK) != 0) {
            diff_failf(error, "the population %s holds no persons.csv (or it cannot be read)", population);
            free(persons);
            free(institutions);
            return NULL;
        }
        if (access(institutions, F_OK) != 0) {
            free(institutions);
            institutions = NULL;
        }
    } else if (!is_sqlite_file(population)) {
        diff_failf(error, "the population %s is neither a directory with persons.csv nor a ledger (an SQLite file)",
              population);
        return NULL;
    }
    if (!diff_reserved_names(o, error) || !diff_reserved_names(n, error)) {
        free(persons);
        free(institutions);
        return NULL;
    }
    /* the runs from a directory need no ledger on disk: a scratch one in memory holds them */
    char *tmp = dir ? NULL : make_tmpdir(error);
    char *db = dir ? xstrdup(":memory:") : tmp ? join_path(tmp, LEDGER_FILES[0]) : NULL;
    Diff *d = db ? diff_new(o, n) : NULL;
    Ledger *l = NULL;
    bool ok = d != NULL;
    if (ok && !dir) {
        /* the ledger and its write-ahead log, if a writer left one: the copy then holds every
         * committed change; the file itself is only read */
        char *wal = NULL;
        StrBuf sb = {0};
        sb_printf(&sb, "%s-wal", population); /* not a message: a file name */
        wal = sb_take(&sb);
        ok = copy_file(population, db, error);
        if (ok && access(wal, F_OK) == 0) {
            char *to = join_path(tmp, LEDGER_FILES[1]);
            ok = copy_file(wal, to, error);
            free(to);
        }
        free(wal);
    }
    if (ok) ok = (l = ledger_open(db, LEDGER_CREATE, error)) != NULL;
    if (ok && dir) {
        ok = stream_side(d, l, o, 0, persons, institutions, error) &&
             stream_side(d, l, n, 1, persons, institutions, error) && diff_compare_runs(d, l, o, n, limit, error) &&
             import_explained(d, l, o, n, persons, error);
    } else if (ok) {
        ok = diff_run_side(d, l, o, 0, error) && diff_run_side(d, l, n, 1, error) &&
             diff_compare_runs(d, l, o, n, limit, error);
    }
    if (ok) diff_explain_people(d, l, o, n);
    if (ok) {
        d->population = xstrdup(population);
        d->population_is_ledger = !dir;
    }
    ledger_close(l);
    remove_tmpdir(tmp);
    free(db);
    free(persons);
    free(institutions);
    if (!ok) {
        diff_free(d);
        return NULL;
    }
    return d;
}
