"""Map label benchmark on the bundled sample (Rennes Métropole).

    python benchmarks/labels.py                  # 1600x1000 px map, full extent and Rennes
    python benchmarks/labels.py --repeat 9 --load

Part 1, inner loop (one process, sample opened once, canvas built once): the labels of one
paint (anchors cached; to pixels, greedy placement, halo drawing) for the sample's own
labels (communes, transit lines, stops when zoomed in), and again with every building
labelled by its id (36 327 anchors, the worst case a user can ask for in the style
editor). Median of ``--repeat`` paints, after one cold paint (which measures the
anchors and texts) printed apart.

Part 2, the same map grabbed whole (all layers, then the labels) with labels on and off,
median of ``--repeat``: what labels add to a full frame.

``--load`` runs one CPU-bound process beside the whole benchmark.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_ROOT))

_spec = importlib.util.spec_from_file_location("twin_bench_load", _HERE / "background_load.py")
background_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(background_load)

VIEWS = {"full extent": None, "Rennes (3.5 x 3 km)": (350_000, 6_787_000, 353_500, 6_790_000)}


def _paint_labels_ms(canvas, QtCore, QtGui, repeat: int) -> tuple[float, float, int]:
    """(cold ms, median warm ms, labels drawn) of the canvas's label pass alone."""
    viewport = canvas.map_viewport()
    image = QtGui.QImage(viewport.width(), viewport.height(), QtGui.QImage.Format.Format_ARGB32)
    times = []
    for _ in range(repeat + 1):
        image.fill(0)
        painter = QtGui.QPainter(image)
        start = time.perf_counter()
        canvas.paint_labels(painter, QtCore.QRectF(image.rect()))
        times.append((time.perf_counter() - start) * 1000)
        painter.end()
    return times[0], statistics.median(times[1:]), len(canvas.labels.last_placed)


def _grab_ms(canvas, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        canvas.grab_map()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Print label timings for the sample."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="paints per figure (median)")
    parser.add_argument("--load", action="store_true", help="one busy process beside it")
    args = parser.parse_args(argv)
    import twin
    from twin.layers.style import LabelStyle
    from twin.ui.map.canvas import MapCanvas
    from twin.ui.map.render import ensure_qt_application

    app = ensure_qt_application()
    from PySide6 import QtCore, QtGui

    print(background_load.machine_line(args.load))
    with background_load.cpu_load(args.load):
        project = twin.open_project(twin.sample_project_path())
        canvas = MapCanvas()
        canvas.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        canvas.resize(1600, 1000)
        canvas.show()
        canvas.set_project(project)
        app.processEvents()
        buildings = next(layer for layer in project.layers if layer.name == "Buildings")
        own = buildings.style
        print("Part 1: the label pass of one paint, 1600x1000 px (ms; labels drawn)")
        for case in ("sample labels", "+ every building labelled"):
            if case.startswith("+"):
                buildings.style = own.with_changes(labels=LabelStyle(field="building_id"))
            for view, bbox in VIEWS.items():
                if bbox is None:
                    canvas.zoom_full()
                else:
                    canvas.zoom_to_bbox(bbox)
                app.processEvents()
                cold, warm, count = _paint_labels_ms(canvas, QtCore, QtGui, args.repeat)
                print(
                    f"  {case:26s} {view:20s} cold {cold:8.1f} ms   warm median "
                    f"{warm:7.1f} ms   {count} labels"
                )
        buildings.style = own
        print("Part 2: the whole map grabbed (layers + labels), median ms")
        for view, bbox in VIEWS.items():
            if bbox is None:
                canvas.zoom_full()
            else:
                canvas.zoom_to_bbox(bbox)
            app.processEvents()
            canvas.show_labels = True
            with_labels = _grab_ms(canvas, args.repeat)
            canvas.show_labels = False
            without = _grab_ms(canvas, args.repeat)
            canvas.show_labels = True
            print(f"  {view:20s} with labels {with_labels:7.1f} ms   without {without:7.1f} ms")
        canvas.set_project(None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
