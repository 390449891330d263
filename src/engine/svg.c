/* svg.c — see svg.h. Coordinates are whole pixels; text widths are estimated from display
 * cells (a CJK character two, at half the font size each), which is all a label column
 * needs. */
#include "svg.h"
#include "document.h"

#include <stdio.h>
#include <string.h>

enum {
    FONT = 12,                 /* label and number size, px */
    ROW = 22,                  /* height of a row of one bar (or one stack) */
    ROW_TICKS = 30,            /* ... of a stack with tick labels above it */
    TICK_ROOM = 80,            /* a stack narrower than this (px) gets no tick labels: they would crowd */
    BAR = 14,                  /* height of a bar */
    SUB = 12,                  /* height of each bar of a grouped row */
    PAD = 6,
    LEGEND = 20,
    TICK_FONT = 9,
};

static const char *const palette[] = {
    "#3b6ea8", "#e08a3c", "#5a9e5a", "#b8504d", "#8a6bb8", "#8c6d52", "#c774b0", "#7f7f7f",
};

const char *svg_color(size_t i) { return palette[i % (sizeof palette / sizeof *palette)]; }

static int text_width(const char *s) { return s ? utf8_width(s, strlen(s)) * FONT / 2 : 0; }

static bool has_ticks(const SvgChart *c)
{
    for (size_t i = 0; c->mode == SVG_STACKED && i < c->nrows; i++)
        if (c->rows[i].nticks) return true;
    return false;
}

static int row_height(const SvgChart *c)
{
    return c->mode == SVG_GROUPED ? (int)c->nseries * SUB + 2 * PAD : has_ticks(c) ? ROW_TICKS : ROW;
}

static int64_t row_extent(const SvgChart *c, const SvgRow *r)
{
    int64_t v = 0;
    for (size_t s = 0; s < c->nseries; s++) {
        if (c->mode == SVG_STACKED) v += r->values[s] > 0 ? r->values[s] : 0;
        else if (r->values[s] > v) v = r->values[s];
    }
    for (size_t t = 0; c->mode == SVG_STACKED && t < r->nticks; t++)
        if (r->ticks[t].at > v) v = r->ticks[t].at;
    return v;
}

static void text(StrBuf *out, int x, int y, const char *anchor, const char *fill, const char *s)
{
    sb_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"%s\" fill=\"%s\">", x, y, FONT, anchor, fill);
    doc_escape(out, s);
    sb_puts(out, "</text>");
}

static void number(StrBuf *out, int x, int y, const char *anchor, const char *fill, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    text(out, x, y, anchor, fill, buf);
}

static void rect(StrBuf *out, int x, int y, int w, int h, const char *fill)
{
    sb_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", x, y, w, h, fill);
}

/* Pixels for v on a scale where `max` fills `span`. */
static int scale(int64_t v, int64_t max, int span)
{
    if (max <= 0 || v <= 0) return 0;
    return (int)((double)v * span / (double)max + 0.5);
}

typedef struct Frame {
    int left, span, top, max_digits;
    int64_t max;
} Frame;

static void simple_row(StrBuf *out, const SvgChart *c, const Frame *f, const SvgRow *r, int y)
{
    for (size_t s = 0; s < c->nseries; s++) {
        int by = c->mode == SVG_GROUPED ? y + PAD + (int)s * SUB : y + (ROW - BAR) / 2;
        int bh = c->mode == SVG_GROUPED ? SUB - 2 : BAR;
        int w = scale(r->values[s], f->max, f->span);
        rect(out, f->left, by, w, bh, svg_color(s));
        number(out, f->left + w + 4, by + bh - 2, "start", "#222", r->values[s]);
    }
}

static void stacked_row(StrBuf *out, const SvgChart *c, const Frame *f, const SvgRow *r, int y)
{
    int x = f->left, by = y + row_height(c) - ROW + (ROW - BAR) / 2;
    int64_t total = 0;
    for (size_t s = 0; s < c->nseries; s++) {
        int64_t v = r->values[s] > 0 ? r->values[s] : 0;
        int w = scale(total + v, f->max, f->span) - scale(total, f->max, f->span);
        total += v;
        if (!w) continue;
        rect(out, x, by, w, BAR, svg_color(s));
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)v);
        if (text_width(buf) + 4 <= w) number(out, x + w / 2, by + BAR - 3, "middle", "#fff", v);
        x += w;
    }
    number(out, x + 4, by + BAR - 3, "start", "#222", total);
    /* tick labels left of free_from would overlap the previous one; a narrow stack gets none */
    int free_from = x - f->left < TICK_ROOM ? INT32_MAX : 0;
    for (size_t t = 0; t < r->nticks; t++) {
        if (t + 1 < r->nticks && r->ticks[t + 1].at == r->ticks[t].at) continue;   /* the last of a place speaks */
        int tx = f->left + scale(r->ticks[t].at, f->max, f->span);
        sb_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#222\" stroke-width=\"1.5\"/>", tx,
                  by - 3, tx, by + BAR + 3);
        int half = (int)utf8_width(r->ticks[t].label, strlen(r->ticks[t].label)) * TICK_FONT / 4 + 1;
        if (tx - half < free_from) continue;
        sb_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"middle\" fill=\"#555\">", tx,
                  by - 4, TICK_FONT);
        doc_escape(out, r->ticks[t].label);
        sb_puts(out, "</text>");
        free_from = tx + half + 2;
    }
}

static void legend(StrBuf *out, const SvgChart *c, int left, int y)
{
    int x = left;
    for (size_t s = 0; s < c->nseries; s++) {
        rect(out, x, y + 4, 10, 10, svg_color(s));
        text(out, x + 14, y + 13, "start", "#222", c->series[s]);
        x += 14 + text_width(c->series[s]) + 16;
    }
}

void svg_chart(StrBuf *out, const SvgChart *c)
{
    int width = c->width > 0 ? c->width : 640;
    Frame f = {0};
    for (size_t i = 0; i < c->nrows; i++) {
        int w = text_width(c->rows[i].label);
        if (w > f.left) f.left = w;
        int64_t e = row_extent(c, &c->rows[i]);
        if (e > f.max) f.max = e;
    }
    f.left += 2 * PAD;
    char digits[32];
    f.max_digits = snprintf(digits, sizeof digits, "%lld", (long long)f.max);
    f.span = width - f.left - f.max_digits * FONT / 2 - 3 * PAD;
    if (f.span < 40) f.span = 40;
    bool has_legend = c->mode != SVG_SIMPLE && c->nseries > 1;
    f.top = has_legend ? LEGEND : 0;
    int rh = row_height(c), height = f.top + (int)c->nrows * rh + PAD;
    sb_printf(out, "<svg class=\"chart\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", width, height, width, height);
    doc_escape(out, c->title);
    sb_puts(out, "\"><title>");
    doc_escape(out, c->title);
    sb_puts(out, "</title>");
    if (has_legend) legend(out, c, f.left, 0);
    for (size_t i = 0; i < c->nrows; i++) {
        const SvgRow *r = &c->rows[i];
        int y = f.top + (int)i * rh;
        int mid = c->mode == SVG_STACKED ? y + rh - ROW / 2 : y + rh / 2;
        text(out, f.left - PAD, mid + FONT / 2 - 2, "end", "#222", r->label);
        if (c->mode == SVG_STACKED) stacked_row(out, c, &f, r, y);
        else simple_row(out, c, &f, r, y);
    }
    sb_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", f.left, f.top, f.left,
              f.top + (int)c->nrows * rh);
    sb_puts(out, "</svg>");
}
