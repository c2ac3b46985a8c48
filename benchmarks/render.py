"""Rendering benchmark: twin against QGIS on one combined map (buildings + roads).

    python benchmarks/render.py                      # 1M buildings + 200k roads
    python benchmarks/render.py --quick              # 10k + 2k, one round: < 1 min
    python benchmarks/render.py --buildings 100k --roads 20k --load

One synthetic GeoPackage holds a ``roads`` layer (drawn on top) and a ``buildings`` layer
(benchmarks/synthetic.py: buildings clustered in towns, straight road segments; Lambert-93).
Both sides draw both layers, 1920x1080, white background, in the style twin's reader gives
them (printed; QGIS gets the same colours, opacity and pixel widths), at three extents, 16:9:

- full: the whole territory (48 x 36 km, widened to 16:9);
- 1/16: a quarter of each side, centred on the largest town;
- street: 500 m wide, centred on the largest town.

Part 1, frames (inner loop): the layers are loaded once; then each extent is drawn completely
from scratch (twin: no cached image; QGIS: a new QgsMapRendererSequentialJob, one thread),
median of ``--repeat`` (the first one with cold caches). twin draws polygons and lines without
antialiasing and outlines a polygon only when it is at least 4-8 pixels wide (below that the
outline would hide the fill); QGIS is timed in three variants: its default (antialiasing on,
every polygon outlined), antialiasing off with outlines, and antialiasing off without
outlines. The table prints each side's settings.

Part 2, whole process (file to PNG): ``twin render FILE --out x.png --size 1920x1080 --bbox``
as a subprocess against ``qgis_render.py png`` (Debian's /usr/bin/python3: start, open the
GeoPackage, style, render, write the PNG), timed from process start to PNG on disk, the two
alternating, median of ``--whole-repeat``. twin's image also carries its scale bar and north
arrow. Where python3-qgis is missing the benchmark says so and times twin alone. A big
GeoPackage (every layer over twin's lazy threshold, as the default data) takes ``twin
render``'s lean path (twin/cli/render_lean.py: sqlite3 R-tree reads of the view, no
pandas/pyogrio/pyproj/pyqtgraph; numba only when 1.5M+ features are in view, below that
numpy equivalents of numba's kernels draw the same pixels, non-antialiased, winding rule,
outlines from 4-8 pixels wide as in part 1: twin/cli/render_lean_fill.py). Part 2 lives
in benchmarks/render_whole.py: twin draws its own hard link of the data, and at each
extent its first run finds no overview cache (``<file>.twin-overview.gpkg``) and builds it
(streaming the file: twin/layers/lazy_overview.py), the others read it; the table prints
the uncached "first open" and the "cached" runs on separate rows.

Each whole-process run also records its peak resident memory (``wait4``'s ``ru_maxrss``,
taken by a small launcher process: measured from the benchmark itself it could not be
lower than the benchmark's own ~200 MiB, see ``render_whole.LAUNCHER``).
``--whole-process`` runs part 2 alone; ``--cold-overview`` first deletes the overview
cached beside the data, so that part 1 (frames in process) builds it.

``--load`` runs one CPU-bound process beside the whole benchmark. Wall and CPU times are
printed; the CPU time of a subprocess counts all its threads.
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
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_ROOT))

import importlib.util  # noqa: E402

import pyogrio  # noqa: E402


def _load_helper(name: str):
    """A module of benchmarks/ loaded by path (see the sys.path note above)."""
    spec = importlib.util.spec_from_file_location(f"twin_bench_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synthetic = _load_helper("synthetic")
background_load = _load_helper("background_load")
render_whole = _load_helper("render_whole")

QGIS_PYTHON = "/usr/bin/python3"
WIDTH, HEIGHT = 1920, 1080
STREET_WIDTH_M = 500.0
QGIS_VARIANTS = ("aa+outline", "noaa+outline", "noaa+nooutline")
VARIANT_LABELS = {
    "aa+outline": "QGIS default: antialiasing on, every polygon outlined",
    "noaa+outline": "QGIS antialiasing off, every polygon outlined",
    "noaa+nooutline": "QGIS antialiasing off, no outlines",
}
TWIN_SETTINGS = (
    "twin: antialiasing off; outline only on polygons at least 4-8 px wide (none on smaller "
    "ones); polygons under 2 px also get one pixel at their centre"
)


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


def fit_16_9(box: tuple) -> tuple:
    """The smallest box of the output's aspect containing ``box``, same centre."""
    minx, miny, maxx, maxy = box
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = (maxx - minx) / 2, (maxy - miny) / 2
    half_w, half_h = max(half_w, half_h * WIDTH / HEIGHT), max(half_h, half_w * HEIGHT / WIDTH)
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def extents(path: Path) -> dict[str, tuple]:
    """The three boxes (metres): full, 1/16 and street, centred on the largest town."""
    bounds = [
        pyogrio.read_info(path, layer=name)["total_bounds"] for name in ("roads", "buildings")
    ]
    full = (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    )
    full = fit_16_9(full)
    cx, cy = synthetic.CENTRE
    quarter_w, quarter_h = (full[2] - full[0]) / 8, (full[3] - full[1]) / 8
    half_street = STREET_WIDTH_M / 2
    street_h = half_street * HEIGHT / WIDTH
    return {
        "full": full,
        "1/16": (cx - quarter_w, cy - quarter_h, cx + quarter_w, cy + quarter_h),
        "street": (cx - half_street, cy - street_h, cx + half_street, cy + street_h),
    }


def box_text(box: tuple) -> str:
    return ",".join(f"{v:.3f}" for v in box)


def twin_frames(path: Path, boxes: dict, repeats: int, snapshots: Path | None) -> dict:
    """twin in this process: read, prepare, then complete frames at each box."""
    from twin.layers.io import read_layers
    from twin.project import Project
    from twin.ui.map.canvas import MapCanvas
    from twin.ui.map.render import ensure_qt_application

    app = ensure_qt_application()
    start = time.perf_counter()
    layers = read_layers(path)  # as `twin render FILE` reads it: styles by layer kind
    read_seconds = time.perf_counter() - start
    project = Project(crs="EPSG:2154")
    for layer in reversed(layers):  # add_layer puts each on top: the file's first on top
        project.add_layer(layer)
    canvas = MapCanvas()
    canvas.resize(WIDTH, HEIGHT)
    canvas.show()
    app.processEvents()
    start = time.perf_counter()
    canvas.set_project(project)
    prepare_seconds = time.perf_counter() - start
    views = [canvas.view_of(layer) for layer in layers]
    result = {"read": read_seconds, "prepare": prepare_seconds, "frames": {}, "shown": {}}
    result["styles"] = {
        layer.name: {
            "fill": layer.style.fill_color,
            "fill_opacity": layer.style.fill_opacity,
            "stroke": layer.style.stroke_color,
            "stroke_px": layer.style.stroke_width,
        }
        for layer in layers
    }
    for name, box in boxes.items():
        walls, cpus = [], []
        for attempt in range(repeats):
            canvas.zoom_to_bbox(box)
            for view in views:
                view.buffer.invalidate()
            start, cpu = time.perf_counter(), time.process_time()
            image = canvas.grab_map()
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            if snapshots is not None and attempt == 0:
                image.save(str(snapshots / f"frame_twin_{name.replace('/', '_')}.png"))
        result["frames"][name] = (statistics.median(walls), statistics.median(cpus))
        result["shown"][name] = canvas.view_bbox()
        result["size"] = (image.width(), image.height())
    canvas.set_project(None)
    canvas.close()
    return result


def twin_styles(path: Path) -> dict:
    """The style twin's reader gives each layer of ``path`` (QGIS draws with the same)."""
    from twin.layers.io import read_layers

    return {
        layer.name: {
            "fill": layer.style.fill_color,
            "fill_opacity": layer.style.fill_opacity,
            "stroke": layer.style.stroke_color,
            "stroke_px": layer.style.stroke_width,
        }
        for layer in read_layers(path)
    }


def qgis_env(styles: dict) -> dict:
    """The environment of the QGIS subprocesses: offscreen, twin's styles, no PYTHONPATH."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TWIN_BENCH_STYLES=json.dumps(styles))
    env.pop("PYTHONPATH", None)
    return env


def qgis_png_command(path: Path, variant: str):
    """function(out, box) -> the argv of one QGIS run drawing ``path`` to a PNG in
    ``variant``."""

    def command(out: Path, box: tuple) -> list[str]:
        script = str(_HERE / "qgis_render.py")
        size = (str(WIDTH), str(HEIGHT))
        return [QGIS_PYTHON, script, "png", str(path), str(out), *size, box_text(box), variant]

    return command


def qgis_frames(
    path: Path, boxes: dict, repeats: int, snapshots: Path | None, styles: dict
) -> dict:
    """QGIS frames at the same boxes (subprocess; load once, render each box per variant)."""
    script = _HERE / "qgis_render.py"
    args = [QGIS_PYTHON, str(script), "frames", str(path), str(WIDTH), str(HEIGHT)]
    args += [str(repeats), ",".join(QGIS_VARIANTS)] + [box_text(b) for b in boxes.values()]
    env = qgis_env(styles)
    if snapshots is not None:
        env["TWIN_BENCH_QGIS_SNAPSHOT"] = str(snapshots / "frame_qgis")
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"QGIS failed: {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_frames(twin: dict, qgis: dict | None, threads: int) -> None:
    """Part 1's table (ms, ratios)."""
    print(f"\nPart 1: complete frames in process, {WIDTH}x{HEIGHT} (median; wall ms / CPU ms)")
    print(f"  {TWIN_SETTINGS}; {threads} fill thread(s)")
    for name, style in twin["styles"].items():
        print(
            f"  style of {name} (both sides): fill {style['fill']} at {style['fill_opacity']:g} "
            f"opacity, stroke {style['stroke']} {style['stroke_px']:g} px"
        )
    if qgis is None:
        print("  QGIS: not installed (apt-get install python3-qgis); twin alone")
    else:
        print(
            f"  QGIS {qgis.get('version', '')}: QgsMapRendererSequentialJob (1 thread); "
            f"layers {qgis['layers']} (first on top); simplification hints "
            f"{qgis['simplify_hints']} (threshold {qgis['simplify_threshold_px']} px; "
            "QGIS's defaults)"
        )
        print(f"  QGIS loads the two layers in {qgis['load'] * 1000:.0f} ms")
    print(
        f"  twin reads the two layers in {twin['read']:.2f} s and prepares them "
        f"(chunks, spatial index) in {twin['prepare']:.2f} s"
    )
    header = "| extent (box shown, m) | twin ms |"
    if qgis is not None:
        for variant in QGIS_VARIANTS:
            header += f" {VARIANT_LABELS[variant]} ms (x twin: wall / CPU) |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for index, (name, (wall, cpu)) in enumerate(twin["frames"].items()):
        shown = twin["shown"][name]
        row = (
            f"| {name} ({(shown[2] - shown[0]) / 1000:.2f} x {(shown[3] - shown[1]) / 1000:.2f} km)"
            f" | {wall * 1000:.0f} / {cpu * 1000:.0f} |"
        )
        if qgis is not None:
            for variant in QGIS_VARIANTS:
                rounds = qgis["render"][variant][index]
                q_wall = statistics.median(w for w, _ in rounds)
                q_cpu = statistics.median(c for _, c in rounds)
                row += (
                    f" {q_wall * 1000:.0f} / {q_cpu * 1000:.0f} "
                    f"({q_wall / wall:.1f}x / {q_cpu / max(cpu, 1e-6):.1f}x) |"
                )
        print(row)


def main() -> None:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", "--sizes", default="1M", help="building count, e.g. 100k")
    parser.add_argument("--roads", default="200k", help="road segment count")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10k buildings, 2k roads, 1 round, one QGIS variant in part 2",
    )
    parser.add_argument("--repeat", type=int, default=3, help="frames per extent (median)")
    parser.add_argument(
        "--whole-repeat",
        type=int,
        default=3,
        help="file-to-PNG runs with the overview cached (median), after one uncached",
    )
    parser.add_argument(
        "--whole-variants",
        default="noaa+outline,aa+outline",
        help="QGIS variants of the whole-process runs (of: " + ", ".join(QGIS_VARIANTS) + ")",
    )
    parser.add_argument("--no-whole", action="store_true", help="skip part 2")
    parser.add_argument(
        "--whole-process", action="store_true", help="part 2 only (file to PNG), no frames"
    )
    parser.add_argument(
        "--cold-overview",
        action="store_true",
        help="delete the overview cached beside the data first (part 1 then builds it)",
    )
    parser.add_argument("--no-qgis", action="store_true", help="skip the QGIS comparison")
    parser.add_argument("--load", action="store_true", help="one CPU-bound process beside it")
    parser.add_argument(
        "--data",
        default=str(Path(tempfile.gettempdir()) / "twin-bench"),
        help="folder caching the synthetic GeoPackages",
    )
    parser.add_argument("--snapshots", default=None, help="folder for the PNGs (default: temp)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads twin may fill polygons with (default 1, like QGIS's sequential job)",
    )
    args = parser.parse_args()
    if args.quick:
        args.buildings, args.roads, args.repeat, args.whole_repeat = "10k", "2k", 1, 1
        args.whole_variants = "noaa+outline"
    os.environ["TWIN_RENDER_THREADS"] = str(max(1, args.threads))
    buildings, roads = parse_count(args.buildings), parse_count(args.roads)
    variants = [v for v in args.whole_variants.split(",") if v in QGIS_VARIANTS]
    print(background_load.machine_line(args.load))
    start = time.perf_counter()
    path = synthetic.combined_geopackage(Path(args.data), buildings, roads)
    print(
        f"data: {path} ({buildings:,} buildings + {roads:,} roads; "
        f"{time.perf_counter() - start:.1f} s to find or write)"
    )
    use_qgis = not args.no_qgis and qgis_available()
    if not args.no_qgis and not use_qgis:
        print("QGIS is not installed (Debian: apt-get install python3-qgis): twin alone")
    with tempfile.TemporaryDirectory(prefix="twin_render_bench_") as tmp:
        folder = Path(args.snapshots) if args.snapshots else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        snapshots = Path(args.snapshots) if args.snapshots else None
        boxes = extents(path)
        if args.cold_overview:
            from twin.layers.overview import OVERVIEW_SUFFIX

            Path(str(path) + OVERVIEW_SUFFIX).unlink(missing_ok=True)
        with background_load.cpu_load(args.load):
            if args.whole_process:
                styles = twin_styles(path)
            else:
                twin = twin_frames(path, boxes, args.repeat, snapshots)
                styles = twin["styles"]
                qgis = (
                    qgis_frames(path, twin["shown"], args.repeat, snapshots, styles)
                    if use_qgis
                    else None
                )
                print_frames(twin, qgis, args.threads)
            if not args.no_whole:
                print(background_load.machine_line(args.load).replace("at start", "now"))
                whole_variants = variants if use_qgis else []
                whole = render_whole.whole_process(
                    path,
                    boxes,
                    args.whole_repeat,
                    {v: qgis_png_command(path, v) for v in whole_variants},
                    folder,
                    dict(os.environ, PYTHONPATH=str(_ROOT), TWIN_RENDER_THREADS=str(args.threads)),
                    qgis_env(styles),
                    (WIDTH, HEIGHT),
                    box_text,
                )
                render_whole.print_whole(
                    whole, whole_variants, VARIANT_LABELS, args.threads, (WIDTH, HEIGHT)
                )


if __name__ == "__main__":
    main()
