"""Part 2 of benchmarks/render.py: whole process, file to PNG, twin against QGIS.

``twin render FILE --out x.png --size WxH --bbox ...`` as a subprocess against
``qgis_render.py png`` (Debian's /usr/bin/python3: start, open the GeoPackage, style,
render, write the PNG), timed from process start to PNG on disk, the sides alternating,
median of ``repeats``; each run's peak resident memory is taken by a small launcher
(:data:`LAUNCHER`).

twin draws a hard link of the data placed in a folder of its own (a copy where a link is
not possible), so the level-of-detail overview twin caches beside a big GeoPackage
(``<file>.twin-overview.gpkg``) is the benchmark's: at each extent the first twin run finds
no cache (it is deleted before) and builds it, the others read it. The table prints the
two cases on separate rows: "first open" (one run, uncached) and "cached" (median of the
others, their largest peak). QGIS has no such cache: its rows are the same for both.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

OVERVIEW_SUFFIX = ".twin-overview.gpkg"  # twin.layers.lazy_overview.OVERVIEW_SUFFIX

# Runs a command and prints its CPU seconds and peak resident KiB. The measured process is
# a child of this small launcher, not of the benchmark: on Linux a process forked (or
# vforked, as subprocess does) from the benchmark starts with the benchmark's own memory
# high-water mark in its ru_maxrss (a floor of ~200 MiB once pyogrio and twin's styles are
# loaded), which hid both sides' true peaks. The launcher's floor is its own ~10 MiB.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def timed_process(args: list[str], env: dict, out: Path) -> tuple[float, float, float]:
    """(wall s, CPU s of the process and its threads, peak resident memory MiB) from start
    to ``out`` written (the process runs under :data:`LAUNCHER`, which adds its start,
    ~20 ms, to the wall time of both sides)."""
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *args],
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - start
    try:
        code, cpu, peak_kib = process.stdout.strip().splitlines()[-1].split()
    except (IndexError, ValueError):
        code, cpu, peak_kib = "launcher failed", "0", "0"
    if code != "0" or not out.exists():
        raise RuntimeError(f"{args[:3]} failed ({code}): {process.stderr.strip()[-400:]}")
    return wall, float(cpu), float(peak_kib) / 1024  # Linux: KiB


def private_copy(path: Path, folder: Path) -> Path:
    """``path`` hard-linked (else copied) into ``folder``: twin's overview cache beside it
    is then the benchmark's own, never another run's."""
    target = folder / path.name
    target.unlink(missing_ok=True)
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)
    return target


def whole_process(
    path: Path,
    boxes: dict,
    repeats: int,
    qgis_commands: dict,
    folder: Path,
    twin_env: dict,
    qgis_env: dict,
    size: tuple[int, int],
    box_text,
) -> dict:
    """Per box: {"twin first": (wall, CPU, peak) of the uncached run, "twin": (median wall,
    median CPU, largest peak) of the cached runs, each QGIS variant: (median, median,
    largest)}. ``qgis_commands``: {variant: function(out, box) -> argv}."""
    data = private_copy(path, folder)
    cache = Path(str(data) + OVERVIEW_SUFFIX)
    results: dict = {}
    for name, box in boxes.items():
        slug = name.replace("/", "_")
        twin_out = folder / f"whole_twin_{slug}.png"
        twin_args = [
            *(sys.executable, "-m", "twin.cli", "render", str(data)),
            *("--out", str(twin_out), "--size", f"{size[0]}x{size[1]}", "--bbox", box_text(box)),
        ]
        contenders = {"twin": (twin_args, twin_env, twin_out)}
        for variant, command in qgis_commands.items():
            out = folder / f"whole_qgis_{variant}_{slug}.png"
            contenders[variant] = (command(out, box), qgis_env, out)
        runs: dict = {key: [] for key in contenders}
        cache.unlink(missing_ok=True)  # the first twin run opens the file uncached
        for _ in range(repeats + 1):  # alternate, so each side sees the same load
            for key, (args, env, out) in contenders.items():
                runs[key].append(timed_process(args, env, out))
        first, *cached = runs["twin"]
        results[name] = {"twin first": first}
        runs["twin"] = cached
        for key, values in runs.items():
            results[name][key] = (
                statistics.median(w for w, _, _ in values),
                statistics.median(c for _, c, _ in values),
                max(m for _, _, m in values),
            )
    return results


def print_whole(
    results: dict, variants: list[str], labels: dict, threads: int, size: tuple[int, int]
) -> None:
    """Part 2's table: per extent a "first open" row (twin's uncached run) and a "cached"
    row (the median of the others); QGIS's figures, the same on both, against each."""
    width, height = size
    print(f"\nPart 2: whole process, file to PNG, {width}x{height} (wall s / CPU s; peak MiB)")
    print(
        f"  twin: `twin render FILE --out x.png --size {width}x{height} --bbox ...` "
        f"(TWIN_RENDER_THREADS={threads}; with scale bar and north arrow)"
    )
    if variants:
        print("  QGIS: qgis_render.py png (start, open, style, render, write)")
    else:
        print("  QGIS: not installed (apt-get install python3-qgis) or not asked: twin alone")
    print(
        "  first open: twin's first run, no overview cached beside the file (a big layer's "
        "overview is built then, when the view draws it); cached: the median of the other "
        "runs (cache present), peak: their largest. QGIS: median and largest of all its runs"
    )
    header = "| extent | twin run | twin s | twin peak MiB |"
    for variant in variants:
        header += f" {labels[variant]} s (x twin: wall / CPU) | peak MiB (/ twin) |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, sides in results.items():
        for run, key in (("first open", "twin first"), ("cached", "twin")):
            wall, cpu, peak = sides[key]
            row = f"| {name} | {run} | {wall:.2f} / {cpu:.2f} | {peak:.0f} |"
            for variant in variants:
                q_wall, q_cpu, q_peak = sides[variant]
                row += (
                    f" {q_wall:.2f} / {q_cpu:.2f} ({q_wall / wall:.2f}x / "
                    f"{q_cpu / max(cpu, 1e-6):.2f}x) | {q_peak:.0f} ({peak / q_peak:.2f}x) |"
                )
            print(row)
