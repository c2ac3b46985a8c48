"""10 million polygons: open a generated GeoPackage and pan over it.

    python benchmarks/render_10m.py                 # 10M buildings (generated once)
    python benchmarks/render_10m.py --count 2M --load

The file (``--data``, default ``/tmp/twin-bench/buildings10m_<count>.gpkg``; never in the
repository) holds ``--count`` rotated-rectangle buildings (benchmarks/synthetic.py) written
in batches of 1M, each batch a copy of the 48 x 36 km synthetic territory with new
buildings, laid out 5 territories across (a region of 240 x 72 km for 10M). Generation
time and disk size are printed the first time.

Measured in this process, 1920x1080, twin's default polygon style:

- open: ``read_layers`` (a lazy layer: metadata only) + map canvas + first complete frame
  at a 2 km-wide view in the biggest town (the tiles in view read in workers, waited for),
  and at the full extent (the overview: built the first time, then read from the cache
  beside the file);
- pan: from that view, ``--pans`` steps of 1/10 of the view width east, each one a repaint
  of the map on the UI thread as the user would see it (tiles not yet read are drawn from
  the overview and refined when they arrive); frames per second = steps / wall time of
  the steps (UI thread), and how many of the frames already had every tile in view; the
  UI thread's CPU time per step (``time.thread_time``: under load the wall time is
  mostly waiting for a core);
- peak resident memory of the process (``ru_maxrss``).

``--load`` runs one CPU-bound process beside it; ``--by-field`` styles the buildings by
their ``floors`` (4 graduated classes): each tile is then read with that column, and the
overview's classes need a one-off read of the whole column.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_ROOT))

import importlib.util  # noqa: E402

import numpy as np  # noqa: E402
import pyogrio  # noqa: E402
import shapely  # noqa: E402


def _load_helper(name: str):
    """A module of benchmarks/ loaded by path."""
    spec = importlib.util.spec_from_file_location(f"twin_bench_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synthetic = _load_helper("synthetic")
background_load = _load_helper("background_load")

WIDTH, HEIGHT = 1920, 1080
BATCH = 1_000_000
ACROSS = 5  # territories per row of the generated region


def parse_count(text: str) -> int:
    """'10M' -> 10_000_000, '500k' -> 500_000."""
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def generate(path: Path, count: int) -> None:
    """Write ``count`` buildings in batches of 1M (see the module docstring)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.gpkg")
    temporary.unlink(missing_ok=True)
    start = time.perf_counter()
    for batch, first in enumerate(range(0, count, BATCH)):
        frame = synthetic.buildings(min(BATCH, count - first), seed=batch + 1)
        dx = (batch % ACROSS) * 2 * synthetic.HALF_WIDTH
        dy = (batch // ACROSS) * 2 * synthetic.HALF_HEIGHT
        offset = np.array([dx, dy])
        frame["geometry"] = shapely.transform(frame.geometry.values, offset.__radd__)
        pyogrio.write_dataframe(
            frame, temporary, layer="buildings", driver="GPKG", append=batch > 0
        )
        print(f"  batch {batch + 1}: {first + len(frame):,} written", flush=True)
    temporary.rename(path)
    size = path.stat().st_size / 2**30
    print(f"generated {path} in {time.perf_counter() - start:.0f} s; {size:.2f} GiB on disk")


def main() -> None:
    """Generate (once), open, draw and pan; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", default="10M", help="buildings, e.g. 10M, 2M")
    parser.add_argument("--data", default="/tmp/twin-bench", help="folder of the file")
    parser.add_argument("--pans", type=int, default=60, help="pan steps")
    parser.add_argument("--load", action="store_true", help="one CPU-bound process beside it")
    parser.add_argument(
        "--by-field",
        action="store_true",
        help="style graduated by 'floors' (read with each tile; overview classes from a "
        "one-off read of the column)",
    )
    args = parser.parse_args()
    count = parse_count(args.count)
    path = Path(args.data) / f"buildings10m_{count}.gpkg"
    print(background_load.machine_line(args.load))
    if not path.exists():
        generate(path, count)
    with background_load.cpu_load(args.load):
        measure(path, args.pans, args.by_field)


def measure(path: Path, pans: int, by_field: bool = False) -> None:
    """Open, first frames, pans (see the module docstring)."""
    start = time.perf_counter()
    from PySide6 import QtWidgets

    from twin.layers.io import read_layers
    from twin.project import Project
    from twin.ui.map.canvas import MapCanvas
    from twin.ui.map.render import ensure_qt_application

    app = ensure_qt_application()
    imported = time.perf_counter() - start
    start = time.perf_counter()
    layers = read_layers(path)
    if by_field:  # breaks of floors 1-5 (known from the generator: no column read here)
        from twin.layers.style import graduated_style

        layers[0].style = graduated_style(np.arange(1, 6), "floors", count=4, base=layers[0].style)
        print(f"style: {layers[0].style.kind} by {layers[0].style.column}")
    project = Project(crs="EPSG:2154")
    for layer in layers:
        project.add_layer(layer)
    canvas = MapCanvas()
    canvas.resize(WIDTH, HEIGHT)
    canvas.show()
    canvas.set_project(project)
    cx, cy = synthetic.CENTRE
    canvas.zoom_to_bbox((cx - 1000, cy - 600, cx + 1000, cy + 600))
    canvas.grab_map()
    first = time.perf_counter() - start
    layer = layers[0]
    print(
        f"layer: {type(layer).__name__}, {layer.feature_count:,} features; imports {imported:.2f} s"
    )
    print(f"open + first complete frame, 2 km view: {first:.2f} s (in process, after imports)")
    from twin.layers.overview import overview_path

    cached = overview_path(path).exists()
    start = time.perf_counter()
    canvas.zoom_full()
    canvas.grab_map()
    how = "read from the cache beside the file" if cached else "built in a worker, then cached"
    print(f"then the full extent (overview {how}): {time.perf_counter() - start:.2f} s")
    canvas.zoom_to_bbox((cx - 1000, cy - 600, cx + 1000, cy + 600))
    canvas.grab_map()
    view = canvas.view_of(layer)
    viewport = canvas.map_viewport()
    complete = 0
    full_before, partial_before = view.buffer.full_renders, view.buffer.partial_renders
    regions_before = view.region_redraws
    cpu_start = time.thread_time()
    start = time.perf_counter()
    for _ in range(pans):
        canvas.pan_by(0.1, 0.0)
        viewport.repaint()
        app.processEvents()
        complete += view.pending_count() == 0 if hasattr(view, "pending_count") else 1
    seconds = time.perf_counter() - start
    cpu = time.thread_time() - cpu_start
    print(
        f"pan: {pans} steps of 1/10 view in {seconds:.2f} s = "
        f"{pans / seconds:.1f} frames/s on the UI thread; {complete} with no tile "
        "pending"
    )
    print(
        f"  UI thread CPU time {1000 * cpu / pans:.1f} ms per step = {pans / cpu:.1f} frames/s "
        "if the UI thread had a core to itself (what the load leaves out; the reads in "
        "the workers still share the cores)"
    )
    print(
        f"  frames drawn whole {view.buffer.full_renders - full_before}, by strips "
        f"{view.buffer.partial_renders - partial_before}; parts drawn again as tiles arrived "
        f"{view.region_redraws - regions_before}; tiles kept {view.tile_count} "
        f"({view.tile_megabytes:.0f} MiB)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB")
    canvas.set_project(None)
    QtWidgets.QApplication.processEvents()


if __name__ == "__main__":
    main()
