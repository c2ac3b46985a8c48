"""Guard against PySide6 6.12.0's crash on Python 3.11 (``Fatal Python error:
none_dealloc`` after a few thousand Qt calls that return None; 6.11.3 survives 300k).

The calls run in a child process so that a crash fails this test instead of killing pytest.
"""

from __future__ import annotations

import subprocess
import sys

CALLS = 20_000

CHILD = f"""
import os
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QObject, QPointF
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
point = QPointF()
widget = QWidget()
obj = QObject()
for i in range({CALLS}):
    point.setX(float(i))          # returns None
    widget.setToolTip("x")        # returns None
    obj.setObjectName("n")        # returns None
print("survived", {CALLS} * 3)
"""


def test_twenty_thousand_none_returning_qt_calls_do_not_crash():
    result = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, (
        "PySide6 crashed after many None-returning calls: keep PySide6-Essentials<6.12 "
        f"(see pyproject.toml).\n{result.stderr[-2000:]}"
    )
    assert f"survived {CALLS * 3}" in result.stdout
