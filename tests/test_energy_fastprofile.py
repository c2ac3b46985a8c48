"""Design cases and design day on the fast backend against pandapower's own runs, hour by
hour (published reference: pandapower itself, MV Oberrhein and the sample grid): voltages,
loadings, line powers, losses and totals to 1e-6 pu / % / MW, same violations."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandapower as pp
import pytest

from twin.sim.energy import default_settings
from twin.sim.energy.design_cases import design_cases
from twin.sim.energy.fastprofile import FastScaledNet
from twin.sim.energy.powerflow import ScaledNet
from twin.sim.energy.profiles import HOURS, run_daily_profile

OBERRHEIN_JSON = Path(__file__).parent / "data" / "energy" / "mv_oberrhein.json"
TOLERANCE = 1e-6  # pu, %, MW


@pytest.fixture(scope="module")
def oberrhein():
    return pp.from_json(str(OBERRHEIN_JSON))


@pytest.fixture(scope="module")
def sample_net():
    """The bundled sample territory's grid with its buildings attached as loads."""
    import twin
    from twin.sim.energy import prepare_grid

    return prepare_grid(twin.open_project()).net


def _assert_same(fast, reference) -> None:
    """Two PowerFlowResults equal to TOLERANCE, with the same violations."""
    assert fast.converged and reference.converged
    for mine, theirs in (
        (fast.buses.vm_pu, reference.buses.vm_pu),
        (fast.lines.loading_percent, reference.lines.loading_percent),
        (fast.lines.p_from_mw, reference.lines.p_from_mw),
        (fast.trafos.loading_percent, reference.trafos.loading_percent),
    ):
        mine, theirs = mine.to_numpy(dtype=float), theirs.to_numpy(dtype=float)
        assert np.array_equal(np.isfinite(mine), np.isfinite(theirs))
        finite = np.isfinite(mine)
        assert np.max(np.abs(mine[finite] - theirs[finite]), initial=0.0) < TOLERANCE
    for name in ("load_mw", "generation_mw", "losses_mw"):
        assert abs(getattr(fast, name) - getattr(reference, name)) < TOLERANCE
    assert [(v["element"], v["id"], v["quantity"]) for v in fast.violations] == [
        (v["element"], v["id"], v["quantity"]) for v in reference.violations
    ]


def _hour_by_hour(net, settings):
    """Run the design day on FastScaledNet and pandapower's ScaledNet side by side."""
    fast = FastScaledNet(net, settings.hv_mv_voltage_setpoint_pu)
    slow = ScaledNet(net, settings.hv_mv_voltage_setpoint_pu)
    profiles = settings.profiles
    for hour in range(HOURS):
        loads = {name: profiles[name][hour] for name in ("residential", "ev", "heat_pump")}
        for scaled in (fast, slow):
            scaled.set_factors(loads, profiles["pv"][hour])
        _assert_same(fast.run(settings.limits), slow.run(settings.limits))
        assert np.array_equal(fast.net.trafo.tap_pos, slow.net.trafo.tap_pos)
    return fast


def test_oberrhein_design_day_matches_pandapower_hour_by_hour(oberrhein):
    settings = default_settings()
    net = copy.deepcopy(oberrhein)
    pp.create_sgen(net, int(net.bus.index[40]), p_mw=4.0, name="added PV")  # moves taps
    fast = _hour_by_hour(net, settings)
    assert fast.fast and fast.fast_runs >= HOURS - 4  # solved by lightsim2grid, not pandapower


def test_sample_grid_design_day_matches_pandapower_hour_by_hour(sample_net):
    fast = _hour_by_hour(sample_net, default_settings())
    assert fast.fast and fast.fast_runs >= HOURS - 4


def test_design_cases_and_profile_functions_match_pandapower(oberrhein):
    settings = default_settings()
    for case, result in design_cases(oberrhein, settings, fast=True).items():
        _assert_same(result, design_cases(oberrhein, settings, fast=False)[case])
    fast = run_daily_profile(oberrhein, settings, fast=True)
    slow = run_daily_profile(oberrhein, settings, fast=False)
    assert fast.summary() == slow.summary()


def test_a_network_the_fast_backend_cannot_reproduce_runs_on_pandapower(oberrhein):
    settings = default_settings()
    net = copy.deepcopy(oberrhein)
    net.load["const_z_p_percent"] = 50.0  # voltage-dependent loads: not supported
    fast = FastScaledNet(net, settings.hv_mv_voltage_setpoint_pu)
    slow = ScaledNet(net, settings.hv_mv_voltage_setpoint_pu)
    for scaled in (fast, slow):
        scaled.set_factors({"residential": 0.5}, 0.3)
    _assert_same(fast.run(settings.limits), slow.run(settings.limits))
    assert not fast.fast and fast.fast_runs == 0


def test_evaluate_shares_the_models_and_still_matches_pandapower(oberrhein):
    from twin.sim.energy.study import evaluate

    settings = default_settings()
    net = copy.deepcopy(oberrhein)
    pp.create_sgen(net, int(net.bus.index[40]), p_mw=4.0, name="added PV")
    state = evaluate(net, settings)
    for case, result in design_cases(net, settings, fast=False).items():
        _assert_same(state.cases[case], result)
    slow = run_daily_profile(net, settings, fast=False)
    for fast_hour, slow_hour in zip(state.daily.results, slow.results, strict=True):
        _assert_same(fast_hour, slow_hour)
    assert state.daily.summary() == slow.summary()


def test_without_lightsim2grid_the_snapshots_run_on_pandapower(oberrhein, monkeypatch):
    import twin.sim.energy.fastprofile as fastprofile

    monkeypatch.setattr(fastprofile, "lightsim2grid_available", lambda: False)
    settings = default_settings()
    fast = FastScaledNet(oberrhein, settings.hv_mv_voltage_setpoint_pu)
    slow = ScaledNet(oberrhein, settings.hv_mv_voltage_setpoint_pu)
    for scaled in (fast, slow):
        scaled.set_factors({"residential": 0.8}, 0.6)
    _assert_same(fast.run(settings.limits), slow.run(settings.limits))
    assert not fast.fast and fast.fast_runs == 0
