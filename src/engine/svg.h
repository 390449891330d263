/* svg.h — doudi's own small SVG writer, for the charts of the HTML report.
 *
 * One chart shape covers what the report draws: rows of horizontal bars, each row a label
 * and one value per series — one series (people per category), several side by side
 * (required and existing beds), or several stacked (the years of a schedule group) — with
 * the numbers written on the bars and, for stacked rows, tick marks at given positions (the
 * cumulative quotas). The SVG is text inlined in the page: no script, no font file, no
 * reference outside the document (not even an xmlns: HTML needs none); its labels are real text, so they print sharp, can be
 * selected and searched, and are drawn in whatever CJK font the reader's machine has.
 *
 * Why not a library: Debian's charting and drawing libraries either draw pixels (libgd,
 * libplot's bitmap back ends) or lay text out as glyph outlines from a font file they must
 * find (cairo's SVG surface), neither of which keeps Chinese labels as text, and each brings
 * a dependency for a few rectangles. The bytes here depend only on the numbers, so the same
 * run gives the same page. */
#ifndef DOUDI_SVG_H
#define DOUDI_SVG_H

#include "base/util.h"

#include <stdbool.h>
#include <stdint.h>

enum { SVG_MAX_SERIES = 8 };

typedef enum SvgMode { SVG_SIMPLE, SVG_GROUPED, SVG_STACKED } SvgMode;

typedef struct SvgTick {
    int64_t at;                /* a position on the value axis (a cumulative count) */
    const char *label;         /* written beside it: "30%" */
} SvgTick;

typedef struct SvgRow {
    const char *label;
    int64_t values[SVG_MAX_SERIES];
    const SvgTick *ticks;      /* SVG_STACKED only; may be NULL */
    size_t nticks;
} SvgRow;

typedef struct SvgChart {
    const char *title;         /* the chart's accessible name (aria-label and <title>) */
    SvgMode mode;
    size_t nseries;            /* 1 for SVG_SIMPLE */
    const char *series[SVG_MAX_SERIES];   /* names for the legend (not drawn for SVG_SIMPLE) */
    const SvgRow *rows;
    size_t nrows;
    int width;                 /* pixels; 0: 640 */
} SvgChart;

/* Append the chart as an inline <svg> element. */
void svg_chart(StrBuf *out, const SvgChart *c);

/* The fill colour of series i, as the chart draws it (for a legend elsewhere). */
const char *svg_color(size_t i);

#endif
