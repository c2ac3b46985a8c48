"""What the presentation window draws over the map: the caption (title and text), up to
four KPI cards, the legend of the visible layers, the step counter and the black screen.

Sizes follow the window's height so a caption stays readable from the back of a room: the
caption text is :data:`TEXT_FRACTION` of the height (1/27, above issue 11's 1/30), the title
larger. KPI cards show figures already through the privacy gate (:class:`twin.layout.KpiCard`).
"""

from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from twin.i18n import tr, tr_label
from twin.layers.difference import base_name
from twin.layout import KpiCard
from twin.ui.panels.swatches import paint_swatch

TEXT_FRACTION = 1 / 27  # caption text height / window height (issue 11 asks >= 1/30)
TITLE_FRACTION = 1 / 17  # caption title height / window height
CARD_VALUE_FRACTION = 1 / 22
CARD_LABEL_FRACTION = 1 / 46
LEGEND_FRACTION = 1 / 48
INK = "#111111"
MUTED = "#444444"
BETTER = "#0B5394"  # blue: a change the right way (colour-blind safe pair with vermillion)
WORSE = "#B03A00"  # vermillion: a change the wrong way
PANEL_STYLE = "background: rgba(255, 255, 255, 242); border-radius: {radius}px;"


def _pixel_font(size_px: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(8, round(size_px)))
    font.setBold(bold)
    return font


class CaptionOverlay(QFrame):
    """The step's title and text on a white panel, sized from the window height."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("caption")
        self.title_label = QLabel(self)
        self.text_label = QLabel(self)
        for label in (self.title_label, self.text_label):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setStyleSheet(f"color: {INK}; background: transparent;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.text_label)
        self.set_scale(1080)

    def set_caption(self, title: str, text: str) -> None:
        """Show ``title`` and ``text`` (an empty text hides its line)."""
        self.title_label.setText(title)
        self.text_label.setText(text)
        self.text_label.setVisible(bool(text.strip()))

    def set_scale(self, height_px: int) -> None:
        """Fonts and margins for a window ``height_px`` pixels high."""
        self.title_label.setFont(_pixel_font(height_px * TITLE_FRACTION, bold=True))
        self.text_label.setFont(_pixel_font(height_px * TEXT_FRACTION))
        pad = round(height_px / 60)
        self.layout().setContentsMargins(pad * 2, pad, pad * 2, pad)
        self.layout().setSpacing(pad // 2)
        self.setStyleSheet("QFrame#caption {" + PANEL_STYLE.format(radius=max(4, pad // 2)) + "}")


class KpiCardWidget(QFrame):
    """One KPI card: label, value with unit, change against the baseline."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("kpi_card")
        self.label = QLabel(self)
        self.value = QLabel(self)
        self.delta = QLabel(self)
        for label in (self.label, self.value, self.delta):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setStyleSheet(f"color: {INK}; background: transparent;")
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.value)
        layout.addWidget(self.delta)
        self.card: KpiCard | None = None

    def set_card(self, card: KpiCard, height_px: int) -> None:
        """Show ``card`` with fonts for a window ``height_px`` pixels high."""
        self.card = card
        self.label.setText(card.label)
        self.value.setText(f"{card.value} {card.unit}".strip())
        change = f"{card.delta} {card.delta_unit}".strip()
        self.delta.setText(tr("{change} vs baseline").format(change=change) if card.delta else "")
        self.delta.setVisible(bool(card.delta))
        colour = {"better": BETTER, "worse": WORSE}.get(card.tone, MUTED)
        self.label.setFont(_pixel_font(height_px * CARD_LABEL_FRACTION))
        self.value.setFont(_pixel_font(height_px * CARD_VALUE_FRACTION, bold=True))
        self.delta.setFont(_pixel_font(height_px * CARD_LABEL_FRACTION, bold=True))
        self.label.setStyleSheet(f"color: {MUTED}; background: transparent;")
        self.delta.setStyleSheet(f"color: {colour}; background: transparent;")
        pad = round(height_px / 90)
        self.layout().setContentsMargins(pad * 2, pad, pad * 2, pad)
        self.layout().setSpacing(max(1, pad // 3))
        self.setStyleSheet("QFrame#kpi_card {" + PANEL_STYLE.format(radius=max(4, pad)) + "}")

    def fit(self, width: int) -> None:
        """Shrink the value's and the change's fonts until they fit a card ``width`` px
        wide (down to half their size, then they wrap; the label always wraps)."""
        margins = self.layout().contentsMargins()
        inner = width - margins.left() - margins.right()
        for label in (self.value, self.delta):
            label.setWordWrap(False)
            font = label.font()
            floor = max(8, font.pixelSize() // 2)
            while label.sizeHint().width() > inner and font.pixelSize() > floor:
                font.setPixelSize(font.pixelSize() - 1)
                label.setFont(font)
            # still too wide at half size (a narrow projector): the unit goes to a second
            # line rather than being cut off (the number's own spaces do not break)
            label.setWordWrap(label.sizeHint().width() > inner)


class KpiCardsOverlay(QWidget):
    """Up to four KPI cards in a row."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.cards: list[KpiCardWidget] = []

    def set_cards(self, cards: list[KpiCard], height_px: int) -> None:
        """Show ``cards`` (at most four) sized for a window ``height_px`` pixels high."""
        while len(self.cards) < len(cards):
            self.cards.append(KpiCardWidget(self))
        for widget, card in zip(self.cards, cards, strict=False):
            widget.set_card(card, height_px)
            widget.show()
        for widget in self.cards[len(cards) :]:
            widget.hide()
        self.setVisible(bool(cards))

    def place(self, left: int, bottom: int, width: int, height_px: int) -> None:
        """Lay the cards out in a row at most ``width`` px wide whose bottom edge is at
        ``bottom``: each card as wide as its text needs (at least a fifth of the height);
        a value too long for its share of the row gets a smaller font, never clipped."""
        shown = [card for card in self.cards if not card.isHidden()]
        if not shown:
            return
        gap = round(height_px / 70)
        share = max(1, (width - gap * (len(shown) - 1)) // len(shown))
        card_width = min(share, max(round(height_px / 5), *(c.sizeHint().width() for c in shown)))
        for widget in shown:
            widget.fit(card_width)
        card_height = max(widget.heightForWidth(card_width) for widget in shown)
        card_height = max(card_height, *(widget.sizeHint().height() for widget in shown))
        total = card_width * len(shown) + gap * (len(shown) - 1)
        self.setGeometry(left, bottom - card_height, total, card_height)
        for index, widget in enumerate(shown):
            widget.setGeometry(index * (card_width + gap), 0, card_width, card_height)


class LegendOverlay(QWidget):
    """The legend of the layers drawn: each layer's name, then a swatch per class."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.groups: list[tuple[str, list, str]] = []
        self.height_px = 1080

    def set_layers(self, layers: list, height_px: int) -> None:
        """Show the legend of ``layers`` (top first) for a window ``height_px`` high."""
        self.height_px = height_px
        self.groups = []
        for layer in layers:
            entries = [
                replace(e, label=tr_label(e.label))
                for e in layer.legend_entries()
                if e.label or len(layer.legend_entries()) == 1
            ]
            if entries:
                name = tr_label(base_name(layer.name))
                self.groups.append((name, entries, getattr(layer.style, "point_symbol", "o")))
        self.setVisible(bool(self.groups))
        self.update()

    def _row(self) -> float:
        return self.height_px * LEGEND_FRACTION * 1.5

    def preferred_size(self, max_height: int) -> tuple[int, int]:
        """(width, height) px the legend needs, its height capped at ``max_height``."""
        font = _pixel_font(self.height_px * LEGEND_FRACTION)
        bold = _pixel_font(self.height_px * LEGEND_FRACTION, bold=True)
        metrics, bold_metrics = QFontMetricsF(font), QFontMetricsF(bold)
        row = self._row()
        swatch = row * 1.3
        width = 0.0
        rows = 0
        for name, entries, _symbol in self.groups:
            width = max(width, bold_metrics.horizontalAdvance(name))
            rows += 1
            for entry in entries:
                width = max(width, swatch + row * 0.4 + metrics.horizontalAdvance(entry.label))
                rows += 1
        pad = row * 0.6
        return round(width + 2 * pad), min(max_height, round(rows * row + 2 * pad))

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        row = self._row()
        pad = row * 0.6
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 242))
        painter.drawRoundedRect(QRectF(self.rect()), pad * 0.6, pad * 0.6)
        y = pad
        font = _pixel_font(self.height_px * LEGEND_FRACTION)
        bold = _pixel_font(self.height_px * LEGEND_FRACTION, bold=True)
        swatch_w, swatch_h = row * 1.3, row * 0.7
        width = self.width() - 2 * pad
        for name, entries, symbol in self.groups:
            if y + row > self.height() - pad / 2:
                break
            painter.setFont(bold)
            painter.setPen(QColor(INK))
            painter.drawText(QRectF(pad, y, width, row), Qt.AlignmentFlag.AlignVCenter, name)
            y += row
            painter.setFont(font)
            for entry in entries:
                if y + row > self.height() - pad / 2:
                    break
                rect = QRectF(pad, y + (row - swatch_h) / 2, swatch_w, swatch_h)
                paint_swatch(painter, rect, entry, symbol)
                painter.setPen(QColor(INK))
                left = pad + swatch_w + row * 0.4
                painter.drawText(
                    QRectF(left, y, width - left + pad, row),
                    Qt.AlignmentFlag.AlignVCenter,
                    entry.label,
                )
                y += row
        painter.end()


class BlankOverlay(QWidget):
    """The black screen (key B): covers everything until B is pressed again."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("background: #000000;")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), QColor("#000000"))
        self.setPalette(palette)
        self.hide()


class CounterOverlay(QLabel):
    """ "3 / 6": where the presenter is in the story (and the number being typed)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def show_position(self, index: int, count: int, typed: str, height_px: int) -> None:
        """Step ``index`` (0-based) of ``count``; ``typed`` digits of a jump in progress."""
        text = f"{index + 1} / {count}"
        if typed:
            text = html.escape(tr("Go to step")) + f" <b>{html.escape(typed)}</b>"
        self.setText(text)
        self.setFont(_pixel_font(height_px / 45))
        pad = round(height_px / 200)
        self.setStyleSheet(
            f"color: {INK}; background: rgba(255, 255, 255, 215); padding: {pad}px {pad * 3}px;"
            f" border-radius: {pad * 2}px;"
        )
        self.adjustSize()
