"""Frames per second of a story step transition in presentation mode, on the sample.

The presentation window (1920 x 1080, offscreen unless QT_QPA_PLATFORM says otherwise)
shows the sample territory with its stored baseline coverage; a key press (PageDown, as a
clicker sends it) starts the camera move to the next step (about 0.8 s, ease-in-out). The
event loop runs it: no qWait loop, the timers and paint events are Qt's own. Counted:

* frames: paint events of the widgets that draw the map during the move (the camera
  view drawing the cached pictures, and the map viewports), i.e. what the screen shows;
* first frame: from the key press to the first frame of the move (the pictures of the
  start and end views are rendered in between);
* final frame: from the end of the move until the maps receive the paint event of the
  exact final frame (its start; the pictures already hold that view).
* ticks: camera positions the animation set (QVariantAnimation's valueChanged).

Target: >= 30 frames/s. Each transition alternates between the whole territory and a
quarter of it (zooming in, then out), with all the sample's visible layers drawn.
``--swipe`` makes the second step a swipe of the baseline against itself whose divider
also slides. The whole process (open the project, build the window) is timed apart.

    python benchmarks/present_transition.py [--transitions 6] [--swipe] [--load]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent))
from background_load import cpu_load, machine_line

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "sample" / "rennes.twin"


class PaintCounter(QObject):
    """Counts paint events of the widgets it filters."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

        self.first: float | None = None

    def eventFilter(self, _watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
            if self.first is None:
                self.first = time.perf_counter()
        return False


#: What a council coverage step shows (the sample's layer names; results without prefix).
STEP_LAYERS = (
    "4G+5G coverage level",
    "Mobile cells",
    "Town halls",
    "Roads",
    "Communes",
)


def story(project, swipe: bool, layers: tuple[str, ...] = STEP_LAYERS):
    """Two steps: the whole territory, then a quarter of it around the centre."""
    from twin.story import StoryStep

    minx, miny, maxx, maxy = project.extent
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w, h = (maxx - minx) / 4, (maxy - miny) / 4
    first = StoryStep(
        "Le territoire", "Rennes Métropole: 43 communes.", (minx, miny, maxx, maxy), layers
    )
    second = StoryStep(
        "Le centre",
        "Couverture 4G+5G au centre de Rennes.",
        (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2),
        layers,
        show="swipe" if swipe else "baseline",
        scenario="Baseline" if swipe else None,
        divider=0.3,
    )
    return [first, second]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=SAMPLE)
    parser.add_argument("--transitions", type=int, default=6)
    parser.add_argument("--swipe", action="store_true", help="second step: a swipe")
    parser.add_argument("--size", default="1920x1080", help="window size WxH (px)")
    parser.add_argument("--load", action="store_true", help="one busy process beside it")
    parser.add_argument(
        "--all-layers", action="store_true", help="draw every layer (5 result rasters too)"
    )
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    print(machine_line(args.load))
    with cpu_load(args.load):
        return _run(args, width, height)


def _run(args, width: int, height: int) -> int:
    process_start = time.perf_counter()
    app = QApplication.instance() or QApplication([])
    from twin.project import Project
    from twin.sim.whatif.runner import stored_result
    from twin.ui.compare.window import ScenarioData
    from twin.ui.presentation.window import PresentationWindow

    project = Project.open(args.project)
    radio = stored_result(project, "radio")
    layers = list(radio.layers) if radio is not None else []
    figures = list(radio.figures) if radio is not None else []
    data = {
        None: ScenarioData(None, layers, figures),
        "Baseline": ScenarioData(None, layers, figures),
    }
    window = PresentationWindow(
        project, story(project, args.swipe, () if args.all_layers else STEP_LAYERS), data.get
    )
    window.resize(width, height)
    window.show()
    deadline = time.perf_counter() + 60
    while len(window.data) < (2 if args.swipe else 1) and time.perf_counter() < deadline:
        app.processEvents()  # the stored results arrive from the worker
    window.go_to(1, animate=False)
    window.go_to(0, animate=False)
    app.processEvents()
    ready = time.perf_counter() - process_start

    counter = PaintCounter()
    final = PaintCounter()  # the maps' own paint after the move
    results: list[tuple[float, int, int]] = []
    ticks = [0]
    window.animation.valueChanged.connect(lambda _v: ticks.__setitem__(0, ticks[0] + 1))
    state = {"start": 0.0, "cpu": 0.0}
    drawn: list[str] = []
    finals: list[float] = []

    def watch() -> None:
        widgets = [window.camera_view] + [c.map_viewport() for c in window.stage.canvases()]
        for widget in widgets:
            widget.removeEventFilter(counter)
            widget.installEventFilter(counter)
        for widget in widgets[1:]:
            widget.removeEventFilter(final)
            widget.installEventFilter(final)

    def press() -> None:
        if results:
            end = state["end"]
            finals.append(((final.first or end) - end) if final.first else float("nan"))
        key = Qt.Key.Key_PageDown if window.index == 0 else Qt.Key.Key_PageUp
        ticks[0] = 0
        state["start"] = time.perf_counter()
        state["cpu"] = time.process_time()
        QApplication.sendEvent(
            window, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)
        )
        watch()  # the step may have built a new map view
        counter.count = 0
        counter.first = None

    def finished(_index: int) -> None:
        now = time.perf_counter()
        elapsed = now - state["start"]
        first = (counter.first or now) - state["start"]
        cpu = time.process_time() - state["cpu"]
        results.append((elapsed, counter.count, ticks[0], cpu, first))
        state["end"] = now
        final.first = None
        if len(results) >= args.transitions:
            app.processEvents()  # the exact final frame
            finals.append(((final.first or now) - now) if final.first else float("nan"))
            drawn.extend(layer.name for layer in window.stage.shown_layers())
            app.quit()  # (closes the window too)
        else:
            QTimer.singleShot(100, press)  # let the last frame settle, then the next step

    window.transition_finished.connect(finished)
    QTimer.singleShot(200, press)
    app.exec()
    total = time.perf_counter() - process_start

    fps = [frames / elapsed for elapsed, frames, _, _, _ in results]
    tick_rate = [t / elapsed for elapsed, _, t, _, _ in results]
    cpu_ms = [cpu * 1000 / max(1, frames) for _, frames, _, cpu, _ in results]
    print(
        f"project: {args.project.name}, window {width}x{height} px, "
        f"{sum(layer.visible for layer in project.layers)} visible layers + "
        f"{len(layers)} stored result layers; {'swipe' if args.swipe else 'one map'}"
    )
    print(f"whole process: {total:.1f} s (open the project and build the window: {ready:.1f} s)")
    print(f"layers drawn: {', '.join(drawn)}")
    for index, (elapsed, frames, t, cpu, first) in enumerate(results, 1):
        print(
            f"  transition {index}: {elapsed * 1000:.0f} ms, {frames} frames, {t} camera ticks,"
            f" {cpu * 1000:.0f} ms CPU (all threads), first frame after {first * 1000:.0f} ms"
        )
    print(
        f"frames per second (map repaints during the move): median {statistics.median(fps):.1f}, "
        f"lowest {min(fps):.1f}  (target >= 30)"
    )
    print(
        "maps start painting the exact final frame, after the move ended: "
        + ", ".join(f"{f * 1000:.0f} ms" for f in finals)
    )
    print(f"camera ticks per second: median {statistics.median(tick_rate):.1f}")
    print(
        f"CPU per frame (process time / frames): median {statistics.median(cpu_ms):.0f} ms,"
        f" i.e. at most {1000 / statistics.median(cpu_ms):.0f} frames/s on one free core"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
