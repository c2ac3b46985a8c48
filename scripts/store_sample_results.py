"""Store the baseline results of every engine in a project file (the bundled sample by
default), so that the app and ``twin simulate`` open it with them instead of computing.

Usage: ``python scripts/store_sample_results.py [PROJECT]`` (a few tens of seconds).
``scripts/make_sample.py`` calls it after writing ``rennes.twin``. The results are computed
on the project *as read back from the file* with the default options of the app and of
``twin simulate`` (:class:`twin.sim.whatif.WhatIfOptions`), then written into its
``twin_results`` tables without rewriting the layers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import twin  # noqa: E402
from twin.project_save import save_results  # noqa: E402
from twin.sim.whatif import WhatIfOptions, simulate  # noqa: E402


def store_baseline_results(path: Path, log=print) -> Path:
    """Compute the baseline of every domain on the project at ``path`` and store it there;
    returns the path."""
    started = time.perf_counter()
    project = twin.open_project(path)
    project.results.clear()  # only what this run computes: no stale entries in the sample
    result = simulate(project, None, options=WhatIfOptions())
    for warning in result.warnings:
        log(f"  warning: {warning}")
    save_results(project, path)
    kinds = sorted({entry.domain for entry in project.results.values()})
    log(
        f"stored {len(project.results)} baseline results ({', '.join(kinds)}) in {path} "
        f"({path.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - started:.1f} s"
    )
    return path


def main(argv: list[str] | None = None) -> int:
    """Store the baselines in PROJECT (default: resources/sample/rennes.twin)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "project",
        nargs="?",
        type=Path,
        default=ROOT / "resources" / "sample" / "rennes.twin",
        help="project file (default: the bundled sample)",
    )
    args = parser.parse_args(argv)
    store_baseline_results(args.project)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
