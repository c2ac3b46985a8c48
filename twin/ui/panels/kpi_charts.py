"""pyqtgraph bar charts of the KPI dock: baseline (grey) against scenario (blue) per class
(coverage level, PTAL band), updated in place when the figures change."""

from __future__ import annotations

import math
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from twin.i18n import N_, tr, tr_label
from twin.kpi import Figure

BASELINE_COLOR = "#999999"  # Okabe-Ito grey
SCENARIO_COLOR = "#0072B2"  # Okabe-Ito blue
BAR_WIDTH = 0.38
HEADROOM = 1.1  # the value axis reaches at least 1.1 x the highest bar
RESCALE_HEADROOM = 1.3  # when it must move, it goes to 1.3 x the highest bar
LEVEL_KEYS = ("none", "limited", "good", "very_good")
LEVEL_NAMES = ("none", "limited", "good", "very good")
TECHNOLOGY_TAGS = {"4G": "4g", "5G": "5g", "4G+5G": "4g_5g"}
PTAL_BANDS = ("0", "1a", "1b", "2", "3", "4", "5", "6a", "6b")
_PTAL_KEY = re.compile(r"^transit\.persons\.ptal_(0|1a|1b|2|3|4|5|6a|6b)$")


class _ThousandsAxis(pg.AxisItem):
    """A value axis writing 150 k or 1.2 M instead of 1.5e5 (narrow enough for a dock)."""

    def tickStrings(self, values, scale, spacing):
        return [compact_number(float(v) * scale) for v in values]


def compact_number(value: float) -> str:
    """``950``, ``12 k``, ``1.5 M``: a short axis label of a count."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.3g} M"
    if size >= 1e4:
        return f"{value / 1e3:.0f} k"
    if size >= 1e3:
        return f"{value / 1e3:.3g} k"
    return f"{value:.3g}"


class _ChartView(pg.PlotWidget):
    """A plot that asks for a dock-sized height (pyqtgraph's default hint, ~450 px,
    would make a short KPI dock scroll past the middle of its chart)."""

    def sizeHint(self) -> QSize:
        return QSize(320, 190)


class BarChart(QWidget):
    """Grouped bars of one quantity (``unit``) per category, baseline next to scenario."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.categories: list[str] = []
        self.unit = ""
        self._y_top = 1.0  # top of the value axis (chart unit)
        self._shown: tuple | None = None  # (categories, unit, bar heights) drawn now
        self.plot = _ChartView(
            background="w", axisItems={"left": _ThousandsAxis("left")}, enableMenu=False
        )
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMinimumHeight(150)
        item = self.plot.getPlotItem()
        # the key is in the title, not a legend box that would cover the tallest bars
        item.setTitle(
            f"{title}&nbsp;&nbsp;<span style='color:{BASELINE_COLOR}'>&#9632;</span>&nbsp;"
            f"{tr('Baseline')}&nbsp;&nbsp;<span style='color:{SCENARIO_COLOR}'>&#9632;</span>"
            f"&nbsp;{tr('Scenario')}",
            color="#222222",
            size="9pt",
        )
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setTextPen("#333333")
            axis.setPen("#888888")
            # drawn once into a pixmap and reused while only the bars change: a live
            # update then repaints bars, not the axis text and grid (16 ms a time)
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.getAxis("left").setWidth(58)
        item.showGrid(x=False, y=True, alpha=0.25)
        self.baseline_bars = pg.BarGraphItem(
            x=[], height=[], width=BAR_WIDTH, brush=BASELINE_COLOR, pen=None, name=tr("Baseline")
        )
        self.scenario_bars = pg.BarGraphItem(
            x=[], height=[], width=BAR_WIDTH, brush=SCENARIO_COLOR, pen=None, name=tr("Scenario")
        )
        item.addItem(self.baseline_bars)
        item.addItem(self.scenario_bars)
        self.empty_label = QLabel(tr("No figures yet"))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: #777777; font-weight: normal;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        layout.addWidget(self.empty_label)
        self.empty_label.hide()

    def set_data(
        self,
        categories: list[str],
        baseline: list[float | None],
        scenario: list[float | None],
        unit: str,
    ) -> None:
        """Bars of ``baseline`` and ``scenario`` (in ``unit``) per category; no category
        shows "No figures yet"."""
        has_data = bool(categories)
        self.plot.setVisible(has_data)
        self.empty_label.setVisible(not has_data)
        base = np.array([_finite(v) for v in baseline], dtype=float)
        scen = np.array([_finite(v) for v in scenario], dtype=float)
        shown = (list(categories), unit, base.tobytes(), scen.tobytes())
        if shown == self._shown:
            return  # the same bars: nothing to redraw
        self._shown = shown
        x = np.arange(len(categories), dtype=float)
        self.baseline_bars.setOpts(x=x - BAR_WIDTH / 2, height=base, width=BAR_WIDTH)
        self.scenario_bars.setOpts(x=x + BAR_WIDTH / 2, height=scen, width=BAR_WIDTH)
        item = self.plot.getPlotItem()
        categories_changed = categories != self.categories
        if categories_changed:
            item.getAxis("bottom").setTicks([list(enumerate(categories))])
            self.categories = list(categories)
        if unit != self.unit:
            item.setLabel("left", unit, color="#333333")
            self.unit = unit
        top = float(max(base.max(initial=0.0), scen.max(initial=0.0)))
        if categories_changed:
            item.setXRange(-0.6, max(len(categories), 1) - 0.4, padding=0)
        # the value axis moves only when the bars outgrow it or
        # shrink well below it, and then with headroom, so that live updates (bars growing a
        # little at a time) do not redraw the axis every time
        needed = top * HEADROOM if top > 0 else 1.0
        if categories_changed or not (0.6 * self._y_top <= needed <= self._y_top):
            self._y_top = top * RESCALE_HEADROOM if top > 0 else 1.0
            item.setYRange(0.0, self._y_top, padding=0)

    def heights(self) -> tuple[list[float], list[float]]:
        """Bar heights drawn now (baseline, scenario), in the chart's unit."""
        return (
            [float(v) for v in self.baseline_bars.opts["height"]],
            [float(v) for v in self.scenario_bars.opts["height"]],
        )


def _finite(value: float | None) -> float:
    return float(value) if value is not None and math.isfinite(float(value)) else 0.0


class CoverageChart(QWidget):
    """Persons or premises per coverage level (none .. very good) of one technology."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figures: dict[str, Figure] = {}
        self.technology_box = QComboBox()
        self.technology_box.addItems(list(TECHNOLOGY_TAGS))
        self.technology_box.setCurrentText("5G")
        self.measure_box = QComboBox()
        for measure, text in (("persons", N_("people")), ("premises", N_("premises"))):
            self.measure_box.addItem(tr(text), measure)  # shown in the user's language
        self.chart = BarChart(tr("Coverage level"))
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        label = QLabel(tr("Coverage of"))
        label.setStyleSheet("font-weight: normal;")
        controls.addWidget(label)
        controls.addWidget(self.technology_box)
        controls.addWidget(self.measure_box)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.chart)
        self.technology_box.currentTextChanged.connect(lambda _t: self.refresh())
        self.measure_box.currentTextChanged.connect(lambda _t: self.refresh())

    def set_figures(self, figures: dict[str, Figure]) -> None:
        """Take the figures by key and redraw."""
        self.figures = figures
        self.refresh()

    def refresh(self) -> None:
        """Redraw for the chosen technology and measure."""
        tag = TECHNOLOGY_TAGS[self.technology_box.currentText()]
        measure = self.measure_box.currentData()
        found = [self.figures.get(f"radio.{tag}.{measure}.{level}") for level in LEVEL_KEYS]
        if not any(found):
            self.chart.set_data([], [], [], "")
            return
        self.chart.set_data(
            [tr_label(name) for name in LEVEL_NAMES],
            [f.published_baseline().value if f else None for f in found],  # privacy gate
            [f.published_value().value if f else None for f in found],
            self.measure_box.currentText(),  # "people" / "premises", in the user's language
        )


class PtalChart(QWidget):
    """People per PTAL band (0 .. 6b), baseline against scenario."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = BarChart(tr("People per PTAL band"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.chart)

    def set_figures(self, figures: dict[str, Figure]) -> None:
        """Redraw from the ``transit.persons.ptal_<band>`` figures."""
        by_band = {}
        for key, figure in figures.items():
            match = _PTAL_KEY.match(key)
            if match:
                by_band[match.group(1)] = figure
        bands = [band for band in PTAL_BANDS if band in by_band]
        self.chart.set_data(
            bands,
            [by_band[b].published_baseline().value for b in bands],  # privacy gate
            [by_band[b].published_value().value for b in bands],
            tr("people"),
        )
