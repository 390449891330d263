/* msg.c — see msg.h.
 *
 * The catalogue is messages.def expanded into a static array of pairs; the lookup is an
 * open-addressed hash table of entry indices keyed by the English text (FNV-1a), in static
 * storage and filled on first use: no allocation, nothing to free. */
#include "msg.h"

#include <errno.h>
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

static uint16_t slots[MSG_SLOTS];   /* catalogue index + 1; 0 is an empty slot */
static bool built;
static MsgLang current = MSG_EN;

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
    built = true;
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
    if (current == MSG_EN || !english) return english;
    if (!built) build();
    uint32_t s = slot_of(english);
    if (slots[s]) return catalogue[slots[s] - 1].zh;
    if (has_words(english)) {
        const char *strict = getenv("DOUDI_MSG_STRICT");
        if (strict && !strcmp(strict, "1")) untranslated(english);
    }
    return english;
}

const char *msg_english(const char *text)
{
    if (current == MSG_EN || !text) return text;
    for (size_t i = 0; i < MSG_COUNT; i++)
        if (catalogue[i].zh == text) return catalogue[i].en;
    return text;
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
    if (current == MSG_ZH && !built) build();
}

MsgLang msg_lang(void) { return current; }

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
