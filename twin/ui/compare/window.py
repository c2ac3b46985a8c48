"""The compare window: two scenarios side by side or swiped on one map, the result layer
shown, a difference layer (coverage levels gained/lost, PTAL band change) that can be
shown and exported, and the KPI table of the two."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from twin.errors import DataError, TwinError
from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.base import Layer
from twin.layers.compare_themes import comparable_pairs, theme_difference, with_fiber_eligibility
from twin.layers.difference import base_name
from twin.layers.io import write_layer
from twin.layers.raster import RasterLayer
from twin.project import Project
from twin.ui.compare.maps import (
    default_theme,
    is_result_layer,
    place_of,
    result_themes,
    scenario_project,
    show_theme,
)
from twin.ui.compare.side_by_side import SideBySideView
from twin.ui.compare.swipe import SwipeView
from twin.ui.compare.table import CompareTable

MODES = ("side-by-side", "swipe")


@dataclass
class ScenarioData:
    """What the compare window needs of one scenario: its ``name`` (None = baseline), the
    ``title`` shown, its result ``layers`` and its KPI ``figures``."""

    name: str | None
    layers: list[Layer] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The name shown on the maps and in the table."""
        return self.name or tr("Baseline")


def _swatch(color: str) -> str:
    """A coloured square; an outlined one for near-white colours (else invisible)."""
    rgb = color.lstrip("#")[:6]
    if len(rgb) == 6 and min(int(rgb[i : i + 2], 16) for i in (0, 2, 4)) > 235:
        return "<span style='color:#888888'>□</span>"
    return f"<span style='color:#{rgb}'>■</span>"


def legend_html(layer: Layer) -> str:
    """A one-line legend of ``layer``: its name, then a coloured square per class."""
    parts = [f"<b>{html.escape(base_name(layer.name))}</b>:"]
    for entry in layer.legend_entries():
        if entry.shape == "ramp" and entry.ramp:
            swatches = "".join(_swatch(c) for c in entry.ramp)
            parts.append(f"{swatches} {html.escape(entry.label)}")
        elif entry.fill_color:
            parts.append(f"{_swatch(entry.fill_color)} {html.escape(entry.label)}")
    return "&nbsp;&nbsp;".join(parts)


class CompareWindow(QWidget):
    """Compare scenario A with scenario B (maps, difference layer, KPI table)."""

    def __init__(
        self, baseline: Project | None, mode: str = "side-by-side", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        if mode not in MODES:
            raise ValueError(f"unknown compare mode {mode!r}; expected one of {MODES}")
        self.setWindowTitle(tr("Compare scenarios"))
        self.baseline = baseline
        self.mode = mode
        self.a: ScenarioData | None = None
        self.b: ScenarioData | None = None
        self.project_a: Project | None = None
        self.project_b: Project | None = None
        self.views: dict[str, QWidget] = {}
        self.pairs: list[tuple[Layer, Layer]] = []
        self.shown_difference: Layer | None = None
        self._theme: str | None = None
        self._differences: dict[int, Layer] = {}
        self._build()

    def _build(self) -> None:
        self.theme_box = QComboBox()
        self.theme_box.setMinimumContentsLength(18)
        # as wide as its longest theme ("Isochrones from Rennes town hall" was cut)
        self.theme_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.theme_box.setToolTip(
            tr("The theme shown on both maps: coverage per technology, PTAL, loading, fiber…")
        )
        self.mode_buttons = QButtonGroup(self)
        mode_row = QHBoxLayout()
        mode_row.setSpacing(0)
        for index, (mode, text) in enumerate(
            (("side-by-side", tr("Side by side")), ("swipe", tr("Swipe")))
        ):
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setChecked(mode == self.mode)
            self.mode_buttons.addButton(button, index)
            mode_row.addWidget(button)
        self.difference_box = QComboBox()
        self.difference_box.setMinimumContentsLength(16)
        self.difference_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.difference_check = QCheckBox(tr("Show difference"))
        self.export_button = QPushButton(tr("Export difference…"))
        self.status_label = QLabel(tr("Computing the two scenarios…"))
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.status_label)
        self.table = CompareTable()
        self.legend_label = QLabel()
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.setWordWrap(True)
        self.legend_label.setStyleSheet("font-weight: normal; color: #222222;")
        toolbar = QHBoxLayout()
        toolbar.addWidget(QLabel(tr("Theme:")))
        toolbar.addWidget(self.theme_box)
        toolbar.addSpacing(12)
        toolbar.addLayout(mode_row)
        toolbar.addSpacing(12)
        toolbar.addWidget(QLabel(tr("Difference:")))
        toolbar.addWidget(self.difference_box)
        toolbar.addWidget(self.difference_check)
        toolbar.addWidget(self.export_button)
        toolbar.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.stack)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([540, 200])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(toolbar)
        layout.addWidget(self.legend_label)
        layout.addWidget(splitter, 1)
        self.resize(1100, 760)
        self.theme_box.currentTextChanged.connect(self._on_theme_chosen)
        self.mode_buttons.idClicked.connect(lambda index: self.set_mode(MODES[index]))
        self.difference_check.toggled.connect(self._on_difference_toggled)
        self.difference_box.currentIndexChanged.connect(self._on_difference_chosen)
        self.export_button.clicked.connect(self._ask_export)
        self._enable(False)

    def _enable(self, ready: bool) -> None:
        for widget in (self.theme_box, self.difference_check, self.export_button):
            widget.setEnabled(ready and (widget is self.theme_box or bool(self.pairs)))
        self.difference_box.setEnabled(ready and bool(self.pairs))

    # --- data ------------------------------------------------------------------------------
    def set_scenarios(self, a: ScenarioData, b: ScenarioData) -> None:
        """Show scenario ``a`` against scenario ``b`` (maps, differences, table)."""
        data_layers = [] if self.baseline is None else list(self.baseline.layers)
        a = ScenarioData(a.name, with_fiber_eligibility(a.layers, data_layers, a.title), a.figures)
        b = ScenarioData(b.name, with_fiber_eligibility(b.layers, data_layers, b.title), b.figures)
        self.a, self.b = a, b
        self.setWindowTitle(tr("Compare {0} and {1}").format(a.title, b.title))
        for view in self.views.values():
            self.stack.removeWidget(view)
            view.deleteLater()
        self.views.clear()
        self.shown_difference = None
        self._differences.clear()
        masks: dict = {}  # one territory mask per raster grid, for both scenarios
        self.project_a = scenario_project(self.baseline, a.layers, masks)
        self.project_b = scenario_project(self.baseline, b.layers, masks)
        themes = result_themes(a.layers, b.layers)
        self.theme_box.blockSignals(True)
        self.theme_box.clear()
        self.theme_box.addItems(themes)
        self.theme_box.blockSignals(False)
        self.pairs = comparable_pairs(a.layers, b.layers)
        self.difference_box.blockSignals(True)
        self.difference_box.clear()
        names = [base_name(first.name) for first, _ in self.pairs]
        self.difference_box.addItems(names)
        theme = default_theme(themes)
        if theme in names:
            self.difference_box.setCurrentIndex(names.index(theme))
        self.difference_box.blockSignals(False)
        self.difference_check.setChecked(False)
        self.table.set_figures(a.figures, b.figures, a.title, b.title)
        self.set_theme(theme)
        self.set_mode(self.mode)
        self._enable(True)

    def set_theme(self, theme: str | None) -> None:
        """Show the result layer ``theme`` (name without scenario) on both maps (hidden
        while a difference layer is shown)."""
        if theme is not None and self.theme_box.currentText() != theme:
            self.theme_box.setCurrentText(theme)
        self._theme = theme
        drawn = None if self.shown_difference is not None else theme
        for project in (self.project_a, self.project_b):
            if project is not None:
                show_theme(project, drawn)
        self._update_legend()

    def _update_legend(self) -> None:
        """One line per layer drawn over the data: its name and its classes' colours."""
        layers = []
        if self.project_a is not None:
            layers = [
                layer
                for layer in self.project_a.layers
                if layer.visible and (is_result_layer(layer) or layer is self.shown_difference)
            ]
        self.legend_label.setText("<br>".join(legend_html(layer) for layer in layers))

    def _on_theme_chosen(self, theme: str) -> None:
        self.set_theme(theme or None)

    def set_mode(self, mode: str) -> QWidget:
        """Show the maps ``side-by-side`` or as a ``swipe``; returns the view."""
        if mode not in MODES:
            raise ValueError(f"unknown compare mode {mode!r}; expected one of {MODES}")
        previous = self.views.get(self.mode)
        self.mode = mode
        self.mode_buttons.button(MODES.index(mode)).setChecked(True)
        if self.project_a is None:
            return self.status_label
        view = self.views.get(mode)
        if view is None:
            cls = SideBySideView if mode == "side-by-side" else SwipeView
            view = cls(self.project_a, self.project_b, self.a.title, self.b.title)
            self.views[mode] = view
            self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        if previous is not None and previous is not view:
            # the same centre and scale (metres per pixel), not the same box: a swipe box
            # fitted into a half-width pane zoomed out at every switch
            view.show_place(*place_of(previous.canvas_a))
        return view

    def closeEvent(self, event) -> None:
        """Stop a running computation and detach the maps from the shared data layers."""
        job = getattr(self, "job", None)
        if job is not None and not job.done:
            job.cancel()
        for view in self.views.values():
            for canvas in view.canvases():
                canvas.set_project(None)
        super().closeEvent(event)

    def current_view(self) -> QWidget | None:
        """The side-by-side or swipe view shown (None before the scenarios are set)."""
        return self.views.get(self.mode)

    # --- difference ----------------------------------------------------------------------------
    def difference(self, index: int | None = None) -> Layer:
        """The difference layer of pair ``index`` (default: the chosen one), B against A."""
        index = self.difference_box.currentIndex() if index is None else index
        if not self.pairs or not 0 <= index < len(self.pairs):
            raise DataError(
                tr(
                    "these two scenarios have no coverage level, PTAL, loading or fiber "
                    "eligibility layers to compare"
                )
            )
        if index not in self._differences:
            first, second = self.pairs[index]
            self._differences[index] = theme_difference(first, second, self.a.title, self.b.title)
        return self._differences[index]

    def show_difference(self, shown: bool) -> None:
        """Draw the chosen difference layer on top of both maps (or remove it)."""
        for project in (self.project_a, self.project_b):
            if project is not None and self.shown_difference in project.layers:
                project.remove_layer(self.shown_difference)
        self.shown_difference = None
        if shown and self.pairs:
            layer = self.difference()
            for project in (self.project_a, self.project_b):
                project.add_layer(layer, index=0)
            self.shown_difference = layer
        # the difference is drawn over the data layers alone: its blues and oranges would
        # be lost over a coverage map
        self.set_theme(self._theme)

    def _on_difference_toggled(self, checked: bool) -> None:
        try:
            self.show_difference(checked)
        except TwinError as error:
            QMessageBox.warning(self, tr("Difference"), str(error))

    def _on_difference_chosen(self, _index: int) -> None:
        if self.difference_check.isChecked():
            self._on_difference_toggled(True)

    def export_difference(self, path: str | Path) -> Path:
        """Write the chosen difference layer: GeoTIFF (raster) or GeoPackage (vector)."""
        return write_layer(self.difference(), path)

    def _ask_export(self) -> None:
        try:
            layer = self.difference()
        except TwinError as error:
            QMessageBox.warning(self, tr("Export difference"), str(error))
            return
        raster = isinstance(layer, RasterLayer)
        suffix, kind = (".tif", "GeoTIFF (*.tif)") if raster else (".gpkg", "GeoPackage (*.gpkg)")
        stem = base_name(layer.name).replace(" ", "_")
        path, _ = QFileDialog.getSaveFileName(self, tr("Export difference"), stem + suffix, kind)
        if not path:
            return
        try:
            self.export_difference(path)
        except (OSError, TwinError) as error:
            QMessageBox.warning(self, tr("Export difference"), str(error))
