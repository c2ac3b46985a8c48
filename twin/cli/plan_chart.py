"""The marginal curve of a rollout plan as a PNG (persons or premises gained against euros
spent)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from twin.i18n import format_money, format_number, tr


def nice_ticks(top: float, most: int = 6) -> list[float]:
    """Round tick values from 0 to at least ``top``: multiples of 1, 2 or 5 x 10^k, at
    most ``most`` + 1 of them (e.g. 940 000 -> 0, 200 000, ... 1 000 000)."""
    if not top > 0:
        return [0.0, 1.0]
    raw = top / most
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= raw)
    count = math.ceil(top / step - 1e-9)
    return [step * k for k in range(count + 1)]


def write_marginal_curve(
    curve: list[tuple[float, float]],
    path: Path,
    phases=(),
    objective: str = "persons",
    budget_eur: float | None = None,
) -> None:
    """Draw ``curve`` ((EUR, persons or premises) points in build order) at 1200 x 700 px,
    the axis running to ``budget_eur`` (EUR: what the phases could spend on sites, their
    budgets less their fibre and grid capex) so that a budget left unspent shows where
    money stops buying coverage, with the ends of the phases ((site capex EUR spent by
    then, year) pairs) as dashed lines; numbers in the user's language; atomic write."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

    from twin.ui.map.render import ensure_qt_application

    ensure_qt_application()
    width, height = 1200, 700
    left, right, top, bottom = 120, 50, 60, 90
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPixelSize(18)
    painter.setFont(font)
    spent = max((c for c, _g in curve), default=0.0)
    x_ticks = nice_ticks(max(spent, budget_eur or 0.0))
    # headroom above the curve's end for the unspent-budget note (54 px of the 550)
    y_ticks = nice_ticks(1.12 * max((g for _c, g in curve), default=0.0))
    max_x, max_y = x_ticks[-1], y_ticks[-1]
    plot = QRectF(left, top, width - left - right, height - top - bottom)

    def point(x: float, y: float) -> QPointF:
        return QPointF(
            plot.left() + plot.width() * x / max_x, plot.bottom() - plot.height() * y / max_y
        )

    for value in y_ticks:
        y = point(0, value).y()
        painter.setPen(QPen(QColor("#DDDDDD"), 1))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor("#333333"))
        painter.drawText(
            QRectF(0, y - 12, left - 10, 24),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            format_number(value),
        )
    for value in x_ticks:
        x = point(value, 0).x()
        painter.setPen(QColor("#333333"))
        painter.drawText(
            QRectF(x - 80, plot.bottom() + 8, 160, 24),
            Qt.AlignmentFlag.AlignCenter,
            format_money(value),
        )
    painter.setPen(QPen(QColor("#333333"), 1.5))
    painter.drawRect(plot)
    small = QFont(font)
    small.setPixelSize(15)
    painter.setFont(small)
    for boundary, year in phases:
        if 0 < boundary < max_x:
            painter.setPen(QPen(QColor("#888888"), 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(point(boundary, 0), point(boundary, max_y))
            painter.setPen(QColor("#555555"))
            painter.drawText(
                QRectF(point(boundary, 0).x() - 160, plot.top() + 4, 154, 22),
                Qt.AlignmentFlag.AlignRight,
                tr("end of {year}").format(year=year),
            )
    painter.setFont(font)
    painter.setPen(QPen(QColor("#0072B2"), 3))
    for (x0, y0), (x1, y1) in itertools.pairwise(curve):
        painter.drawLine(point(x0, y0), point(x1, y0))
        painter.drawLine(point(x1, y0), point(x1, y1))
    if budget_eur and budget_eur > spent:  # the budget no candidate can turn into coverage
        last = curve[-1][1] if curve else 0.0
        painter.setPen(QPen(QColor("#0072B2"), 2, Qt.PenStyle.DotLine))
        painter.drawLine(point(spent, last), point(budget_eur, last))
        painter.setPen(QColor("#333333"))
        # above the dotted line (the curve never rises above it), from its start or
        # ending at the plot's edge when the line is short; below it at the plot's top
        line_y = point(0, last).y()
        box = QRectF(point(spent, last).x() + 8, line_y - 54, 520, 48)
        if box.top() < plot.top():
            box.moveTop(line_y + 6)
        if box.right() > plot.right() - 6:
            box.moveRight(plot.right() - 6)
        flags = Qt.TextFlag.TextWordWrap | (
            Qt.AlignmentFlag.AlignBottom if box.bottom() < line_y else Qt.AlignmentFlag.AlignTop
        )
        painter.drawText(
            box,
            flags
            | (
                Qt.AlignmentFlag.AlignRight
                if box.left() < point(spent, last).x()
                else Qt.AlignmentFlag.AlignLeft
            ),
            tr("{unspent} of the budget not spent").format(
                unspent=format_money(budget_eur - spent)
            ),
        )
    painter.setPen(QColor("#111111"))
    title = QFont(font)
    title.setPixelSize(22)
    title.setBold(True)
    painter.setFont(title)
    heading = (
        tr("Persons gaining good 4G+5G coverage against capex spent")
        if objective == "persons"
        else tr("Premises gaining good 4G+5G coverage against capex spent")
    )
    painter.drawText(QRectF(left, 12, width - left, 36), Qt.AlignmentFlag.AlignLeft, heading)
    painter.setFont(font)
    painter.drawText(
        QRectF(left, height - 40, plot.width(), 30),
        Qt.AlignmentFlag.AlignCenter,
        tr("capex, in the order the sites are built (EUR)"),
    )
    painter.save()
    painter.translate(22, plot.center().y())
    painter.rotate(-90)
    axis = tr("persons gained") if objective == "persons" else tr("premises gained")
    painter.drawText(QRectF(-200, -12, 400, 24), Qt.AlignmentFlag.AlignCenter, axis)
    painter.restore()
    painter.end()
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp.png")
    if not image.save(str(temporary), "PNG"):
        raise OSError(tr("cannot write {path}").format(path=path))
    temporary.replace(path)
