"""Fast hosting capacity (lightsim2grid, narrowed search, process pool) against the plain
pandapower bisection loop: identical capacities and reasons."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandapower as pp
import pytest

from twin.errors import CancelledError, DataError
from twin.feedback import Feedback
from twin.sim.energy import hosting_capacity, plain_hosting_capacity
from twin.sim.energy.examples import radial_mv_feeder
from twin.sim.energy.fastflow import UnsupportedNetworkError
from twin.sim.energy.hosting_search import Trial, bisection, narrowed

OBERRHEIN_JSON = Path(__file__).parent / "data" / "energy" / "mv_oberrhein.json"


@pytest.fixture(scope="module")
def oberrhein():
    return pp.from_json(str(OBERRHEIN_JSON))


def _spread_buses(net, count, offset=0):
    """``count`` MV buses spread over the network (every n-th candidate)."""
    slack = set(net.ext_grid.bus)
    candidates = [int(b) for b in net.bus.index if net.bus.vn_kv[b] < 30 and b not in slack]
    step = len(candidates) // count
    return candidates[offset::step][:count]


def test_capacities_identical_to_the_plain_pandapower_bisection(oberrhein):
    # 10 buses of MV Oberrhein: PV on five, EV on five others, default 10 kW resolution.
    for kind, offset in (("pv", 0), ("ev", 7)):
        buses = _spread_buses(oberrhein, 5, offset)
        fast = hosting_capacity(oberrhein, buses=buses, kinds=(kind,), workers=1)
        plain = plain_hosting_capacity(oberrhein, buses=buses, kinds=(kind,))
        assert fast.backend == "lightsim2grid" and plain.backend == "pandapower"
        assert fast.frame.equals(plain.frame), (fast.frame, plain.frame)
        assert fast.frame[f"{kind}_mw"].min() > 1.0  # real capacities, not a degenerate 0
        assert set(fast.frame[f"{kind}_limited_by"]) <= {
            "vm_pu_max",
            "vm_pu_min",
            "line_loading",
            "trafo_loading",
        }
        # the narrowed search needs far fewer power flows than the bisection (~14 a bus)
        assert fast.power_flows * 2 < plain.power_flows


def test_process_pool_gives_the_same_answer_as_one_process(oberrhein):
    buses = _spread_buses(oberrhein, 30)
    one = hosting_capacity(oberrhein, buses=buses, workers=1)
    pool = hosting_capacity(oberrhein, buses=buses, workers=2)
    assert one.workers == 1 and pool.workers == 2
    assert pool.frame.equals(one.frame)
    assert pool.power_flows == one.power_flows  # every search is independent of the others


def test_pandapower_backend_gives_the_same_capacities():
    net = radial_mv_feeder(sections=3, section_km=3.0, load_mw=1.0, load_mvar=0.3, with_lv=True)
    options = {"buses": [2, 5], "tolerance_mw": 0.005}  # an MV and an LV bus
    fast = hosting_capacity(net, workers=1, **options)
    slow = hosting_capacity(net, backend="pandapower", **options)
    plain = plain_hosting_capacity(net, **options)
    assert slow.backend == "pandapower" and fast.backend == "lightsim2grid"
    assert fast.frame.equals(plain.frame) and slow.frame.equals(plain.frame)


def test_voltage_dependent_loads_fall_back_to_pandapower():
    net = radial_mv_feeder(sections=2, section_km=5.0, load_mw=1.0, load_mvar=0.33)
    net.load["const_z_p_percent"] = 50.0
    result = hosting_capacity(net, buses=[2], kinds=("ev",))
    assert result.backend == "pandapower"
    assert result.frame.equals(plain_hosting_capacity(net, buses=[2], kinds=("ev",)).frame)
    with pytest.raises(UnsupportedNetworkError):
        hosting_capacity(net, buses=[2], kinds=("ev",), backend="lightsim2grid")


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_stops_the_job(oberrhein, workers):
    seen = []

    def on_progress(percent, message):
        seen.append(percent)
        if percent > 0:
            feedback.cancel()

    feedback = Feedback(on_progress)
    with pytest.raises(CancelledError):
        hosting_capacity(
            oberrhein, buses=_spread_buses(oberrhein, 40), workers=workers, feedback=feedback
        )
    assert seen and max(seen) < 100.0


def test_narrowed_search_equals_bisection_on_awkward_margins():
    # Margins that a linear or quadratic model predicts badly: curved, kinked (the |x|
    # shape of a line whose flow reverses), a Jacobian slope that is off by up to 5x, and
    # power flows that fail to converge beyond some power. The answer (capacity and the
    # reason one step above it) must still be the bisection's.
    rng = np.random.default_rng(5)
    steps = 5000
    names = ("vm_pu_max", "line_loading")
    for _ in range(300):
        edge = float(rng.uniform(0, steps * 1.1))
        curvature = float(rng.uniform(-0.5, 2.0))
        width = float(rng.uniform(0.4, 1.2))
        diverge = float(rng.uniform(0.5, 3.0)) * max(edge, 1.0)

        def evaluate(k, e=edge, c=curvature, w=width, d=diverge) -> Trial:
            if k > d:
                return Trial(False, "convergence", None)
            x = k / steps
            margins = np.array([(e - k) / steps * (1 + c * x * x), w - abs(x - 0.4), np.inf])
            violated = [n for n, m in zip(names, margins[:2], strict=True) if m < 0]
            return Trial(not violated, violated[0] if violated else "", margins)

        base = evaluate(0).margins
        slope = np.array([-float(rng.uniform(0.2, 5.0)) / steps, 1.0 / steps, 0.0])
        plain = bisection(evaluate, steps, 0.01)
        fast = narrowed(evaluate, steps, 0.01, base, slope / 0.01)
        assert (fast.capacity_mw, fast.reason) == (plain.capacity_mw, plain.reason), edge
        assert fast.power_flows <= 3 * plain.power_flows


def test_existing_overload_does_not_change_fast_and_plain_agreement():
    net = radial_mv_feeder(sections=1, section_km=5.0)
    feeder_b = pp.create_bus(net, 20.0, name="B end")
    pp.create_line_from_parameters(net, 0, feeder_b, 5.0, 0.161, 0.117, 0.0, 0.362)
    net.line.at[0, "max_i_ka"] = 0.05
    pp.create_load(net, 1, p_mw=3.0, q_mvar=1.0)
    fast = hosting_capacity(copy.deepcopy(net), buses=[feeder_b], workers=1)
    plain = plain_hosting_capacity(net, buses=[feeder_b])
    assert fast.frame.equals(plain.frame)
    assert fast.frame.ev_limited_by.iloc[0] == "line_loading"


def test_a_case_that_does_not_converge_is_one_clear_error():
    # 60 MW over 20 km of 20 kV cable (R = 3.2 ohm): beyond the ~30 MW the line can carry
    # at all (V^2 / 4R), so the high-load case has no solution.
    net = radial_mv_feeder(sections=1, section_km=20.0, load_mw=60.0, load_mvar=20.0)
    with pytest.raises(DataError, match="high-load case does not converge"):
        hosting_capacity(net, kinds=("ev",))


def test_without_processes_the_job_runs_in_this_process(oberrhein, monkeypatch):
    import concurrent.futures

    def refuse(*args, **kwargs):
        raise OSError("no processes here")

    buses = _spread_buses(oberrhein, 4)
    expected = hosting_capacity(oberrhein, buses=buses, workers=1)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    result = hosting_capacity(oberrhein, buses=buses, workers=2)
    assert result.workers == 1
    assert result.frame.equals(expected.frame)
