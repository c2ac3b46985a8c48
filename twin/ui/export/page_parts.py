"""What the boxes of an exported page hold, painted with QPainter in page pixels: the
title and subtitle, the caption paragraph, the legend, the KPI cards and the credits
line with the page number (the map frame and the page itself are
:mod:`twin.ui.export.painter`'s). Shared colours of the page."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from twin.i18n import tr
from twin.layers.style import LegendEntry
from twin.layout import (
    FOOTER_TEXT_UNITS,
    Layout,
    legend_item_cap,
    legend_rows,
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
SMALLEST_FIT = 0.7  # a legend row or card line shrinks to this share of its size before eliding
CARD_LABEL_FIT = 0.6  # a card's label (a long KPI name on a narrow A4 card) shrinks further


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


def _fit_line(
    painter, text: str, width: float, size_px: float, bold: bool = False, smallest=SMALLEST_FIT
) -> str:
    """Set ``painter``'s font to ``size_px`` pixels, shrunk (down to ``smallest`` of it)
    until ``text`` fits ``width`` on one line; the text to draw: ``text`` itself, or
    elided only when it does not fit even then."""
    size = size_px
    while True:
        font = page_font(size, bold=bold)
        if QtGui.QFontMetricsF(font).horizontalAdvance(text) <= width or (
            size * 0.95 < size_px * smallest
        ):
            break
        size *= 0.95
    painter.setFont(font)
    return _elided(painter, text, width)


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


def paint_legend(painter, layout: Layout, box: QtCore.QRectF, unit: float) -> None:
    """The legend of the visible layers in one or two columns, capped to its box."""
    painter.setPen(QtGui.QPen(QtGui.QColor("#CCCCCC"), 1))
    painter.setBrush(PAPER)
    painter.drawRect(box)
    pad = unit * 0.6
    row = unit * 1.5
    swatch = QtCore.QSizeF(unit * 1.8, unit * 1.1)
    rows_per_column = legend_rows_per_column(box.height(), unit)
    # two columns when one cannot hold every row (as twin.layout_regions.regions sized it)
    columns = 2 if legend_rows(layout, 10**6) > rows_per_column else 1
    cap = legend_item_cap(layout, rows_per_column * columns)
    column_width = (box.width() - pad) / columns
    slot = 0
    for group in layout.legend.groups:
        single = len(group.items) == 1 and not group.items[0].label
        rows = [(group.layer, group.items[0] if single else None, True)]
        if not single:
            items = list(group.items)
            shown = items if len(items) <= cap else items[: max(0, cap - 1)]
            rows += [(item.label or tr("(no label)"), item, False) for item in shown]
            if len(shown) < len(items):
                rows.append((tr("+{0} more").format(len(items) - len(shown)), None, False))
        for text, item, is_layer in rows:
            column = slot // rows_per_column
            if column >= columns:
                painter.setFont(page_font(unit))
                painter.setPen(MUTED)
                painter.drawText(QtCore.QPointF(box.right() - 2 * unit, box.bottom() - pad), "…")
                return
            left = box.left() + pad + column * column_width
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
            painter.setPen(INK)
            text_x = left if is_layer and item is None else text_left
            right = left + column_width - pad
            shown_text = _fit_line(painter, text, right - text_x, unit, bold=is_layer)
            painter.drawText(
                QtCore.QRectF(text_x, y, right - text_x, row),
                QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
                shown_text,
            )
            slot += 1


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
        painter.setPen(MUTED)
        left_v = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
        # each line shrinks to fit its card before it is elided: a label or a value cut
        # short is a figure a council cannot read
        label = _fit_line(painter, card.label, inner.width(), unit * 0.95, smallest=CARD_LABEL_FIT)
        painter.drawText(
            QtCore.QRectF(inner.left(), inner.top(), inner.width(), third), left_v, label
        )
        painter.setPen(INK)
        value = _fit_line(
            painter, f"{card.value} {card.unit}".strip(), inner.width(), unit * 1.7, True
        )
        painter.drawText(
            QtCore.QRectF(inner.left(), inner.top() + third, inner.width(), third * 1.2),
            left_v,
            value,
        )
        if card.delta:
            tone = {"better": BETTER, "worse": WORSE}.get(card.tone, MUTED)
            painter.setPen(tone)
            change = f"{card.delta} {card.delta_unit}".strip()
            change = tr("{change} vs baseline").format(change=change)
            painter.drawText(
                QtCore.QRectF(inner.left(), inner.top() + third * 2.2, inner.width(), third * 0.8),
                left_v,
                _fit_line(painter, change, inner.width(), unit * 0.95),
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
