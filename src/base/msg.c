/* msg.c — see msg.h.
 *
 * The catalogue is messages.def expanded into a static array of pairs; the lookup is an
 * open-addressed hash table of entry indices keyed by the English text (FNV-1a), in static
 * storage and filled on first use: no allocation, nothing to free. */
#include "msg.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct MsgEntry {
    const char *en;          /* the key, a printf format */
    const char *zh;          /* the same conversions in the same order */
} MsgEntry;

static const MsgEntry catalogue[] = {
#define MSG(en, zh) {en, zh},
#include "messages.def"
#undef MSG
};

enum {
    MSG_COUNT = sizeof catalogue / sizeof *catalogue,
    MSG_SLOTS = 8192,        /* a power of two, at least twice MSG_COUNT */
};
_Static_assert(MSG_COUNT * 2 <= MSG_SLOTS, "messages.def outgrew the table: double MSG_SLOTS");

/* A growing string, for msg_text. Not base/util.h's StrBuf: that one exits when memory runs out,
 * and a translation that cannot grow had better print what it has. */
typedef struct StrBufLite {
    char *data;
    size_t len, cap;
} StrBufLite;

static void lite_put(StrBufLite *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 128;
        while (cap < b->len + n + 1) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) return;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

static uint16_t slots[MSG_SLOTS];   /* catalogue index + 1; 0 is an empty slot */
static pthread_once_t slots_built = PTHREAD_ONCE_INIT;
static MsgLang current = MSG_EN;
/* A language this thread uses for a while (msg_lang_enter), or -1: the process's. */
static _Thread_local signed char thread_lang = -1;

static MsgLang lang_now(void) { return thread_lang >= 0 ? (MsgLang)thread_lang : current; }

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot holding `en`, or the empty slot where it would go. */
static uint32_t slot_of(const char *en)
{
    uint32_t i = hash(en) & (MSG_SLOTS - 1);
    while (slots[i] && strcmp(catalogue[slots[i] - 1].en, en) != 0) i = (i + 1) & (MSG_SLOTS - 1);
    return i;
}

/* A duplicate English text keeps its first entry (the catalogue test forbids duplicates). */
static void build(void)
{
    for (size_t i = 0; i < MSG_COUNT; i++) {
        uint32_t s = slot_of(catalogue[i].en);
        if (!slots[s]) slots[s] = (uint16_t)(i + 1);
    }
}

/* Whether s has an ASCII letter outside its printf conversions: a text someone reads. */
static bool has_words(const char *s)
{
    while (*s) {
        if (*s == '%') {
            s++;
            while (*s && strchr("-+ #0123456789.*'hlLqjzt", *s)) s++;
            if (*s) s++;
            continue;
        }
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) return true;
        s++;
    }
    return false;
}

/* Strict mode's complaint: the text quoted on one line. */
static void untranslated(const char *en)
{
    fflush(stdout);
    fputs("untranslated message: \"", stderr); /* not a message: for developers, never translated */
    for (const char *p = en; *p; p++) {
        if (*p == '\n') fputs("\\n", stderr);
        else if (*p == '"' || *p == '\\') fprintf(stderr, "\\%c", *p);
        else fputc(*p, stderr);
    }
    fputs("\"\n", stderr);
    exit(70);
}

const char *tr(const char *english)
{
    if (lang_now() == MSG_EN || !english) return english;
    pthread_once(&slots_built, build);
    uint32_t s = slot_of(english);
    if (slots[s]) return catalogue[slots[s] - 1].zh;
    if (has_words(english)) {
        const char *strict = getenv("DOUDI_MSG_STRICT");
        if (strict && !strcmp(strict, "1")) untranslated(english);
    }
    return english;
}

enum { ALIASES = 32 };
/* msg_alias's pairs: per thread, as the compiles that make them are */
static _Thread_local struct { const char *text, *english; } aliases[ALIASES];
static _Thread_local unsigned alias_next;

void msg_alias_reset(void)
{
    memset(aliases, 0, sizeof aliases);
}

void msg_alias(const char *text, const char *english)
{
    for (size_t i = 0; i < ALIASES; i++)
        if (aliases[i].text == text) aliases[i].text = aliases[i].english = NULL;
    if (!text || !english) return;
    for (size_t i = 0; i < ALIASES; i++)
        if (!aliases[i].text) {
            aliases[i].text = text;
            aliases[i].english = english;
            return;
        }
    aliases[alias_next++ % ALIASES].text = text;      /* full: the oldest goes */
    aliases[(alias_next - 1) % ALIASES].english = english;
}

const char *msg_english(const char *text)
{
    if (lang_now() == MSG_EN || !text) return text;
    for (size_t i = 0; i < ALIASES; i++)
        if (aliases[i].text == text) return aliases[i].english;
    for (size_t i = 0; i < MSG_COUNT; i++)
        if (catalogue[i].zh == text) return catalogue[i].en;
    return text;
}

/* ---- msg_text: a text already formatted in English, matched back to its format ------------- */

enum { TEXT_CAPS = 16, TEXT_DEPTH = 3, TEXT_MAX = 2000, MATCH_BUDGET = 20000 };

typedef struct Capture {
    const char *at;
    size_t len;
} Capture;

/* The end of the conversion that starts at f ('%'), and its conversion character in *conv. */
static const char *conversion_end(const char *f, char *conv)
{
    f++;
    while (*f && strchr("-+ #0123456789.*'hlLqjzt", *f)) f++;
    *conv = *f;
    return *f ? f + 1 : f;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Whether text t matches format f from here on, its conversions' texts into caps[n...]. A %s
 * takes the fewest characters that let the rest match (so "%s: %s" splits at the first ": "
 * after which the rest matches); %d and kin take a signed run of digits, %x hex digits, %c one
 * character. */
static _Thread_local unsigned long match_budget;   /* calls of match left for one entry: see translate_entry */

static bool match(const char *f, const char *t, Capture *caps, int n)
{
    if (match_budget == 0) return false;
    match_budget--;
    while (*f) {
        if (*f != '%') {
            if (*f++ != *t++) return false;
            continue;
        }
        if (f[1] == '%') {
            if (*t++ != '%') return false;
            f += 2;
            continue;
        }
        if (n == TEXT_CAPS) return false;
        char conv;
        const char *next = conversion_end(f, &conv);
        const char *start = t;
        if (conv == 's') {
            for (const char *end = t;; end++) {
                caps[n] = (Capture){start, (size_t)(end - start)};
                if (match(next, end, caps, n + 1)) return true;
                if (!*end) return false;
            }
        }
        if (strchr("diu", conv)) {
            if (*t == '-' || *t == '+') t++;
            if (!is_digit(*t)) return false;
            while (is_digit(*t)) t++;
        } else if (strchr("xX", conv)) {
            if (!strchr("0123456789abcdefABCDEF", *t) || !*t) return false;
            while (*t && strchr("0123456789abcdefABCDEF", *t)) t++;
        } else if (conv == 'c') {
            if (!*t) return false;
            t++;
        } else {
            return false;             /* no message prints floats or pointers */
        }
        caps[n++] = (Capture){start, (size_t)(t - start)};
        f = next;
    }
    return *t == 0;
}

/* The number of literal characters of a format: the more, the more particular its match. */
static size_t literal_length(const char *f)
{
    size_t n = 0;
    while (*f) {
        if (*f == '%' && f[1] != '%') {
            char conv;
            f = conversion_end(f, &conv);
        } else {
            f += *f == '%' ? 2 : 1;
            n++;
        }
    }
    return n;
}

static bool translate_text(const char *text, size_t len, int depth, StrBufLite *out);

/* Whether a captured text reads as a sentence to translate in turn: an entry as it is ("No such
 * file or directory", "Permission denied"), or three words and more that may be an entry
 * filled in. Two words ("year 2023", "category tekun") are names in a message, not one. */
static bool sentence(const Capture *c)
{
    size_t spaces = 0;
    for (size_t i = 0; i < c->len; i++) spaces += c->at[i] == ' ';
    if (spaces >= 2) return true;
    if (!spaces || c->len >= 256) return false;
    char t[256];
    memcpy(t, c->at, c->len);
    t[c->len] = 0;
    return slots[slot_of(t)] != 0;
}

/* zh with its conversions replaced by the captured texts, in order; a captured text that is a
 * sentence translated in turn, as "cannot open %s: %s" holds strerror's. */
static void fill(const char *zh, const Capture *caps, int depth, StrBufLite *out)
{
    int k = 0;
    for (const char *f = zh; *f;) {
        if (*f != '%') { lite_put(out, f++, 1); continue; }
        if (f[1] == '%') { lite_put(out, "%", 1); f += 2; continue; }
        char conv;
        f = conversion_end(f, &conv);
        const Capture *c = &caps[k++];
        if (conv != 's' || !sentence(c) || !translate_text(c->at, c->len, depth + 1, out))
            lite_put(out, c->at, c->len);
    }
}

/* A quick test before matching: t holds the first run of literal text of format f (at its
 * start when f starts with it), so most entries are passed over without backtracking. */
static bool has_first_literal(const char *f, const char *t)
{
    const char *p = f;
    while (*p == '%' && p[1] != '%') {
        char conv;
        p = conversion_end(p, &conv);
    }
    size_t n = 0;
    while (p[n] && p[n] != '%') n++;
    if (n == 0) return true;
    if (p == f) return strncmp(t, p, n) == 0;
    char seg[64];
    if (n >= sizeof seg) n = sizeof seg - 1;
    memcpy(seg, p, n);
    seg[n] = 0;
    return strstr(t, seg) != NULL;
}

/* The entry text[0..len) matches best, refilled into out; false (out untouched) when none does. */
static uint16_t literal[MSG_COUNT];   /* an entry's literal length; 0: not a pattern to match */
static pthread_once_t literals_measured = PTHREAD_ONCE_INIT;

static void measure_literals(void)
{
    for (size_t i = 0; i < MSG_COUNT; i++) {
        const char *en = catalogue[i].en;
        size_t lit = strchr(en, '%') && has_words(en) ? literal_length(en) : 0;
        literal[i] = (uint16_t)(lit > UINT16_MAX ? UINT16_MAX : lit);
    }
}

static bool translate_entry(const char *t, int depth, StrBufLite *out)
{
    pthread_once(&slots_built, build);
    uint32_t s = slot_of(t);
    if (slots[s]) {
        lite_put(out, catalogue[slots[s] - 1].zh, strlen(catalogue[slots[s] - 1].zh));
        return true;
    }
    pthread_once(&literals_measured, measure_literals);
    size_t best = MSG_COUNT, best_len = 0;
    Capture caps[TEXT_CAPS], best_caps[TEXT_CAPS];
    for (size_t i = 0; i < MSG_COUNT; i++) {
        const char *en = catalogue[i].en;
        size_t lit = literal[i];
        if (lit <= best_len || !has_first_literal(en, t)) continue;
        match_budget = MATCH_BUDGET;    /* "%s %s %s" against a long text backtracks a lot: give up */
        if (!match(en, t, caps, 0)) continue;
        best = i;
        best_len = lit;
        memcpy(best_caps, caps, sizeof caps);
    }
    if (best == MSG_COUNT) return false;
    fill(catalogue[best].zh, best_caps, depth, out);
    return true;
}

/* text[0..len) translated into out: a whole entry, else "WHERE: MESSAGE" with the message
 * translated after the first ": " that leaves one (a field's name, a file's path before it
 * stay as they are). False, with out untouched, when no part of it is in the catalogue. */
static bool translate_text(const char *text, size_t len, int depth, StrBufLite *out)
{
    if (depth >= TEXT_DEPTH) return false;
    char *t = malloc(len + 1);
    if (!t) return false;
    memcpy(t, text, len);
    t[len] = 0;
    bool done = translate_entry(t, depth, out);
    for (const char *colon = t; !done && (colon = strstr(colon, ": ")) != NULL; colon += 2) {
        StrBufLite rest = {0};
        if (translate_entry(colon + 2, depth + 1, &rest) && rest.data) {
            lite_put(out, t, (size_t)(colon - t));
            lite_put(out, "：", strlen("："));
            lite_put(out, rest.data, rest.len);
            done = true;
        }
        free(rest.data);
    }
    free(t);
    return done;
}

/* msg_text's last RING texts, per thread (each thread's freed when it ends). */
enum { RING = 4 };
typedef struct Ring {
    char *texts[RING];
    unsigned next;
} Ring;
static pthread_key_t ring_key;
static pthread_once_t ring_made = PTHREAD_ONCE_INIT;

static void ring_free(void *r)
{
    Ring *ring = r;
    for (size_t i = 0; i < RING; i++) free(ring->texts[i]);
    free(ring);
}

static void make_ring_key(void) { pthread_key_create(&ring_key, ring_free); }

static Ring *thread_ring(void)
{
    pthread_once(&ring_made, make_ring_key);
    Ring *ring = pthread_getspecific(ring_key);
    if (!ring && (ring = calloc(1, sizeof *ring)) != NULL && pthread_setspecific(ring_key, ring) != 0) {
        free(ring);
        ring = NULL;
    }
    return ring;
}

const char *msg_text(const char *english)
{
    if (lang_now() == MSG_EN || !english) return english;
    size_t len = strlen(english);
    const char *nl = strchr(english, '\n');
    if (len > TEXT_MAX || (nl && nl[1])) return english;   /* a message is one line: not diagnostics */
    StrBufLite out = {0};
    Ring *ring = thread_ring();
    if (!ring || !translate_text(english, len, 0, &out) || !out.data) {
        free(out.data);
        return english;
    }
    free(ring->texts[ring->next % RING]);
    ring->texts[ring->next++ % RING] = out.data;
    return out.data;
}

const char *msg_strerror(int err)
{
    switch (err) {
    case ENOENT: return tr("No such file or directory");
    case EACCES: return tr("Permission denied");
    case EISDIR: return tr("Is a directory");
    case ENOTDIR: return tr("Not a directory");
    case ENOSPC: return tr("No space left on device");
    case EEXIST: return tr("File exists");
    case EROFS: return tr("Read-only file system");
    case EIO: return tr("Input/output error");
    default: return strerror(err);
    }
}

void msg_set_lang(MsgLang lang)
{
    current = lang == MSG_ZH ? MSG_ZH : MSG_EN;
    if (current == MSG_ZH) pthread_once(&slots_built, build);
}

MsgLang msg_lang(void) { return lang_now(); }

int msg_lang_enter(MsgLang lang)
{
    int saved = thread_lang;
    thread_lang = lang == MSG_ZH ? MSG_ZH : MSG_EN;
    return saved;
}

void msg_lang_leave(int saved) { thread_lang = (signed char)saved; }

bool msg_parse_lang(const char *name, MsgLang *lang)
{
    if (!name) return false;
    if (!strncmp(name, "zh", 2) && (!name[2] || strchr("_-.@", name[2]))) {
        *lang = MSG_ZH;
        return true;
    }
    if ((!strncmp(name, "en", 2) && (!name[2] || strchr("_-.@", name[2]))) || !strcmp(name, "C") ||
        !strncmp(name, "C.", 2) || !strcmp(name, "POSIX")) {
        *lang = MSG_EN;
        return true;
    }
    return false;
}

static const char *env_set(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

MsgLang msg_lang_from_env(void)
{
    MsgLang lang;
    if (msg_parse_lang(env_set("DOUDI_LANG"), &lang)) return lang;
    const char *v = env_set("LC_ALL");
    if (!v) v = env_set("LC_MESSAGES");
    if (!v) v = env_set("LANG");
    return v && !strncmp(v, "zh", 2) ? MSG_ZH : MSG_EN;
}
