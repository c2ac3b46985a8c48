"""The marginal curve of a rollout plan as a PNG (persons gained against euros spent)."""

from __future__ import annotations

import itertools
from pathlib import Path

from twin.i18n import tr


def write_marginal_curve(curve: list[tuple[float, float]], path: Path, phases=()) -> None:
    """Draw ``curve`` ((EUR, persons) points in build order) at 1200 x 700 px, with the
    phase boundaries (cumulative budgets, EUR) as dashed lines; atomic write."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

    from twin.ui.map.render import ensure_qt_application

    ensure_qt_application()
    width, height = 1200, 700
    left, right, top, bottom = 110, 40, 60, 90
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPixelSize(18)
    painter.setFont(font)
    max_x = max((c for c, _g in curve), default=0.0) or 1.0
    max_y = max((g for _c, g in curve), default=0.0) or 1.0
    plot = QRectF(left, top, width - left - right, height - top - bottom)

    def point(x: float, y: float) -> QPointF:
        return QPointF(
            plot.left() + plot.width() * x / max_x, plot.bottom() - plot.height() * y / max_y
        )

    painter.setPen(QPen(QColor("#333333"), 1.5))
    painter.drawRect(plot)
    for k in range(5):
        fraction = k / 4
        y = plot.bottom() - plot.height() * fraction
        x = plot.left() + plot.width() * fraction
        painter.setPen(QPen(QColor("#DDDDDD"), 1))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor("#333333"))
        painter.drawText(
            QRectF(0, y - 12, left - 10, 24),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"{max_y * fraction:,.0f}".replace(",", " "),
        )
        painter.drawText(
            QRectF(x - 80, plot.bottom() + 8, 160, 24),
            Qt.AlignmentFlag.AlignCenter,
            f"{max_x * fraction / 1e6:.1f} M€",
        )
    painter.setPen(QPen(QColor("#999999"), 1.5, Qt.PenStyle.DashLine))
    for boundary in phases:
        if 0 < boundary <= max_x:
            painter.drawLine(point(boundary, 0), point(boundary, max_y))
    painter.setPen(QPen(QColor("#0072B2"), 3))
    for (x0, y0), (x1, y1) in itertools.pairwise(curve):
        painter.drawLine(point(x0, y0), point(x1, y0))
        painter.drawLine(point(x1, y0), point(x1, y1))
    painter.setPen(QColor("#111111"))
    title = QFont(font)
    title.setPixelSize(22)
    title.setBold(True)
    painter.setFont(title)
    painter.drawText(
        QRectF(left, 12, width - left, 36),
        Qt.AlignmentFlag.AlignLeft,
        tr("Persons gaining good 4G+5G coverage against capex spent"),
    )
    painter.setFont(font)
    painter.drawText(
        QRectF(left, height - 40, plot.width(), 30),
        Qt.AlignmentFlag.AlignCenter,
        tr("capex, in the order the sites are built (EUR)"),
    )
    painter.save()
    painter.translate(22, plot.center().y())
    painter.rotate(-90)
    painter.drawText(QRectF(-150, -12, 300, 24), Qt.AlignmentFlag.AlignCenter, tr("persons gained"))
    painter.restore()
    painter.end()
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp.png")
    if not image.save(str(temporary), "PNG"):
        raise OSError(tr("cannot write {path}").format(path=path))
    temporary.replace(path)
