"""pyqtgraph imported with the map's items only (twin/ui/app_pyqtgraph.py): before the first
frame the plot widgets, parameter trees and image views are not loaded, and the first name
asked of the package that it does not hold yet completes it into what a plain
``import pyqtgraph`` gives. The KPI charts (pyqtgraph plots) are built after the window's
first map frame. Each check runs in a fresh interpreter (an import is once per process)."""

from __future__ import annotations

from subprocess_report import fresh_interpreter_report
from ui_helpers import make_project

from twin.ui.main_window import MainWindow

CANVAS_SIDE = r"""
import json, sys
from twin.ui.app import import_pyqtgraph_lazily
import_pyqtgraph_lazily()
import pyqtgraph as pg
report = {"before": sorted(m for m in sys.modules if m.startswith("pyqtgraph"))}
report["canvas_names"] = {
    name: name in vars(pg)
    for name in ("ViewBox", "GraphicsView", "ImageItem", "ScatterPlotItem", "GraphicsObject",
                 "PlotDataItem", "mkPen", "mkBrush", "getConfigOption", "setConfigOptions")
}
try:
    pg.NoSuchThing
    report["unknown"] = "no error"
except AttributeError as error:
    report["unknown"] = "AttributeError"
from pyqtgraph import ColorMap  # a name of a left-out module, by a from-import
report["color_map"] = ColorMap.__module__
report["names"] = sorted(k for k in vars(pg) if not k.startswith("_"))
report["after"] = sorted(m for m in sys.modules if m.startswith("pyqtgraph"))
print("REPORT " + json.dumps(report))
"""

PLAIN_SIDE = r"""
import json, sys
import PySide6.QtWidgets
import pyqtgraph as pg
report = {"names": sorted(k for k in vars(pg) if not k.startswith("_"))}
report["after"] = sorted(m for m in sys.modules if m.startswith("pyqtgraph"))
print("REPORT " + json.dumps(report))
"""


def _report(script: str) -> dict:
    return fresh_interpreter_report(script, timeout=300)


def test_the_map_items_are_there_and_the_plots_load_on_first_use_into_the_whole_package():
    canvas, plain = _report(CANVAS_SIDE), _report(PLAIN_SIDE)
    assert all(canvas["canvas_names"].values()), canvas["canvas_names"]
    left_out = (
        "pyqtgraph.graphicsItems.PlotItem",
        "pyqtgraph.parametertree",
        "pyqtgraph.imageview",
        "pyqtgraph.widgets.PlotWidget",
    )
    assert [m for m in canvas["before"] if m.startswith(left_out)] == []
    assert len(canvas["before"]) < len(plain["after"]) / 2
    assert canvas["unknown"] == "AttributeError"  # completed, and still unknown
    assert canvas["color_map"] == "pyqtgraph.colormap"
    # completed: the same names and modules as a plain import
    assert canvas["names"] == plain["names"]
    assert canvas["after"] == plain["after"]


def test_the_kpi_charts_are_built_once_the_map_has_drawn_the_project(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    kpi = window.scenario.kpi
    charts = kpi.charts  # the Coverage / PTAL tabs
    window.kpi_dock.raise_()  # (its tab in front: the dock is shown)
    qtbot.waitUntil(lambda: kpi.isVisible())
    assert charts.widget(0).layout().count() == 0  # no chart yet: the map has drawn nothing
    window.set_project(make_project())
    qtbot.waitUntil(lambda: charts.widget(0).layout().count() == 1, timeout=10_000)
    chart = charts.widget(0).layout().itemAt(0).widget()
    assert chart is kpi.coverage_chart  # the dock's own chart, built once
    qtbot.waitUntil(chart.isVisible)  # in the dock's Coverage tab
    assert charts.widget(1).layout().itemAt(0).widget() is kpi.ptal_chart


def test_without_a_project_the_kpi_charts_are_built_all_the_same(qtbot):
    window = MainWindow()  # no project: no map frame with layers will come
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    window.kpi_dock.raise_()
    charts = window.scenario.kpi.charts
    qtbot.waitUntil(window.scenario.kpi.isVisible)
    # built once the wait for a first frame gives up (twin/ui/map/paint.py)
    qtbot.waitUntil(lambda: charts.widget(0).layout().count() == 1, timeout=15_000)
    assert charts.widget(0).layout().itemAt(0).widget() is window.scenario.kpi.coverage_chart
