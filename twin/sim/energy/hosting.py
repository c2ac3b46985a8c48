"""Hosting capacity per bus: the largest PV (MW) and EV load (MW) a bus can take.

The method is the one of pandapower's hosting-capacity tutorial (add generation at a bus,
run the power flow, stop at the first voltage or loading violation), made exact per bus by
bisection: a bracket [feasible, infeasible] is found around a start value (the capacity of
the previous bus at the same voltage level: neighbours in a feeder host similar amounts),
then halved until it is narrower than the tolerance. PV is tested in the
"high-feed-in" design case, EV load in the "high-load" case (see :mod:`powerflow`). Only
violations that the added power causes or worsens count: an element already outside its
limit in the case itself may not get worse by more than 0.002 pu or 1 percentage point of
loading (any injection shifts every flow a little; without that slack one overloaded
transformer would give every bus of the grid a zero capacity). Power flows reuse
pandapower's internal matrices (``recycle``): a zero-power probe sits on every bus and only
one probe's power changes at a time, so each step costs one Newton-Raphson solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd

from twin.feedback import Feedback, ensure_feedback
from twin.sim.energy.defaults import EnergyDefaults, default_settings, voltage_level
from twin.sim.energy.powerflow import LimitArrays, ScaledNet, solve_power_flow

START_MW = {"lv": 0.05, "mv": 1.0}
TOLERANCE_MW = {"lv": 0.001, "mv": 0.01}
MAX_MW = {"lv": 2.0, "mv": 50.0}


@dataclass
class HostingCapacity:
    """Result: ``frame`` has bus_id, vn_kv, pv_mw, pv_limited_by, ev_mw, ev_limited_by
    (MW; limited_by names the first violated quantity, or "max" when the search cap was
    reached); ``power_flows`` counts the Newton-Raphson runs."""

    frame: pd.DataFrame
    power_flows: int


class _Probe:
    """Zero-power probe elements (an sgen for PV, a load for EV) on every bus of a scaled
    network copy; one at a time gets a power. A probe on every bus keeps pandapower's
    recycled bus injections right (recycle only rewrites buses that carry elements)."""

    def __init__(self, net: pp.pandapowerNet, kind: str, settings: EnergyDefaults) -> None:
        self.kind = kind
        self.scaled = ScaledNet(net, settings.hv_mv_voltage_setpoint_pu)
        buses = net.bus.index.to_numpy()
        if kind == "pv":
            low = settings.min_load_fraction
            self.scaled.set_factors(
                {"residential": low, "ev": low, "heat_pump": low}, settings.pv_peak_output_fraction
            )
            self.table = "sgen"
            indices = pp.create_sgens(self.scaled.net, buses, p_mw=0.0, type="probe")
        else:
            self.scaled.set_factors({}, 0.0)
            self.table = "load"
            indices = pp.create_loads(self.scaled.net, buses, p_mw=0.0, type="probe")
        self.index_of_bus = dict(zip(buses.tolist(), np.asarray(indices).tolist(), strict=True))
        self.scaled.run(settings.limits)  # the tap changers settle on the case, then stay
        self.tan_phi = math.tan(math.acos(min(1.0, settings.ev_power_factor)))
        self.net = self.scaled.net
        self.runs = 0
        self._ready = False
        self._current: int | None = None

    def set(self, bus: int, p_mw: float) -> None:
        """Give the probe at ``bus`` ``p_mw`` MW (the previous probe goes back to 0)."""
        table = self.net[self.table]
        if self._current is not None and self._current != bus:
            table.at[self.index_of_bus[self._current], "p_mw"] = 0.0
            table.at[self.index_of_bus[self._current], "q_mvar"] = 0.0
        index = self.index_of_bus[bus]
        table.at[index, "p_mw"] = p_mw
        table.at[index, "q_mvar"] = p_mw * self.tan_phi if self.table == "load" else 0.0
        self._current = bus

    def run(self) -> bool:
        """Run the power flow; False if it did not converge."""
        self.runs += 1
        try:
            solve_power_flow(self.net, warm=self._ready)
            self._ready = True
            return True
        except pp.LoadflowNotConverged:
            self._ready = False
            return False


def _first_violation(net: pp.pandapowerNet, limits: LimitArrays) -> str:
    vm = net.res_bus.vm_pu.to_numpy()
    with np.errstate(invalid="ignore"):
        if np.any((vm > limits.vm_max) & limits.checked):
            return "vm_pu_max"
        if np.any((vm < limits.vm_min) & limits.checked):
            return "vm_pu_min"
        if np.any(net.res_line.loading_percent.to_numpy() > limits.line_max):
            return "line_loading"
        if np.any(net.res_trafo.loading_percent.to_numpy() > limits.trafo_max):
            return "trafo_loading"
    return ""


def _search_bus(
    probe: _Probe, bus: int, limits: LimitArrays, start: float, tolerance: float, cap: float
) -> tuple[float, str]:
    """Largest injection (MW) at ``bus`` with no new violation, and what limits it."""

    def feasible(p_mw: float) -> tuple[bool, str]:
        probe.set(bus, p_mw)
        if not probe.run():
            return False, "convergence"
        reason = _first_violation(probe.net, limits)
        return reason == "", reason

    # Bracket [low feasible, high infeasible] around the start guess: grow by 1.25 then x2
    # while feasible, or shrink by 1.25 then /2 while not.
    low, high, reason = 0.0, min(start, cap), ""
    ok, why = feasible(high)
    if ok:
        factor = 1.25
        while True:
            low = high
            if low >= cap:
                return cap, "max"
            high = min(low * factor, cap)
            ok, why = feasible(high)
            if not ok:
                reason = why
                break
            factor = 2.0
    else:
        reason, candidate, factor = why, high / 1.25, 2.0
        while candidate > tolerance:
            ok, why = feasible(candidate)
            if ok:
                low = candidate
                break
            high, reason = candidate, why
            candidate /= factor
    while high - low > tolerance:
        middle = 0.5 * (low + high)
        ok, why = feasible(middle)
        if ok:
            low = middle
        else:
            high, reason = middle, why
    return low, reason


def hosting_capacity(
    net: pp.pandapowerNet,
    buses: list[int] | None = None,
    kinds: tuple[str, ...] = ("pv", "ev"),
    settings: EnergyDefaults | None = None,
    tolerance_mw: float | None = None,
    max_mw: float | None = None,
    feedback: Feedback | None = None,
) -> HostingCapacity:
    """Hosting capacity (MW) of each bus in ``buses`` (default: every in-service MV/LV bus
    but the slack buses) for ``kinds`` ("pv", "ev"). ``tolerance_mw`` is the bisection
    resolution (default 10 kW at MV, 1 kW at LV); ``max_mw`` caps the search (default
    50 MW at MV, 2 MW at LV)."""
    settings = settings or default_settings()
    feedback = ensure_feedback(feedback)
    levels = net.bus.vn_kv.map(voltage_level)
    if buses is None:
        slack = net.bus.index.isin(net.ext_grid.bus[net.ext_grid.in_service.astype(bool)])
        usable = (levels != "hv") & net.bus.in_service.astype(bool) & ~slack
        buses = list(net.bus.index[usable])
    frame = pd.DataFrame({"bus_id": buses, "vn_kv": net.bus.vn_kv.reindex(buses).to_numpy()})
    runs = 0
    total = max(1, len(buses) * len(kinds))
    for kind_number, kind in enumerate(kinds):
        if kind not in ("pv", "ev"):
            raise ValueError(f"unknown hosting-capacity kind {kind!r} (pv or ev)")
        probe = _Probe(net, kind, settings)
        probe.run()
        baseline = _ScratchResult(probe.net)
        limits = LimitArrays(probe.net, settings.limits, relative_to=baseline)
        capacities, reasons = [], []
        guess = dict(START_MW)  # the last capacity found at each level starts the next search
        for position, bus in enumerate(buses):
            level = voltage_level(float(net.bus.vn_kv[bus]))
            capacity, reason = _search_bus(
                probe,
                int(bus),
                limits,
                guess[level],
                tolerance_mw if tolerance_mw is not None else TOLERANCE_MW[level],
                max_mw if max_mw is not None else MAX_MW[level],
            )
            capacities.append(capacity)
            reasons.append(reason)
            if capacity > 0 and reason != "max":
                guess[level] = capacity
            done = kind_number * len(buses) + position + 1
            feedback.set_progress(100.0 * done / total, f"hosting capacity ({kind})")
        frame[f"{kind}_mw"] = capacities
        frame[f"{kind}_limited_by"] = reasons
        runs += probe.runs
    return HostingCapacity(frame, runs)


class _ScratchResult:
    """The minimum of a PowerFlowResult that :class:`LimitArrays` needs (baseline values)."""

    def __init__(self, net: pp.pandapowerNet) -> None:
        self.buses = pd.DataFrame({"vm_pu": net.res_bus.vm_pu.to_numpy(dtype=float)})
        self.lines = pd.DataFrame({"loading_percent": net.res_line.loading_percent.to_numpy()})
        self.trafos = pd.DataFrame({"loading_percent": net.res_trafo.loading_percent.to_numpy()})
