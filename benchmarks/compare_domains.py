"""Where the time of a compare goes, per domain and per side, in one process: the CPU of
each engine's ``domain_result`` for scenario A (docs/scenario-example.json) and B (the
``SCENARIO_B`` of :mod:`compare_scenarios`), on a copy of a project as the sample ships it
(baselines stored, nothing prepared: case 1 of ``compare_scenarios.py``).

Usage: ``python benchmarks/compare_domains.py [--profile DOMAIN] [PROJECT]`` (default: the
sample). Prints wall and CPU seconds of the imports (engines, pandapower, numba), of the
project opening and of each domain for each side, in that order: a domain's first side
includes what it builds once per project (grid, road graph, GTFS, walks). ``--profile``
adds the cProfile of that domain (both sides, 35 costliest by cumulative time). Excluded:
the engine processes (everything runs here) and storing the results. Timings taken on a
loaded machine grow in wall time more than in CPU time: report the load printed.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# benchmarks/coverage.py would shadow the coverage package numba imports: not on the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("twin_bench_compare", HERE / "compare_scenarios.py")
compare_scenarios = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_scenarios)

DOMAINS = ("energy", "transit", "fiber", "radio")


def _timed(label: str, started: tuple[float, float]) -> None:
    print(
        f"{label}: {time.perf_counter() - started[0]:.2f} s wall, "
        f"{time.process_time() - started[1]:.2f} s CPU"
    )


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def measure(path: Path, profile: str | None) -> None:
    """Open ``path``, compute each domain of scenarios A and B here, print the times."""
    started = _now()
    import twin
    from twin.scenario import Scenario
    from twin.sim.whatif import energy, fiber, radio, transit  # noqa: F401 (timed imports)
    from twin.sim.whatif.result import WhatIfOptions
    from twin.sim.whatif.runner import domain_result

    _timed("imports (engines, pandapower, numba)", started)
    started = _now()
    project = twin.open_project(path)
    _timed("open", started)
    example = json.loads((ROOT / "docs" / "scenario-example.json").read_text(encoding="utf-8"))
    scenarios = [Scenario.from_dict(data) for data in (example, compare_scenarios.SCENARIO_B)]
    profiler = cProfile.Profile()
    options = WhatIfOptions()
    for domain in DOMAINS:
        for side, scenario in zip("AB", scenarios, strict=True):
            started = _now()
            if domain == profile:
                profiler.enable()
            domain_result(project, domain, list(scenario.for_domain(domain)), options, None)
            if domain == profile:
                profiler.disable()
            _timed(f"{domain} {side}", started)
    print(f"load {os.getloadavg()[0]:.1f} (1 min) after, {os.cpu_count()} cores")
    if profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


def main(argv: list[str] | None = None) -> int:
    """Measure on a copy of the project (with the GTFS zips beside it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=ROOT / "resources/sample/rennes.twin")
    parser.add_argument("--profile", choices=DOMAINS)
    arguments = parser.parse_args(argv)
    source = Path(arguments.project)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / source.name
        shutil.copy(source, copy)
        for beside in source.parent.glob("*.zip"):
            shutil.copy(beside, folder)
        measure(copy, arguments.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
