"""Rendering benchmark: twin's map canvas against QGIS on the same GeoPackage.

    python benchmarks/render.py --sizes 10k,100k,1M --roads 200k

For each synthetic layer (buildings clustered in towns; road segments) twin draws a
1920x1080 map at the full extent and at a zoom showing 1/16 of that area (centred on the
largest town): a complete frame from scratch (no cached image; median of 3, the first with
cold caches) and a pan frame (1/8 of the view, median of 3).
Then frames per second over a sequence of pans and of wheel zooms as the window shows them.
Where Debian's python3-qgis is installed, QGIS renders the same GeoPackage at the same
extents and size in a subprocess (QgsMapRendererSequentialJob: one thread) and the table
gives QGIS time / twin time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# run as a script, benchmarks/ is sys.path[0]: drop it (its coverage.py would shadow the
# ``coverage`` module numba probes for) and put the repository first
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import importlib.util  # noqa: E402

import pyogrio  # noqa: E402


def _load_synthetic():
    """benchmarks/synthetic.py, loaded by path: putting benchmarks/ on sys.path would let
    benchmarks/coverage.py shadow the ``coverage`` module that numba probes for."""
    path = Path(__file__).resolve().parent / "synthetic.py"
    spec = importlib.util.spec_from_file_location("twin_bench_synthetic", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cached_geopackage = _load_synthetic().cached_geopackage

from twin.layers import Style, VectorLayer  # noqa: E402
from twin.project import Project  # noqa: E402

QGIS_PYTHON = "/usr/bin/python3"
WIDTH, HEIGHT = 1920, 1080
REPEATS = 3


def parse_count(text: str) -> int:
    """ "10k" -> 10000, "1M" -> 1000000."""
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def qgis_available() -> bool:
    """Whether /usr/bin/python3 can import qgis.core."""
    if not Path(QGIS_PYTHON).exists():
        return False
    probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True)
    return probe.returncode == 0


def qgis_times(path: Path, layer: str, boxes: list[tuple], snapshot: str | None) -> dict:
    """QGIS load and render seconds for each box (subprocess, offscreen)."""
    script = Path(__file__).resolve().parent / "qgis_render.py"
    args = [QGIS_PYTHON, str(script), str(path), layer, str(WIDTH), str(HEIGHT)]
    args += [",".join(f"{v:.3f}" for v in box) for box in boxes]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)
    if snapshot:
        env["TWIN_BENCH_QGIS_SNAPSHOT"] = snapshot
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"QGIS failed: {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def timed(function) -> float:
    """Seconds taken by ``function()``."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def frames_per_second(canvas, steps) -> float:
    """Frames per second drawing the window after each step (as the screen would)."""
    viewport = canvas.map_viewport()
    start = time.perf_counter()
    for step in steps:
        step()
        viewport.repaint()
    return len(steps) / (time.perf_counter() - start)


def bench_layer(
    app, kind: str, count: int, folder: Path, use_qgis: bool, snapshots: Path | None
) -> dict:
    """All figures of one synthetic layer."""
    from twin.ui.map.canvas import MapCanvas

    path = cached_geopackage(folder, kind, count)
    start = time.perf_counter()
    frame = pyogrio.read_dataframe(path, layer=kind, use_arrow=True)
    read_seconds = time.perf_counter() - start
    style = Style() if kind == "buildings" else Style(fill_color="#0072B2")
    layer = VectorLayer(kind, frame, style=style)
    project = Project(crs="EPSG:2154")
    project.add_layer(layer)
    canvas = MapCanvas()
    canvas.resize(WIDTH, HEIGHT)
    canvas.show()
    app.processEvents()
    prepare_seconds = timed(lambda: canvas.set_project(project))
    view = canvas.view_of(layer)

    def frame_at(box, name: str) -> tuple[float, float, tuple, tuple]:
        """Complete frame from scratch (median of 3: the first one has cold caches) and
        a pan by 1/8 of the view (median of 3) at ``box``."""
        firsts, pans = [], []
        for attempt in range(REPEATS):
            canvas.zoom_to_bbox(box)
            view.buffer.invalidate()
            first_box = canvas.view_bbox()
            start = time.perf_counter()
            image = canvas.grab_map()
            firsts.append(time.perf_counter() - start)
            if snapshots is not None and attempt == 0:
                image.save(str(snapshots / f"twin_{kind}_{count}_{name}.png"))
            canvas.pan_by(0.125, 0.0)
            pan_box = canvas.view_bbox()
            pans.append(timed(canvas.grab_map))
        return statistics.median(firsts), statistics.median(pans), first_box, pan_box

    minx, miny, maxx, maxy = layer.bounds
    full = (minx, miny, maxx, maxy)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    qw, qh = (maxx - minx) / 8, (maxy - miny) / 8
    zoom = (cx - qw, cy - qh, cx + qw, cy + qh)  # a quarter of each side: 1/16 of the area
    full_first, full_pan, full_box, full_pan_box = frame_at(full, "full")
    zoom_first, zoom_pan, zoom_box, zoom_pan_box = frame_at(zoom, "zoom")
    canvas.zoom_to_bbox(zoom)
    canvas.grab_map()
    pans = [lambda dx=dx: canvas.pan_by(dx, 0.02) for dx in [0.05] * 20 + [-0.05] * 20]
    pan_fps = frames_per_second(canvas, pans)
    wheel = [lambda f=f: canvas.zoom_by(f) for f in [2**0.25] * 8 + [2**-0.25] * 8]
    canvas._set_interacting(True)
    zoom_fps_interactive = frames_per_second(canvas, wheel)
    canvas._set_interacting(False, repaint=False)
    zoom_fps_complete = frames_per_second(canvas, wheel)
    canvas.set_project(None)
    canvas.close()
    result = {
        "layer": f"{kind} {count:,}",
        "read": read_seconds,
        "prepare": prepare_seconds,
        "full_first": full_first,
        "full_pan": full_pan,
        "zoom_first": zoom_first,
        "zoom_pan": zoom_pan,
        "pan_fps": pan_fps,
        "zoom_fps": zoom_fps_interactive,
        "zoom_fps_complete": zoom_fps_complete,
    }
    if use_qgis:
        shot = str(snapshots / f"qgis_{kind}_{count}") if snapshots is not None else None
        qgis = qgis_times(path, kind, [full_box, full_pan_box, zoom_box, zoom_pan_box], shot)
        result.update(
            qgis_full=qgis["render"][0],
            qgis_full_pan=qgis["render"][1],
            qgis_zoom=qgis["render"][2],
            qgis_zoom_pan=qgis["render"][3],
            qgis_antialiasing=qgis["antialiasing"],
        )
    return result


def print_table(results: list[dict]) -> None:
    """The figures as a Markdown table (ms, frames/s, ratios)."""
    ms = lambda s: f"{s * 1000:.0f}"  # noqa: E731
    header = (
        "| layer | read s | prepare s | full 1st ms | full pan ms | zoom 1st ms | "
        "zoom pan ms | pan fps | wheel fps (preview/complete) | QGIS full ms | "
        "QGIS zoom ms | QGIS/twin full | QGIS/twin zoom |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in results:
        qgis = "qgis_full" in r
        print(
            f"| {r['layer']} | {r['read']:.2f} | {r['prepare']:.2f} | {ms(r['full_first'])} | "
            f"{ms(r['full_pan'])} | {ms(r['zoom_first'])} | {ms(r['zoom_pan'])} | "
            f"{r['pan_fps']:.0f} | {r['zoom_fps']:.0f} / {r['zoom_fps_complete']:.0f} | "
            + (
                f"{ms(r['qgis_full'])} | {ms(r['qgis_zoom'])} | "
                f"{r['qgis_full'] / r['full_first']:.0f}x | "
                f"{r['qgis_zoom'] / r['zoom_first']:.0f}x |"
                if qgis
                else "- | - | - | - |"
            )
        )


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="building counts, e.g. 10k,100k")
    parser.add_argument("--roads", default="200k", help="road segment count ('0' for none)")
    parser.add_argument("--no-qgis", action="store_true", help="skip the QGIS comparison")
    parser.add_argument(
        "--data",
        default=str(Path(tempfile.gettempdir()) / "twin-bench"),
        help="folder caching the synthetic GeoPackages",
    )
    parser.add_argument("--snapshots", default=None, help="folder for PNG snapshots")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads twin may fill polygons with (default 1, like QGIS's sequential job)",
    )
    args = parser.parse_args()
    os.environ["TWIN_RENDER_THREADS"] = str(max(1, args.threads))
    from twin.ui.map.render import ensure_qt_application

    app = ensure_qt_application()
    use_qgis = not args.no_qgis and qgis_available()
    snapshots = Path(args.snapshots) if args.snapshots else None
    if snapshots is not None:
        snapshots.mkdir(parents=True, exist_ok=True)
    jobs = [("buildings", parse_count(s)) for s in args.sizes.split(",") if s.strip()]
    if parse_count(args.roads) > 0:
        jobs.append(("roads", parse_count(args.roads)))
    results = []
    for kind, count in jobs:
        result = bench_layer(app, kind, count, Path(args.data), use_qgis, snapshots)
        print(json.dumps(result), file=sys.stderr, flush=True)
        results.append(result)
    print(
        f"\ntwin map canvas ({args.threads} thread) vs QGIS "
        f"{'(sequential job, 1 thread, antialiasing on)' if use_qgis else 'skipped'}, "
        f"{WIDTH}x{HEIGHT}, {os.cpu_count()} cores"
    )
    print_table(results)


if __name__ == "__main__":
    main()
