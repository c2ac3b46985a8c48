"""Legend swatches drawn with QPainter: polygon, line, point and colour ramp."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QIcon,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)

from twin.layers.style import LegendEntry

SWATCH_SIZE = QSize(30, 18)  # pixels


def qcolor(color: str | None, alpha: float = 1.0) -> QColor:
    """A QColor from ``#RRGGBB`` (transparent for None); ``alpha`` 0-1."""
    if not color:
        return QColor(0, 0, 0, 0)
    result = QColor(color)
    result.setAlphaF(max(0.0, min(1.0, alpha)) * result.alphaF())
    return result


def _marker_path(symbol: str, centre: QPointF, radius: float) -> QPainterPath:
    """The outline of a point marker named as in pyqtgraph ("o", "s", "t", "t1", "d", ...)."""
    path = QPainterPath()
    cx, cy, r = centre.x(), centre.y(), radius
    if symbol == "s":
        path.addRect(QRectF(cx - r * 0.85, cy - r * 0.85, r * 1.7, r * 1.7))
    elif symbol in ("t", "t1", "t2", "t3"):
        # pyqtgraph: "t" points down, "t1" up, "t2" right, "t3" left
        tips = {"t": (0, 1), "t1": (0, -1), "t2": (1, 0), "t3": (-1, 0)}[symbol]
        dx, dy = tips
        tip = QPointF(cx + dx * r, cy + dy * r)
        side = QPointF(-dy * r * 0.9, dx * r * 0.9)
        base = QPointF(cx - dx * r * 0.7, cy - dy * r * 0.7)
        path.addPolygon(QPolygonF([tip, base + side, base - side, tip]))
    elif symbol == "d":
        path.addPolygon(
            QPolygonF(
                [
                    QPointF(cx, cy - r),
                    QPointF(cx + r * 0.8, cy),
                    QPointF(cx, cy + r),
                    QPointF(cx - r * 0.8, cy),
                    QPointF(cx, cy - r),
                ]
            )
        )
    else:
        path.addEllipse(centre, r, r)
    return path


def paint_swatch(
    painter: QPainter, rect: QRectF, entry: LegendEntry, point_symbol: str = "o"
) -> None:
    """Draw the symbol of ``entry`` inside ``rect`` (device pixels); points use
    ``point_symbol`` (pyqtgraph marker names: o circle, s square, t/t1 triangle, d diamond).
    """
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    fill = qcolor(entry.fill_color)
    stroke = qcolor(entry.stroke_color)
    inner = rect.adjusted(2, 2, -2, -2)
    if entry.shape == "ramp" and entry.ramp:
        gradient = QLinearGradient(inner.topLeft(), inner.topRight())
        count = len(entry.ramp)
        for i, color in enumerate(entry.ramp):
            gradient.setColorAt(i / max(1, count - 1), qcolor(color))
        painter.setPen(QPen(QColor("#666666"), 1))
        painter.setBrush(QBrush(gradient))
        painter.drawRect(inner)
    elif entry.shape == "line":
        painter.setPen(
            QPen(
                fill if entry.fill_color else stroke,
                3,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
            )
        )
        y = inner.center().y()
        painter.drawLine(QPointF(inner.left() + 1, y), QPointF(inner.right() - 1, y))
    elif entry.shape == "point":
        radius = min(inner.width(), inner.height()) / 2 - 1
        painter.setPen(QPen(stroke, 1) if entry.stroke_color else Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(fill))
        painter.drawPath(_marker_path(point_symbol, inner.center(), radius))
    else:  # polygon (and anything unknown)
        painter.setPen(QPen(stroke, 1) if entry.stroke_color else Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(fill))
        painter.drawRect(inner)
    painter.restore()


def swatch_pixmap(
    entry: LegendEntry, size: QSize = SWATCH_SIZE, point_symbol: str = "o"
) -> QPixmap:
    """A transparent pixmap of ``size`` with the swatch of ``entry``."""
    pixmap = QPixmap(size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_swatch(painter, QRectF(0, 0, size.width(), size.height()), entry, point_symbol)
    painter.end()
    return pixmap


def swatch_icon(entry: LegendEntry, size: QSize = SWATCH_SIZE, point_symbol: str = "o") -> QIcon:
    """An icon of the swatch of ``entry``."""
    return QIcon(swatch_pixmap(entry, size, point_symbol))


def layer_icon(
    entries: list[LegendEntry], size: QSize = SWATCH_SIZE, point_symbol: str = "o"
) -> QIcon:
    """One icon for a whole layer: its single swatch, or up to four class colours side by side."""
    if not entries:
        return QIcon()
    if len(entries) == 1:
        return swatch_icon(entries[0], size, point_symbol)
    pixmap = QPixmap(size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    shown = entries[:4]
    width = (size.width() - 4) / len(shown)
    for i, entry in enumerate(shown):
        painter.fillRect(
            QRectF(2 + i * width, 3, width, size.height() - 6), qcolor(entry.fill_color)
        )
    painter.setPen(QPen(QColor("#666666"), 1))
    painter.drawRect(QRectF(2, 3, size.width() - 4, size.height() - 6))
    painter.end()
    return QIcon(pixmap)
