"""View > Coverage by commune: persons and premises per coverage level for each commune of
the shown coverage level layer, through the privacy gate (a figure resting on fewer than 11
households reads "< 11 households"), sortable, exported to CSV, a row zooms to its commune;
on demand the communes without good coverage are highlighted in the table and on the map.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGraphicsPathItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from twin.cli.coverage import commune_names, readable_people
from twin.i18n import N_, format_number, language, masked_label, tr, tr_label
from twin.sim.radio.coverage import LEVEL_LABELS, Grid
from twin.sim.radio.population import PeopleCounter, PopulationPoints

COLUMNS = (
    N_("Commune"),
    "INSEE",
    *(f"persons: {label}" for label in LEVEL_LABELS),
    *(f"premises: {label}" for label in LEVEL_LABELS),
)


def coverage_level_layer(project):
    """The coverage level raster to tabulate: the first layer whose name ends with
    "coverage level" (the current scenario's or the baseline's), else None."""
    if project is None:
        return None
    for layer in project.layers:
        if layer.kind == "raster" and layer.name.endswith("coverage level"):
            return layer
    return None


def commune_rows(project, level_layer) -> list[dict]:
    """One row per commune: ``insee``, ``name``, ``persons`` and ``premises`` (lists of four
    published figures, level 0-3: whole numbers, or None when masked by the privacy gate)."""
    return commune_table(project, level_layer)[0]


def commune_table(project, level_layer) -> tuple[list[dict], dict]:
    """The rows of :func:`commune_rows` and the whole territory's ``persons`` and
    ``premises`` (published whole numbers, None when masked), which the rows add up to
    with their masked figures."""
    try:
        buildings = project.layer("buildings").frame
    except (KeyError, LookupError, ValueError):
        return [], {"persons": None, "premises": None}
    points = PopulationPoints.from_frame(buildings, zone_column="insee")
    level = getattr(level_layer, "engine_level", None)
    if level is None or np.shape(level) != np.shape(level_layer.array):
        level = level_layer.array
    # a level clipped to the territory holds OUTSIDE_LEVEL (no class) beyond the communes:
    # counted as "no coverage" when the engine's own level is not at hand
    level = np.where(np.asarray(level) <= 3, level, 0).astype(np.uint8)
    grid = Grid(level_layer.transform, level.shape, level_layer.crs)
    summary = PeopleCounter(points, grid).count(level)
    people = readable_people(summary.to_dict(), commune_names(project))
    rows = []
    for code, zone in sorted(people["zones"].items(), key=lambda item: item[1]["name"]):
        rows.append(
            {
                "insee": code,
                "name": zone["name"],
                "persons": [_number(zone["persons"][label]) for label in LEVEL_LABELS],
                "premises": [
                    _number(zone["premises"][label], whole=True) for label in LEVEL_LABELS
                ],
            }
        )
    totals = {
        "persons": _number(people["total_persons"]),
        "premises": _number(people["total_premises"], whole=True),
    }
    return rows, totals


def _number(item, whole: bool = False) -> int | None:
    if item is None or isinstance(item, dict):
        return None  # masked (fewer than 11 households) or unknown
    return round(item)


def communes_without_good_coverage(rows: list[dict]) -> list[str]:
    """INSEE codes of the communes where fewer than half of the persons (published
    figures) have good or very good coverage; a commune whose persons are all masked is
    listed only when its good and very good figures are published zeros."""
    codes = []
    for row in rows:
        persons = row["persons"]
        known = sum(v for v in persons if v is not None)
        good = sum(v for v in persons[2:] if v is not None)
        mostly_without = good < 0.5 * known if known > 0 else all(v == 0 for v in persons[2:])
        if mostly_without:
            codes.append(row["insee"])
    return codes


class CommuneHighlight:
    """Communes drawn over a map canvas with a thick dark outline on a white halo and a
    hatch, so a gap reads on the coverage colours; ``communes``: GeoDataFrame with
    ``insee`` and geometry in the map's CRS (metres)."""

    def __init__(self, canvas, communes) -> None:
        self.canvas = canvas
        self.communes = communes
        self.items: list[QGraphicsPathItem] = []

    def show(self, codes) -> None:
        """Highlight the communes of INSEE ``codes`` (replaces the previous ones)."""
        self.clear()
        codes = set(codes)
        if not codes or self.communes is None:
            return
        chosen = self.communes[self.communes["insee"].astype(str).isin(codes)]
        path = QPainterPath()
        for geometry in chosen.geometry.values:
            for polygon in getattr(geometry, "geoms", [geometry]):
                for ring in (polygon.exterior, *polygon.interiors):
                    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in ring.coords]))
                    path.closeSubpath()
        halo = QGraphicsPathItem(path)
        halo.setPen(_pen("#FFFFFF", 7.0))
        outline = QGraphicsPathItem(path)
        outline.setPen(_pen(HIGHLIGHT_COLOR, 3.5))
        outline.setBrush(QBrush(QColor(HIGHLIGHT_COLOR), Qt.BrushStyle.BDiagPattern))
        for z, item in enumerate((halo, outline)):
            item.setZValue(HIGHLIGHT_Z + z)
            self.canvas.view_box.addItem(item, ignoreBounds=True)
            self.items.append(item)

    def clear(self) -> None:
        """Remove the highlight from the map."""
        for item in self.items:
            self.canvas.view_box.removeItem(item)
        self.items = []


HIGHLIGHT_COLOR = "#1A1A1A"
HIGHLIGHT_Z = 9000  # over every layer (layer z values are their rank, from 1)


def _pen(color: str, width_px: float) -> QPen:
    pen = QPen(QColor(color), width_px)
    pen.setCosmetic(True)  # pixels on screen, whatever the zoom
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _count_text(value: int) -> str:
    """A whole count as the table shows it: "447 429" (English keeps its spaces)."""
    return f"{value:,}".replace(",", " ") if language() == "en" else format_number(value)


def _total_text(value: int | None) -> str:
    return masked_label() if value is None else _count_text(value)


class _NumberItem(QTableWidgetItem):
    """A cell that sorts by its number (masked cells sort first)."""

    def __init__(self, value: int | None) -> None:
        super().__init__(masked_label() if value is None else _count_text(value))
        self.value = -1 if value is None else value
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other) -> bool:
        return self.value < getattr(other, "value", -1)


class CoverageTableDialog(QDialog):
    """The "Coverage by commune" table: sortable columns, CSV export, a click on a row
    zooms the map to that commune (``zoom_to(bbox)``), gaps highlighted on demand."""

    def __init__(
        self,
        rows: list[dict],
        zoom_to: Callable | None = None,
        communes=None,
        parent=None,
        highlight: CommuneHighlight | None = None,
        totals: dict | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Coverage by commune"))
        self.rows = rows
        self.zoom_to = zoom_to
        self.highlight = highlight  # draws the highlighted communes on the map
        self.communes = communes  # GeoDataFrame with insee + geometry, for zooming
        self.table = QTableWidget(len(rows), len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr_label(column) for column in COLUMNS])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for r, row in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(row["name"]))
            self.table.setItem(r, 1, QTableWidgetItem(row["insee"]))
            for i, value in enumerate(row["persons"] + row["premises"]):
                self.table.setItem(r, 2 + i, _NumberItem(value))
        self.table.setSortingEnabled(True)  # (sorts by the header's default: Z to A)
        self.table.sortItems(0, Qt.SortOrder.AscendingOrder)  # communes A to Z
        self.table.resizeColumnsToContents()
        self.table.cellClicked.connect(self._on_clicked)
        self.export_button = QPushButton(tr("Export CSV…"))
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.highlight_button = QPushButton(tr("Highlight communes without good coverage"))
        self.highlight_button.setCheckable(True)
        self.highlight_button.toggled.connect(self._on_highlight)
        buttons = QHBoxLayout()
        buttons.addWidget(self.highlight_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                tr(
                    "Persons and premises per coverage level (rounded; figures resting on "
                    "fewer than 11 households read “{MASKED_LABEL}”). Click a row to zoom."
                ).format(MASKED_LABEL=masked_label())
            )
        )
        layout.addWidget(self.table)
        self.totals_label = QLabel()
        if totals is not None:
            self.totals_label.setText(
                tr(
                    "Whole territory: {persons} persons, {premises} premises "
                    "(the rows with their masked figures add up to these)."
                ).format(
                    persons=_total_text(totals.get("persons")),
                    premises=_total_text(totals.get("premises")),
                )
            )
            layout.addWidget(self.totals_label)
        layout.addLayout(buttons)
        self.resize(1100, 500)
        if highlight is not None:
            self.finished.connect(lambda _result: highlight.clear())

    def shown_rows(self) -> list[list[str]]:
        """The table as the user sees it (header row first), in the current sort order."""
        header = [self.table.horizontalHeaderItem(c).text() for c in range(len(COLUMNS))]
        body = [
            [self.table.item(r, c).text() for c in range(len(COLUMNS))]
            for r in range(self.table.rowCount())
        ]
        return [header, *body]

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the table to a CSV file (asks for a name when ``path`` is None)."""
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, tr("Export coverage by commune"), "coverage_by_commune.csv", tr("CSV (*.csv)")
            )
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            for row in self.shown_rows():
                writer.writerow([cell.replace("\u202f", " ") for cell in row])
        return path

    def _on_clicked(self, row: int, _column: int) -> None:
        code = self.table.item(row, 1).text()
        if self.zoom_to is None or self.communes is None:
            return
        match = self.communes[self.communes["insee"].astype(str) == code]
        if len(match):
            self.zoom_to(tuple(float(v) for v in match.total_bounds))

    def _on_highlight(self, on: bool) -> None:
        gaps = set(communes_without_good_coverage(self.rows)) if on else set()
        if self.highlight is not None:
            self.highlight.show(gaps)
        for r in range(self.table.rowCount()):
            gap = self.table.item(r, 1).text() in gaps
            for c in range(len(COLUMNS)):
                item = self.table.item(r, c)
                item.setBackground(Qt.GlobalColor.yellow if gap else Qt.GlobalColor.transparent)
                font = item.font()
                font.setBold(gap)
                item.setFont(font)


def open_coverage_table(window: QWidget) -> CoverageTableDialog | None:
    """View > Coverage by commune… for ``window`` (a MainWindow): one line in the status bar
    when no coverage level is shown yet."""
    project = window.project
    level = coverage_level_layer(project)
    if level is None:
        window.statusBar().showMessage(tr("No coverage level on the map yet: wait for it"), 8000)
        return None
    communes = None
    try:
        communes = project.layer("communes").frame
    except (KeyError, LookupError, ValueError):
        communes = None
    rows, totals = commune_table(project, level)
    dialog = CoverageTableDialog(
        rows,
        window.canvas.zoom_to_bbox,
        communes,
        window,
        highlight=CommuneHighlight(window.canvas, communes),
        totals=totals,
    )
    dialog.show()
    window.coverage_table = dialog
    return dialog
