"""Hosting capacity by bisection with the power flow."""

from __future__ import annotations

import copy
import math

import pandapower as pp
import pytest

from twin.sim.energy import default_settings, hosting_capacity, run_power_flow
from twin.sim.energy.examples import radial_mv_feeder


def _feeder():
    # 20 kV, 2 x 5 km of NA2XS2Y 1x185 (R' 0.161, X' 0.117 ohm/km, 0.362 kA), 1 MW at the end.
    return radial_mv_feeder(sections=2, section_km=5.0, load_mw=1.0, load_mvar=0.33)


def test_ev_hosting_capacity_is_the_edge_of_the_limits():
    net = _feeder()
    tolerance = 0.01
    result = hosting_capacity(net, buses=[2], kinds=("ev",), tolerance_mw=tolerance)
    capacity = float(result.frame.ev_mw.iloc[0])
    assert result.frame.ev_limited_by.iloc[0] == "vm_pu_min"
    # Hand estimate: the end bus may drop 5 % = 1 kV over R = 1.61 ohm, X = 1.17 ohm with the
    # existing 1 MW / 0.33 Mvar plus P EV MW at cos phi 1:
    # (1.61 (1 + P) + 1.17 x 0.33) / 19 kV = 1 kV -> P = (19 - 1.61 - 0.386) / 1.61 = 10.6 MW,
    # but the cable carries at most sqrt(3) x 19 kV x 0.362 kA = 11.9 MVA, so the voltage
    # limit binds first; the exact power flow lands within 10 % of the estimate.
    assert capacity == pytest.approx(10.6, rel=0.10)
    at_capacity, above = copy.deepcopy(net), copy.deepcopy(net)
    pp.create_load(at_capacity, 2, p_mw=capacity)
    pp.create_load(above, 2, p_mw=capacity + 2 * tolerance)
    assert run_power_flow(at_capacity).violations == []
    assert [v["quantity"] for v in run_power_flow(above).violations] == ["vm_pu_min"]
    assert result.power_flows < 40  # doubling then halving to 10 kW converges quickly


def test_pv_hosting_capacity_respects_limits_in_the_feed_in_case():
    # 2 x 10 km: at the end the voltage rise binds (R P / V = 3.22 ohm x P / 20 kV = 1 kV at
    # P ~ 6.2 MW), well below the cable's ~12.5 MVA; halfway it is twice as large.
    net = radial_mv_feeder(sections=2, section_km=10.0, load_mw=1.0, load_mvar=0.33)
    settings = default_settings()
    tolerance = 0.01
    result = hosting_capacity(net, buses=[1, 2], kinds=("pv",), tolerance_mw=tolerance)
    frame = result.frame.set_index("bus_id")
    # PV closer to the source can be larger: the voltage rise R P / V grows with distance.
    assert frame.pv_mw[1] > 1.5 * frame.pv_mw[2] > 0
    assert frame.pv_mw[2] == pytest.approx(6.2 + 0.25, rel=0.15)  # + the local 0.25 MW load
    assert frame.pv_limited_by[2] == "vm_pu_max"
    for bus in (1, 2):
        capacity = float(frame.pv_mw[bus])
        for extra, expect_violation in ((0.0, False), (2 * tolerance, True)):
            check = copy.deepcopy(net)
            check.load["scaling"] = settings.min_load_fraction  # the high-feed-in case
            pp.create_sgen(check, bus, p_mw=capacity + extra)
            violations = run_power_flow(check).violations
            assert bool(violations) is expect_violation, (bus, extra, violations)


def test_hosting_capacity_on_every_bus_of_a_feeder_with_lv():
    net = radial_mv_feeder(sections=2, section_km=2.0, load_mw=0.5, load_mvar=0.15, with_lv=True)
    result = hosting_capacity(net)
    frame = result.frame.set_index("bus_id")
    assert list(frame.index) == [1, 2, 3, 4]  # the slack bus 0 is not a candidate
    # The LV buses behind a 0.63 MVA transformer host far less than the MV buses, and
    # no search ends without a bracket (every bus reaches a limit below the caps).
    assert frame.ev_mw[3] < 0.63 < frame.ev_mw[1]
    assert frame.ev_mw[4] <= frame.ev_mw[3] + 0.001
    assert (frame.ev_limited_by != "max").all()
    assert all(math.isfinite(v) for v in frame.pv_mw)


def test_an_existing_overload_elsewhere_does_not_zero_the_capacity():
    # Two 5 km feeders from the same 20 kV busbar; feeder A is already overloaded (a 0.05 kA
    # cable carrying 3 MW: I = 3.16 MVA / (sqrt(3) x ~19.9 kV) = 0.092 kA -> ~180 %).
    net = radial_mv_feeder(sections=1, section_km=5.0)
    feeder_b = pp.create_bus(net, 20.0, name="B end")
    pp.create_line_from_parameters(net, 0, feeder_b, 5.0, 0.161, 0.117, 0.0, 0.362)
    a_end = 1
    net.line.at[0, "max_i_ka"] = 0.05
    pp.create_load(net, a_end, p_mw=3.0, q_mvar=1.0)
    baseline = run_power_flow(copy.deepcopy(net))
    assert [v["element"] for v in baseline.violations] == ["line"]
    result = hosting_capacity(net, buses=[feeder_b], kinds=("ev",))
    capacity = float(result.frame.ev_mw.iloc[0])
    # Feeder B alone limits: the end may drop 5 % = 1 kV over R = 0.805 ohm at ~19.5 kV:
    # P ~ 19.5 / 0.805 = 24 MW is beyond the cable's sqrt(3) x 20 kV x 0.362 kA = 12.5 MVA,
    # so the thermal limit of B's own cable binds, near 12 MW.
    assert result.frame.ev_limited_by.iloc[0] == "line_loading"
    assert capacity == pytest.approx(12.0, rel=0.1)
