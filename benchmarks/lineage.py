"""What "why this number" costs: the lineage of every figure per simulate() on the sample.

Opens the bundled sample, runs ``simulate()`` on a saved scenario once (stored results:
no engine runs), then times, on the same state, ``--repeat`` times each:

- ``simulate()`` whole (results from memory, figures paired, lineage attached, layers
  relabelled and clipped), the figure the compare window and ``twin simulate`` see;
- ``with_lineage()`` alone (engine, parameters, inputs, interventions per domain, privacy
  band per figure): the part this feature adds to each simulate() call.

The app's KPI dock builds a lineage only when a figure is clicked (one figure, not every
live update). Prints median and max in ms, the load average at start (the machine may be
shared: figures under load are upper bounds; ``--load`` adds one busy core) and the whole
process time.

    python benchmarks/lineage.py [--repeat 20] [--scenario "Plan du conseil 2027"] [--load]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

# benchmarks/coverage.py would shadow the "coverage" package numba imports: drop this folder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

PROCESS_START = time.perf_counter()

import twin  # noqa: E402
from twin.scenario import find_scenario  # noqa: E402
from twin.sim.whatif import simulate  # noqa: E402
from twin.sim.whatif.lineage import with_lineage  # noqa: E402


def _load_helper(name: str):
    """A module of benchmarks/ loaded by path (benchmarks/ is kept off sys.path above)."""
    spec = importlib.util.spec_from_file_location(f"twin_bench_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


background_load = _load_helper("background_load")


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} ms, max {max(values):.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--scenario", default="Plan du conseil 2027")
    parser.add_argument("--load", action="store_true", help="one busy core beside")
    args = parser.parse_args()
    print(background_load.machine_line(args.load))
    project = twin.open_project(None)
    scenario = find_scenario(project.scenarios, args.scenario)
    result = simulate(project, scenario)  # first call: stored results decoded
    print(f"scenario '{scenario.name}': {len(result.figures)} figures")
    whole, part = [], []
    with background_load.cpu_load(args.load):
        for _ in range(args.repeat):
            start = time.perf_counter()
            simulate(project, scenario)
            whole.append(1000 * (time.perf_counter() - start))
            start = time.perf_counter()
            with_lineage(result.figures, project, scenario, result.scenario_results, None)
            part.append(1000 * (time.perf_counter() - start))
    print(f"simulate() whole, results in memory: {_ms(whole)}")
    print(f"with_lineage() alone (inside the above): {_ms(part)}")
    print(f"whole process: {time.perf_counter() - PROCESS_START:.1f} s")


if __name__ == "__main__":
    main()
