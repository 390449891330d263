/* test_msg.c — src/base/msg.c and the catalogue src/base/messages.def.
 *
 * Every entry of the catalogue is checked here, so a mistake in it fails the build's tests
 * rather than a clerk's screen: both sides non-empty and valid UTF-8, the Chinese side really
 * Chinese (not the English copied), the same printf conversions in the same order — the
 * argument each one reads (length modifier and conversion letter, and a `*` width or
 * precision, which reads an int), %% aside — and no English text twice. Then tr(): English
 * returns its argument, Chinese every entry's pair; the language from the environment; strict
 * mode's exit on a text nobody catalogued. */
#include "helpers.h"
#include "base/msg.h"
#include "base/util.h"

#include <errno.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct Entry {
    const char *en, *zh;
} Entry;

static const Entry entries[] = {
#define MSG(en, zh) {en, zh},
#include "base/messages.def"
#undef MSG
};

/* ---- reading printf conversions ------------------------------------------------------------ */

/* The arguments a printf format reads, one word per argument: "*" for a `*` width or
 * precision, else the length modifier and the conversion ("d", "llu", "s", "zu"). %% reads
 * nothing. A '%' that starts no valid conversion is text (it only happens in texts printed
 * with %s, such as "5%)"); the compiler checks every format that is a format. Returns the
 * words joined by spaces (caller frees). */
static char *conversions(const char *fmt)
{
    StrBuf sb = {0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') continue;
        const char *q = p + 1;
        if (*q == '%') { p = q; continue; }
        StrBuf arg = {0};
        while (*q && strchr("-+ #0'", *q)) q++;
        if (*q == '*') { sb_puts(&arg, "* "); q++; }
        while (*q >= '0' && *q <= '9') q++;
        if (*q == '.') {
            q++;
            if (*q == '*') { sb_puts(&arg, "* "); q++; }
            while (*q >= '0' && *q <= '9') q++;
        }
        const char *len = q;
        while (*q && strchr("hlLjzt", *q)) q++;
        if (*q && strchr("diouxXeEfFgGaAcspn", *q)) {
            sb_puts(&sb, sb_str(&arg));
            sb_putn(&sb, len, (size_t)(q - len + 1));
            sb_putc(&sb, ' ');
            p = q;
        }
        sb_free(&arg);
    }
    char *words = sb_take(&sb);
    return words ? words : xstrdup("");
}

static void test_conversions_read(void **state)
{
    (void)state;
    static const struct { const char *fmt, *want; } cases[] = {
        {"no conversion", ""},
        {"100%% done", ""},
        {"%s and %d", "s d "},
        {"%-9s|%3d%%|%llu|%lld|%zu", "s d llu lld zu "},
        {"':%.*s' and %*d", "* s * d "},
        {"%.3f ms", "f "},
        {"a percentage: 5%)", ""},
        {"中文 %s：%llu 人", "s llu "},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *got = conversions(cases[i].fmt);
        if (strcmp(got, cases[i].want)) print_error("conversions(\"%s\")\n", cases[i].fmt);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

/* ---- the catalogue ------------------------------------------------------------------------- */

static bool has_chinese(const char *s)
{
    for (size_t i = 0, n = strlen(s); i < n;) {
        uint32_t cp;
        i += (size_t)utf8_decode(s + i, n - i, &cp);
        if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF))
            return true;
    }
    return false;
}

static void test_every_entry(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < ARRAY_LEN(entries); i++) {
        const Entry *e = &entries[i];
        const char *why = NULL;
        char *ce = conversions(e->en), *cz = conversions(e->zh);
        if (!*e->en || !*e->zh) why = "a side is empty";
        else if (!utf8_valid(e->en, strlen(e->en)) || !utf8_valid(e->zh, strlen(e->zh))) why = "not UTF-8";
        else if (!has_chinese(e->zh)) why = "the Chinese side has no Chinese";
        else if (strcmp(ce, cz)) why = "the conversions differ";
        if (why) {
            print_error("messages.def entry %zu: %s\n  en: \"%s\" (%s)\n  zh: \"%s\" (%s)\n", i + 1, why, e->en, ce,
                        e->zh, cz);
            bad++;
        }
        free(ce);
        free(cz);
    }
    assert_int_equal(bad, 0);
}

static int cmp_en(const void *a, const void *b)
{
    return strcmp(((const Entry *)a)->en, ((const Entry *)b)->en);
}

static void test_no_duplicates(void **state)
{
    (void)state;
    size_t n = ARRAY_LEN(entries);
    Entry *sorted = malloc(n * sizeof *sorted);
    memcpy(sorted, entries, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_en);
    int dups = 0;
    for (size_t i = 1; i < n; i++)
        if (!strcmp(sorted[i - 1].en, sorted[i].en)) {
            print_error("messages.def: \"%s\" is there twice\n", sorted[i].en);
            dups++;
        }
    free(sorted);
    assert_int_equal(dups, 0);
}

/* ---- tr() ---------------------------------------------------------------------------------- */

static void test_english_is_the_argument(void **state)
{
    (void)state;
    msg_set_lang(MSG_EN);
    assert_int_equal(msg_lang(), MSG_EN);
    const char *s = "error: %s";
    assert_ptr_equal(tr(s), s);
    assert_ptr_equal(tr("not catalogued at all"), "not catalogued at all");
    assert_null(tr(NULL));
}

/* Every entry found through the hash table, whatever collides with it. */
static void test_chinese_every_entry(void **state)
{
    (void)state;
    msg_set_lang(MSG_ZH);
    assert_int_equal(msg_lang(), MSG_ZH);
    for (size_t i = 0; i < ARRAY_LEN(entries); i++) {
        char *copy = xstrdup(entries[i].en);     /* found by its text, not by its address */
        assert_string_equal(tr(copy), entries[i].zh);
        free(copy);
    }
    assert_string_equal(tr("error: %s"), "错误：%s");
    assert_string_equal(tr("note: %s"), "注：%s");
    /* no English words: its own translation; a miss outside strict mode: the English */
    assert_string_equal(tr("%s: %d\n"), "%s: %d\n");
    assert_string_equal(tr("一段中文"), "一段中文");
    assert_string_equal(tr("not catalogued at all"), "not catalogued at all");
    msg_set_lang(MSG_EN);
}

static void test_strerror(void **state)
{
    (void)state;
    msg_set_lang(MSG_ZH);
    assert_string_equal(msg_strerror(ENOENT), "文件或目录不存在");
    assert_string_equal(msg_strerror(EACCES), "没有访问权限");
    msg_set_lang(MSG_EN);
    assert_string_equal(msg_strerror(ENOENT), "No such file or directory");
    assert_string_equal(msg_strerror(EPIPE), strerror(EPIPE));
}

/* msg_text: a text formatted in English back to its entry, refilled in Chinese; the most
 * particular entry wins ("cannot write %s: %s" over "cannot write %s"), a sentence among the
 * values is translated in turn (strerror's words), numbers are matched as numbers, and a text
 * no entry makes stays as it is. In English it is the text itself. */
static void test_text(void **state)
{
    (void)state;
    const char *t = "cannot write out.csv: No such file or directory";
    assert_ptr_equal(msg_text(t), t);
    msg_set_lang(MSG_ZH);
    assert_string_equal(msg_text(t), "无法写入 out.csv：文件或目录不存在");
    assert_string_equal(msg_text("cannot write out.csv"), "无法写入 out.csv");
    assert_string_equal(msg_text("'f' takes 2 arguments, found 3"), "“f”需要 2 个参数，实际为 3 个");
    assert_string_equal(msg_text("'f' takes two arguments, found 3"), "'f' takes two arguments, found 3");
    assert_string_equal(msg_text("年龄"), "年龄");
    assert_string_equal(msg_text("out of memory"), "内存不足");
    msg_set_lang(MSG_EN);
}

/* msg_english: tr()'s own string back to its English, a pair given to msg_alias while it is
 * kept (nested pairs each their own), and any other text as it is. */
static void test_english(void **state)
{
    (void)state;
    msg_set_lang(MSG_ZH);
    const char *zh = tr("out of memory");
    char same[] = "内存不足", outer[] = "外", inner[] = "内";
    assert_string_equal(msg_english(zh), "out of memory");
    assert_ptr_equal(msg_english(same), same);
    msg_alias(outer, "outer");
    msg_alias(inner, "inner");
    assert_string_equal(msg_english(outer), "outer");
    assert_string_equal(msg_english(inner), "inner");
    msg_alias(inner, NULL);
    assert_ptr_equal(msg_english(inner), inner);
    assert_string_equal(msg_english(outer), "outer");
    msg_alias(outer, NULL);
    assert_ptr_equal(msg_english(outer), outer);
    msg_set_lang(MSG_EN);
}

/* Run tr(text) with Chinese on and DOUDI_MSG_STRICT=strict in a child; its exit status, and
 * what it wrote to stderr in *err. */
static int strict_child(const char *strict, const char *text, char *err, size_t cap)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        setenv("DOUDI_MSG_STRICT", strict, 1);
        msg_set_lang(MSG_ZH);
        const char *got = tr(text);
        _exit(got == text ? 0 : 3);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd[0], err + n, cap - 1 - n)) > 0) n += (size_t)k;
    err[n] = '\0';
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A thread's own language (msg_lang_enter): the page it makes is in Chinese while the process
 * and every other thread stay English, and leave gives back what was before (pairs nest).
 * Threads translating at once each keep their own texts (run under ASan: a thread's texts are
 * freed when it ends). */
typedef struct Speaker {
    MsgLang lang;
    int mismatches;
} Speaker;

static void *speak(void *arg)
{
    Speaker *sp = arg;
    int saved = msg_lang_enter(sp->lang);
    const char *want = sp->lang == MSG_ZH ? "无法写入 out.csv：文件或目录不存在"
                                          : "cannot write out.csv: No such file or directory";
    for (int i = 0; i < 200; i++) {
        if (msg_lang() != sp->lang) sp->mismatches++;
        if (strcmp(msg_text("cannot write out.csv: No such file or directory"), want)) sp->mismatches++;
        if (strcmp(tr("out of memory"), sp->lang == MSG_ZH ? "内存不足" : "out of memory")) sp->mismatches++;
    }
    msg_lang_leave(saved);
    return NULL;
}

static void test_thread_language(void **state)
{
    (void)state;
    msg_set_lang(MSG_EN);
    int outer = msg_lang_enter(MSG_ZH);
    assert_int_equal(msg_lang(), MSG_ZH);
    int inner = msg_lang_enter(MSG_EN);
    assert_string_equal(tr("out of memory"), "out of memory");
    msg_lang_leave(inner);
    assert_string_equal(tr("out of memory"), "内存不足");
    msg_lang_leave(outer);
    assert_int_equal(msg_lang(), MSG_EN);

    Speaker sp[4] = {{MSG_ZH, 0}, {MSG_EN, 0}, {MSG_ZH, 0}, {MSG_EN, 0}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, speak, &sp[i]), 0);
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 4; i++) assert_int_equal(sp[i].mismatches, 0);
    assert_int_equal(msg_lang(), MSG_EN);
}

static void test_strict(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(strict_child("1", "nobody \"catalogued\" this\n", err, sizeof err), 70);
    assert_string_equal(err, "untranslated message: \"nobody \\\"catalogued\\\" this\\n\"\n");
    assert_int_equal(strict_child("0", "nobody catalogued this", err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_int_equal(strict_child("1", "%s (%d)\n", err, sizeof err), 0);   /* no words: no miss */
    assert_string_equal(err, "");
}

/* ---- the language from its name and from the environment ------------------------------------ */

static void test_parse_lang(void **state)
{
    (void)state;
    static const struct { const char *name; int ok; MsgLang lang; } cases[] = {
        {"zh", 1, MSG_ZH}, {"zh_CN.UTF-8", 1, MSG_ZH}, {"zh-TW", 1, MSG_ZH}, {"zh_CN", 1, MSG_ZH},
        {"en", 1, MSG_EN}, {"en_US.UTF-8", 1, MSG_EN}, {"C", 1, MSG_EN}, {"C.UTF-8", 1, MSG_EN},
        {"POSIX", 1, MSG_EN}, {"fr_FR.UTF-8", 0, MSG_EN}, {"zhx", 0, MSG_EN}, {"", 0, MSG_EN},
        {"english", 0, MSG_EN},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        MsgLang lang = (MsgLang)42;
        bool ok = msg_parse_lang(cases[i].name, &lang);
        if (ok != (bool)cases[i].ok) print_error("msg_parse_lang(\"%s\")\n", cases[i].name);
        assert_int_equal(ok, cases[i].ok);
        if (ok) assert_int_equal(lang, cases[i].lang);
        else assert_int_equal(lang, 42);
    }
    assert_false(msg_parse_lang(NULL, &(MsgLang){MSG_EN}));
}

static void set_or_unset(const char *name, const char *value)
{
    if (value) setenv(name, value, 1);
    else unsetenv(name);
}

static void test_lang_from_env(void **state)
{
    (void)state;
    /* DOUDI_LANG, LC_ALL, LC_MESSAGES, LANG → the language */
    static const struct { const char *doudi, *all, *messages, *lang; MsgLang want; } cases[] = {
        {NULL, NULL, NULL, NULL, MSG_EN},
        {NULL, NULL, NULL, "zh_CN.UTF-8", MSG_ZH},
        {NULL, NULL, NULL, "C", MSG_EN},
        {NULL, NULL, NULL, "fr_FR.UTF-8", MSG_EN},
        {NULL, NULL, "zh_CN.UTF-8", "en_US.UTF-8", MSG_ZH},
        {NULL, NULL, "C", "zh_CN.UTF-8", MSG_EN},
        {NULL, "zh_TW.UTF-8", "C", "C", MSG_ZH},
        {NULL, "POSIX", "zh_CN.UTF-8", "zh_CN.UTF-8", MSG_EN},
        {NULL, "", "", "zh_CN.UTF-8", MSG_ZH},          /* empty is unset */
        {"en", "zh_CN.UTF-8", NULL, "zh_CN.UTF-8", MSG_EN},
        {"zh", NULL, NULL, "C", MSG_ZH},
        {"", NULL, NULL, "zh_CN.UTF-8", MSG_ZH},
        {"klingon", NULL, NULL, "zh_CN.UTF-8", MSG_ZH}, /* not a language: the locale decides */
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        set_or_unset("DOUDI_LANG", cases[i].doudi);
        set_or_unset("LC_ALL", cases[i].all);
        set_or_unset("LC_MESSAGES", cases[i].messages);
        set_or_unset("LANG", cases[i].lang);
        if (msg_lang_from_env() != cases[i].want) print_error("case %zu\n", i);
        assert_int_equal(msg_lang_from_env(), cases[i].want);
    }
    unsetenv("DOUDI_LANG");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conversions_read),
        cmocka_unit_test(test_every_entry),
        cmocka_unit_test(test_no_duplicates),
        cmocka_unit_test(test_english_is_the_argument),
        cmocka_unit_test(test_chinese_every_entry),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_thread_language),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_parse_lang),
        cmocka_unit_test(test_lang_from_env),
    };
    return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
