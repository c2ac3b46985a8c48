"""Story export benchmark: the sample's story "Conseil municipal" (6 steps) as a PDF deck.
Target (issue 11): under 10 s.

    python benchmarks/present.py                 # PDF, A4 landscape at 300 dpi
    python benchmarks/present.py --repeat 3 --load

Part 1, inner loop (one process, sample opened once, Qt started): the whole deck written
with ``export_story_pdf`` (resolve the steps: stored results decoded once per scenario;
draw each step's map(s) with the window's canvas code at 300 dpi, two maps for the swipe
and side-by-side steps; paint the pages into the PDF). The first run decodes the stored
results and builds the layer views (cold); the median of ``--repeat`` later runs is printed
too, and the share spent drawing maps (``step_map``) in the last run.

Part 2, whole process: ``twin present --story ... --pdf FILE`` as a subprocess (Python
start, imports, open the sample, resolve, draw, write), median of ``--repeat``.

``--load`` runs one CPU-bound process beside the whole benchmark. Both parts include the
same work apart from what part 2 adds (process start, imports, opening the sample).
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

STORY = "Conseil municipal"
TARGET_SECONDS = 10.0


def inner(repeat: int, out: Path) -> None:
    """Part 1: the deck written in one process, the sample opened once."""
    import twin
    from twin.ui.export import story
    from twin.ui.map.render import ensure_qt_application

    ensure_qt_application()
    start = time.perf_counter()
    project = twin.open_project(twin.sample_project_path())
    opened = time.perf_counter() - start
    print(f"Part 1, inner loop (sample opened once: {opened:.2f} s, not counted below)")
    drawing = [0.0]
    original = story.step_map

    def timed_step_map(scene):
        begin = time.perf_counter()
        try:
            return original(scene)
        finally:
            drawing[0] += time.perf_counter() - begin

    story.step_map = timed_step_map
    try:
        times = []
        for _ in range(repeat + 1):
            drawing[0] = 0.0
            start = time.perf_counter()
            path = story.export_story_pdf(project, STORY, out / "deck.pdf")
            times.append(time.perf_counter() - start)
    finally:
        story.step_map = original
    page = story.PRINT_PAGE
    print(
        f"  PDF deck, 6 steps, {page.width_px}x{page.height_px} px @{page.dpi:g} dpi: "
        f"first {times[0]:.2f} s, median of {repeat} more {statistics.median(times[1:]):.2f} s "
        f"({path.stat().st_size / 1e6:.1f} MB); maps drawn in {drawing[0]:.2f} s of the last"
    )


def whole(repeat: int, out: Path) -> list[float]:
    """Part 2: ``twin present`` subprocesses, start to file on disk."""
    print("Part 2, whole process: twin present --pdf (start, imports, open sample, write)")
    env = dict(os.environ, PYTHONPATH=str(_ROOT))
    times = []
    for _ in range(repeat):
        command = [sys.executable, "-m", "twin.cli", "present", "--story", STORY, "--quiet"]
        command += ["--pdf", str(out / "cli.pdf")]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    verdict = "within" if median < TARGET_SECONDS else "OVER"
    print(f"  median {median:.2f} s wall of {repeat} ({verdict} the {TARGET_SECONDS:g} s target)")
    return times


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
    print(background_load.machine_line(args.load))


if __name__ == "__main__":
    main()
