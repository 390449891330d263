/* xlsx.c — opening a workbook (see xlsx.h): the zip, then the package's parts in the order
 * that each needs the one before: _rels/.rels names the workbook part; workbook.xml lists the
 * sheets and the date system, and its .rels maps each sheet to a part and names the shared
 * strings and styles parts; styles.xml says which cell styles are dates; sharedStrings.xml is
 * loaded into one block. Each part is parsed as a stream by expat with namespaces on, and
 * elements are matched by local name, so prefixed (x:row) and strict-OOXML workbooks read the
 * same as Excel's. Part names are matched ignoring case, as OPC says. */
#include "xlsx_int.h"
#include "base/oom.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CHUNK = 64 * 1024, MAX_RELS = 1 << 16, MAX_SHEETS = 1 << 16, MAX_XF = 1 << 20, MAX_FMTS = 1 << 16 };

/* ---- small helpers shared with xlsx_sheet.c ------------------------------------------------ */

const char *xlsx_local(const char *name)
{
    const char *sep = strrchr(name, '\x01');
    return sep ? sep + 1 : name;
}

const char *xlsx_attr(const char **attrs, const char *local)
{
    for (size_t i = 0; attrs[i]; i += 2)
        if (!strcmp(attrs[i], local)) return attrs[i + 1];
    return NULL;
}

/* The value of a namespaced attribute with local name `local` (r:id), or NULL. */
static const char *ns_attr(const char **attrs, const char *local)
{
    for (size_t i = 0; attrs[i]; i += 2)
        if (strchr(attrs[i], '\x01') && !strcmp(xlsx_local(attrs[i]), local)) return attrs[i + 1];
    return NULL;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal)
{
    /* Every parser's user data starts with its parser (a PartCtx, or the XlsxReader for the
     * sheet's), so stopping needs nothing else. */
    XML_Parser *xp = ud;
    XML_StopParser(*xp, XML_FALSE);
}

void xlsx_refuse_doctype(XML_Parser xp) { XML_SetStartDoctypeDeclHandler(xp, on_doctype); }

char *xlsx_zip_message(const XlsxReader *r, zip_error_t *ze, const char *what)
{
    int code = zip_error_code_zip(ze);
    const char *in = what ? what : "the archive";
    switch (code) {
    case ZIP_ER_NOZIP:
        return xasprintf("%s: not a zip archive, as an .xlsx workbook is: the file is damaged, cut short, or not "
                         "a workbook", r->name);
    case ZIP_ER_INCONS:
        return xasprintf("%s: the workbook's zip archive is damaged (its table of contents does not match its "
                         "contents)", r->name);
    case ZIP_ER_CRC:
        return xasprintf("%s: the workbook is damaged: %s fails its checksum (CRC)", r->name, in);
    case ZIP_ER_ZLIB:
#ifdef ZIP_ER_COMPRESSED_DATA
    case ZIP_ER_COMPRESSED_DATA:
#endif
        return xasprintf("%s: the workbook is damaged: %s cannot be decompressed", r->name, in);
    case ZIP_ER_EOF:
        return xasprintf("%s: the workbook is cut short (%s ends early)", r->name, in);
    case ZIP_ER_ENCRNOTSUPP:
    case ZIP_ER_NOPASSWD:
    case ZIP_ER_WRONGPASSWD:
        return xasprintf("%s: %s is encrypted: save the workbook without a password", r->name, in);
    case ZIP_ER_COMPNOTSUPP:
        return xasprintf("%s: %s uses a compression method this reader does not know", r->name, in);
    case ZIP_ER_MEMORY:
        return xasprintf("%s: out of memory reading %s", r->name, in);
    default:
        return xasprintf("%s: cannot read %s: %s", r->name, in, zip_error_strerror(ze));
    }
}

static char *file_error(const XlsxReader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *file_error(const XlsxReader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    char *full = xasprintf("%s: %s", r->name, msg);
    free(msg);
    return full;
}

/* ---- parsing one part ------------------------------------------------------------------------ */

/* What every part's handlers see first. */
typedef struct PartCtx {
    XML_Parser xp;             /* first: see on_doctype */
    char err[200];             /* set by a handler that stops the parse */
} PartCtx;

__attribute__((format(printf, 2, 3)))
static void part_fail(PartCtx *pc, const char *fmt, ...)
{
    if (pc->err[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pc->err, sizeof pc->err, fmt, ap);
    va_end(ap);
    XML_StopParser(pc->xp, XML_FALSE);
}

typedef enum { PART_OK, PART_MISSING, PART_FAILED } PartResult;

/* Stream the zip entry `part` through a new parser with these handlers; pc is the handlers'
 * user data (a struct that starts with a PartCtx). */
static PartResult parse_part(XlsxReader *r, const char *part, PartCtx *pc, XML_StartElementHandler start,
                             XML_EndElementHandler end, XML_CharacterDataHandler text, char **error)
{
    zip_int64_t idx = zip_name_locate(r->za, part, ZIP_FL_NOCASE);
    if (idx < 0) return PART_MISSING;
    zip_file_t *zf = zip_fopen_index(r->za, (zip_uint64_t)idx, 0);
    if (!zf) {
        *error = xlsx_zip_message(r, zip_get_error(r->za), part);
        return PART_FAILED;
    }
    XML_Parser xp = XML_ParserCreateNS(NULL, '\x01');
    r->part_zf = zf;
    r->part_xp = xp;
    pc->xp = xp;
    pc->err[0] = '\0';
    XML_SetUserData(xp, pc);
    XML_SetElementHandler(xp, start, end);
    if (text) XML_SetCharacterDataHandler(xp, text);
    xlsx_refuse_doctype(xp);
    PartResult res = PART_OK;
    for (bool final = false; !final;) {
        void *buf = XML_GetBuffer(xp, CHUNK);
        zip_int64_t n = buf ? zip_fread(zf, buf, CHUNK) : -1;
        if (n < 0) {
            *error = buf ? xlsx_zip_message(r, zip_file_get_error(zf), part) : file_error(r, "out of memory");
            res = PART_FAILED;
            break;
        }
        final = n == 0;
        if (XML_ParseBuffer(xp, (int)n, final) != XML_STATUS_OK) {
            if (pc->err[0]) *error = file_error(r, "%s: %s", part, pc->err);
            else if (XML_GetErrorCode(xp) == XML_ERROR_ABORTED)
                *error = file_error(r, "%s has a DOCTYPE, which no workbook part has", part);
            else
                *error = file_error(r, "%s is not well-formed XML (line %lu: %s)", part,
                                    (unsigned long)XML_GetCurrentLineNumber(xp), XML_ErrorString(XML_GetErrorCode(xp)));
            res = PART_FAILED;
            break;
        }
    }
    XML_ParserFree(xp);
    zip_fclose(zf);
    r->part_xp = NULL;
    r->part_zf = NULL;
    return res;
}

/* ---- part names ------------------------------------------------------------------------------ */

/* The directory of a part name, with its final '/' ("xl/" for "xl/workbook.xml"). */
static char *part_dir(const char *part)
{
    const char *slash = strrchr(part, '/');
    return xstrndup(part, slash ? (size_t)(slash - part) + 1 : 0);
}

/* A relationship's target resolved against the source part's directory: "/xl/a.xml" is
 * absolute; "worksheets/sheet1.xml" and "../x.xml" are relative. */
static char *resolve_target(const char *dir, const char *target)
{
    StrBuf path = {0};
    if (target[0] != '/') sb_puts(&path, dir);
    sb_puts(&path, target[0] == '/' ? target + 1 : target);
    /* Drop "." and ".." segments. */
    StrBuf out = {0};
    const char *s = sb_str(&path);
    while (*s) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && !strncmp(s, "..", 2)) {
            while (out.count && out.items[out.count - 1] == '/') out.count--;
            while (out.count && out.items[out.count - 1] != '/') out.count--;
        } else if (!(n == 1 && s[0] == '.') && n) {
            sb_putn(&out, s, n);
            if (e) sb_putc(&out, '/');
        }
        s += n + (e ? 1 : 0);
    }
    sb_free(&path);
    return sb_take(&out);
}

/* "xl/_rels/workbook.xml.rels" for "xl/workbook.xml". */
static char *rels_of(const char *part)
{
    const char *slash = strrchr(part, '/');
    size_t dn = slash ? (size_t)(slash - part) + 1 : 0;
    return xasprintf("%.*s_rels/%s.rels", (int)dn, part, part + dn);
}

/* ---- relationships --------------------------------------------------------------------------- */

typedef struct Rel {
    char *id, *type, *target;  /* target resolved to a part name; NULL when external */
} Rel;

typedef struct Rels {
    PartCtx pc;
    const char *dir;
    Rel *items;
    size_t count, cap;
} Rels;

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    Rels *rs = ud;
    if (strcmp(xlsx_local(name), "Relationship") != 0) return;
    const char *id = xlsx_attr(attrs, "Id"), *type = xlsx_attr(attrs, "Type"), *target = xlsx_attr(attrs, "Target");
    const char *mode = xlsx_attr(attrs, "TargetMode");
    if (!id || !type || !target) return;
    if (rs->count == MAX_RELS) {
        part_fail(&rs->pc, "more than %d relationships", MAX_RELS);
        return;
    }
    if (rs->count == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 16;
        rs->items = xrealloc(rs->items, rs->cap * sizeof *rs->items);
    }
    bool external = mode && !strcmp(mode, "External");
    rs->items[rs->count++] = (Rel){xstrdup(id), xstrdup(type), external ? NULL : resolve_target(rs->dir, target)};
}

static void XMLCALL no_end(void *ud, const XML_Char *name) {}

static void rels_free(Rels *rs)
{
    for (size_t i = 0; i < rs->count; i++) {
        free(rs->items[i].id);
        free(rs->items[i].type);
        free(rs->items[i].target);
    }
    free(rs->items);
}

/* The relationships of `part` (none if it has no .rels). */
static bool read_rels(XlsxReader *r, const char *part, Rels *rs, char **error)
{
    char *dir = part ? part_dir(part) : xstrdup(""), *rels = part ? rels_of(part) : xstrdup("_rels/.rels");
    *rs = (Rels){.dir = dir};
    bool ok = parse_part(r, rels, &rs->pc, rels_start, no_end, NULL, error) != PART_FAILED;
    free(rels);
    free(dir);
    rs->dir = NULL;
    if (!ok) {
        rels_free(rs);
        *rs = (Rels){0};
    }
    return ok;
}

/* The first internal relationship whose type ends in "/suffix" (the transitional and strict
 * namespaces differ only before it). */
static const Rel *rel_by_type(const Rels *rs, const char *suffix)
{
    size_t n = strlen(suffix);
    for (size_t i = 0; i < rs->count; i++) {
        size_t tn = strlen(rs->items[i].type);
        if (rs->items[i].target && tn > n && rs->items[i].type[tn - n - 1] == '/' &&
            !strcmp(rs->items[i].type + tn - n, suffix))
            return &rs->items[i];
    }
    return NULL;
}

static const Rel *rel_by_id(const Rels *rs, const char *id)
{
    for (size_t i = 0; i < rs->count; i++)
        if (!strcmp(rs->items[i].id, id)) return &rs->items[i];
    return NULL;
}

/* ---- workbook.xml ------------------------------------------------------------------------- */

typedef struct Sheet {
    char *name, *rid;
    bool hidden;
} Sheet;

typedef struct Workbook {
    PartCtx pc;
    bool root_seen, is_workbook, date1904;
    Sheet *sheets;
    size_t count, cap;
} Workbook;

static bool truthy(const char *v) { return v && (!strcmp(v, "1") || !strcmp(v, "true")); }

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    Workbook *wb = ud;
    const char *local = xlsx_local(name);
    if (!wb->root_seen) {
        wb->root_seen = true;
        wb->is_workbook = !strcmp(local, "workbook");
        if (!wb->is_workbook) XML_StopParser(wb->pc.xp, XML_FALSE);
        return;
    }
    if (!strcmp(local, "workbookPr")) {
        wb->date1904 = truthy(xlsx_attr(attrs, "date1904"));
    } else if (!strcmp(local, "sheet")) {
        const char *sname = xlsx_attr(attrs, "name"), *rid = ns_attr(attrs, "id"), *state = xlsx_attr(attrs, "state");
        if (!sname || !rid) return;
        if (wb->count == MAX_SHEETS) {
            part_fail(&wb->pc, "more than %d sheets", MAX_SHEETS);
            return;
        }
        if (wb->count == wb->cap) {
            wb->cap = wb->cap ? wb->cap * 2 : 8;
            wb->sheets = xrealloc(wb->sheets, wb->cap * sizeof *wb->sheets);
        }
        wb->sheets[wb->count++] = (Sheet){xstrdup(sname), xstrdup(rid), state && strcmp(state, "visible") != 0};
    }
}

static void workbook_free(Workbook *wb)
{
    for (size_t i = 0; i < wb->count; i++) {
        free(wb->sheets[i].name);
        free(wb->sheets[i].rid);
    }
    free(wb->sheets);
}

/* "Sheet1, 台账, Sheet3" */
static char *sheet_list(const Workbook *wb)
{
    StrBuf sb = {0};
    for (size_t i = 0; i < wb->count; i++) sb_printf(&sb, "%s%s", i ? ", " : "", wb->sheets[i].name);
    return sb_take(&sb);
}

/* The sheet to read: named (exactly, else ignoring ASCII case), or the first visible. */
static const Sheet *choose_sheet(XlsxReader *r, const Workbook *wb, const char *want, char **error)
{
    if (wb->count == 0) {
        *error = file_error(r, "the workbook lists no sheets");
        return NULL;
    }
    const Sheet *first = &wb->sheets[0];
    for (size_t i = 0; i < wb->count; i++)
        if (!wb->sheets[i].hidden) {
            first = &wb->sheets[i];
            break;
        }
    if (!want) return first;
    for (size_t i = 0; i < wb->count; i++)
        if (!strcmp(wb->sheets[i].name, want)) return &wb->sheets[i];
    for (size_t i = 0; i < wb->count; i++)
        if (!strcasecmp(wb->sheets[i].name, want)) return &wb->sheets[i];
    char *list = sheet_list(wb);
    *error = file_error(r, "the workbook has no sheet named '%s' (its sheets: %s)", want, list);
    free(list);
    return NULL;
}

/* ---- styles.xml --------------------------------------------------------------------------------- */

typedef struct Styles {
    PartCtx pc;
    XlsxReader *r;
    uint32_t *fmt_ids;         /* custom formats that are dates */
    size_t nfmt, fmt_cap;
    int in_cellxfs;
} Styles;

static bool parse_u32(const char *s, uint32_t *out)
{
    if (!s || !*s) return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > UINT32_MAX / 10) return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v > UINT32_MAX) return false;
    *out = (uint32_t)v;
    return true;
}

static bool custom_is_date(const Styles *st, uint32_t id)
{
    for (size_t i = 0; i < st->nfmt; i++)
        if (st->fmt_ids[i] == id) return true;
    return false;
}

static void XMLCALL styles_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    Styles *st = ud;
    XlsxReader *r = st->r;
    const char *local = xlsx_local(name);
    uint32_t id;
    if (!strcmp(local, "numFmt")) {
        const char *code = xlsx_attr(attrs, "formatCode");
        if (!parse_u32(xlsx_attr(attrs, "numFmtId"), &id) || !code || !xlsx_format_is_date(id, code)) return;
        if (st->nfmt == MAX_FMTS) {
            part_fail(&st->pc, "more than %d number formats", MAX_FMTS);
            return;
        }
        if (st->nfmt == st->fmt_cap) {
            st->fmt_cap = st->fmt_cap ? st->fmt_cap * 2 : 16;
            st->fmt_ids = xrealloc(st->fmt_ids, st->fmt_cap * sizeof *st->fmt_ids);
        }
        st->fmt_ids[st->nfmt++] = id;
    } else if (!strcmp(local, "cellXfs")) {
        st->in_cellxfs++;
    } else if (!strcmp(local, "xf") && st->in_cellxfs) {
        if (r->nxf == MAX_XF) {
            part_fail(&st->pc, "more than %d cell formats", MAX_XF);
            return;
        }
        if (!parse_u32(xlsx_attr(attrs, "numFmtId"), &id)) id = 0;
        r->xf_date = xrealloc(r->xf_date, r->nxf + 1);
        r->xf_date[r->nxf++] = custom_is_date(st, id) || xlsx_format_is_date(id, NULL);
    }
}

static void XMLCALL styles_end(void *ud, const XML_Char *name)
{
    Styles *st = ud;
    if (!strcmp(xlsx_local(name), "cellXfs") && st->in_cellxfs) st->in_cellxfs--;
}

/* ---- sharedStrings.xml ---------------------------------------------------------------------- */

typedef struct Shared {
    PartCtx pc;
    XlsxReader *r;
    bool in_si, in_t;
    int in_rph;
    size_t start;              /* offset of the string being read */
} Shared;

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    Shared *ss = ud;
    const char *local = xlsx_local(name);
    if (!strcmp(local, "si")) {
        ss->in_si = true;
        ss->start = ss->r->sst.count;
    } else if (ss->in_si && !strcmp(local, "rPh")) {
        ss->in_rph++;
    } else if (ss->in_si && !strcmp(local, "t")) {
        ss->in_t = true;
    }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    Shared *ss = ud;
    XlsxReader *r = ss->r;
    const char *local = xlsx_local(name);
    if (!strcmp(local, "t")) {
        ss->in_t = false;
    } else if (!strcmp(local, "rPh")) {
        if (ss->in_rph) ss->in_rph--;
    } else if (!strcmp(local, "si") && ss->in_si) {
        ss->in_si = false;
        xlsx_unescape(&r->sst, ss->start);
        sb_putc(&r->sst, '\0');
        if (r->nsst == r->sst_cap) {
            r->sst_cap = r->sst_cap ? r->sst_cap * 2 : 1024;
            r->sst_off = xrealloc(r->sst_off, r->sst_cap * sizeof *r->sst_off);
        }
        r->sst_off[r->nsst++] = (uint32_t)ss->start;
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
    Shared *ss = ud;
    XlsxReader *r = ss->r;
    if (!ss->in_si || !ss->in_t || ss->in_rph) return;
    if (r->sst.count + (size_t)len + 1 > r->max_shared) {
        bool mib = r->max_shared >= (1u << 20);
        part_fail(&ss->pc, "the shared strings hold more than %zu %s of text: save the sheet as CSV UTF-8 and "
                  "import that", mib ? r->max_shared >> 20 : r->max_shared, mib ? "MiB" : "bytes");
        return;
    }
    sb_putn(&r->sst, s, (size_t)len);
}

/* ---- opening ---------------------------------------------------------------------------------- */

/* The workbook part: _rels/.rels's officeDocument, else xl/workbook.xml. */
static char *workbook_part(XlsxReader *r, char **error)
{
    Rels rs;
    if (!read_rels(r, NULL, &rs, error)) return NULL;
    const Rel *doc = rel_by_type(&rs, "officeDocument");
    char *part = xstrdup(doc ? doc->target : "xl/workbook.xml");
    rels_free(&rs);
    if (zip_name_locate(r->za, part, ZIP_FL_NOCASE) < 0) {
        *error = file_error(r, "a zip archive, but not an Excel workbook (it has no %s)", part);
        free(part);
        return NULL;
    }
    return part;
}

static bool read_workbook(XlsxReader *r, const char *part, const XlsxOptions *opt, Rels *rels, char **error)
{
    Workbook wb = {0};
    PartResult pr = parse_part(r, part, &wb.pc, wb_start, no_end, NULL, error);
    if (pr == PART_FAILED && wb.root_seen && !wb.is_workbook) {
        free(*error);
        *error = file_error(r, "a zip archive, but not an Excel workbook (its main part %s is no workbook)", part);
    }
    bool ok = pr == PART_OK;
    const Sheet *sh = ok ? choose_sheet(r, &wb, opt ? opt->sheet : NULL, error) : NULL;
    const Rel *rel = sh ? rel_by_id(rels, sh->rid) : NULL;
    if (sh && (!rel || !rel_by_type(&(Rels){.items = (Rel *)rel, .count = 1}, "worksheet"))) {
        *error = rel ? file_error(r, "sheet '%s' is not a worksheet (a chart sheet?)", sh->name)
                     : file_error(r, "sheet '%s' has no part in the workbook", sh->name);
        sh = NULL;
    }
    if (sh) {
        r->date1904 = wb.date1904;
        r->sheet_name = xstrdup(sh->name);
        const Sheet *first = choose_sheet(r, &wb, NULL, error);
        r->sheet_default = first == sh;
        r->sheet_part = xstrdup(rel->target);
    }
    workbook_free(&wb);
    return sh != NULL;
}

static bool read_styles(XlsxReader *r, const Rels *rels, char **error)
{
    const Rel *rel = rel_by_type(rels, "styles");
    Styles st = {.r = r};
    bool ok = !rel || parse_part(r, rel->target, &st.pc, styles_start, styles_end, NULL, error) != PART_FAILED;
    free(st.fmt_ids);
    return ok;
}

static bool read_shared(XlsxReader *r, const Rels *rels, char **error)
{
    const Rel *rel = rel_by_type(rels, "sharedStrings");
    Shared ss = {.r = r};
    return !rel || parse_part(r, rel->target, &ss.pc, sst_start, sst_end, sst_text, error) != PART_FAILED;
}

/* Everything after the zip is open. */
static bool open_workbook(XlsxReader *r, const XlsxOptions *opt, char **error)
{
    r->max_shared = opt && opt->max_shared ? opt->max_shared : XLSX_MAX_SHARED;
    if (r->max_shared > UINT32_MAX) r->max_shared = UINT32_MAX;     /* offsets are 32-bit */
    char *part = workbook_part(r, error);
    if (!part) return false;
    Rels rels;
    bool ok = read_rels(r, part, &rels, error) && read_workbook(r, part, opt, &rels, error) &&
              read_styles(r, &rels, error) && read_shared(r, &rels, error) && xlsx_sheet_start(r, error);
    rels_free(&rels);
    free(part);
    return ok;
}

static XlsxReader *finish_open(XlsxReader *r, zip_t *za, zip_error_t *ze, const XlsxOptions *opt, char **error)
{
    char *err = NULL;
    if (!za) err = xlsx_zip_message(r, ze, NULL);
    r->za = za;
    if (!err && open_workbook(r, opt, &err)) return r;
    if (error) *error = err;
    else free(err);
    xlsx_close(r);
    return NULL;
}

/* What a guarded call abandoned for memory (base/oom.h) must close of an open reader: the
 * archive, its open parts and their parsers (libzip's and expat's, not in the call's blocks). */
static void release_external(void *arg)
{
    XlsxReader *r = arg;
    if (r->part_xp) XML_ParserFree(r->part_xp);
    if (r->part_zf) zip_fclose(r->part_zf);
    if (r->xp) XML_ParserFree(r->xp);
    if (r->zf) zip_fclose(r->zf);
    if (r->za) zip_discard(r->za);
    r->part_xp = r->xp = NULL;
    r->part_zf = r->zf = NULL;
    r->za = NULL;
}

static XlsxReader *reader_new(void)
{
    XlsxReader *r = xcalloc(1, sizeof *r);
    oom_undo_push(release_external, r);
    return r;
}

XlsxReader *xlsx_open(const char *path, const XlsxOptions *opt, char **error)
{
    XlsxReader *r = reader_new();
    r->owned_name = xstrdup(path);
    r->name = r->owned_name;
    int code = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    if (!za && (code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_NOENT)) {
        char *msg = xasprintf("%s: %s", path, code == ZIP_ER_NOENT ? strerror(ENOENT) : zip_error_strerror(&ze));
        zip_error_fini(&ze);
        if (error) *error = msg;
        else free(msg);
        xlsx_close(r);
        return NULL;
    }
    XlsxReader *out = finish_open(r, za, &ze, opt, error);
    zip_error_fini(&ze);
    return out;
}

XlsxReader *xlsx_open_memory(const void *data, size_t len, const XlsxOptions *opt, char **error)
{
    XlsxReader *r = reader_new();
    r->name = "<memory>";
    r->mem = xmalloc(len ? len : 1);
    if (len) memcpy(r->mem, data, len);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_t *za = NULL;
    zip_source_t *src = zip_source_buffer_create(r->mem, len, 0, &ze);
    if (src) {
        za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
        if (!za) zip_source_free(src);
    }
    XlsxReader *out = finish_open(r, za, &ze, opt, error);
    zip_error_fini(&ze);
    return out;
}

void xlsx_close(XlsxReader *r)
{
    if (!r) return;
    oom_undo_drop(r);
    xlsx_sheet_free(r);
    if (r->za) zip_discard(r->za);
    free(r->mem);
    free(r->owned_name);
    free(r->sheet_name);
    free(r->sheet_part);
    free(r->xf_date);
    sb_free(&r->sst);
    free(r->sst_off);
    free(r);
}

const char *xlsx_sheet_name(const XlsxReader *r) { return r->sheet_name; }
bool xlsx_sheet_is_default(const XlsxReader *r) { return r->sheet_default; }
bool xlsx_date1904(const XlsxReader *r) { return r->date1904; }

size_t xlsx_memory_bytes(const XlsxReader *r)
{
    return r->sst.cap + r->sst_cap * sizeof *r->sst_off + r->nxf + r->cells.cap + r->errs.cap + r->value.cap +
           r->raw.cap + r->cell_cap * sizeof *r->cell +
           r->out_cap * (sizeof *r->ptrs + sizeof *r->lens + sizeof *r->kinds + sizeof *r->cerrs);
}
