"""A table of KPI figures for two states (baseline/scenario, or scenario A/B), grouped by
domain, every number with its unit and the change; copy to the clipboard and CSV export.

Used by the KPI dock (baseline vs the current scenario) and the compare table (two
scenarios). Numbers are formatted by :mod:`twin.kpi` so the UI, the CLI and exports agree.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from twin.errors import DataError
from twin.i18n import N_, masked_label, tr, tr_label
from twin.kpi import Figure, format_signed, format_value
from twin.layers.privacy import MASKED_LABEL, publish_delta

DOMAIN_TITLES = {
    "radio": N_("Mobile coverage"),
    "fiber": N_("Fiber"),
    "transit": N_("Public transport"),
    "energy": N_("Energy grid"),
    "cost": N_("Cost"),
    "reports": N_("Citizen reports"),
}
DOMAIN_ORDER = ("radio", "fiber", "transit", "energy", "cost", "reports")
BETTER_COLOR = "#0072B2"  # Okabe-Ito blue: a change in the good direction
WORSE_COLOR = "#D55E00"  # Okabe-Ito vermillion: a change in the bad direction
HEADER_BACKGROUND = "#ECECE8"
KEY_ROLE = Qt.ItemDataRole.UserRole
COLOR_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class FigureRow:
    """One KPI in two states: ``value_a`` and ``value_b`` in ``unit`` (None when absent)."""

    key: str
    label: str
    unit: str
    domain: str
    value_a: float | None
    value_b: float | None
    better: str = "up"
    masked_a: bool = False  # the privacy gate hides A / B / the change (< 11 households)
    masked_b: bool = False
    masked_delta: bool = False
    #: where the figure comes from (:mod:`twin.sim.whatif.lineage`), shown on a click
    lineage: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def delta(self) -> float | None:
        """``value_b - value_a`` in ``unit``; None when either is missing or not finite, or
        when the privacy gate masks the change."""
        if self.value_a is None or self.value_b is None or self.masked_delta:
            return None
        delta = float(self.value_b) - float(self.value_a)
        return delta if math.isfinite(delta) else None


def gated_row(figure: Figure, value_a: float | None, other: Figure | None = None) -> FigureRow:
    """A row of ``figure`` (B) against ``value_a`` through the privacy gate. ``other`` is
    A's figure when A is another scenario (its households gate A; the change between two
    scenarios rests on the difference, see :func:`twin.layers.privacy.publish_delta`);
    without it A is ``figure``'s baseline."""
    if other is None:
        a, b, change = (
            figure.published_baseline(),
            figure.published_value(),
            figure.published_delta(),
        )
    else:
        a, b = other.published_value(), figure.published_value()
        change = publish_delta(
            figure.value, other.value, figure.households, other.households, None, figure.unit
        )
    return FigureRow(
        figure.key,
        figure.label,
        figure.unit,
        figure.domain,
        None if a.masked else value_a,
        b.value if not b.masked else None,
        figure.better,
        a.masked,
        b.masked,
        change.masked,
        figure.lineage,
    )


def rows_from_figures(figures: list[Figure]) -> list[FigureRow]:
    """Rows of baseline (A) against scenario (B) from figures with their baseline."""
    return [baseline_row(f) for f in figures]


@functools.lru_cache(maxsize=1024)
def baseline_row(figure: Figure) -> FigureRow:
    """``gated_row(figure, figure.baseline)``, remembered: while a site is dragged the
    dock gets every figure again each frame and most have not changed (both are frozen,
    and the gate depends on nothing else)."""
    return gated_row(figure, figure.baseline)


def rows_from_two(
    figures_a: list[Figure], figures_b: list[Figure], a_is_baseline: bool = False
) -> list[FigureRow]:
    """Rows of two scenarios' figures matched by key (order of ``figures_b`` then the rest
    of ``figures_a``). With ``a_is_baseline``, A's values are B's baselines."""
    by_key_a = {f.key: f for f in figures_a}
    rows: list[FigureRow] = []
    for figure in figures_b:
        other = by_key_a.pop(figure.key, None)
        if a_is_baseline or other is None:
            value_a = figure.baseline if a_is_baseline else None
            row = gated_row(figure, value_a)
            if not a_is_baseline:
                row = replace(row, masked_a=False, masked_delta=False)
            rows.append(row)
        else:
            rows.append(gated_row(figure, other.value, other))
    for figure in by_key_a.values():
        shown = figure.published_value()
        rows.append(
            FigureRow(
                figure.key,
                figure.label,
                figure.unit,
                figure.domain,
                shown.value,
                None,
                figure.better,
                masked_a=shown.masked,
                lineage=figure.lineage,
            )
        )
    return rows


def format_change(delta: float | None, unit: str) -> str:
    """A change with its sign and unit (``+1 200 persons``), ``–`` when unknown."""
    return format_signed(delta, unit)


def row_texts(row: FigureRow) -> tuple[str, str, str, str]:
    """Label, A, B and change as shown: "< 11 households" where the gate masks."""
    masked = masked_label()
    return (
        tr_label(row.label),
        masked if row.masked_a else format_value(row.value_a, row.unit),
        masked if row.masked_b else format_value(row.value_b, row.unit),
        masked if row.masked_delta else format_change(row.delta, row.unit),
    )


def change_color(row: FigureRow) -> str | None:
    """Blue when the change goes the ``better`` way, vermillion when not, None otherwise."""
    delta = row.delta
    if not delta or row.better not in ("up", "down"):
        return None
    good = (delta > 0) == (row.better == "up")
    return BETTER_COLOR if good else WORSE_COLOR


def grouped(rows: list[FigureRow]) -> list[tuple[str, list[FigureRow]]]:
    """Rows grouped by domain in :data:`DOMAIN_ORDER` (other domains after, by name)."""
    domains = list(DOMAIN_ORDER) + sorted({r.domain for r in rows} - set(DOMAIN_ORDER))
    groups = [(d, [r for r in rows if r.domain == d]) for d in domains]
    return [(d, items) for d, items in groups if items]


def _number(value: float | None) -> str:
    if value is None or not math.isfinite(float(value)):
        return ""
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class FigureTable(QTableWidget):
    """KPI rows as a read-only table: Figure | A | B | Change, domain header rows between
    groups. ``title_a``/``title_b`` name the two states (e.g. "Baseline", "Densify").
    A click on a figure (or Enter on it) opens its explanation, "why this number"
    (:class:`~twin.ui.panels.lineage.LineagePanel`), and emits :attr:`figure_explained`."""

    #: the key of the figure whose explanation was opened
    figure_explained = Signal(str)

    def __init__(
        self, title_a: str = tr("Baseline"), title_b: str = tr("Scenario"), parent=None
    ) -> None:
        super().__init__(0, 4, parent)
        self.rows: list[FigureRow] = []
        self._row_of_key: dict[str, int] = {}
        self._filled: dict[str, FigureRow] = {}  # what each row shows now
        self.set_titles(title_a, title_b)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self.setShowGrid(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            # sized to contents when rows change, not on every live update (too slow)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self.verticalHeader().setDefaultSectionSize(22)
        self.lineage_panel = None  # created on the first click on a figure
        #: key -> lineage for rows whose figures carry none (the KPI dock's live figures:
        #: built on a click rather than on every update); None: such rows explain nothing
        self.explainer: Callable[[str], dict | None] | None = None
        self.cellClicked.connect(self._on_cell_clicked)
        self.cellActivated.connect(self._on_cell_clicked)

    #: Height (px) the table asks for in a layout (None: Qt's default); the KPI dock asks
    #: for little so that, when short, it shows its headline and chart whole and the table
    #: scrolls in its own frame.
    preferred_height: int | None = None

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.preferred_height is not None:
            hint.setHeight(self.preferred_height)
        return hint

    #: Below this width (px) the A column is hidden (its value stays in the B cell's
    #: tooltip and in copies and exports) so that the figure names stay readable.
    compact_below_px = 0

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.setColumnHidden(1, self.viewport().width() < self.compact_below_px)
        self.resizeRowsToContents()  # wrapped figure names take the lines they need

    def set_titles(self, title_a: str, title_b: str) -> None:
        """Name the two value columns."""
        self.title_a, self.title_b = title_a, title_b
        self._filled = {}  # the tooltips name the titles: fill every row again
        self.setHorizontalHeaderLabels([tr("Figure"), title_a, title_b, tr("Change")])
        for column in (1, 2, 3):
            self.resizeColumnToContents(column)

    def set_rows(self, rows: list[FigureRow]) -> None:
        """Show ``rows``; cells are updated in place when the same figures come again (live
        updates while a site is dragged), rebuilt when the set of figures changed."""
        same_layout = [r.key for r in rows] == [r.key for r in self.rows]
        self.rows = list(rows)
        if not same_layout:
            self._rebuild()
        grew = False
        for row in self.rows:
            if self._filled.get(row.key) == row:
                continue  # this figure did not change: its cells stay as they are
            grew = self._fill(self._row_of_key[row.key], row) or grew
            self._filled[row.key] = row
        if grew or not same_layout:
            for column in (1, 2, 3):
                self.resizeColumnToContents(column)
        if not same_layout:
            self.resizeRowsToContents()

    def _rebuild(self) -> None:
        self._filled = {}
        self.clearContents()
        self.clearSpans()
        groups = grouped(self.rows)
        self.setRowCount(sum(len(items) + 1 for _, items in groups))
        self._row_of_key.clear()
        index = 0
        bold = QFont(self.font())
        bold.setBold(True)
        for domain, items in groups:
            header = QTableWidgetItem(tr(DOMAIN_TITLES.get(domain, domain.capitalize())))
            header.setFont(bold)
            header.setBackground(QBrush(QColor(HEADER_BACKGROUND)))
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(index, 0, header)
            self.setSpan(index, 0, 1, 4)
            index += 1
            for row in items:
                self._row_of_key[row.key] = index
                for column in range(4):
                    item = QTableWidgetItem()
                    if column:
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    self.setItem(index, column, item)
                index += 1

    def _fill(self, index: int, row: FigureRow) -> bool:
        texts = row_texts(row)
        grew = False
        for column, text in enumerate(texts):
            item = self.item(index, column)
            old = item.text()
            if old == text:
                continue  # each setText re-lays the table out: skip unchanged cells
            grew = grew or len(text) > len(old)
            item.setText(text)
            item.setData(KEY_ROLE, row.key)
            if column == 0:
                explained = row.lineage is not None or self.explainer is not None
                hint = "\n" + tr("Click: why this number") if explained else ""
                item.setToolTip(f"{row.label} ({row.unit}) — {row.key}{hint}")
            elif column == 1:
                self.item(index, 2).setToolTip(f"{self.title_a}: {text}")
        color = change_color(row)
        change = self.item(index, 3)
        if change.data(COLOR_ROLE) != color:
            change.setData(COLOR_ROLE, color)
            change.setForeground(QBrush(QColor(color)) if color else QBrush())
        return grew

    def _on_cell_clicked(self, index: int, _column: int) -> None:
        item = self.item(index, 0)
        key = item.data(KEY_ROLE) if item is not None else None
        row = next((r for r in self.rows if r.key == key), None)
        if row is not None:
            self.explain(row.key)

    def explain(self, key: str) -> None:
        """Open the explanation of figure ``key`` (non-modal; one panel per table)."""
        from twin.ui.panels.lineage import LineagePanel

        row = next(r for r in self.rows if r.key == key)
        lineage = row.lineage
        if lineage is None and self.explainer is not None:
            try:
                lineage = self.explainer(key)
            except (KeyError, LookupError):
                lineage = None  # the figure went away meanwhile
        if lineage is None:
            return
        if self.lineage_panel is None:
            self.lineage_panel = LineagePanel(self)
        self.lineage_panel.show_lineage(lineage, row.label)
        self.figure_explained.emit(key)

    def row_texts(self, key: str) -> list[str]:
        """The four texts shown for figure ``key`` (for tests and accessibility)."""
        index = self._row_of_key[key]
        return [self.item(index, column).text() for column in range(4)]

    # --- export ----------------------------------------------------------------------------
    def csv_text(self) -> str:
        """CSV of the rows with plain numbers: domain, key, label, unit, A, B, change."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["domain", "key", "label", "unit", self.title_a, self.title_b, "change"])
        for domain, items in grouped(self.rows):
            for row in items:
                writer.writerow(
                    [
                        domain,
                        row.key,
                        row.label,
                        row.unit,
                        MASKED_LABEL if row.masked_a else _number(row.value_a),
                        MASKED_LABEL if row.masked_b else _number(row.value_b),
                        MASKED_LABEL if row.masked_delta else _number(row.delta),
                    ]
                )
        return buffer.getvalue()

    def export_csv(self, path: str | Path) -> Path:
        """Write :meth:`csv_text` to ``path`` (UTF-8); DataError if the folder is missing."""
        path = Path(path)
        if not path.parent.exists():
            raise DataError(
                tr("cannot write {name}: the folder {parent} does not exist").format(
                    name=path.name, parent=path.parent
                )
            )
        path.write_text(self.csv_text(), encoding="utf-8")
        return path

    def copy_text(self) -> str:
        """Tab-separated text of the table as shown (pastes into a spreadsheet)."""
        lines = ["\t".join([tr("Domain"), tr("Figure"), self.title_a, self.title_b, tr("Change")])]
        for domain, items in grouped(self.rows):
            title = tr(DOMAIN_TITLES.get(domain, domain))
            for row in items:
                lines.append("\t".join([title, *self.row_texts(row.key)]))
        return "\n".join(lines) + "\n"

    def copy_to_clipboard(self) -> str:
        """Put :meth:`copy_text` on the clipboard; returns it."""
        text = self.copy_text()
        QGuiApplication.clipboard().setText(text)
        return text
