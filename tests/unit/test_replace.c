/* test_replace.c — src/base/replace.c: a file's new content put in place whole or not at all.
 *
 * Each case is read back from the file system: the content, the mode (a new file's 0644 less
 * the umask, an existing file's kept, an explicit 0600 given), a symbolic link followed and
 * kept, a device written through and left a device, a directory refused, and — after a failure
 * or an abort — the old content unchanged and no temporary file left beside it. */
#include "helpers.h"
#include "base/replace.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_replace.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            char *p = xasprintf("%s/%s", dir, e->d_name);
            unlink(p);
            free(p);
        }
    if (d) closedir(d);
    return rmdir(dir);
}

static char *in_dir(const char *name) { return xasprintf("%s/%s", dir, name); }

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return xstrdup(buf);
}

static void put(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* Entries in the directory: what a failed or finished replace must not add to. */
static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d) closedir(d);
    return n;
}

static void assert_content(const char *path, const char *want)
{
    char *got = slurp(path);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_new_file_takes_the_umask(void **state)
{
    (void)state;
    char *p = in_dir("new.txt");
    mode_t old = umask(027);
    assert_int_equal(file_replace(p, "hello\n", 6, FILE_MODE_KEEP, NULL), 0);
    umask(old);
    assert_content(p, "hello\n");
    assert_int_equal(mode_of(p), 0640);   /* 0644 less 027 */
    assert_int_equal(entries(), 1);
    free(p);
}

static void test_existing_mode_kept_or_given(void **state)
{
    (void)state;
    char *p = in_dir("kept.txt");
    put(p, "old", 0604);
    assert_int_equal(file_replace(p, "new", 3, FILE_MODE_KEEP, NULL), 0);
    assert_content(p, "new");
    assert_int_equal(mode_of(p), 0604);
    assert_int_equal(file_replace(p, "ids", 3, 0600, NULL), 0);
    assert_content(p, "ids");
    assert_int_equal(mode_of(p), 0600);
    assert_int_equal(entries(), 1);
    free(p);
}

static void test_link_followed_and_kept(void **state)
{
    (void)state;
    char *target = in_dir("target.txt"), *link = in_dir("link.txt");
    put(target, "old", 0644);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(file_replace(link, "new", 3, FILE_MODE_KEEP, NULL), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_content(target, "new");
    assert_int_equal(entries(), 2);
    free(target);
    free(link);
}

static void test_device_written_through(void **state)
{
    (void)state;
    assert_int_equal(file_replace("/dev/null", "gone", 4, FILE_MODE_KEEP, NULL), 0);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

static void test_directory_refused(void **state)
{
    (void)state;
    assert_int_equal(file_replace(dir, "x", 1, FILE_MODE_KEEP, NULL), EISDIR);
    assert_int_equal(entries(), 0);
}

static void test_missing_directory_is_an_error(void **state)
{
    (void)state;
    char *p = in_dir("no/such.txt");
    assert_int_equal(file_replace(p, "x", 1, FILE_MODE_KEEP, NULL), ENOENT);
    assert_int_equal(entries(), 0);
    free(p);
}

/* Begin, write half, abort: the old file whole, the temporary gone; a workbook-style writer
 * (by name, the descriptor closed first) committed: the new content in place, mode given. */
static void test_abort_and_commit_by_name(void **state)
{
    (void)state;
    char *p = in_dir("book.xlsx");
    put(p, "old", 0644);
    FileReplace fr;
    assert_int_equal(file_replace_begin(&fr, p, 0600), 0);
    assert_int_equal(write(fr.fd, "half", 4), 4);
    assert_int_equal(entries(), 2);
    assert_int_equal(mode_of(fr.name), 0600);
    file_replace_abort(&fr);
    assert_content(p, "old");
    assert_int_equal(entries(), 1);

    assert_int_equal(file_replace_begin(&fr, p, 0600), 0);
    close(fr.fd);
    fr.fd = -1;
    FILE *f = fopen(fr.name, "wb");
    fputs("whole", f);
    fclose(f);
    assert_int_equal(file_replace_commit(&fr, NULL), 0);
    assert_content(p, "whole");
    assert_int_equal(mode_of(p), 0600);
    assert_int_equal(entries(), 1);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_file_takes_the_umask, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_existing_mode_kept_or_given, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_link_followed_and_kept, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_device_written_through, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_directory_refused, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_missing_directory_is_an_error, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_abort_and_commit_by_name, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
