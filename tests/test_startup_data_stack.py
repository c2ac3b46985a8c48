"""The main window's modules do not import the data stack (pandas, GeoPandas, pyogrio,
pyproj): building and showing the window with no project leaves them unloaded, so that a
first map frame can be drawn without them (issue 9). The modules that need them import them
inside the functions that use them. Each check runs in a fresh interpreter (an import is
once per process)."""

from __future__ import annotations

from subprocess_report import fresh_interpreter_report

DATA_STACK = ("pandas", "geopandas", "pyogrio", "pyproj")

WINDOW_SIDE = r"""
import json, sys
from twin.ui.app import create_application, import_pyqtgraph_lazily
from twin.ui.map import jit
jit.defer_loading()
import_pyqtgraph_lazily()  # as twin's start-up does
app = create_application()
from twin.ui.main_window import MainWindow
window = MainWindow()
window.resize(1200, 800)
window.show()
for _ in range(20):
    app.processEvents()
report = {"loaded": sorted({m.split(".")[0] for m in sys.modules})}
report["visible"] = window.isVisible()
report["has_map"] = window.canvas.isVisible()
print("REPORT " + json.dumps(report))
"""


def _report() -> dict:
    return fresh_interpreter_report(WINDOW_SIDE, timeout=300)


def test_the_window_with_no_project_loads_no_data_library():
    report = _report()
    assert report["visible"] and report["has_map"]
    assert [m for m in DATA_STACK if m in report["loaded"]] == []
