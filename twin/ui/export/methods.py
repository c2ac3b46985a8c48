"""The "how computed" block of an exported page: under the KPI cards, one line per method
(:func:`twin.layout_method.method_lines`) under a heading, in the current language; the
text shrinks until it fits its region (:attr:`twin.layout_regions.Regions.methods`), so
nothing is cut."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from twin.i18n import tr
from twin.layout_method import method_lines
from twin.layout_regions import METHOD_TEXT_UNITS
from twin.ui.export.page_parts import page_font

MIN_TEXT_PX = 3.0  # below this the text would not be read anyway: drawn at this size


def paint_methods(
    painter: QtGui.QPainter,
    cards,
    box: QtCore.QRectF,
    unit: float,
    ink: QtGui.QColor,
    muted: QtGui.QColor,
) -> None:
    """Draw the "how computed" lines of ``cards`` in ``box`` (page pixels): a bold heading,
    then the lines word-wrapped, at :data:`METHOD_TEXT_UNITS` text units or smaller."""
    lines = method_lines(cards)
    if not lines or box.height() <= 0 or box.width() <= 0:
        return
    heading = tr("How these figures are computed")
    text = "\n".join(lines)
    flags = (
        QtCore.Qt.AlignmentFlag.AlignLeft
        | QtCore.Qt.AlignmentFlag.AlignTop
        | QtCore.Qt.TextFlag.TextWordWrap
    )
    size = unit * METHOD_TEXT_UNITS
    while True:
        bold, font = page_font(size, bold=True), page_font(size)
        head_h = QtGui.QFontMetricsF(bold).height()
        area = QtCore.QRectF(box.left(), box.top() + head_h, box.width(), box.height() - head_h)
        needed = QtGui.QFontMetricsF(font).boundingRect(area, flags, text)
        fits = needed.height() <= area.height() and needed.width() <= area.width()
        if fits or size * 0.9 < MIN_TEXT_PX:
            break
        size *= 0.9
    painter.setFont(bold)
    painter.setPen(ink)
    painter.drawText(
        QtCore.QRectF(box.left(), box.top(), box.width(), head_h),
        QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
        heading,
    )
    painter.setFont(font)
    painter.setPen(muted)
    painter.drawText(area, flags, text)
