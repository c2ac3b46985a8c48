"""Power flow with pandapower (Newton-Raphson, AC, balanced) and violation checks.

:func:`run_power_flow` runs ``pandapower.runpp`` on a network as it is and returns per-bus
voltages (pu), per-line and per-transformer loadings (%) (:mod:`flow_results`, re-exported
here); :func:`check_violations` compares them with
:class:`~twin.sim.energy.defaults.Limits` (EN 50160 band at LV, a 0.95-1.05 pu planning
band at MV, 100 % thermal loading; see ``defaults.json``). :mod:`design_cases` runs the
two planning snapshots: "high-load" (all loads at peak, no PV) and "high-feed-in" (loads
at their midday minimum, PV at its clear-sky peak), with the HV/MV on-load tap changers
regulating the MV busbar voltage as an AVR does.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandapower as pp

from twin.sim.energy.defaults import Limits, default_settings
from twin.sim.energy.flow_results import (
    LOADING_SLACK,
    VOLTAGE_SLACK_PU,
    FlowValues,
    LimitArrays,
    PowerFlowResult,
    check_violations,
    collect_results,
    net_values,
    result_of_values,
)

# the results' names, defined in flow_results, stay importable from here
__all__ = [
    "LOADING_SLACK",
    "VOLTAGE_SLACK_PU",
    "FlowValues",
    "LimitArrays",
    "PowerFlowResult",
    "ScaledNet",
    "check_violations",
    "collect_results",
    "net_values",
    "regulate_taps",
    "result_of_values",
    "run_power_flow",
    "solve_power_flow",
]

PF_OPTIONS: dict[str, Any] = {"algorithm": "nr", "numba": False, "calculate_voltage_angles": True}
RECYCLE = {"trafo": False, "gen": False, "bus_pq": True}


def solve_power_flow(net: pp.pandapowerNet, warm: bool) -> None:
    """pandapower's Newton-Raphson power flow; ``warm`` reuses the internal matrices of the
    previous run on this net (only loads and generation may have changed since).
    Raises ``pp.LoadflowNotConverged``."""
    if warm:
        pp.runpp(net, **PF_OPTIONS, recycle=RECYCLE)
    else:
        pp.runpp(net, **PF_OPTIONS)


def run_power_flow(
    net: pp.pandapowerNet, limits: Limits | None = None, **options: Any
) -> PowerFlowResult:
    """Run pandapower's AC power flow on ``net`` (in place, results in ``net.res_*``) and
    return the results with violations against ``limits`` (defaults: defaults.json)."""
    limits = limits or default_settings().limits
    try:
        pp.runpp(net, **{**PF_OPTIONS, **options})
        converged = True
    except pp.LoadflowNotConverged:
        converged = _retry(net)
    return collect_results(net, limits, converged)


def _retry(net: pp.pandapowerNet) -> bool:
    """Second attempt for a heavily loaded network: DC-initialised with more iterations,
    then a continuation that ramps loads and generation up (0.25 .. 1) from each previous
    solution. True if one of them converged (results in ``net.res_*``)."""
    try:
        pp.runpp(net, **{**PF_OPTIONS, "init": "dc", "max_iteration": 30})
        return True
    except pp.LoadflowNotConverged:
        pass
    load_scaling = net.load.scaling.to_numpy(dtype=float).copy()
    sgen_scaling = net.sgen.scaling.to_numpy(dtype=float).copy()
    try:
        for step, factor in enumerate(RAMP):
            net.load["scaling"] = load_scaling * factor
            net.sgen["scaling"] = sgen_scaling * factor
            init = "flat" if step == 0 else "results"
            pp.runpp(net, **{**PF_OPTIONS, "init": init, "max_iteration": 30})
        return True
    except pp.LoadflowNotConverged:
        return False
    finally:
        net.load["scaling"] = load_scaling
        net.sgen["scaling"] = sgen_scaling


RAMP = (0.25, 0.5, 0.7, 0.85, 0.95, 1.0)


# --- element scaling for design cases and profiles ----------------------------------------
LOAD_PROFILE_OF_TYPE = {"ev": "ev", "heat_pump": "heat_pump"}


def load_profile_names(net: pp.pandapowerNet) -> np.ndarray:
    """The profile each load follows: "ev", "heat_pump" or "residential" (everything else)."""
    types = net.load["type"].fillna("").astype(str).to_numpy() if len(net.load) else []
    return np.array([LOAD_PROFILE_OF_TYPE.get(t, "residential") for t in types], dtype=object)


class ScaledNet:
    """A private copy of a network whose loads and PV are scaled per case or hour.

    Load scaling multiplies the load's own ``scaling``; PV (every sgen) gets
    ``scaling = factor`` (its ``p_mw`` being the installed kWp). Runs reuse pandapower's
    internal matrices (``recycle``) after the first full run. With ``tap_setpoint_pu``, the
    HV/MV on-load tap changers regulate their MV busbar (see :func:`regulate_taps`).
    """

    def __init__(self, net: pp.pandapowerNet, tap_setpoint_pu: float | None = None) -> None:
        self.net = copy.deepcopy(net)
        self.tap_setpoint_pu = tap_setpoint_pu
        self.base_load_scaling = self.net.load.scaling.to_numpy(dtype=float).copy()
        self.base_sgen_scaling = self.net.sgen.scaling.to_numpy(dtype=float).copy()
        self.base_taps = self.net.trafo.tap_pos.copy()
        self.load_profiles = load_profile_names(self.net)
        self._ready = False

    def reset(self) -> None:
        """Back to the network as given (scalings, tap positions), as a new ScaledNet of it
        would be, for another series of runs (what it learnt to solve faster is kept)."""
        self.net.load["scaling"] = self.base_load_scaling
        self.net.sgen["scaling"] = self.base_sgen_scaling
        self.net.trafo["tap_pos"] = self.base_taps
        self._ready = False

    def set_factors(self, load_factors: dict[str, float], pv_factor: float) -> None:
        """Scale loads by profile name ({"residential": f, "ev": f, "heat_pump": f}) and PV."""
        factors = np.array([load_factors.get(p, 1.0) for p in self.load_profiles], dtype=float)
        self.net.load["scaling"] = self.base_load_scaling * factors
        self.net.sgen["scaling"] = float(pv_factor)

    def run(self, limits: Limits) -> PowerFlowResult:
        """Run the power flow (recycled after the first success), let the HV/MV on-load tap
        changers regulate (full re-runs when a tap moves) and collect the results."""
        converged = self._solve()
        for _ in range(MAX_TAP_ITERATIONS):
            if not converged or not regulate_taps(self.net, self.tap_setpoint_pu):
                break
            self._ready = False
            converged = self._solve()
        return collect_results(self.net, limits, converged)

    def _solve(self) -> bool:
        try:
            solve_power_flow(self.net, warm=self._ready)
            self._ready = True
            return True
        except pp.LoadflowNotConverged:
            self._ready = _retry(self.net)
            return self._ready


MAX_TAP_ITERATIONS = 4
DEAD_BAND_STEPS = 0.6  # half-width of the regulator's dead band, in tap steps


def regulate_taps(
    net: pp.pandapowerNet, setpoint_pu: float | None, vm_pu: np.ndarray | None = None
) -> bool:
    """Automatic voltage regulation of HV/MV transformers (HV side above 30 kV) with an
    on-load tap changer: a tap moves when its LV busbar is more than ``DEAD_BAND_STEPS`` tap
    steps from ``setpoint_pu`` (a dead band wider than one step, as real regulators use so
    that they do not hunt), within tap_min..tap_max, from the last results (or ``vm_pu``: bus
    voltages in pu aligned with ``net.bus`` rows). True if a tap moved."""
    if setpoint_pu is None or len(net.trafo) == 0:
        return False
    trafo = net.trafo
    hv_kv = net.bus.vn_kv.reindex(trafo.hv_bus).to_numpy(dtype=float)
    step = trafo.tap_step_percent.to_numpy(dtype=float) / 100.0
    position = trafo.tap_pos.to_numpy(dtype=float)
    regulated = (hv_kv > 30.0) & np.isfinite(step) & (step > 0) & np.isfinite(position)
    regulated &= trafo.in_service.to_numpy(dtype=bool)
    if not regulated.any():
        return False
    if vm_pu is None:
        vm = net.res_bus.vm_pu.reindex(trafo.lv_bus).to_numpy(dtype=float)
    else:
        vm = np.asarray(vm_pu, dtype=float)[net.bus.index.get_indexer(trafo.lv_bus)]
    sign = np.where(trafo.tap_side.astype(str).to_numpy() == "lv", -1.0, 1.0)
    safe_step = np.where(regulated, step, 1.0)
    with np.errstate(invalid="ignore"):
        deviation = np.nan_to_num((vm - setpoint_pu) / safe_step)  # in tap steps
    change = np.where(
        np.abs(deviation) > DEAD_BAND_STEPS,
        sign * np.sign(deviation) * np.maximum(1.0, np.round(np.abs(deviation))),
        0.0,
    )
    low = trafo.tap_min.to_numpy(dtype=float)
    high = trafo.tap_max.to_numpy(dtype=float)
    target = np.clip(
        position + np.nan_to_num(change), np.fmin(low, position), np.fmax(high, position)
    )
    moved = regulated & (target != position)
    if not moved.any():
        return False
    trafo.loc[trafo.index[moved], "tap_pos"] = target[moved]
    return True
