"""Benchmark: range RAPTOR from every populated 200 m cell of the sample to every stop.

    python benchmarks/travel.py [--origins N] [--brute 10] [--window 120] [--load]

Data: the bundled sample (Rennes Métropole: its GTFS feed, 183 stops, and roads); origins
are the centres of the 200 m population grid cells (``population_grid``, 4 640 cells), the
window 07:00-09:00 with a departure every minute (120 departures).

Both sides get the *same* inputs: the compiled timetable with the walks between stops
(road graph, closed under composition) and, per origin, the same access walks to stops.
- twin: :func:`twin.sim.transit.raptor.range_raptor`, all departures of the window at once
  (the access walk of each origin is computed by twin on the road graph and timed apart);
- brute force: a time-expanded graph of the day's trips in networkx (tests/raptor_brute.py),
  one reachability search per departure minute; it runs on ``--brute`` origins only, its
  time per origin is multiplied by the number of origins (stated as such), and its arrivals
  are checked equal to twin's for those origins.
Printed: preparation (reading the project and feed, building the road graph, compiling the
timetable and walks), per-origin time of each side, the ratio, and the whole process (the
command start to the last origin). ``--load`` runs a CPU-bound process on one core beside.
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

import numpy as np  # noqa: E402
import shapely  # noqa: E402

START = time.perf_counter()


def _load_helper(name: str):
    """A module of benchmarks/ loaded by path (benchmarks/ is kept off sys.path above)."""
    spec = importlib.util.spec_from_file_location(f"twin_bench_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


background_load = _load_helper("background_load")


def _brute_force_module():
    spec = importlib.util.spec_from_file_location(
        "raptor_brute", _HERE.parent / "tests" / "raptor_brute.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(args) -> None:
    import twin
    from twin.sim.transit.raptor import range_raptor
    from twin.sim.transit.travel import Window
    from twin.sim.transit.travel_project import ProjectTravel

    t0 = time.perf_counter()
    project = twin.open_project()
    travel = ProjectTravel(project, cell_m=None)
    prepare = time.perf_counter() - t0
    model = travel.model
    cells = project.layer("population_grid").frame
    origins = shapely.get_coordinates(shapely.centroid(cells.geometry.values))
    if args.origins:
        origins = origins[: args.origins]
    window = Window("07:00", args.window)
    departures = window.times()
    table = model.timetable
    print(
        f"sample: {table.stop_count} stops, {table.route_count} routes, {table.trip_count} "
        f"trips on {model.day}, {len(table.transfer_to)} walks between stops; "
        f"{len(origins)} origins x {len(departures)} departures"
    )
    print(f"preparation (read project + feed, road graph, timetable, walks): {prepare:.2f} s")

    t = time.perf_counter()
    walks = model.access_walks(origins)
    access_time = time.perf_counter() - t
    raptor_time = 0.0
    accesses = []
    arrivals_kept = {}
    for index in range(len(origins)):
        begin, end = walks.start[index], walks.start[index + 1]
        stops, seconds = walks.target[begin:end], walks.seconds[begin:end]
        accesses.append((stops, seconds))
        t = time.perf_counter()
        arrivals = range_raptor(table, stops, seconds, departures, model.parameters.max_rounds)
        raptor_time += time.perf_counter() - t
        if index < args.brute:
            arrivals_kept[index] = arrivals
    whole = time.perf_counter() - START
    done = len(origins)
    print(
        f"twin: access walks of all origins {access_time:.2f} s (one search per stop), "
        f"range RAPTOR {1000 * raptor_time / done:.2f} ms/origin ({raptor_time:.2f} s)"
    )

    brute_module = _brute_force_module()
    transfers = {}
    for s in range(table.stop_count):
        for e in range(table.transfer_start[s], table.transfer_start[s + 1]):
            transfers[(table.stop_ids[s], table.stop_ids[table.transfer_to[e]])] = float(
                table.transfer_s[e]
            )
    t = time.perf_counter()
    brute = brute_module.BruteForce(travel.network, model.day, transfers)
    brute_build = time.perf_counter() - t
    brute_time = 0.0
    checked = mismatched = fewer_vehicles = 0
    horizon = model.parameters.max_duration_s
    for index, arrivals in arrivals_kept.items():
        stops, seconds = accesses[index]
        access = {table.stop_ids[s]: float(w) for s, w in zip(stops, seconds, strict=True)}
        for d, start in enumerate(departures):
            t = time.perf_counter()
            expected = brute.arrivals_from(access, start)
            brute_time += time.perf_counter() - t
            for s, stop_id in enumerate(table.stop_ids):
                want = expected.get(stop_id, np.inf)
                want = want if want <= start + horizon else np.inf
                if arrivals[d, s] != want:
                    # twin's journeys have at most max_rounds vehicles, the brute force any
                    if arrivals[d, s] > want:
                        fewer_vehicles += 1
                    else:
                        mismatched += 1
                checked += 1
    per_origin_brute = brute_time / max(1, len(arrivals_kept))
    per_origin_twin = raptor_time / done
    print(
        f"brute force (networkx time-expanded graph, built once in {brute_build:.2f} s): "
        f"{1000 * per_origin_brute:.1f} ms/origin over {len(arrivals_kept)} origins; "
        f"x {done} origins = {per_origin_brute * done:.1f} s (extrapolated)"
    )
    print(
        f"checked {checked} arrivals: {mismatched} disagree, {fewer_vehicles} later in twin "
        f"because of its limit of {model.parameters.max_rounds} vehicles per journey"
    )
    ratio = per_origin_brute / per_origin_twin
    print(f"ratio brute force / twin range RAPTOR per origin: {ratio:.0f}x")
    print(
        f"whole process (command start to the last origin, twin side): {whole:.2f} s; "
        f"twin per origin incl. access walks: {1000 * (access_time + raptor_time) / done:.2f} ms"
    )


def main() -> None:
    """Parse the options, run (beside one busy process with --load)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=0, help="first N origins (0: all)")
    parser.add_argument("--brute", type=int, default=10, help="origins run by brute force")
    parser.add_argument("--window", type=int, default=120, help="departure window, minutes")
    parser.add_argument("--load", action="store_true", help="a CPU-bound process beside")
    args = parser.parse_args()
    print(background_load.machine_line(args.load))
    with background_load.cpu_load(args.load):
        run(args)


if __name__ == "__main__":
    main()
