"""Map page export benchmark on the bundled sample (Rennes Métropole, every visible layer).

    python benchmarks/layout_export.py                 # 1600x1000 px and A4 at 300 dpi
    python benchmarks/layout_export.py --repeat 5 --load

Part 1, inner loop (one process, project opened once): for each page size, the map drawn
by the window's canvas code (``render_map_image``: what File > Export map runs on the UI
thread) and the page painted and written around it (``write_page``: title, legend, scale
bar, north arrow, credits; what runs in the worker) as PNG, PDF and SVG. The first map
draw builds the layer views (cold); the median of ``--repeat`` later ones is printed too.

Part 2, whole process: ``twin render --out FILE --size WxH`` as a subprocess (Python start,
imports, open the sample, draw, write), median of ``--repeat``.

``--load`` runs one CPU-bound process beside the whole benchmark.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
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

PAGES = {"1600x1000 px @150 dpi": (1600, 1000, 150.0), "A4 landscape @300 dpi": None}


def inner(repeat: int, out: Path) -> None:
    """Part 1: map draw and page write, per page size and format."""
    import twin
    from twin.layout import Page, build_layout
    from twin.ui.export.painter import render_map_image, write_page
    from twin.ui.map.render import ensure_qt_application

    ensure_qt_application()
    project = twin.open_project(twin.sample_project_path())
    print("Part 1, inner loop (sample opened once)")
    for label, size in PAGES.items():
        page = Page(*size) if size else Page.from_mm(297, 210, 300)
        layout = build_layout(project, "Rennes Métropole", page=page)
        start = time.perf_counter()
        map_image, shown = render_map_image(layout, project)
        cold = time.perf_counter() - start
        warm = []
        for _ in range(repeat):
            start = time.perf_counter()
            map_image, shown = render_map_image(layout, project)
            warm.append(time.perf_counter() - start)
        print(
            f"  {label} ({page.width_px}x{page.height_px} px): map draw (UI thread) "
            f"first {cold:.2f} s, median {statistics.median(warm):.2f} s"
        )
        for suffix in ("png", "pdf", "svg"):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                path = write_page(layout, map_image, shown, out / f"page.{suffix}")
                times.append(time.perf_counter() - start)
            size_kb = path.stat().st_size / 1024
            print(
                f"    page paint + write {suffix.upper()} (worker): median "
                f"{statistics.median(times):.2f} s, {size_kb:.0f} KiB"
            )


def whole(repeat: int, out: Path) -> None:
    """Part 2: ``twin render`` subprocesses, start to file on disk."""
    print("Part 2, whole process: twin render (start, imports, open sample, draw, write)")
    env = dict(os.environ, PYTHONPATH=str(_ROOT))
    for suffix in ("png", "pdf"):
        times = []
        for _ in range(repeat):
            command = [sys.executable, "-m", "twin.cli", "render", "--out"]
            command += [str(out / f"cli.{suffix}"), "--size", "1600x1000"]
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            times.append(time.perf_counter() - start)
        print(f"  {suffix.upper()} 1600x1000: median {statistics.median(times):.2f} s wall")


def main() -> None:
    """Run both parts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--load", action="store_true", help="one busy process beside it")
    args = parser.parse_args()
    print(background_load.machine_line(args.load))
    with background_load.cpu_load(args.load), tempfile.TemporaryDirectory() as folder:
        inner(args.repeat, Path(folder))
        whole(args.repeat, Path(folder))


if __name__ == "__main__":
    main()
