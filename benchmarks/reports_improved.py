"""What "transit reports in areas the scenario improves" costs when a scenario's results
are cached: the KPI dock then counts it on the UI thread (``SlowEngines.cached``).

Builds ``--places`` synthetic building footprints (12 m x 10 m boxes, random over the
sample territory's Lambert-93 box), the PTAL frames of a baseline and of a scenario whose
new line raises the accessibility index in a corridor across the box holding ``--raised``
of them (a share, 0-1), and ``--reports``
citizen reports (random points; a quarter are transit reports). Then times, like with
like on the same frames:

- ``shapely index``: what the count did before (kept here as the reference): select the
  raised places as a GeoDataFrame, build their shapely STRtree, query the transit reports
  with ``dwithin`` 300 m;
- ``transit_improved()``: the count now (the raised places' box centres binned in a grid,
  an exact check only for pairs at about 300 m: :func:`twin.sim.reports_scenario.points_near`);
- ``scenario_report_figures()``: the whole citizen-reports step of a cached scenario's
  figures for the transit domain (finding the PTAL layers, the count, the figure).

Both counts must agree (checked, printed). Prints median and max of ``--repeat`` runs,
the whole process time beside them, and the machine's load (the machine may be shared:
figures under load are upper bounds; ``--load`` adds one busy process).

    python benchmarks/reports_improved.py [--places 100000] [--raised 0.3] [--reports 5000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(Path(__file__).parent))  # background_load
PROCESS_START = time.perf_counter()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from background_load import cpu_load, machine_line  # noqa: E402

from twin.layers.reports import COLUMNS, new_reports_layer  # noqa: E402
from twin.layers.vector import VectorLayer  # noqa: E402
from twin.project import Project  # noqa: E402
from twin.sim.reports_scenario import (  # noqa: E402
    TRANSIT_RADIUS_M,
    scenario_report_figures,
    transit_improved,
)

BOX = (340_000.0, 6_775_000.0, 370_000.0, 6_800_000.0)  # the sample's box, Lambert-93
CRS = "EPSG:2154"


def ptal_frames(places: int, raised: float, seed: int = 1):
    """Baseline and scenario PTAL frames of ``places`` footprints, ``raised`` share up."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(BOX[0], BOX[2], places)
    y = rng.uniform(BOX[1], BOX[3], places)
    footprints = shapely.box(x, y, x + 12.0, y + 10.0)
    ai = rng.uniform(0.0, 30.0, places)
    before = gpd.GeoDataFrame(
        {"walk_min": 3.0, "ai": ai, "ptal": "3"}, geometry=footprints, crs=CRS
    )
    after = before.copy()
    # a new line across the territory raises the places of a corridor along it
    corridor = np.abs(y - (BOX[1] + BOX[3]) / 2.0) < raised * (BOX[3] - BOX[1]) / 2.0
    after["ai"] = ai + np.where(corridor, 2.5, 0.0)
    return before, after


def reports_frame(count: int, seed: int = 2) -> gpd.GeoDataFrame:
    """``count`` citizen reports at random, a quarter of each category."""
    rng = np.random.default_rng(seed)
    points = shapely.points(rng.uniform(BOX[0], BOX[2], count), rng.uniform(BOX[1], BOX[3], count))
    data = {column: [""] * count for column in COLUMNS}
    data["report_id"] = [f"r{i}" for i in range(count)]
    data["category"] = [("transit", "mobile", "energy", "fiber")[i % 4] for i in range(count)]
    return gpd.GeoDataFrame(data, geometry=points, crs=CRS)


def with_shapely_index(reports, before, after, radius_m: float = TRANSIT_RADIUS_M) -> int:
    """The count as it was done before: the raised places' STRtree, ``dwithin``."""
    old = pd.to_numeric(before["ai"], errors="coerce").to_numpy(dtype=float)
    new = pd.to_numeric(after["ai"], errors="coerce").to_numpy(dtype=float)
    raised = after[np.nan_to_num(new, nan=-np.inf) > np.nan_to_num(old, nan=np.inf)]
    transit = reports[reports["category"].astype(str) == "transit"]
    left, _right = raised.sindex.query(transit.geometry, predicate="dwithin", distance=radius_m)
    near = np.zeros(len(transit), dtype=bool)
    near[left] = True
    return int(near.sum())


def _timed(repeat: int, function, *args) -> tuple[object, list[float]]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        times.append(1000 * (time.perf_counter() - started))
    return result, times


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} ms, max {max(values):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--raised", type=float, default=0.3, help="share of places raised")
    parser.add_argument("--reports", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--load", action="store_true", help="one busy process beside it")
    args = parser.parse_args()
    print(machine_line(args.load))
    before, after = ptal_frames(args.places, args.raised)
    reports = reports_frame(args.reports)
    project = Project()
    project.add_layer(new_reports_layer(CRS, reports))
    baseline_layers = [VectorLayer("PTAL", before, crs=CRS)]
    scenario_layers = [VectorLayer("New line: PTAL", after, crs=CRS)]
    with cpu_load(args.load):
        reference, old_times = _timed(args.repeat, with_shapely_index, reports, before, after)
        count, new_times = _timed(args.repeat, transit_improved, reports, before, after)
        figures, whole_times = _timed(
            args.repeat, scenario_report_figures, project, scenario_layers, baseline_layers
        )
    transit = sum(reports["category"] == "transit")
    setting = (
        f"{args.places} places ({args.raised:.0%} raised), {transit} transit reports of "
        f"{args.reports}, {TRANSIT_RADIUS_M:.0f} m"
    )
    print(f"shapely index of the raised places (before): {_ms(old_times)} ({setting})")
    print(f"transit_improved() now: {_ms(new_times)}")
    print(f"scenario_report_figures(), transit only (cached scenario): {_ms(whole_times)}")
    print(f"counts agree: {count == reference} ({count} vs {reference} reports)")
    print(f"figure: {[(f.key, f.value) for f in figures]}")  # type: ignore[union-attr]
    print(f"whole process: {time.perf_counter() - PROCESS_START:.1f} s")


if __name__ == "__main__":
    main()
