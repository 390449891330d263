/* msg.h — the message catalogue: what doudi says to people, in English or in Chinese.
 *
 * Every sentence a person reads is written in English in the code, wrapped in tr(), and paired
 * with its Chinese in one file, messages.def (an X-macro list: MSG("english", "中文")). tr()
 * returns the text of the current language: the English argument itself, or the Chinese the
 * catalogue pairs with it. The English is the key and a printf format; the Chinese has the
 * same conversions in the same order (a unit test checks every entry), so
 * printf(tr("%d persons"), n) is safe in either language, and format_arg lets the compiler
 * check the arguments against the English.
 *
 * Diagnostics need no tr() at their call sites: diag_add and diag_note translate the format
 * they are given (diag.c). Identifiers from rule files are never translated; their labels are
 * shown beside them. A sentence is one entry: never build one from translated fragments.
 *
 * The language is English until msg_set_lang is called; the command line chooses it from
 * --lang, else msg_lang_from_env(). Nothing here depends on setlocale: a machine with no
 * Chinese locale generated still speaks Chinese when asked.
 *
 * Strict mode, for tests: with DOUDI_MSG_STRICT=1 in the environment, tr() of an English text
 * that has no entry while Chinese is on prints `untranslated message: "…"` to stderr and
 * exits with status 70, so a test run in Chinese catches every wrapped string nobody
 * catalogued. A text without English words (only conversions and punctuation, such as "%s")
 * is its own translation and never a miss.
 *
 * Threads: the language is the process's (msg_set_lang: call it before starting threads), or
 * for a while one thread's own (msg_lang_enter/leave: a printable page in Chinese while other
 * threads go on in English). The lookup tables are built once (pthread_once); msg_text keeps
 * its texts per thread, freed when the thread ends. */
#ifndef DOUDI_MSG_H
#define DOUDI_MSG_H

#include <stdbool.h>

typedef enum MsgLang { MSG_EN, MSG_ZH } MsgLang;

/* The current language's text for `english`, a string in messages.def (or one without English
 * words). Valid for the life of the process. */
const char *tr(const char *english) __attribute__((format_arg(1)));

/* The English of `text` when it is the very string tr() returned for a catalogue entry (the
 * same pointer, not an equal text: an identifier that happens to spell a Chinese entry stays
 * as it is), else `text` itself. For the English copy of a diagnostic whose arguments include
 * translated phrases. */
const char *msg_english(const char *text);

/* A text already formatted from a catalogue entry's English — an error string or a review
 * reason made in English, as the ledger stores it — in the current language: the catalogue
 * entry whose format it matches (the most particular one when several do) refilled in Chinese
 * with the same values; a value that is itself a sentence ("cannot open %s: %s" with
 * strerror's words) translated in turn; a text "WHERE: MESSAGE" no entry makes whole (a field's
 * name or a file's path, then a catalogued message) has its message translated after the first
 * ": " that allows it. The text itself when nothing matches, or in English.
 * The result lives until four more calls. For showing what was kept in English: never store
 * what it returns. */
const char *msg_text(const char *english);

/* For a phrase formatted at run time in the current language ("argument 2 of 'len'", from
 * tr("argument %d of '%s'")), its English: msg_english(text) — the same pointer — returns
 * `english` until msg_alias(text, NULL) forgets the pair. Up to 32 pairs at once (phrases
 * nest as expressions do); beyond, the oldest is forgotten. */
void msg_alias(const char *text, const char *english);
/* Forget every pair (a compile abandoned for lack of memory never unwound its phrases). */
void msg_alias_reset(void);

/* strerror(err) in the current language, for the common errors of opening and writing files
 * (ENOENT, EACCES, ...); others as the C library words them. */
const char *msg_strerror(int err);

void msg_set_lang(MsgLang lang);
MsgLang msg_lang(void);
/* This thread speaks `lang` until msg_lang_leave(the value returned); other threads keep
 * theirs. Pairs nest. */
int msg_lang_enter(MsgLang lang);
void msg_lang_leave(int saved);

/* "zh", "zh_CN.UTF-8", "zh-TW", ... → MSG_ZH; "en", "en_US.UTF-8", "C", "C.UTF-8", "POSIX" →
 * MSG_EN; false for anything else (`lang` untouched). */
bool msg_parse_lang(const char *name, MsgLang *lang);

/* The language the environment asks for, first of: DOUDI_LANG (when msg_parse_lang reads it),
 * then the locale variables in POSIX order — LC_ALL, then LC_MESSAGES, then LANG, the first
 * that is set and not empty: a value starting "zh" is Chinese, anything else (C, POSIX,
 * en_US.UTF-8, ...) English. English when none is set. */
MsgLang msg_lang_from_env(void);

#endif
