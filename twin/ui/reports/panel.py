"""The citizen reports panel: a time filter (from / to date sliders) and a category filter
that redraw the reports heat map on the map (:mod:`twin.layers.reports_heat`).

Moving a slider recomputes the heat map layer of the project (counts on a 100 m grid and
two 1-D Gaussian convolutions; about 0.2 s for 20 000 reports on a loaded 2-core machine,
``benchmarks/reports.py``), which the map redraws through the layer's ``data`` event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from twin.i18n import tr
from twin.layers.reports import CATEGORIES, reports_layer
from twin.layers.reports_heat import date_span, filter_reports, update_heat_layer

if TYPE_CHECKING:
    import pandas as pd


class ReportsPanel(QWidget):
    """Time window and category of the citizen reports shown by the heat map.

    ``from_slider`` and ``to_slider`` hold days since the first report; ``category_box``
    picks one category or all. Emits ``filter_changed(shown)`` with the number of reports
    in the window after the heat map is redrawn."""

    filter_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self._first: pd.Timestamp | None = None
        layout = QVBoxLayout(self)
        self.summary = QLabel(tr("No citizen reports in this project"))
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        form = QFormLayout()
        self.category_box = QComboBox()
        self.category_box.addItem(tr("All categories"), None)
        for category in CATEGORIES:
            self.category_box.addItem(tr(category.capitalize()), category)
        form.addRow(tr("Category"), self.category_box)
        self.from_slider = QSlider(Qt.Orientation.Horizontal)
        self.to_slider = QSlider(Qt.Orientation.Horizontal)
        self.from_label, self.to_label = QLabel(), QLabel()
        form.addRow(tr("From"), self.from_slider)
        form.addRow("", self.from_label)
        form.addRow(tr("To"), self.to_slider)
        form.addRow("", self.to_label)
        layout.addLayout(form)
        layout.addStretch(1)
        self.from_slider.valueChanged.connect(self._on_from_changed)
        self.to_slider.valueChanged.connect(self._on_to_changed)
        self.category_box.currentIndexChanged.connect(self._redraw)
        self._set_enabled(False)

    def set_project(self, project) -> None:
        """Follow ``project``'s reports (None: nothing). The sliders take the window of the
        project's heat map when it has one (else every date); nothing is recomputed until
        a filter is moved (:meth:`redraw`), so opening a project does not modify it."""
        self.project = project
        layer = reports_layer(project) if project is not None else None
        span = date_span(layer.frame) if layer is not None else None
        self._set_enabled(layer is not None and span is not None)
        self._first = None if span is None else span[0]
        if layer is None:
            self.summary.setText(tr("No citizen reports in this project"))
            return
        if span is not None:
            days = int((span[1] - span[0]).days)
            chosen = _heat_parameters(project)
            first = _day_offset(chosen.get("start"), span[0], 0, days)
            last = _day_offset(chosen.get("end"), span[0], days, days)
            sliders = (self.from_slider, self.to_slider, self.category_box)
            for widget in sliders:
                widget.blockSignals(True)
            for slider in (self.from_slider, self.to_slider):
                slider.setRange(0, days)
                slider.setPageStep(max(1, days // 12))
            self.from_slider.setValue(first)
            self.to_slider.setValue(max(first, last))
            index = self.category_box.findData(chosen.get("category"))
            self.category_box.setCurrentIndex(max(0, index))
            for widget in sliders:
                widget.blockSignals(False)
        self._show_counts()

    def window_dates(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and last day shown (UTC), None when the reports have no dates."""
        import pandas as pd

        if self._first is None:
            return None, None
        day = pd.Timedelta(days=1)
        return (
            self._first + self.from_slider.value() * day,
            self._first + self.to_slider.value() * day,
        )

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.from_slider, self.to_slider, self.category_box):
            widget.setEnabled(enabled)

    def _on_from_changed(self, value: int) -> None:
        if self.to_slider.value() < value:
            self.to_slider.setValue(value)  # redraws
        else:
            self._redraw()

    def _on_to_changed(self, value: int) -> None:
        if self.from_slider.value() > value:
            self.from_slider.setValue(value)  # redraws
        else:
            self._redraw()

    def redraw(self) -> None:
        """Recompute the heat map for the filters shown and tell how many reports it holds."""
        if self.project is None or reports_layer(self.project) is None:
            return
        start, end = self.window_dates()
        update_heat_layer(self.project, start, end, self.category_box.currentData())
        self.filter_changed.emit(self._show_counts())

    _redraw = redraw

    def _show_counts(self) -> int:
        layer = reports_layer(self.project)
        start, end = self.window_dates()
        shown = len(filter_reports(layer.frame, start, end, self.category_box.currentData()))
        if start is not None:
            self.from_label.setText(start.strftime("%Y-%m-%d"))
            self.to_label.setText(end.strftime("%Y-%m-%d"))
        self.summary.setText(
            tr("{shown} of {total} citizen reports shown").format(
                shown=shown, total=len(layer.frame)
            )
        )
        return shown


def _heat_parameters(project) -> dict:
    """The filters of the project's heat map layer ({} when it has none)."""
    from twin.layers.reports_heat import HEAT_LAYER_ID

    for layer in project.layers:
        if layer.id == HEAT_LAYER_ID:
            return dict(layer.provenance.parameters)
    return {}


def _day_offset(text, first: pd.Timestamp, default: int, days: int) -> int:
    """Days from ``first`` to the date ``text`` (clamped to 0..days), ``default`` when
    there is no date."""
    import pandas as pd

    if not text:
        return default
    stamp = pd.Timestamp(text)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return int(min(max((stamp - first).days, 0), days))
