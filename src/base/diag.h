/* diag.h — source files, spans and diagnostics.
 *
 * Positions are byte ranges into a SourceFile; line and column are computed only when a
 * diagnostic is rendered, from the file's table of line starts. Columns count characters
 * (code points), and the caret line is indented by display cells so it sits right under
 * Chinese text too. Deep code never prints: it appends a Diag to a DiagList owned by the
 * caller, which renders the list as text (`file:line:col: error: msg` + source + caret) or
 * as JSON.
 *
 * Messages: diag_add and diag_note translate the format they are given with tr() (msg.h), so a
 * diagnostic's text is catalogued in messages.def like every other message, without tr() at
 * the call sites; the English text is kept beside it for tools (JSON's message_en). The code
 * and the position are never translated. */
#ifndef DOUDI_DIAG_H
#define DOUDI_DIAG_H

#include "util.h"

typedef struct SourceFile {
    char *path;              /* as given by the user; shown in diagnostics */
    char *text;              /* whole file, NUL-terminated */
    size_t len;              /* bytes in text */
    uint32_t *line_starts;   /* byte offset where each line starts */
    size_t line_count;
} SourceFile;

typedef struct Span {
    const SourceFile *file;  /* NULL for a span that points nowhere */
    uint32_t start, end;     /* byte offsets, end exclusive */
} Span;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagSeverity;

typedef struct Diag {
    DiagSeverity severity;
    const char *code;        /* stable short name, e.g. "unknown-name"; for JSON and tests */
    Span span;
    char *message;           /* in the language current when it was added; owned */
    char *note;              /* optional second line ("did you mean 'x'?"); owned */
    char *message_en;        /* the same in English, whatever the language; owned */
    char *note_en;           /* likewise, NULL when there is no note */
    Span note_span;          /* where the note points (file NULL: nowhere, a plain note line) */
} Diag;

typedef struct DiagList {
    Diag *items;
    size_t count, cap;
    int errors, warnings;
} DiagList;

/* Make a source file from text (copied). */
SourceFile *source_new(const char *path, const char *text, size_t len);
/* Read a file from disk; NULL (errno set) when it cannot be read. */
SourceFile *source_read(const char *path);
void source_free(SourceFile *sf);
/* 1-based line and column (in characters) of a byte offset. */
void source_position(const SourceFile *sf, uint32_t offset, int *line, int *col);
/* The bytes of 1-based line `line` without its line ending. */
const char *source_line(const SourceFile *sf, int line, size_t *len);

Span span_join(Span a, Span b);

/* Append a diagnostic; fmt is an English format from messages.def (translated here). */
void diag_add(DiagList *dl, DiagSeverity sev, const char *code, Span span, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Attach a note to the last diagnostic added (translated as diag_add's message). */
void diag_note(DiagList *dl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, pointing at a place of its own (rendered as `path:line:col: note: …` with the
 * source line and a caret, like the diagnostic itself). */
void diag_note_at(DiagList *dl, Span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append a copy of d (its strings duplicated) to dl, counted as diag_add counts. */
void diag_push_copy(DiagList *dl, const Diag *d);
void diag_free(DiagList *dl);
/* Sort by file, then position (stable), so output follows the source. */
void diag_sort(DiagList *dl);

/* Render one diagnostic:  path:line:col: error: message\n  source line\n  caret\n  note
 * (a note with a place renders as a second located block: path:line:col: note: …).
 * The severity words are the current language's (错误：, 警告：, 注：). */
void diag_render(StrBuf *out, const Diag *d);
void diag_render_all(StrBuf *out, const DiagList *dl);
/* JSON array of objects {file,line,column,end_line,end_column,severity,code,message,
 * message_en,note,note_en}: severity and code are never translated, message and note are in
 * the language of diag_add, message_en and note_en in English (note and note_en only when
 * there is a note); a note with a place adds note_line and note_column. */
void diag_render_json(StrBuf *out, const DiagList *dl);
/* A SARIF 2.1.0 log (the format code-review tools annotate lines from): one run of the tool
 * "doudi", a rule per diagnostic code, a result per diagnostic — level error, warning or
 * note; the message, with its note on a second line ("note: ..."); the file as a relative
 * URI (percent-encoded) and the span as a region of lines and columns counted in code points
 * (columnKind unicodeCodePoints), endColumn being the column just after the span. */
void diag_render_sarif(StrBuf *out, const DiagList *dl);

#endif
