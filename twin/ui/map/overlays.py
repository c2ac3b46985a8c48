"""Map decorations drawn on top of the map in widget pixels: scale bar and north arrow.

Both have a white halo and a dark outline so they stay readable on any background.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui

NICE_STEPS = (1.0, 2.0, 2.5, 5.0)
INK = QtGui.QColor(30, 30, 30)
HALO = QtGui.QColor(255, 255, 255, 215)


def nice_length(max_metres: float) -> float:
    """The largest round length (1, 2, 2.5 or 5 x 10^k metres) not above ``max_metres``."""
    if not math.isfinite(max_metres) or max_metres <= 0:
        return 0.0
    exponent = math.floor(math.log10(max_metres))
    best = 10.0**exponent
    for step in NICE_STEPS:
        length = step * 10.0**exponent
        if length <= max_metres * (1 + 1e-9):
            best = length
    return best


def format_length(metres: float) -> str:
    """A length label: "250 m", "1 km", "2.5 km"."""
    if metres >= 1000:
        km = metres / 1000
        return f"{km:g} km"
    if metres >= 1:
        return f"{metres:g} m"
    return f"{metres * 100:g} cm"


def _text_with_halo(painter: QtGui.QPainter, point: QtCore.QPointF, text: str) -> None:
    path = QtGui.QPainterPath()
    path.addText(point, painter.font(), text)
    painter.setPen(QtGui.QPen(HALO, 3.0))
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(INK)
    painter.drawPath(path)


def draw_scale_bar(
    painter: QtGui.QPainter,
    viewport: QtCore.QRect,
    metres_per_pixel: float,
    max_pixels: float = 130.0,
) -> QtCore.QRectF | None:
    """Draw a metric scale bar at the bottom left of ``viewport``; returns its box.

    On screen and in images the bar is drawn once into an image and reused while its
    length and label stay the same (every frame of a pan: text with a halo is slow to
    draw); PDF and SVG get it as vectors."""
    length = nice_length(max_pixels * metres_per_pixel)
    if length <= 0:
        return None
    bar_pixels = length / metres_per_pixel
    font = QtGui.QFont(painter.font())
    font.setPixelSize(12)
    label = format_length(length)
    text_width = QtGui.QFontMetricsF(font).horizontalAdvance(label)
    left, bottom = viewport.left() + 14.0, viewport.bottom() - 12.0
    box = QtCore.QRectF(left - 6, bottom - 30, max(bar_pixels, text_width) + 12, 36)
    engine = painter.paintEngine()
    if engine is None or engine.type() != QtGui.QPaintEngine.Type.Raster:  # PDF, SVG: vectors
        painter.save()
        painter.translate(box.topLeft())
        _paint_scale_bar(painter, font, label, bar_pixels, box.width(), box.height())
        painter.restore()
        return box
    ratio = painter.device().devicePixelRatioF()
    key = (label, round(bar_pixels, 3), box.width(), font.toString(), ratio)
    image = _SCALE_BARS.get(key)
    if image is None:
        image = QtGui.QImage(
            math.ceil(box.width() * ratio),
            math.ceil(box.height() * ratio),
            QtGui.QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.setDevicePixelRatio(ratio)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        image_painter = QtGui.QPainter(image)
        _paint_scale_bar(image_painter, font, label, bar_pixels, box.width(), box.height())
        image_painter.end()
        if len(_SCALE_BARS) > 64:
            _SCALE_BARS.clear()
        _SCALE_BARS[key] = image
    painter.drawImage(box.topLeft(), image)
    return box


_SCALE_BARS: dict[tuple, QtGui.QImage] = {}  # drawn scale bars by label, length and font


def _paint_scale_bar(
    painter: QtGui.QPainter, font: QtGui.QFont, label: str, bar_pixels: float, width, height
) -> None:
    """The scale bar in its own box (0, 0, width, height), in pixels."""
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setFont(font)
    left, bottom = 6.0, height - 6.0
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(HALO)
    painter.drawRoundedRect(QtCore.QRectF(0, 0, width, height), 4, 4)
    bar = QtCore.QRectF(left, bottom - 8, bar_pixels, 5)
    half = QtCore.QRectF(left, bottom - 8, bar_pixels / 2, 5)
    painter.setPen(QtGui.QPen(INK, 1.0))
    painter.setBrush(QtGui.QColor("white"))
    painter.drawRect(bar)
    painter.setBrush(INK)
    painter.drawRect(half)
    _text_with_halo(painter, QtCore.QPointF(left, bottom - 13), label)


def draw_north_arrow(painter: QtGui.QPainter, viewport: QtCore.QRect) -> QtCore.QRectF:
    """Draw a north arrow at the top right of ``viewport`` (project y axis = north)."""
    painter.save()
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    cx, top = viewport.right() - 28.0, viewport.top() + 12.0
    box = QtCore.QRectF(cx - 16, top, 32, 52)
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(HALO)
    painter.drawRoundedRect(box, 4, 4)
    left_half = QtGui.QPolygonF(
        [
            QtCore.QPointF(cx, top + 4),
            QtCore.QPointF(cx - 9, top + 30),
            QtCore.QPointF(cx, top + 24),
        ]
    )
    right_half = QtGui.QPolygonF(
        [
            QtCore.QPointF(cx, top + 4),
            QtCore.QPointF(cx + 9, top + 30),
            QtCore.QPointF(cx, top + 24),
        ]
    )
    painter.setPen(QtGui.QPen(INK, 1.2))
    painter.setBrush(INK)
    painter.drawPolygon(left_half)
    painter.setBrush(QtGui.QColor("white"))
    painter.drawPolygon(right_half)
    font = QtGui.QFont(painter.font())
    font.setPixelSize(13)
    font.setBold(True)
    painter.setFont(font)
    width = QtGui.QFontMetricsF(font).horizontalAdvance("N")
    _text_with_halo(painter, QtCore.QPointF(cx - width / 2, top + 46), "N")
    painter.restore()
    return box
