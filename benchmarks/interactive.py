"""Interactive benchmark: drag a mobile site across the sample territory in the main window.

    python benchmarks/interactive.py [--project PATH] [--steps 60] [--pixel 50]

The main window opens the project (default: the bundled sample, Rennes Métropole), waits for
the cold radio baseline, adds a 5G site with the Add site tool (a qtbot click), then drags
it with the Move site tool (qtbot press, ``--steps`` mouse moves ``--move-ms`` apart, then
release). It reports:

- time per update: from the mouse move that asked for it to the figures shown (median and
  95th percentile, milliseconds), and the engine's share of it;
- the longest time the UI thread was blocked: a 10 ms QTimer heartbeat runs during the drag
  and the longest gap between two beats, minus 10 ms, is reported;
- updates shown per second during the drag.

Targets (issue 6): median update under 50 ms, no block over 100 ms.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from PySide6.QtCore import QElapsedTimer, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from pytestqt.qt_compat import qt_api  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

HEARTBEAT_MS = 10
print = functools.partial(print, flush=True)
CENTRE = (351_900.0, 6_789_300.0)  # central Rennes, Lambert-93 metres


class Heartbeat:
    """A 10 ms timer recording the gaps between its beats (ms)."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self.beats: list[float] = []  # time of each beat (ms since start)
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._beat)
        self._last = 0.0

    def start(self) -> None:
        self.clock.start()
        self._last = 0.0
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._beat()

    def _beat(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        self.gaps.append(now - self._last)
        self.beats.append(now)
        self._last = now

    def now(self) -> float:
        """Milliseconds since :meth:`start`."""
        return self.clock.nsecsElapsed() / 1e6

    @property
    def longest_block_ms(self) -> float:
        return max(0.0, max(self.gaps, default=0.0) - HEARTBEAT_MS)


def pump(app: QApplication, milliseconds: float) -> None:
    """Run the event loop for ``milliseconds`` (as an idle user would)."""
    end = time.perf_counter() + milliseconds / 1000.0
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def wait_idle(app: QApplication, controller, timeout_s: float = 300.0) -> float:
    """Pump events until the controller is idle; seconds waited."""
    start = time.perf_counter()
    pump(app, 20)
    while controller.busy and time.perf_counter() - start < timeout_s:
        pump(app, 5)
    return time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100, nearest rank) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=None, help="a .twin file (default: the sample)")
    parser.add_argument("--steps", type=int, default=60, help="mouse moves in the drag")
    parser.add_argument("--move-ms", type=float, default=33.0, help="time between two moves")
    parser.add_argument("--distance", type=float, default=3000.0, help="drag length (m)")
    parser.add_argument("--pixel", type=float, default=None, help="radio pixel (m)")
    parser.add_argument("--screenshot", default=None, help="save the window mid-drag (PNG)")
    args = parser.parse_args(argv)

    import twin
    from twin.sim.whatif.result import WhatIfOptions
    from twin.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    qt_api.set_qt_api("pyside6")
    qtbot = QtBot(None)  # pytest-qt's mouse helpers (QTest), outside a test
    started = time.perf_counter()
    project = twin.open_project(args.project)
    window = MainWindow()
    controller = window.scenario.controller
    controller.options = WhatIfOptions(radio_pixel_m=args.pixel)
    window.resize(1600, 1000)
    window.show()
    window.set_project(project)
    cold_s = wait_idle(app, controller)
    print(
        f"project opened and radio baseline ready in {time.perf_counter() - started:.1f} s "
        f"(cold what-if {cold_s:.1f} s)"
    )
    canvas = window.canvas
    x0, y0 = CENTRE
    canvas.zoom_to_bbox((x0 - 4500, y0 - 3000, x0 + 4500, y0 + 3000))
    pump(app, 100)

    def viewport_point(x: float, y: float):
        point = canvas.map_to_widget(x, y)
        offset = canvas.map_viewport().mapTo(canvas, canvas.rect().topLeft())
        return (point - offset.toPointF()).toPoint()

    viewport = canvas.map_viewport()
    window.scenario.use_tool("add_site")
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=viewport_point(x0, y0))
    edit_s = wait_idle(app, controller)
    print(f"add site: figures after {1000 * edit_s:.0f} ms")

    latencies: list[float] = []
    controller.live_updated.connect(latencies.append)
    engine_ms: list[float] = []
    live = controller.live
    live.updated.connect(lambda update: engine_ms.append(update.engine_ms))
    window.scenario.use_tool("move_site")
    heartbeat = Heartbeat()
    heartbeat.start()
    drag_start = time.perf_counter()
    marks = [("press", heartbeat.now())]
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=viewport_point(x0, y0))
    for step in range(1, args.steps + 1):
        angle = 2 * math.pi * step / args.steps
        radius = args.distance / 2
        x = x0 + radius * math.sin(angle)
        y = y0 + radius * (1 - math.cos(angle)) / 2
        marks.append((f"move {step}", heartbeat.now()))
        qtbot.mouseMove(viewport, viewport_point(x, y))
        pump(app, args.move_ms)
        if args.screenshot and step == args.steps // 3:
            window.grab().save(args.screenshot)
    marks.append(("release", heartbeat.now()))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=viewport_point(x, y))
    drag_s = time.perf_counter() - drag_start
    heartbeat.stop()
    settle_s = wait_idle(app, controller)
    updates = len(latencies)
    print(
        f"drag: {args.steps} moves in {drag_s:.2f} s, {updates} live updates shown "
        f"({updates / drag_s:.1f} per second); final edit settled in {1000 * settle_s:.0f} ms"
    )
    print(
        f"time per update (mouse move -> figures shown): median {statistics.median(latencies):.1f} "
        f"ms, 95th percentile {percentile(latencies, 95):.1f} ms"
    )
    print(
        f"engine time per update: median {statistics.median(engine_ms):.1f} ms, "
        f"95th percentile {percentile(engine_ms, 95):.1f} ms"
    )
    print(
        f"longest UI-thread block (10 ms heartbeat gap - 10 ms): "
        f"{heartbeat.longest_block_ms:.1f} ms; heartbeat gaps median "
        f"{statistics.median(heartbeat.gaps):.1f} ms, 95th percentile "
        f"{percentile(heartbeat.gaps, 95):.1f} ms"
    )
    worst = max(range(len(heartbeat.gaps)), key=heartbeat.gaps.__getitem__)
    gap_start = heartbeat.beats[worst] - heartbeat.gaps[worst]
    phase = [name for name, at in marks if at <= gap_start + 1.0]
    print(f"the longest block began after: {phase[-1] if phase else 'start'}")
    median_ok = statistics.median(latencies) < 50.0
    block_ok = heartbeat.longest_block_ms <= 100.0
    print(
        f"targets: median < 50 ms {'met' if median_ok else 'NOT met'}; "
        f"no block > 100 ms {'met' if block_ok else 'NOT met'}"
    )
    controller.shutdown()
    window.set_modified(False)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
