"""The fast power-flow backend (pandapower's model, lightsim2grid's Newton-Raphson) against
pandapower's own Newton-Raphson: voltages to 1e-6 pu, loadings to 1e-4 %."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandapower as pp
import pytest

from twin.sim.energy import default_settings
from twin.sim.energy.fastflow import (
    PANDAPOWER_NR,
    UnsupportedNetworkError,
    bus_injection_positions,
    injection_model,
)
from twin.sim.energy.hosting import design_case
from twin.sim.energy.injection import InjectionSolver
from twin.sim.energy.powerflow import ScaledNet

OBERRHEIN_JSON = Path(__file__).parent / "data" / "energy" / "mv_oberrhein.json"
TAN_PHI_095 = math.tan(math.acos(0.95))


@pytest.fixture(scope="module")
def oberrhein():
    return pp.from_json(str(OBERRHEIN_JSON))


@pytest.fixture(scope="module")
def sample_net():
    """The bundled sample territory's grid with its buildings attached as loads."""
    import twin
    from twin.sim.energy import prepare_grid

    return prepare_grid(twin.open_project()).net


def _compare(net, injections):
    """Solve ``net`` + ``injections`` [(bus, p_mw, q_mvar), generator convention] with the
    fast backend and with pandapower's Newton-Raphson; return the largest differences."""
    base = copy.deepcopy(net)
    model = injection_model(base)
    solver = InjectionSolver(model)
    buses = [bus for bus, _, _ in injections]
    positions = bus_injection_positions(model, base, buses)
    delta = np.array([complex(p, q) / model.base_mva for _, p, q in injections])
    fast = solver.solve(positions, delta)
    assert fast is not None
    reference = copy.deepcopy(net)
    for bus, p_mw, q_mvar in injections:
        pp.create_sgen(reference, bus, p_mw=p_mw, q_mvar=q_mvar)
    pp.runpp(reference, **PANDAPOWER_NR)
    vm = reference.res_bus.vm_pu.to_numpy()
    solved = np.isfinite(vm)
    assert np.array_equal(solved, np.isfinite(fast.vm_pu))
    return (
        np.max(np.abs(fast.vm_pu[solved] - vm[solved])),
        np.max(np.abs(fast.line_loading_percent - reference.res_line.loading_percent.to_numpy())),
        np.max(np.abs(fast.trafo_loading_percent - reference.res_trafo.loading_percent.to_numpy())),
        reference,
    )


def _mv_and_lv_buses(net, count, seed):
    slack = set(net.ext_grid.bus)
    candidates = [b for b in net.bus.index if net.bus.vn_kv[b] < 30 and b not in slack]
    rng = np.random.default_rng(seed)
    return [int(b) for b in rng.choice(candidates, count, replace=False)]


def test_oberrhein_scenarios_match_pandapower(oberrhein):
    # mv_oberrhein has two slack buses (two 110 kV external grids at 1.0 pu): the fast
    # model merges them, which must not change any result.
    assert len(oberrhein.ext_grid) == 2
    buses = _mv_and_lv_buses(oberrhein, 4, seed=1)
    scenarios = [
        [],  # the network as it is
        [(buses[0], 3.0, 0.0)],  # 3 MW of PV at one bus
        [(buses[1], -4.0, -4.0 * TAN_PHI_095)],  # 4 MW of EV load at cos phi 0.95
        [(buses[2], 2.0, 0.0), (buses[3], -1.5, -0.5), (buses[2], 1.0, 0.0)],  # mixed
    ]
    for injections in scenarios:
        dv, dline, dtrafo, reference = _compare(oberrhein, injections)
        assert dv < 1e-6, injections
        assert dline < 1e-4 and dtrafo < 1e-4, injections
    # the comparison is not vacuous: 4 MW of EV load does change the voltages
    assert reference.res_bus.vm_pu.min() < 0.99


@pytest.mark.parametrize("kind", ["pv", "ev"])
def test_design_cases_with_regulated_taps_match_pandapower(oberrhein, kind):
    case = design_case(oberrhein, kind, default_settings())
    bus = _mv_and_lv_buses(oberrhein, 1, seed=7)[0]
    p_mw = 5.0 if kind == "pv" else -3.0
    dv, dline, dtrafo, _ = _compare(case.net, [(bus, p_mw, p_mw * case.q_per_mw)])
    assert dv < 1e-6 and dline < 1e-4 and dtrafo < 1e-4


def test_sample_grid_scenarios_match_pandapower(sample_net):
    # 2,216 buses, 1,447 MV/LV transformers, LV feeders: the Rennes sample grid
    assert (sample_net.bus.vn_kv < 1).sum() > 500
    scaled = ScaledNet(sample_net, default_settings().hv_mv_voltage_setpoint_pu)
    scaled.set_factors({}, 0.0)
    scaled.run(default_settings().limits)
    lv = [int(b) for b in sample_net.bus.index[sample_net.bus.vn_kv < 1][:400:100]]
    scenarios = [
        [],
        [(lv[0], 0.05, 0.0)],  # 50 kW of rooftop PV on an LV bus
        [(lv[1], -0.1, -0.1 * TAN_PHI_095), (lv[2], -0.2, 0.0)],  # EV charging on two
        [(_mv_and_lv_buses(sample_net, 1, seed=3)[0], -2.0, -0.6)],
    ]
    for injections in scenarios:
        dv, dline, dtrafo, _ = _compare(scaled.net, injections)
        assert dv < 1e-6, injections
        assert dline < 1e-4 and dtrafo < 1e-4, injections


def test_networks_the_fast_backend_cannot_reproduce_are_refused(oberrhein):
    dependent = copy.deepcopy(oberrhein)
    dependent.load["const_z_p_percent"] = 30.0  # voltage-dependent loads
    with pytest.raises(UnsupportedNetworkError):
        injection_model(dependent)
    two_voltages = copy.deepcopy(oberrhein)
    two_voltages.ext_grid.at[two_voltages.ext_grid.index[1], "vm_pu"] = 1.02
    with pytest.raises(UnsupportedNetworkError):
        injection_model(two_voltages)
