"""What the first frame of ``twin`` waits for, and what the KPI dock shows at start: the
engines' heavy libraries load after the first map frame, and the baseline KPIs come
straight from the results stored in the ``.twin`` (before its hidden layers are read and
any engine runs). Asserts on order and content, not on time (time is for
``benchmarks/startup.py``)."""

from __future__ import annotations

import csv
import io

import pytest
from subprocess_report import fresh_interpreter_report

import twin
from twin.layers.privacy import MASKED_LABEL
from twin.project import Project
from twin.sim.whatif.result import WhatIfOptions
from twin.sim.whatif.runner import stored_summary

#: Libraries of the engines (power flow, sparse algebra, JIT, graphs, plots): none of them
#: may delay the first map frame.
ENGINE_LIBRARIES = ("pandapower", "scipy", "numba", "llvmlite", "networkx", "matplotlib", "dask")

# ``twin --startup-time --kpi-wait`` with two listeners: the modules imported when the first
# map frame is drawn, and the KPI dock's table (its CSV, what "Copy" gives) the first time
# it shows figures, with the start-up steps done by then.
SCRIPT = r"""
import json, sys
import twin.ui.app as app
from twin.cli import startup_clock

from PySide6.QtCore import QEvent, QObject, QTimer

report = {}


class FirstPaint(QObject):
    # installed last, so called first: the modules just after the first paint with layers,
    # before anything that waits for that paint (numba's kernels) starts loading
    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched, event):
        canvas = self.window.canvas
        if event.type() == QEvent.Type.Paint and canvas.project and canvas.project.layers:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: report.setdefault("modules", sorted(sys.modules)))
        return False


timer_init = app.StartupTimer.__init__

def init(self, window, kpi_wait_s=0.0):
    first_paint = FirstPaint(window)
    QTimer.singleShot(0, lambda: window.canvas.map_viewport().installEventFilter(first_paint))
    def on_shown(figures):
        if figures and "kpi_csv" not in report:
            report["kpi_csv"] = window.scenario.kpi.csv_text()
            report["steps_then"] = [name for name, _age, _cpu in startup_clock.marks()]
            report["layers_then"] = [layer.id for layer in window.project.layers]
    window.scenario.kpi.figures_shown.connect(on_shown)
    timer_init(self, window, kpi_wait_s)

app.StartupTimer.__init__ = init
from twin.cli import main
code = main(["--startup-time", "--kpi-wait", "120"])
print("REPORT " + json.dumps(report))
sys.exit(code)
"""


@pytest.fixture(scope="module")
def startup_report() -> dict:
    return fresh_interpreter_report(SCRIPT, timeout=600)


def test_no_engine_library_is_imported_before_the_first_map_frame(startup_report):
    modules = startup_report["modules"]
    assert "twin.ui.map.canvas" in modules  # (the listener ran in the app)
    loaded = [m for m in modules if m.split(".")[0] in ENGINE_LIBRARIES]
    assert loaded == []
    # nor the engines themselves: fiber, transit and energy load with their first job
    engines = ("twin.sim.fiber", "twin.sim.transit", "twin.sim.energy", "twin.sim.network")
    assert [m for m in modules if m.startswith(engines)] == []
    # nor pyqtgraph's plots (the KPI charts are built after the first frame)
    plots = ("pyqtgraph.graphicsItems.PlotItem", "pyqtgraph.parametertree", "pyqtgraph.imageview")
    assert [m for m in modules if m.startswith(plots)] == []
    assert "twin.ui.panels.kpi_charts" not in modules


def test_the_kpi_dock_shows_the_stored_baseline_before_the_hidden_layers_are_read(
    startup_report,
):
    # shown before the hidden layers were added, hence before any engine could run
    assert "hidden layers added" not in startup_report["steps_then"]
    assert "population_grid" not in startup_report["layers_then"]  # a hidden layer
    # ...and they are the figures stored in the file for the baseline (read here without Qt)
    project = Project.open(twin.sample_project_path())
    stored = stored_summary(project, "radio", (), WhatIfOptions())
    assert stored is not None and stored.figures
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(startup_report["kpi_csv"]))}
    shown = 0
    for figure in stored.figures:
        row = rows[figure.key]
        assert row["unit"] == figure.unit
        if row["Baseline"] not in ("", MASKED_LABEL):
            assert float(row["Baseline"]) == pytest.approx(figure.value, rel=1e-9)
            shown += 1
    assert shown >= 3  # persons with good 4G/5G coverage among them, not all masked
    assert rows["radio.4g_5g.persons.good_or_better"]["Baseline"] not in ("", MASKED_LABEL)
