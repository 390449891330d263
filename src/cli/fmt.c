/* cli/fmt.c — `doudi fmt FILE`, `doudi fmt -w FILE...` and `doudi fmt --check FILE...`.
 *
 * `doudi fmt FILE` prints the canonical form of one rule file (lang/fmt.h) on stdout, so an
 * editor can pipe through it; lexer warnings (full-width punctuation, which the output has
 * rewritten) still go to stderr, without changing the exit code.
 *
 * `-w` rewrites each file that is not canonical in place, atomically: the canonical text goes
 * to a temporary file in the file's own directory (so the rename cannot cross file systems),
 * is flushed to disk and given the file's mode, then renamed over it — a crash leaves the old
 * file or the new one, never half of either (crash point fmt.before-rename). A symbolic link
 * is followed: the file it points to is rewritten. It names each file it rewrote on stdout.
 *
 * `--check` prints nothing on stdout; for each file not in canonical form it says on stderr
 * what differs, line by line (`FILE:LINE: …`: a byte order mark, CR LF line ends, trailing
 * spaces, full-width punctuation, spacing and layout, with the line fmt writes), then one line
 * naming the file — for CI and for a clerk to see what `-w` would do.
 *
 * A file with syntax errors is never formatted nor rewritten: its diagnostics go to stderr
 * and the exit code is 1. Unreadable or unwritable files and bad usage exit 2. */
#define _XOPEN_SOURCE 700      /* realpath(), to rewrite the file a symbolic link points to */
#include "cli.h"
#include "doudi.h"
#include "base/crash.h"
#include "base/msg.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { FMT_OK = 0, FMT_FINDINGS = 1, FMT_INPUT_ERROR = 2 };
enum { MAX_LINE_REPORTS = 30 };   /* per file, in --check; the rest are counted */

typedef enum { MODE_PRINT, MODE_WRITE, MODE_CHECK } Mode;

/* Format one file: its canonical text (caller frees) and whether the file already was
 * exactly that, or NULL with *status raised to the file's exit code. Diagnostics are shown
 * when there are errors, warnings too if `warn`. */
static char *format_file(const char *path, bool warn, int *status, bool *canonical)
{
    char *text = NULL, *diags = NULL;
    int same = 0;
    if (!cli_is_source("fmt", path)) {
        *status = FMT_INPUT_ERROR;
        return NULL;
    }
    int rc = doudi_canonical(path, &text, &same, &diags);
    if (rc < 0) {
        fprintf(stderr, "doudi fmt: %s", diags);
        *status = FMT_INPUT_ERROR;
    } else if (rc > 0) {
        fputs(diags, stderr);
        if (*status < FMT_FINDINGS) *status = FMT_FINDINGS;
    } else if (warn && diags) {
        fputs(diags, stderr);
    }
    *canonical = same;
    doudi_string_free(diags);
    return text;
}

/* ---- -w: rewriting in place ------------------------------------------------------------------ */

static int cannot_write(const char *path, const char *what)
{
    fprintf(stderr, "doudi fmt: ");
    fprintf(stderr, tr("cannot write %s: %s: %s (the file is unchanged)\n"), path, what, msg_strerror(errno));
    return FMT_INPUT_ERROR;
}

/* Write all of text to fd; false on any short or failed write. */
static bool write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text += n;
        len -= (size_t)n;
    }
    return true;
}

/* Replace the file at path by text: a temporary file beside it, flushed, with the file's
 * mode, renamed over it. Returns an exit code. */
static int write_in_place(const char *path, const char *text)
{
    char *real = realpath(path, NULL);
    if (!real) return cannot_write(path, tr("cannot resolve the path"));
    struct stat st;
    if (stat(real, &st) != 0) {
        free(real);
        return cannot_write(path, tr("cannot read its mode"));
    }
    char *dircopy = xstrdup(real), *basecopy = xstrdup(real);
    char *tmp = xasprintf("%s/.%s.fmt-XXXXXX", dirname(dircopy), basename(basecopy));
    free(dircopy);
    free(basecopy);
    int rc = FMT_OK;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = cannot_write(path, tr("cannot create a temporary file beside it"));
    } else {
        bool ok = write_all(fd, text, strlen(text)) && fchmod(fd, st.st_mode & 07777) == 0 && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        CRASH_POINT("fmt.before-rename");
        if (!ok || rename(tmp, real) != 0) {
            rc = cannot_write(path, ok ? tr("cannot rename the new text over it") : tr("cannot write the new text"));
            unlink(tmp);
        }
    }
    free(tmp);
    free(real);
    return rc;
}

static int write_files(char **files, int nfiles)
{
    int status = FMT_OK;
    for (int i = 0; i < nfiles; i++) {
        bool canonical = false;
        char *text = format_file(files[i], false, &status, &canonical);
        if (text && !canonical) {
            int rc = write_in_place(files[i], text);
            if (rc != FMT_OK) status = rc;
            else printf(tr("formatted %s\n"), files[i]);
        }
        free(text);
    }
    return status;
}

/* ---- --check: what differs, line by line ------------------------------------------------------ */

typedef struct Lines {
    const char **text;         /* each line without its end (CR LF or LF), NUL-terminated copies */
    size_t count;
    bool final_newline;        /* the text ends with a line end */
} Lines;

/* Split text into lines; a CR before a LF is not part of a line. */
static Lines split_lines(const char *text, size_t len)
{
    Lines ls = {0};
    size_t cap = 64;
    ls.text = xmalloc(cap * sizeof *ls.text);
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n') continue;
        if (i == len && start == len) break;
        size_t end = i;
        if (end > start && text[end - 1] == '\r' && i < len) end--;
        if (ls.count == cap) ls.text = xrealloc(ls.text, (cap *= 2) * sizeof *ls.text);
        ls.text[ls.count++] = xstrndup(text + start, end - start);
        start = i + 1;
    }
    ls.final_newline = len > 0 && text[len - 1] == '\n';
    return ls;
}

static void free_lines(Lines *ls)
{
    for (size_t i = 0; i < ls->count; i++) free((char *)ls->text[i]);
    free(ls->text);
}

/* One step of the edit script from the file's lines to the canonical ones. */
typedef struct Edit { char op; size_t a, b; } Edit;   /* '=' both, '-' file line a, '+' canonical line b */
typedef VEC(Edit) Edits;

/* The shortest edit script between a[lo_a, hi_a) and b[lo_b, hi_b) (Myers), appended to out;
 * past `max_d` differences it pairs what is left line by line instead. */
static void diff_middle(const Lines *a, const Lines *b, size_t lo_a, size_t hi_a, size_t lo_b, size_t hi_b, Edits *out)
{
    long n = (long)(hi_a - lo_a), m = (long)(hi_b - lo_b), max_d = n + m < 4000 ? n + m : 4000;
    long off = max_d + 1, width = 2 * max_d + 3;
    long *v = xcalloc((size_t)width, sizeof *v);
    long **trace = xcalloc((size_t)max_d + 2, sizeof *trace);
    long d_found = -1;
    for (long d = 0; d <= max_d && d_found < 0; d++) {
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
            long y = x - k;
            while (x < n && y < m && !strcmp(a->text[lo_a + x], b->text[lo_b + y])) { x++; y++; }
            v[off + k] = x;
            if (x >= n && y >= m) { d_found = d; break; }
        }
        trace[d] = xmalloc((size_t)width * sizeof **trace);
        memcpy(trace[d], v, (size_t)width * sizeof *v);
    }
    if (d_found < 0) {
        /* too different to align: pair the lines in order */
        for (long i = 0; i < n || i < m; i++) {
            if (i < n) VEC_PUSH(out, ((Edit){'-', lo_a + (size_t)i, 0}));
            if (i < m) VEC_PUSH(out, ((Edit){'+', 0, lo_b + (size_t)i}));
        }
    } else {
        /* walk back from (n, m), collecting steps in reverse */
        Edits rev = {0};
        long x = n, y = m;
        for (long d = d_found; d > 0; d--) {
            long *pv = trace[d - 1], k = x - y;
            long pk = (k == -d || (k != d && pv[off + k - 1] < pv[off + k + 1])) ? k + 1 : k - 1;
            long px = pv[off + pk], py = px - pk;
            while (x > px && y > py) { x--; y--; VEC_PUSH(&rev, ((Edit){'=', lo_a + (size_t)x, lo_b + (size_t)y})); }
            if (x > px) { x--; VEC_PUSH(&rev, ((Edit){'-', lo_a + (size_t)x, 0})); }
            else { y--; VEC_PUSH(&rev, ((Edit){'+', 0, lo_b + (size_t)y})); }
        }
        while (x > 0 && y > 0) { x--; y--; VEC_PUSH(&rev, ((Edit){'=', lo_a + (size_t)x, lo_b + (size_t)y})); }
        for (size_t i = rev.count; i-- > 0;) VEC_PUSH(out, rev.items[i]);
        VEC_FREE(&rev);
    }
    for (long d = 0; d <= max_d + 1; d++) free(trace[d]);
    free(trace);
    free(v);
}

/* The edit script: the common head and tail as they are, the middle by diff_middle. */
static Edits diff_lines(const Lines *a, const Lines *b)
{
    Edits out = {0};
    size_t head = 0, tail = 0;
    while (head < a->count && head < b->count && !strcmp(a->text[head], b->text[head])) head++;
    while (tail < a->count - head && tail < b->count - head &&
           !strcmp(a->text[a->count - 1 - tail], b->text[b->count - 1 - tail]))
        tail++;
    for (size_t i = 0; i < head; i++) VEC_PUSH(&out, ((Edit){'=', i, i}));
    diff_middle(a, b, head, a->count - tail, head, b->count - tail, &out);
    for (size_t i = tail; i-- > 0;) VEC_PUSH(&out, ((Edit){'=', a->count - 1 - i, b->count - 1 - i}));
    return out;
}

/* The ASCII an input method's character stands for, as the scanner reads it, or NULL; *len is
 * the character's length in bytes. */
static const char *ime_twin(const char *s, size_t *len, char buf[2])
{
    static const struct { const char *text, *ascii; } chars[] = {
        {"——", "_"}, {"、", ","}, {"。", "."}, {"《", "<"}, {"》", ">"}, {"【", "["}, {"】", "]"},
        {"“", "\""}, {"”", "\""}, {"‘", "\""}, {"’", "\""}, {"≤", "<="}, {"≦", "<="}, {"≥", ">="},
        {"≧", ">="}, {"≠", "!="}, {"\xE3\x80\x80", " "},
    };
    for (size_t k = 0; k < sizeof chars / sizeof *chars; k++) {
        size_t n = strlen(chars[k].text);
        if (!strncmp(s, chars[k].text, n)) {
            *len = n;
            return chars[k].ascii;
        }
    }
    uint32_t cp;
    *len = (size_t)utf8_decode(s, strlen(s), &cp);
    if (cp < 0xFF01 || cp > 0xFF5E) return NULL;
    buf[0] = (char)(cp - 0xFEE0);
    buf[1] = '\0';
    return buf;
}

/* The end of a string that starts at s (after its closing quote, or at the end of the line). */
static const char *skip_string(const char *s)
{
    static const char *const pairs[][2] = {{"\"", "\""}, {"“", "”"}, {"‘", "’"}, {"＂", "＂"}};
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
        size_t n = strlen(pairs[k][0]);
        if (strncmp(s, pairs[k][0], n)) continue;
        const char *p = s + n;
        while (*p && strncmp(p, pairs[k][1], strlen(pairs[k][1]))) p += (*p == '\\' && k == 0 && p[1]) ? 2 : 1;
        return *p ? p + strlen(pairs[k][1]) : p;
    }
    return s;
}

/* Add "'C'" (the len bytes at c) to the list in sb, unless it is there already. */
static void name_once(StrBuf *sb, const char *c, size_t len, bool *any)
{
    char one[16];
    snprintf(one, sizeof one, "'%.*s'", (int)len, c);
    if (strstr(sb_str(sb), one)) return;
    sb_printf(sb, "%s%s", *any ? ", " : "", one);
    *any = true;
}

/* The input method's characters of a line outside strings and comments — and the quotes of a
 * string typed as “…”, ‘…’ or ＂…＂ — each once, as "'（', '）'", into sb; false when none. */
static bool ime_chars(const char *line, StrBuf *sb)
{
    bool any = false;
    const char *p = line;
    while (*p && *p != '#') {
        if (!strncmp(p, "＃", 3)) {             /* a comment: the rest of the line is its text */
            name_once(sb, p, 3, &any);
            break;
        }
        const char *end = skip_string(p);
        if (end != p) {                         /* a string keeps its content */
            if (*p != '"') {
                name_once(sb, p, 3, &any);
                if (end - p >= 6 && (unsigned char)end[-3] >= 0x80) name_once(sb, end - 3, 3, &any);
            }
            p = end;
            continue;
        }
        size_t len = 1;
        char buf[2];
        if ((unsigned char)*p >= 0x80 && ime_twin(p, &len, buf)) name_once(sb, p, len, &any);
        p += len;
    }
    return any;
}

/* The line without white space, for "only spacing differs". */
static char *squeeze(const char *s)
{
    StrBuf sb = {0};
    for (; *s; s++)
        if (*s != ' ' && *s != '\t') sb_putc(&sb, *s);
    return sb_take(&sb);
}

/* What differs between a file line and the canonical line it became: trailing spaces,
 * full-width characters, and unless that was all, the line fmt writes. */
static void describe_pair(StrBuf *out, const char *a, const char *b)
{
    size_t n = strlen(a);
    while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t')) n--;
    const char *sep = "";
    if (a[n]) {
        sb_puts(out, tr("trailing spaces"));
        sep = "; ";
    }
    StrBuf wide = {0};
    if (ime_chars(a, &wide)) {
        sb_puts(out, sep);
        sb_printf(out, tr("full-width %s"), sb_str(&wide));
        sep = "; ";
    }
    if (strlen(b) != n || strncmp(a, b, n)) {
        char *sa = squeeze(a), *sbq = squeeze(b);
        if (!wide.count) sb_printf(out, "%s%s", sep, strcmp(sa, sbq) ? tr("layout") : tr("spacing"));
        sb_puts(out, wide.count ? "; " : ": ");
        sb_printf(out, tr("fmt writes:\n    %s"), b);
        free(sa);
        free(sbq);
    }
    sb_free(&wide);
}

/* The differences found in one file, printed in line order once all are known. */
typedef struct Report { size_t line; char *what; } Report;
typedef VEC(Report) Reports;

static void report_line(Reports *rs, size_t line, const char *what)
{
    Report r = {line, xstrdup(what)};
    VEC_PUSH(rs, r);
}

/* Print at most MAX_LINE_REPORTS, by line (insertion sort: stable, and lists are short). */
static void print_reports(const char *path, Reports *rs)
{
    for (size_t i = 1; i < rs->count; i++) {
        Report r = rs->items[i];
        size_t j = i;
        for (; j > 0 && rs->items[j - 1].line > r.line; j--) rs->items[j] = rs->items[j - 1];
        rs->items[j] = r;
    }
    for (size_t i = 0; i < rs->count; i++) {
        if (i < MAX_LINE_REPORTS) fprintf(stderr, "%s:%zu: %s\n", path, rs->items[i].line, rs->items[i].what);
        free(rs->items[i].what);
    }
    if (rs->count > MAX_LINE_REPORTS)
        {
        fprintf(stderr, "%s: ", path);
        fprintf(stderr, tr("… and %zu more differences\n"), rs->count - MAX_LINE_REPORTS);
    }
    VEC_FREE(rs);
}

/* File-wide differences: a byte order mark, CR LF line ends, no final line end. */
static void whole_file(Reports *rs, const char *text, size_t len, const Lines *ls)
{
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) report_line(rs, 1, tr("byte order mark (fmt removes it)"));
    size_t first = 0, crlf = 0, line = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '\n') continue;
        if (i > 0 && text[i - 1] == '\r' && !crlf++) first = line;
        line++;
    }
    if (crlf) {
        char what[160];
        snprintf(what, sizeof what, crlf == 1 ? tr("line ends with CR LF (Windows), as 1 line does; fmt writes LF")
                                           : tr("line ends with CR LF (Windows), as %zu lines do; fmt writes LF"), crlf);
        report_line(rs, first, what);
    }
    if (len && !ls->final_newline) report_line(rs, ls->count, tr("no line end after the last line"));
}

/* One run of changes: the file's lines in del, the canonical lines they became in ins. A blank
 * line pairs only with a blank line; the others pair in order, and what is left over was
 * joined to a line or added. */
static void explain_run(Reports *rs, const Lines *a, const Lines *b, const Edits *del, const Edits *ins, size_t before)
{
    size_t k = 0, last = before;
    for (size_t d = 0; d < del->count; d++) {
        const char *line = a->text[del->items[d].a];
        size_t at = del->items[d].a + 1;
        while (k < ins->count && *line && !*b->text[ins->items[k].b]) {
            report_line(rs, last, tr("fmt adds a blank line after this one"));
            k++;
        }
        StrBuf what = {0};
        if (!*line && (k >= ins->count || *b->text[ins->items[k].b])) sb_puts(&what, tr("extra blank line"));
        else if (k < ins->count) describe_pair(&what, line, b->text[ins->items[k++].b]);
        else sb_puts(&what, tr("fmt joins this line to the one before"));
        if (what.count) report_line(rs, at, sb_str(&what));
        sb_free(&what);
        last = at;
    }
    for (; k < ins->count; k++) {
        StrBuf what = {0};
        if (*b->text[ins->items[k].b]) sb_printf(&what, tr("fmt adds a line after this one:\n    %s"), b->text[ins->items[k].b]);
        else sb_puts(&what, tr("fmt adds a blank line after this one"));
        report_line(rs, last, sb_str(&what));
        sb_free(&what);
    }
}

/* Say, line by line, how a file differs from its canonical text. */
static void explain_differences(const char *path, const char *canonical)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) return;
    size_t skip = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    Lines a = split_lines(text + skip, len - skip), b = split_lines(canonical, strlen(canonical));
    Reports rs = {0};
    whole_file(&rs, text, len, &a);
    Edits es = diff_lines(&a, &b);
    for (size_t i = 0; i < es.count;) {
        if (es.items[i].op == '=') { i++; continue; }
        size_t before = i > 0 ? es.items[i - 1].a + 1 : 1, j = i;
        Edits del = {0}, ins = {0};
        for (; j < es.count && es.items[j].op != '='; j++) VEC_PUSH(es.items[j].op == '-' ? &del : &ins, es.items[j]);
        explain_run(&rs, &a, &b, &del, &ins, before);
        VEC_FREE(&del);
        VEC_FREE(&ins);
        i = j;
    }
    print_reports(path, &rs);
    VEC_FREE(&es);
    free_lines(&a);
    free_lines(&b);
    free(text);
}

/* --check: 0 when every file is canonical, 1 when some is not (or has errors), 2 when some
 * could not be read. */
static int check_files(char **files, int nfiles)
{
    int status = FMT_OK;
    for (int i = 0; i < nfiles; i++) {
        bool canonical = false;
        char *text = format_file(files[i], false, &status, &canonical);
        if (text && !canonical) {
            explain_differences(files[i], text);
            fprintf(stderr, tr("%s: not in canonical form (doudi fmt -w %s rewrites it)\n"), files[i], files[i]);
            if (status < FMT_FINDINGS) status = FMT_FINDINGS;
        }
        free(text);
    }
    return status;
}

/* ---- the verb -------------------------------------------------------------------------------- */

/* Reads the options into *mode and the file names into files; returns -1 to go on, or the
 * exit code to stop with. */
static int parse_args(int argc, char **argv, Mode *mode, char **files, int *nfiles)
{
    for (int i = 1; i < argc; i++) {
        Mode m = !strcmp(argv[i], "--check") ? MODE_CHECK
                 : !strcmp(argv[i], "-w") || !strcmp(argv[i], "--write") ? MODE_WRITE : MODE_PRINT;
        if (m != MODE_PRINT) {
            if (*mode != MODE_PRINT && *mode != m)
                return cli_usage_error("fmt", tr("give -w or --check, not both"));
            *mode = m;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("fmt", tr("unknown option '%s'\nusage: doudi %s"), argv[i], cli_synopsis("fmt"));
        } else {
            files[(*nfiles)++] = argv[i];
        }
    }
    if (*nfiles == 0) return cli_usage("fmt");
    if (*mode == MODE_PRINT && *nfiles > 1)
        return cli_usage_error("fmt", tr("give one FILE, or use -w or --check for several"));
    return -1;
}

int cli_fmt(int argc, char **argv)
{
    Mode mode = MODE_PRINT;
    int nfiles = 0;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files) return FMT_INPUT_ERROR;
    int status = parse_args(argc, argv, &mode, files, &nfiles);
    if (status < 0 && mode == MODE_CHECK) {
        status = check_files(files, nfiles);
    } else if (status < 0 && mode == MODE_WRITE) {
        status = write_files(files, nfiles);
    } else if (status < 0) {
        bool canonical;
        status = FMT_OK;
        char *text = format_file(files[0], true, &status, &canonical);
        if (text) fputs(text, stdout);
        free(text);
    }
    free(files);
    return status;
}
