"""Power flow with pandapower (Newton-Raphson, AC, balanced) and violation checks.

:func:`run_power_flow` runs ``pandapower.runpp`` on a network as it is and returns per-bus
voltages (pu), per-line and per-transformer loadings (%). :func:`check_violations` compares
them with :class:`~twin.sim.energy.defaults.Limits` (EN 50160 band at LV, a 0.95-1.05 pu
planning band at MV, 100 % thermal loading; see ``defaults.json``). :func:`design_cases`
runs the two planning snapshots: "high-load" (all loads at peak, no PV) and "high-feed-in"
(loads at their midday minimum, PV at its clear-sky peak), with the HV/MV on-load tap
changers regulating the MV busbar voltage as an AVR does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandapower as pp
import pandas as pd

from twin.sim.energy.defaults import EnergyDefaults, Limits, default_settings, voltage_level

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


@dataclass
class PowerFlowResult:
    """One power-flow snapshot: ``buses`` (bus_id, vm_pu), ``lines`` (line_id,
    loading_percent, p_from_mw), ``trafos`` (trafo_id, loading_percent), losses in MW,
    total load and generation in MW, and ``violations`` (list of dicts)."""

    converged: bool
    buses: pd.DataFrame
    lines: pd.DataFrame
    trafos: pd.DataFrame
    load_mw: float = 0.0
    generation_mw: float = 0.0
    losses_mw: float = 0.0
    violations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def max_line_loading_percent(self) -> float:
        """Highest line loading (%), NaN without lines."""
        return _nanmax(self.lines.loading_percent)

    @property
    def max_trafo_loading_percent(self) -> float:
        """Highest transformer loading (%), NaN without transformers."""
        return _nanmax(self.trafos.loading_percent)

    @property
    def min_bus_voltage_pu(self) -> float:
        """Lowest bus voltage (pu) of the checked (MV and LV) buses."""
        return _nanmin(self.buses.vm_pu[self.buses.checked])

    @property
    def max_bus_voltage_pu(self) -> float:
        """Highest bus voltage (pu) of the checked (MV and LV) buses."""
        return _nanmax(self.buses.vm_pu[self.buses.checked])


def _nanmax(values: pd.Series) -> float:
    array = np.asarray(values, dtype=float)
    return float(np.nanmax(array)) if np.isfinite(array).any() else float("nan")


def _nanmin(values: pd.Series) -> float:
    array = np.asarray(values, dtype=float)
    return float(np.nanmin(array)) if np.isfinite(array).any() else float("nan")


# How much an element already outside its limit may still worsen before a change counts as
# violating it (hosting capacity): any injection shifts every flow and voltage a little.
VOLTAGE_SLACK_PU = 0.002
LOADING_SLACK = 1.0  # percentage points


def _relaxed(values: np.ndarray, limits: np.ndarray, slack: float) -> np.ndarray:
    """For elements beyond their limit in the reference: the reference value + slack;
    NaN (no relaxation) for the others."""
    beyond = values > limits if slack > 0 else values < limits
    with np.errstate(invalid="ignore"):
        return np.where(beyond & np.isfinite(values), values + slack, np.nan)


class LimitArrays:
    """Limits as arrays aligned with ``net.res_bus``/``res_line``/``res_trafo`` (fast checks).

    ``relative_to`` (a result) relaxes the limit of each element that is already beyond it
    in that result to its value there (+ ``VOLTAGE_SLACK_PU`` / ``LOADING_SLACK``), so only
    violations that a change *causes or clearly worsens* count (used by hosting capacity).
    """

    def __init__(self, net: pp.pandapowerNet, limits: Limits, relative_to=None) -> None:
        levels = np.array([voltage_level(v) for v in net.bus.vn_kv.to_numpy()])
        self.checked = levels != "hv"
        bands = {level: limits.voltage_pu.get(level, (0.0, np.inf)) for level in ("mv", "lv")}
        self.vm_min = np.array([bands.get(level, (0.0, np.inf))[0] for level in levels])
        self.vm_max = np.array([bands.get(level, (0.0, np.inf))[1] for level in levels])
        self.line_max = np.full(len(net.line), limits.max_line_loading_percent)
        self.trafo_max = np.full(len(net.trafo), limits.max_trafo_loading_percent)
        if relative_to is not None:
            vm = relative_to.buses.vm_pu.to_numpy()
            self.vm_min = np.fmin(self.vm_min, _relaxed(vm, self.vm_min, -VOLTAGE_SLACK_PU))
            self.vm_max = np.fmax(self.vm_max, _relaxed(vm, self.vm_max, VOLTAGE_SLACK_PU))
            for name, table in (("line_max", relative_to.lines), ("trafo_max", relative_to.trafos)):
                limit = getattr(self, name)
                loading = table.loading_percent.to_numpy()
                setattr(self, name, np.fmax(limit, _relaxed(loading, limit, LOADING_SLACK)))

    def ok(self, net: pp.pandapowerNet) -> bool:
        """True when the network's last results respect every limit (NaN = not supplied)."""
        vm = net.res_bus.vm_pu.to_numpy()[self.checked]
        with np.errstate(invalid="ignore"):
            if np.any(vm < self.vm_min[self.checked]) or np.any(vm > self.vm_max[self.checked]):
                return False
            if np.any(net.res_line.loading_percent.to_numpy() > self.line_max):
                return False
            return not np.any(net.res_trafo.loading_percent.to_numpy() > self.trafo_max)


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


@dataclass
class FlowValues:
    """The figures a :class:`PowerFlowResult` is made of, aligned with the network's bus,
    line and transformer rows: voltages (pu), loadings (%), line active power at the
    from-side (MW), total load, PV generation and line + transformer losses (MW)."""

    vm_pu: np.ndarray
    line_loading_percent: np.ndarray
    line_p_from_mw: np.ndarray
    trafo_loading_percent: np.ndarray
    load_mw: float
    generation_mw: float
    losses_mw: float


def net_values(net: pp.pandapowerNet) -> FlowValues:
    """The :class:`FlowValues` of the ``res_*`` tables of a network after a run."""
    return FlowValues(
        net.res_bus.vm_pu.reindex(net.bus.index).to_numpy(dtype=float),
        net.res_line.loading_percent.reindex(net.line.index).to_numpy(dtype=float),
        net.res_line.p_from_mw.reindex(net.line.index).to_numpy(dtype=float),
        net.res_trafo.loading_percent.reindex(net.trafo.index).to_numpy(float),
        float(net.res_load.p_mw.sum() if len(net.load) else 0.0),
        float(net.res_sgen.p_mw.sum()) if len(net.sgen) else 0.0,
        float(net.res_line.pl_mw.sum() + net.res_trafo.pl_mw.sum()),
    )


def collect_results(
    net: pp.pandapowerNet, limits: Limits, converged: bool = True
) -> PowerFlowResult:
    """A :class:`PowerFlowResult` from the ``res_*`` tables of a network after a run."""
    values = net_values(net) if converged else None
    return result_of_values(net, limits, values, LimitArrays(net, limits))


def result_of_values(
    net: pp.pandapowerNet, limits: Limits, values: FlowValues | None, arrays: LimitArrays
) -> PowerFlowResult:
    """A :class:`PowerFlowResult` (with violations) of ``values``; None: not converged."""
    if values is None:
        nan = float("nan")
        values = FlowValues(
            np.full(len(net.bus), np.nan),
            np.full(len(net.line), np.nan),
            np.full(len(net.line), np.nan),
            np.full(len(net.trafo), np.nan),
            nan,
            nan,
            nan,
        )
        converged = False
    else:
        converged = True
    buses = pd.DataFrame(
        {
            "bus_id": net.bus.index.to_numpy(),
            "vm_pu": values.vm_pu,
            "vm_min_pu": arrays.vm_min,
            "vm_max_pu": arrays.vm_max,
            "checked": arrays.checked,
        }
    )
    lines = pd.DataFrame(
        {
            "line_id": net.line.index.to_numpy(),
            "loading_percent": values.line_loading_percent,
            "p_from_mw": values.line_p_from_mw,
        }
    )
    trafos = pd.DataFrame(
        {"trafo_id": net.trafo.index.to_numpy(), "loading_percent": values.trafo_loading_percent}
    )
    result = PowerFlowResult(
        converged,
        buses,
        lines,
        trafos,
        values.load_mw,
        values.generation_mw,
        values.losses_mw,
    )
    result.violations = check_violations(result, net, limits)
    return result


def check_violations(
    result: PowerFlowResult, net: pp.pandapowerNet, limits: Limits
) -> list[dict[str, Any]]:
    """Violations of one snapshot: dicts with element ("bus"/"line"/"trafo"), id, name,
    quantity, value, limit (pu or %)."""
    if not result.converged:
        return [
            {
                "element": "network",
                "id": -1,
                "name": net.name or "",
                "quantity": "convergence",
                "value": None,
                "limit": None,
                "message": "the power flow did not converge (voltage collapse or islands)",
            }
        ]
    found: list[dict[str, Any]] = []
    buses = result.buses[result.buses.checked]
    for row in buses[buses.vm_pu < buses.vm_min_pu].itertuples():
        found.append(_violation(net, "bus", row.bus_id, "vm_pu_min", row.vm_pu, row.vm_min_pu))
    for row in buses[buses.vm_pu > buses.vm_max_pu].itertuples():
        found.append(_violation(net, "bus", row.bus_id, "vm_pu_max", row.vm_pu, row.vm_max_pu))
    lines = result.lines[result.lines.loading_percent > limits.max_line_loading_percent]
    for row in lines.itertuples():
        found.append(
            _violation(
                net,
                "line",
                row.line_id,
                "loading_percent",
                row.loading_percent,
                limits.max_line_loading_percent,
            )
        )
    trafos = result.trafos[result.trafos.loading_percent > limits.max_trafo_loading_percent]
    for row in trafos.itertuples():
        found.append(
            _violation(
                net,
                "trafo",
                row.trafo_id,
                "loading_percent",
                row.loading_percent,
                limits.max_trafo_loading_percent,
            )
        )
    return found


def _violation(net, element: str, index: Any, quantity: str, value: float, limit: float):
    table = {"bus": net.bus, "line": net.line, "trafo": net.trafo}[element]
    name = table.at[index, "name"] if "name" in table.columns else ""
    return {
        "element": element,
        "id": int(index),
        "name": "" if pd.isna(name) else str(name),
        "quantity": quantity,
        "value": round(float(value), 6),
        "limit": float(limit),
    }


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


def scaled_net(net: pp.pandapowerNet, tap_setpoint_pu: float | None, fast: bool) -> ScaledNet:
    """A :class:`ScaledNet` of ``net``; ``fast``: solved by the fast backend where it
    reproduces pandapower (:class:`~twin.sim.energy.fastprofile.FastScaledNet`)."""
    if not fast:
        return ScaledNet(net, tap_setpoint_pu)
    from twin.sim.energy.fastprofile import FastScaledNet  # it imports this module

    return FastScaledNet(net, tap_setpoint_pu)


def design_cases(
    net: pp.pandapowerNet,
    settings: EnergyDefaults | None = None,
    fast: bool = True,
    scaled: ScaledNet | None = None,
) -> dict[str, PowerFlowResult]:
    """The two planning snapshots: "high-load" (loads at peak, PV off) and "high-feed-in"
    (loads at ``min_load_fraction``, PV at ``pv_peak_output_fraction`` of kWp). ``fast``:
    solved with the fast backend (same results; False: pandapower only); ``scaled``: a
    :func:`scaled_net` of ``net`` to run on (reset first; shared with the design day)."""
    settings = settings or default_settings()
    if scaled is None:
        scaled = scaled_net(net, settings.hv_mv_voltage_setpoint_pu, fast)
    scaled.reset()
    results = {}
    scaled.set_factors({}, 0.0)
    results["high-load"] = scaled.run(settings.limits)
    low = settings.min_load_fraction
    scaled.set_factors(
        {"residential": low, "ev": low, "heat_pump": low}, settings.pv_peak_output_fraction
    )
    results["high-feed-in"] = scaled.run(settings.limits)
    for case, result in results.items():
        for violation in result.violations:
            violation["case"] = case
    return results
