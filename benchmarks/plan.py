"""Benchmark: budgeted placement over 500 candidate sites on the sample territory.

    python benchmarks/plan.py [--candidates 500] [--spacing 450] [--budget 3e6] [--load]
                              [--threads N]

Candidates: the 500 cells of a 450 m grid over the coverage gaps holding the most people
without good 4G+5G coverage (the sample's gaps fill 514 such cells; a 500 m grid gives only
475, so the default spacing is 450 m to place the 500 the target names).

Printed, each timed apart: the radio baseline (reading the project, both technologies'
coverage with terrain: what every what-if needs first), the candidates' costs alone (fibre
backhaul route, grid connection; read once, then kept), the candidates' coverage (each
computed as if added, with its terrain profiles, in ``--threads`` threads) and costs, and
the selection (lazy greedy by ratio and by gain, best single), plus the whole process (start
to plan) and a second placement in the same session (the candidates' coverage is kept per
model). The greedy result is compared with the exact optimum on the 12 candidates of largest
coverage (enumeration, 4 096 subsets) as a ratio. ``--load`` runs a CPU-bound process on one
core beside; ``--threads 2`` computes the coverage in two worker threads.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

START = time.perf_counter()


def _load_helper(name: str):
    """A module of benchmarks/ loaded by path (benchmarks/ is kept off sys.path above)."""
    spec = importlib.util.spec_from_file_location(f"twin_bench_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


background_load = _load_helper("background_load")


def run(args) -> None:
    import numpy as np

    import twin
    from twin.sim.optimise.candidates import build_candidates, candidate_costs, gap_grid
    from twin.sim.optimise.selection import CoverageInstance, budgeted_greedy, exact_optimum
    from twin.sim.whatif.radio import radio_context

    threads = args.threads or 1
    t = time.perf_counter()
    project = twin.open_project()
    radio = radio_context(project)
    baseline = time.perf_counter() - t
    xy = gap_grid(radio, args.spacing, args.candidates)
    ids = [f"grid-{i + 1}" for i in range(len(xy))]
    t = time.perf_counter()
    candidate_costs(project, xy)  # the fibre network and grid buses, read once
    costs = time.perf_counter() - t
    t = time.perf_counter()
    candidates = build_candidates(project, radio, ids, xy, threads=threads)
    prepare = time.perf_counter() - t
    t = time.perf_counter()
    selection = budgeted_greedy(candidates.instance, args.budget)
    select = time.perf_counter() - t
    whole = time.perf_counter() - START
    t = time.perf_counter()
    again = budgeted_greedy(build_candidates(project, radio, ids, xy).instance, args.budget)
    cached = time.perf_counter() - t
    assert again.chosen == selection.chosen
    print(
        f"sample: {len(xy)} candidates on a {args.spacing:.0f} m gap grid, "
        f"budget {args.budget:,.0f} EUR"
    )
    print(f"radio baseline (read project, 4G and 5G coverage with terrain): {baseline:.2f} s")
    print(f"candidate costs alone (fibre backhaul routes, grid connection): {costs:.2f} s")
    print(
        f"candidate coverage and costs ({threads} threads): {prepare:.2f} s "
        f"({1000 * prepare / len(xy):.1f} ms each)"
    )
    print(
        f"selection ({selection.method}): {1000 * select:.1f} ms -> {len(selection.chosen)} "
        f"sites, {selection.gain:,.0f} persons, {selection.cost:,.0f} EUR"
    )
    print(f"placement (candidates + selection): {prepare + select:.2f} s (target < 30 s)")
    print(f"whole process (start to plan): {whole:.2f} s")
    print(f"placement again in the same session (coverage cached): {cached:.2f} s")
    instance = candidates.instance
    keep = np.argsort([-len(s) for s in instance.sets])[:12]
    small = CoverageInstance(
        [instance.sets[i] for i in keep], instance.weights, instance.costs[keep]
    )
    budget = float(np.sort(small.costs)[:4].sum())
    t = time.perf_counter()
    optimum = exact_optimum(small, budget)
    exact = time.perf_counter() - t
    greedy = budgeted_greedy(small, budget)
    print(
        f"12 largest candidates, budget {budget:,.0f} EUR: greedy {greedy.gain:,.0f} persons, "
        f"exact {optimum.gain:,.0f} ({exact:.2f} s), ratio {greedy.gain / optimum.gain:.4f}"
    )


def main() -> None:
    """Parse the options, run (beside one busy process with --load)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--spacing", type=float, default=450.0, help="gap grid (m)")
    parser.add_argument("--budget", type=float, default=3e6)
    parser.add_argument("--load", action="store_true", help="a CPU-bound process beside")
    parser.add_argument("--threads", type=int, help="coverage threads (default 1)")
    args = parser.parse_args()
    print(background_load.machine_line(args.load))
    with background_load.cpu_load(args.load):
        run(args)


if __name__ == "__main__":
    main()
