"""Where each part of a page layout (:mod:`twin.layout`) goes: header, map, legend, KPI
cards, footer, in page pixels; and how many legend rows fit. Qt-free, so the painter and the
tests place things the same way."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# A twin.layout.Layout (not imported: twin.layout imports this module)
Layout = Any

Rect = tuple[float, float, float, float]  # left, top, width, height in page pixels

FOOTER_TEXT_UNITS = 0.8  # credits text size, in text units (see Regions.unit)
CAPTION_TEXT_UNITS = 1.15  # caption text size (a story step's text), in text units
CAPTION_MAX_LINES = 4
METHOD_TEXT_UNITS = 0.75  # "how computed" lines under the KPI cards, in text units
LEGEND_TWO_COLUMNS_UNITS = 28  # a legend this many text units wide flows into two columns


@dataclass(frozen=True)
class Regions:
    """Where each part of a layout goes on its page, as (left, top, width, height) pixels;
    ``unit`` is the base text size in pixels. Empty parts have zero height or width."""

    header: Rect
    map: Rect
    legend: Rect
    kpis: Rect
    footer: Rect
    unit: float
    caption: Rect = (0, 0, 0, 0)
    methods: Rect = (0, 0, 0, 0)  # "how computed" lines of the KPI cards, under them


def regions(layout: Layout) -> Regions:
    """Place the parts of ``layout`` on its page: header on top, the caption under it,
    footer (attribution, page number) at the bottom, KPI cards above the footer, legend in a
    right column, the map in what remains. The same for every output (PNG, PDF, SVG)."""
    width, height = float(layout.page.width_px), float(layout.page.height_px)
    unit = max(6.0, min(width, height) / 60.0)  # base text size, px
    margin = round(unit * 0.8)
    header_h = 0.0
    if layout.title.text:
        header_h += unit * 2.4
    if layout.title.subtitle:
        header_h += unit * 1.6
    header_h = min(header_h + (margin if header_h else 0), height * 0.3)
    inner_w = max(1.0, width - 2 * margin)
    footer_h = 0.0
    if layout.attribution.text or layout.page_number:
        # credits are never cut: as many lines as they need (estimated at 0.55 em a
        # character; the painter shrinks the text if the estimate falls short)
        text_px = unit * FOOTER_TEXT_UNITS
        per_line = max(1, int((inner_w - 4 * unit) / (0.55 * text_px)))
        lines = max(1, math.ceil((len(layout.attribution.text) + 9) / per_line))
        footer_h = min(lines * text_px * 1.35 + unit * 0.6, height * 0.2)
    caption_h = 0.0
    if getattr(layout, "caption", ""):
        text_px = unit * CAPTION_TEXT_UNITS
        per_line = max(1, int(inner_w / (0.5 * text_px)))
        lines = min(CAPTION_MAX_LINES, max(1, math.ceil(len(layout.caption) / per_line)))
        caption_h = min(lines * text_px * 1.35 + unit * 0.5, height * 0.2)
    kpi_h = min(unit * 5.0, height * 0.2) if layout.kpis else 0.0
    methods_h = methods_height(layout, inner_w, unit, height)
    map_top = margin + header_h + caption_h
    map_bottom = height - margin - footer_h - methods_h - (kpi_h + margin * 0.5 if kpi_h else 0)
    map_h = max(1.0, map_bottom - map_top)
    legend_w = 0.0
    if layout.legend.visible and layout.legend.groups:
        column = legend_column_width(layout, unit)  # as wide as its longest row, if it can
        legend_w = min(max(unit * 16, width * 0.2, column), width * 0.3)
        if legend_rows(layout, 10**6) > legend_rows_per_column(map_h, unit):
            wide = max(unit * LEGEND_TWO_COLUMNS_UNITS, 2 * column + unit * 0.6)
            legend_w = min(wide, width * 0.34)  # rows shrink a little past that
    map_w = max(1.0, inner_w - (legend_w + margin * 0.5 if legend_w else 0))
    return Regions(
        header=(margin, margin, inner_w, header_h),
        map=(margin, map_top, map_w, map_h),
        legend=(margin + map_w + margin * 0.5, map_top, legend_w, map_h)
        if legend_w
        else (0, 0, 0, 0),
        kpis=(margin, map_bottom + margin * 0.5, inner_w, kpi_h),
        footer=(margin, height - margin - footer_h, inner_w, footer_h),
        unit=unit,
        caption=(margin, margin + header_h, inner_w, caption_h),
        methods=(margin, height - margin - footer_h - methods_h, inner_w, methods_h),
    )


def methods_height(layout: Layout, width: float, unit: float, page_height: float) -> float:
    """Height (px) of the "how computed" lines under the KPI cards (0 without any): as many
    lines as they need at :data:`METHOD_TEXT_UNITS`, estimated at 0.55 em a character (the
    painter shrinks the text if the estimate falls short), at most a quarter of the page."""
    from twin.layout_method import method_lines

    lines = method_lines(layout.kpis) if layout.kpis else []
    if not lines:
        return 0.0
    text_px = unit * METHOD_TEXT_UNITS
    per_line = max(1, int((width - unit) / (0.55 * text_px)))
    rows = 1 + sum(math.ceil(len(line) / per_line) for line in lines)  # + the heading
    return min(rows * text_px * 1.3 + unit * 0.5, page_height * 0.25)


def legend_column_width(layout: Layout, unit: float) -> float:
    """Width (px) a legend column needs for its longest row at text size ``unit``: the
    swatch, the gaps and the text, estimated at 0.55 em a character (0.6 for the bold
    layer names); the painter shrinks a row that the estimate fell short of."""
    widest = 0.0
    for group in layout.legend.groups:
        widest = max(widest, len(group.layer) * 0.6)
        for item in group.items:
            widest = max(widest, len(item.label) * 0.55)
    # pad, swatch (1.8), gap (0.42), text, pad: as the painter places them
    return unit * (0.6 + 1.8 + 0.42 + widest + 0.6)


def legend_rows_per_column(height_px: float, unit: float) -> int:
    """Legend rows that fit in a column ``height_px`` tall at text size ``unit`` pixels."""
    return max(1, int((height_px - 1.2 * unit) // (1.5 * unit)))


def legend_rows(layout: Layout, cap: int) -> int:
    """Rows the legend takes when a layer shows at most ``cap`` class rows."""
    needed = 0
    for group in layout.legend.groups:
        single = len(group.items) == 1 and not group.items[0].label
        needed += 1 + (0 if single else min(len(group.items), cap))
    return needed


def legend_item_cap(layout: Layout, rows_available: int) -> int:
    """The most class rows any one layer may show so that the whole legend fits in
    ``rows_available`` rows (a layer over the cap shows cap - 1 rows and "+ N more")."""
    largest = max((len(group.items) for group in layout.legend.groups), default=0)
    for cap in range(largest, 1, -1):
        if legend_rows(layout, cap) <= rows_available:
            return cap
    return 2
