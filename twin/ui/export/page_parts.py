"""What the boxes of an exported page hold, painted with QPainter in page pixels: the
title and subtitle, the caption paragraph, the legend, the KPI cards and the credits
line with the page number (the map frame and the page itself are
:mod:`twin.ui.export.painter`'s). Shared colours of the page."""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtGui

from twin.i18n import tr
from twin.layers.style import LegendEntry
from twin.layout import (
    FOOTER_TEXT_UNITS,
    LEGEND_TWO_COLUMNS_UNITS,
    Layout,
    legend_item_cap,
    legend_rows_per_column,
)
from twin.layout_regions import CAPTION_TEXT_UNITS
from twin.ui.panels.swatches import paint_swatch

INK = QtGui.QColor("#1E1E1E")
MUTED = QtGui.QColor("#555555")
PAPER = QtGui.QColor("#FFFFFF")
CARD = QtGui.QColor("#F2F2F2")
BETTER = QtGui.QColor("#007A5A")  # bluish green (Okabe-Ito), distinct for colour-blind readers
WORSE = QtGui.QColor("#B35900")  # dark orange
OVERLAY_TEXT_PX = 12.0  # text size of twin.ui.map.overlays, which the page scales


def page_font(size_px: float, bold: bool = False) -> QtGui.QFont:
    """The page's font at ``size_px`` pixels (at least 1), bold or not."""
    font = QtGui.QFont()
    font.setPixelSize(max(1, round(size_px)))
    font.setBold(bold)
    return font


def _elided(painter: QtGui.QPainter, text: str, width: float) -> str:
    return QtGui.QFontMetricsF(painter.font()).elidedText(
        text, QtCore.Qt.TextElideMode.ElideRight, max(0.0, width)
    )


def _fitting_font(size_px: float, box: QtCore.QRectF, flags, text: str) -> QtGui.QFont:
    """A font of ``size_px`` pixels, shrunk by tenths (down to 4 px) until ``text`` drawn
    with ``flags`` fits ``box``."""
    size = size_px
    font = page_font(size)
    while size > 4:
        font = page_font(size)
        needed = QtGui.QFontMetricsF(font).boundingRect(box, flags, text)
        if needed.height() <= box.height() and needed.width() <= box.width():
            break
        size *= 0.9
    return font


def paint_header(painter, layout: Layout, box: QtCore.QRectF, unit: float) -> None:
    """The title and the subtitle, each on one line (elided), ``unit`` px text units."""
    if box.height() <= 0:
        return
    top = box.top()
    lines = (  # text, size and line height in text units, bold, colour
        (layout.title.text, 1.8, 2.4, True, INK),
        (layout.title.subtitle, 1.1, 1.6, False, MUTED),
    )
    for text, size, height, bold, colour in lines:
        if not text:
            continue
        painter.setFont(page_font(unit * size, bold=bold))
        painter.setPen(colour)
        painter.drawText(
            QtCore.QRectF(box.left(), top, box.width(), unit * height),
            QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
            _elided(painter, text, box.width()),
        )
        top += unit * height


def paint_caption(painter, text: str, box: QtCore.QRectF, unit: float) -> None:
    """The caption paragraph, word-wrapped; shrunk until it fits its box."""
    flags = (
        QtCore.Qt.AlignmentFlag.AlignLeft
        | QtCore.Qt.AlignmentFlag.AlignTop
        | QtCore.Qt.TextFlag.TextWordWrap
    )
    painter.setFont(_fitting_font(unit * CAPTION_TEXT_UNITS, box, flags, text))
    painter.setPen(INK)
    painter.drawText(box, flags, text)


LINE_SHRINK_LIMIT = 0.75  # a long legend or card label shrinks to 3/4 of its size before eliding


def _fitting_line_font(text: str, unit: float, bold: bool, width: float) -> QtGui.QFont:
    """The font for a one-line ``text``: ``unit`` px, or smaller (down to
    :data:`LINE_SHRINK_LIMIT` of it) when that makes the text fit ``width`` px whole."""
    font = page_font(unit, bold=bold)
    needed = QtGui.QFontMetricsF(font).horizontalAdvance(text)
    if needed <= width or needed <= 0:
        return font
    return page_font(unit * max(LINE_SHRINK_LIMIT, width / needed * 0.98), bold=bold)


def _legend_rows(layout: Layout, cap: int) -> list[tuple[str, Any, bool, Any]]:
    """The legend's rows in order: (text, swatch item or None, is a layer title, group)."""
    rows = []
    for group in layout.legend.groups:
        single = len(group.items) == 1 and not group.items[0].label
        rows.append((group.layer, group.items[0] if single else None, True, group))
        if not single:
            items = list(group.items)
            shown = items if len(items) <= cap else items[: max(0, cap - 1)]
            rows += [(item.label or tr("(no label)"), item, False, group) for item in shown]
            if len(shown) < len(items):
                more = tr("+{0} more").format(len(items) - len(shown))
                rows.append((more, None, False, group))
    return rows


def _column_widths(needs: list[float], width: float) -> list[float]:
    """Split ``width`` px between columns that need ``needs`` px: each gets what it needs
    and the rest is shared equally; when they need more than there is, in proportion."""
    total = sum(needs)
    if total <= 0:
        return [width / len(needs)] * len(needs)
    if total <= width:
        return [need + (width - total) / len(needs) for need in needs]
    return [width * need / total for need in needs]


def paint_legend(painter, layout: Layout, box: QtCore.QRectF, unit: float) -> None:
    """The legend of the visible layers in one or two columns, capped to its box; the
    columns share the width by what their labels need, so a long label is not cut while
    its neighbour column has room."""
    painter.setPen(QtGui.QPen(QtGui.QColor("#CCCCCC"), 1))
    painter.setBrush(PAPER)
    painter.drawRect(box)
    pad = unit * 0.6
    row = unit * 1.5
    swatch = QtCore.QSizeF(unit * 1.8, unit * 1.1)
    rows_per_column = legend_rows_per_column(box.height(), unit)
    columns = 2 if box.width() >= unit * LEGEND_TWO_COLUMNS_UNITS else 1
    rows = _legend_rows(layout, legend_item_cap(layout, rows_per_column * columns))
    needs = [0.0] * columns  # (swatch and gap, text at full size) per column
    texts = [0.0] * columns
    indents = [0.0] * columns
    for slot, (text, item, is_layer, _group) in enumerate(rows[: rows_per_column * columns]):
        indent = 0.0 if is_layer and item is None else swatch.width() + pad * 0.7
        advance = QtGui.QFontMetricsF(page_font(unit, bold=is_layer)).horizontalAdvance(text)
        column = slot // rows_per_column
        if indent + advance + pad > needs[column]:
            needs[column], texts[column], indents[column] = indent + advance + pad, advance, indent
    # the whole legend's text shrinks (to LINE_SHRINK_LIMIT at most) when its columns
    # need more than the box: one size for every label rather than a few cut ones
    fixed = sum(indents) + pad * columns
    text_room = box.width() - pad - fixed
    scale = 1.0 if sum(texts) <= text_room else max(LINE_SHRINK_LIMIT, text_room / sum(texts))
    text_unit = unit * scale
    needs = [indent + text * scale + pad for indent, text in zip(indents, texts, strict=True)]
    widths = _column_widths(needs, box.width() - pad)
    for slot, (text, item, is_layer, group) in enumerate(rows):
        column = slot // rows_per_column
        if column >= columns:
            painter.setFont(page_font(unit))
            painter.setPen(MUTED)
            painter.drawText(QtCore.QPointF(box.right() - 2 * unit, box.bottom() - pad), "…")
            return
        left = box.left() + pad + sum(widths[:column])
        y = box.top() + pad + (slot % rows_per_column) * row
        text_left = left + swatch.width() + pad * 0.7
        if item is not None:
            entry = LegendEntry(
                item.label, item.fill_color, item.stroke_color, item.shape, item.ramp
            )
            # the panel's swatch drawn at the page's scale, so its lines keep their
            # weight against the text (as the scale bar and north arrow do)
            zoom = max(1.0, unit / OVERLAY_TEXT_PX)
            rect = QtCore.QRectF(
                left / zoom,
                (y + (row - swatch.height()) / 2) / zoom,
                swatch.width() / zoom,
                swatch.height() / zoom,
            )
            painter.save()
            painter.scale(zoom, zoom)
            paint_swatch(painter, rect, entry, group.point_symbol)
            painter.restore()
        text_x = left if is_layer and item is None else text_left
        right = left + widths[column] - pad
        painter.setFont(_fitting_line_font(text, text_unit, is_layer, right - text_x))
        painter.setPen(INK)
        painter.drawText(
            QtCore.QRectF(text_x, y, right - text_x, row),
            QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
            _elided(painter, text, right - text_x),
        )


def paint_kpis(painter, layout: Layout, box: QtCore.QRectF, unit: float) -> None:
    """The KPI cards side by side: label, value with its unit, change vs baseline."""
    count = len(layout.kpis)
    gap = unit * 0.6
    width = (box.width() - gap * (count - 1)) / count
    for index, card in enumerate(layout.kpis):
        rect = QtCore.QRectF(box.left() + index * (width + gap), box.top(), width, box.height())
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(CARD)
        painter.drawRoundedRect(rect, unit * 0.4, unit * 0.4)
        inner = rect.adjusted(unit * 0.6, unit * 0.3, -unit * 0.6, -unit * 0.3)
        third = inner.height() / 3
        painter.setFont(_fitting_line_font(card.label, unit * 0.95, False, inner.width()))
        painter.setPen(MUTED)
        left_v = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
        painter.drawText(
            QtCore.QRectF(inner.left(), inner.top(), inner.width(), third),
            left_v,
            _elided(painter, card.label, inner.width()),
        )
        painter.setFont(page_font(unit * 1.7, bold=True))
        painter.setPen(INK)
        value = f"{card.value} {card.unit}".strip()
        painter.drawText(
            QtCore.QRectF(inner.left(), inner.top() + third, inner.width(), third * 1.2),
            left_v,
            _elided(painter, value, inner.width()),
        )
        if card.delta:
            painter.setFont(page_font(unit * 0.95))
            tone = {"better": BETTER, "worse": WORSE}.get(card.tone, MUTED)
            painter.setPen(tone)
            change = f"{card.delta} {card.delta_unit}".strip()
            painter.drawText(
                QtCore.QRectF(inner.left(), inner.top() + third * 2.2, inner.width(), third * 0.8),
                left_v,
                _elided(painter, tr("{change} vs baseline").format(change=change), inner.width()),
            )


def paint_footer(painter, layout: Layout, box: QtCore.QRectF, unit: float) -> None:
    """The credits (shrunk until they fit, never cut) and the page number."""
    if box.height() <= 0:
        return
    painter.setFont(page_font(unit * FOOTER_TEXT_UNITS))
    painter.setPen(MUTED)
    number = ""
    if layout.page_number is not None:
        number = str(layout.page_number)
        if layout.page_count:
            number += f" / {layout.page_count}"
    number_width = QtGui.QFontMetricsF(painter.font()).horizontalAdvance(number) + unit
    if layout.attribution.text:
        text = tr("Sources: {sources}").format(sources=layout.attribution.text)
        area = QtCore.QRectF(box.left(), box.top(), box.width() - number_width, box.height())
        flags = (
            QtCore.Qt.AlignmentFlag.AlignLeft
            | QtCore.Qt.AlignmentFlag.AlignVCenter
            | QtCore.Qt.TextFlag.TextWordWrap
        )
        # credits are never cut: shrunk until they fit
        painter.setFont(_fitting_font(unit * FOOTER_TEXT_UNITS, area, flags, text))
        painter.drawText(area, flags, text)
        painter.setFont(page_font(unit * FOOTER_TEXT_UNITS))
    if number:
        painter.drawText(
            box,
            QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter,
            number,
        )
