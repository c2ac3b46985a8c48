"""Energy engine benchmark on pandapower's ``mv_oberrhein`` (179 buses, 181 lines).

Prints the power-flow time per scenario (cold full run, warm start, the two design cases,
the 24-hour design day) and the hosting capacity of every MV bus (PV and EV), with the
number of power flows and the time per power flow.

    python benchmarks/energy.py            # all buses
    python benchmarks/energy.py --buses 20 # a quick run on the first 20 buses
"""

from __future__ import annotations

import argparse
import copy
import logging
import statistics
import sys
import time
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and a sibling benchmark named like a
# package (benchmarks/coverage.py shadows coverage, which pandapower's imports touch) would
# be imported instead: drop this folder from the path before importing pandapower.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import pandapower.networks as pn  # noqa: E402

from twin.sim.energy import (  # noqa: E402
    EVChargers,
    HeatPumps,
    NewLine,
    RooftopPV,
    apply_interventions,
    design_cases,
    hosting_capacity,
    net_to_frames,
    run_daily_profile,
    run_power_flow,
)


def _timed(function, repeat: int = 5) -> tuple[float, object]:
    """Median wall time (s) of ``repeat`` calls and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buses", type=int, default=None, help="limit hosting capacity")
    args = parser.parse_args()
    logging.getLogger("pandapower").setLevel(logging.ERROR)

    net = pn.mv_oberrhein()
    frames = net_to_frames(net)
    buses = frames.buses
    print(f"mv_oberrhein: {len(net.bus)} buses, {len(net.line)} lines, {len(net.trafo)} trafos")
    seconds, _ = _timed(lambda: run_power_flow(copy.deepcopy(net)))
    print(f"power flow, full run (copy + runpp + results): {seconds * 1000:.1f} ms")
    warm = copy.deepcopy(net)
    run_power_flow(warm)
    seconds, _ = _timed(lambda: run_power_flow(warm, init="results"))
    print(f"power flow, warm start (init='results'):        {seconds * 1000:.1f} ms")

    centre = buses.geometry.iloc[len(buses) // 2]
    location = (centre.x, centre.y)
    scenarios = {
        "baseline": [],
        "EV hub 20 x 22 kW": [EVChargers(20, location, kw_per_charger=22.0)],
        "rooftop PV 2 MWp": [RooftopPV(kwp=2000.0, location=location)],
        "heat pumps 500 households": [HeatPumps(households=500, location=location)],
        "new line": [
            NewLine(int(net.bus.index[1]), int(net.bus.index[5]), "NA2XS2Y 1x185 RM/25 12/20 kV")
        ],
    }
    print("\nscenario                     apply   1 PF    2 design cases   24-h day")
    for name, interventions in scenarios.items():
        apply_s, (scenario, _) = _timed(
            lambda i=interventions: apply_interventions(net, i, buses), repeat=3
        )
        pf_s, result = _timed(lambda s=scenario: run_power_flow(copy.deepcopy(s)), repeat=3)
        cases_s, _ = _timed(lambda s=scenario: design_cases(s), repeat=3)
        day_s, _ = _timed(lambda s=scenario: run_daily_profile(s), repeat=1)
        print(
            f"{name:<28} {apply_s * 1000:5.0f} ms {pf_s * 1000:5.0f} ms "
            f"{cases_s * 1000:8.0f} ms {day_s * 1000:12.0f} ms   "
            f"(max loading {result.max_line_loading_percent:.1f} %, "
            f"min V {result.min_bus_voltage_pu:.4f} pu)"
        )

    candidates = None
    if args.buses:
        slack = set(net.ext_grid.bus)
        candidates = [b for b in net.bus.index if net.bus.vn_kv[b] < 30 and b not in slack]
        candidates = candidates[: args.buses]
    started = time.perf_counter()
    capacity = hosting_capacity(net, buses=candidates)
    elapsed = time.perf_counter() - started
    frame = capacity.frame
    print(
        f"\nhosting capacity (PV and EV) of {len(frame)} buses: {elapsed:.1f} s, "
        f"{capacity.power_flows} power flows, "
        f"{1000 * elapsed / max(capacity.power_flows, 1):.1f} ms per power flow "
        f"(recycled), {capacity.power_flows / max(2 * len(frame), 1):.1f} per bus and kind"
    )
    for kind in ("pv", "ev"):
        values = frame[f"{kind}_mw"]
        limits = frame[f"{kind}_limited_by"].value_counts().to_dict()
        print(
            f"  {kind.upper()}: median {values.median():.2f} MW, min {values.min():.2f}, "
            f"max {values.max():.2f} MW; limited by {limits}"
        )


if __name__ == "__main__":
    main()
