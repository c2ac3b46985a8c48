"""Hosting-capacity benchmark on pandapower's ``mv_oberrhein`` (179 buses, 181 lines): twin
against a plain pandapower bisection loop, in the same run, on the same buses.

Both sides compute, for every MV bus but the two slack buses (177), the PV capacity in the
high-feed-in case and the EV capacity in the high-load case, on the same grid of powers
(10 kW steps up to 50 MW), with the same criteria (no new voltage or loading violation),
and must give *identical* capacities and reasons (checked here).

- **plain pandapower loop** (``twin.sim.energy.plain_hosting_capacity``): one process;
  per kind, the case is set up (scaled loads/PV, tap changers settled: a few runpp), then
  per bus a plain bisection (test the 50 MW cap, then halve [0, 50 MW] to 10 kW) with one
  ``pandapower.runpp`` (its own Newton-Raphson, ``lightsim2grid=False``) per trial.
- **twin** (``twin.sim.energy.hosting_capacity``): the same case set-up, one extra runpp to
  build the model, then per bus a narrowed search (Jacobian and quadratic margin models
  place the trials) with lightsim2grid's Newton-Raphson per trial; worker processes when
  the job is large (``--workers``: default automatic, which keeps this 177-bus job in one
  process).

Each side runs in its own Python process. **whole process** = that process from start to
exit (interpreter, imports, loading mv_oberrhein, the computation, writing the result);
**inner loop** = the hosting-capacity call alone (case set-up included), timed inside.

    python benchmarks/energy.py                # all 177 buses (the plain side takes minutes)
    python benchmarks/energy.py --load         # the same beside a CPU-bound process on one core
    python benchmarks/energy.py --buses 20     # a quick run on 20 buses
    python benchmarks/energy.py --scenarios    # also time single power flows per scenario
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and a sibling benchmark named like a
# package (benchmarks/coverage.py shadows coverage, which pandapower's imports touch) would
# be imported instead: drop this folder from the path before importing pandapower.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

# Heavy imports (pandapower, twin's engine) happen inside the functions, so that each side's
# whole-process time includes them.


def _candidates(net, count: int | None) -> list[int]:
    slack = set(net.ext_grid.bus)
    buses = [int(b) for b in net.bus.index if net.bus.vn_kv[b] < 30 and b not in slack]
    return buses[:count] if count else buses


def run_side(side: str, count: int | None, workers: int | None, out: str) -> None:
    """One side, in this process: compute and write capacities and the inner time (JSON)."""
    import logging

    import pandapower.networks as pn

    from twin.sim.energy import hosting_capacity, plain_hosting_capacity

    logging.getLogger("pandapower").setLevel(logging.ERROR)
    net = pn.mv_oberrhein()
    buses = _candidates(net, count)
    started = time.perf_counter()
    if side == "plain":
        result = plain_hosting_capacity(net, buses=buses)
    else:
        result = hosting_capacity(net, buses=buses, workers=workers)
    inner = time.perf_counter() - started
    record = {
        "inner_s": inner,
        "power_flows": result.power_flows,
        "backend": result.backend,
        "workers": result.workers,
        "frame": json.loads(result.frame.to_json(orient="records", double_precision=15)),
    }
    Path(out).write_text(json.dumps(record), encoding="utf-8")


def _whole_process(side: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / f"{side}.json")
        command = [sys.executable, str(Path(__file__).resolve()), "--side", side, "--out", out]
        if args.buses:
            command += ["--buses", str(args.buses)]
        if args.workers is not None:
            command += ["--workers", str(args.workers)]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        record = json.loads(Path(out).read_text(encoding="utf-8"))
    record["whole_s"] = time.perf_counter() - started
    return record


def _start_load() -> subprocess.Popen:
    """A CPU-bound process (a busy loop), pinned to one core where the OS allows."""
    load = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(load.pid, {min(os.sched_getaffinity(0))})
    return load


def _scenarios() -> None:
    """Single power-flow times per scenario (as before): cold run, warm start, cases, day."""
    import copy
    import statistics

    import pandapower.networks as pn

    from twin.sim.energy import (
        EVChargers,
        HeatPumps,
        NewLine,
        RooftopPV,
        apply_interventions,
        design_cases,
        net_to_frames,
        run_daily_profile,
        run_power_flow,
    )

    def timed(function, repeat=3):
        times, result = [], None
        for _ in range(repeat):
            started = time.perf_counter()
            result = function()
            times.append(time.perf_counter() - started)
        return statistics.median(times), result

    net = pn.mv_oberrhein()
    buses = net_to_frames(net).buses
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
    print("\nscenario (median of 3)       apply   1 PF    2 design cases   24-h day")
    for name, interventions in scenarios.items():
        apply_s, (scenario, _) = timed(lambda i=interventions: apply_interventions(net, i, buses))
        pf_s, result = timed(lambda s=scenario: run_power_flow(copy.deepcopy(s)))
        cases_s, _ = timed(lambda s=scenario: design_cases(s))
        day_s, _ = timed(lambda s=scenario: run_daily_profile(s), repeat=1)
        print(
            f"{name:<28} {apply_s * 1000:5.0f} ms {pf_s * 1000:5.0f} ms "
            f"{cases_s * 1000:8.0f} ms {day_s * 1000:12.0f} ms   "
            f"(max loading {result.max_line_loading_percent:.1f} %, "
            f"min V {result.min_bus_voltage_pu:.4f} pu)"
        )


def main() -> None:
    """Run both sides, check they agree and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--buses", type=int, default=None, help="only the first N buses")
    parser.add_argument("--workers", type=int, default=None, help="twin's processes")
    parser.add_argument("--load", action="store_true", help="a CPU-bound process beside")
    parser.add_argument("--scenarios", action="store_true", help="also time scenarios")
    parser.add_argument("--side", choices=("twin", "plain"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run_side(args.side, args.buses, args.workers, args.out)
        return

    load = _start_load() if args.load else None
    try:
        print(
            f"hosting capacity, mv_oberrhein, {args.buses or 'all 177'} MV buses x (PV, EV); "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
            + ("; with a CPU-bound process on one core" if load else "")
        )
        twin = _whole_process("twin", args)
        plain = _whole_process("plain", args)
        if args.scenarios:
            _scenarios()
    finally:
        if load is not None:
            load.kill()
            load.wait()
    identical = twin["frame"] == plain["frame"]
    count = len(twin["frame"])
    for name, record in (("plain pandapower loop", plain), ("twin", twin)):
        print(
            f"{name:<22} whole process {record['whole_s']:7.1f} s   inner loop "
            f"{record['inner_s']:7.1f} s   {record['power_flows']:6d} power flows "
            f"({record['power_flows'] / max(1, 2 * count):.1f} per bus and kind, "
            f"{record['backend']}, {record['workers']} process(es))"
        )
    print(
        f"ratio plain / twin: whole process {plain['whole_s'] / twin['whole_s']:.1f}x, "
        f"inner loop {plain['inner_s'] / twin['inner_s']:.1f}x"
    )
    print(f"capacities and reasons identical on {count} buses x 2 kinds: {identical}")
    if not identical:
        for mine, theirs in zip(twin["frame"], plain["frame"], strict=True):
            if mine != theirs:
                print(f"  differs: twin {mine} plain {theirs}")
        sys.exit(1)


if __name__ == "__main__":
    main()
