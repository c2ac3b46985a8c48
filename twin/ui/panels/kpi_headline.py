"""The KPI dock's headline: a few key figures with their change, in a grid of plain labels.

It is redrawn on every live update while a site is dragged, so it avoids rich text: a
word-wrapped rich-text QLabel holding an HTML table was parsed, laid out (several times, for
its height at the dock's width) and made the whole dock lay out again on each update, about
10 ms of the UI thread per update. Here only the labels whose text or colour changed are
touched, and a number that changes keeps its row's layout.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

NEUTRAL_COLOR = "#555555"  # the change of a figure that has no better direction


class HeadlineRow:
    """The three labels of one headline figure: name, value (bold), change (coloured)."""

    def __init__(self, grid: QGridLayout, row: int, bold: QFont) -> None:
        self.name = QLabel()
        self.value = QLabel()
        self.value.setFont(bold)
        self.change = QLabel()
        for column, label in enumerate((self.name, self.value, self.change)):
            label.setTextFormat(Qt.TextFormat.PlainText)
            alignment = Qt.AlignmentFlag.AlignVCenter | (
                Qt.AlignmentFlag.AlignLeft if column == 0 else Qt.AlignmentFlag.AlignRight
            )
            label.setAlignment(alignment)
            grid.addWidget(label, row, column)
        # the name gives way in a narrow dock (elided, whole in its tooltip): the value and
        # its change are what a user reads, they are never cut
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.full_name = ""
        self.color = ""

    def labels(self) -> tuple[QLabel, QLabel, QLabel]:
        """Name, value and change labels."""
        return self.name, self.value, self.change

    def show(self, name: str, tooltip: str, value: str, change: str, color: str) -> None:
        """Show one figure's texts; ``color`` (#RRGGBB) is the change's colour."""
        self.full_name = name
        for label, text in ((self.value, value), (self.change, change)):
            if label.text() != text:
                label.setText(text)
            label.setVisible(True)
        self.name.setVisible(True)
        if self.name.toolTip() != tooltip:
            self.name.setToolTip(tooltip)
        if color != self.color:
            self.color = color
            palette = self.change.palette()
            palette.setColor(QPalette.ColorRole.WindowText, color)
            self.change.setPalette(palette)

    def hide(self) -> None:
        """Hide this row (fewer figures than rows)."""
        for label in self.labels():
            label.setVisible(False)


class KpiHeadline(QWidget):
    """Rows of (short name, value, change) for the dock's headline figures, or a one-line
    message when there are none. :meth:`set_rows` updates them in place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(1)
        self._grid.setColumnStretch(0, 1)  # the names take what the figures leave
        self._message = QLabel()
        self._message.setTextFormat(Qt.TextFormat.PlainText)
        self._message.setWordWrap(True)
        self._grid.addWidget(self._message, 0, 0, 1, 4)
        self._rows: list[HeadlineRow] = []
        self._bold = QFont(self.font())
        self._bold.setBold(True)

    def set_rows(self, rows: list[tuple[str, str, str, str, str]], empty_text: str) -> None:
        """Show ``rows`` of (short name, tooltip, value, change, colour #RRGGBB); with no
        rows, ``empty_text`` instead."""
        while len(self._rows) < len(rows):
            self._rows.append(HeadlineRow(self._grid, len(self._rows) + 1, self._bold))
        for index, row in enumerate(self._rows):
            if index < len(rows):
                row.show(*rows[index])
            else:
                row.hide()
        self._fit_names()
        if rows:
            self._message.setVisible(False)
        else:
            if self._message.text() != empty_text:
                self._message.setText(empty_text)
            self._message.setVisible(True)

    def resizeEvent(self, event) -> None:
        """Names are elided again to the new width."""
        super().resizeEvent(event)
        self._fit_names()

    def _fit_names(self) -> None:
        """Each shown name whole, or elided to what the values and changes leave."""
        shown = [row for row in self._rows if not row.value.isHidden()]
        if not shown:
            return
        plain, bold = QFontMetrics(self.font()), QFontMetrics(self._bold)
        values = max(bold.horizontalAdvance(row.value.text()) for row in shown)
        changes = max(plain.horizontalAdvance(row.change.text()) for row in shown)
        room = self.width() - values - changes - 3 * self._grid.horizontalSpacing() - 4
        for row in shown:
            text = plain.elidedText(row.full_name, Qt.TextElideMode.ElideRight, max(40, room))
            if row.name.text() != text:
                row.name.setText(text)

    def text(self) -> str:
        """What the headline shows as plain text, one figure a line (name, value, change
        separated by tabs), or its message."""
        if not self._message.isHidden():
            return self._message.text()
        lines = [
            "\t".join((row.full_name, row.value.text(), row.change.text()))
            for row in self._rows
            if not row.name.isHidden()
        ]
        return "\n".join(lines)
