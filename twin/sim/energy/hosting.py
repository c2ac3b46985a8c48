"""Hosting capacity per bus: the largest PV (MW) and EV load (MW) a bus can take.

The method is the one of pandapower's hosting-capacity tutorial (add generation at a bus,
run the power flow, stop at the first voltage or loading violation), made exact per bus by
a search on a grid of ``k x tolerance`` MW: the capacity is the largest k x tolerance with
no new violation, up to a cap (see :mod:`~twin.sim.energy.hosting_search`). PV is tested in
the "high-feed-in" design case, EV load in the "high-load" case (see :mod:`powerflow`); the
HV/MV tap changers settle on the case and then stay. Only violations that the added power
causes or worsens count: an element already outside its limit in the case itself may not
get worse by more than 0.002 pu or 1 percentage point of loading (any injection shifts
every flow a little; without that slack one overloaded transformer would give every bus of
the grid a zero capacity).

Backends. The fast one solves each trial with lightsim2grid's Newton-Raphson on the
model pandapower built once for the case (:mod:`fastflow`), places trials with a linear
sensitivity (:func:`~twin.sim.energy.hosting_search.narrowed`) and spreads the buses over
worker processes. Without lightsim2grid, or on a network it does not reproduce, each trial
is a ``pandapower.runpp``. :func:`plain_hosting_capacity` is the reference: the plain
bisection with ``pandapower.runpp`` per trial in one process; both give identical
capacities (tests/test_energy_hosting_fast.py, benchmarks/energy.py).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.sim.energy.defaults import EnergyDefaults, default_settings, voltage_level
from twin.sim.energy.fastflow import (
    PANDAPOWER_NR,
    UnsupportedNetworkError,
    injection_model,
    lightsim2grid_available,
    limit_vectors,
)
from twin.sim.energy.hosting_pool import run_searches
from twin.sim.energy.hosting_search import KindModel, SearchResult, Trial, bisection, narrowed
from twin.sim.energy.injection import (
    FlowResult,
    InjectionModel,
    Sensitivity,
    first_violation,
    margins,
)
from twin.sim.energy.powerflow import LimitArrays, ScaledNet

TOLERANCE_MW = {"lv": 0.001, "mv": 0.01}
MAX_MW = {"lv": 2.0, "mv": 50.0}
KINDS = ("pv", "ev")


@dataclass
class HostingCapacity:
    """Result: ``frame`` has bus_id, vn_kv, pv_mw, pv_limited_by, ev_mw, ev_limited_by
    (MW; limited_by names the first violated quantity at one tolerance step above the
    capacity, or "max" when the search cap was reached); ``power_flows`` counts the
    Newton-Raphson runs, ``backend`` says which solver ran them ("lightsim2grid" or
    "pandapower") and ``workers`` how many processes."""

    frame: pd.DataFrame
    power_flows: int
    backend: str = "pandapower"
    workers: int = 1


@dataclass
class DesignCase:
    """One kind's case: the scaled network with settled taps and its results, the limits
    relative to them (LimitArrays), and the reactive power per MW of the kind (Mvar)."""

    kind: str
    net: pp.pandapowerNet
    limits: LimitArrays
    q_per_mw: float

    def sign(self) -> float:
        """+1 for PV (injection), -1 for EV load (generator convention)."""
        return 1.0 if self.kind == "pv" else -1.0


def design_case(net: pp.pandapowerNet, kind: str, settings: EnergyDefaults) -> DesignCase:
    """The case a kind is tested in ("pv": high feed-in; "ev": high load), solved."""
    if kind not in KINDS:
        raise ValueError(f"unknown hosting-capacity kind {kind!r} (pv or ev)")
    scaled = ScaledNet(net, settings.hv_mv_voltage_setpoint_pu)
    if kind == "pv":
        low = settings.min_load_fraction
        scaled.set_factors(
            {"residential": low, "ev": low, "heat_pump": low}, settings.pv_peak_output_fraction
        )
        q_per_mw = 0.0
    else:
        scaled.set_factors({}, 0.0)
        q_per_mw = math.tan(math.acos(min(1.0, settings.ev_power_factor)))
    settled = scaled.run(settings.limits)  # the tap changers settle on the case, then stay
    try:
        if not settled.converged:
            raise pp.LoadflowNotConverged("case")
        pp.runpp(scaled.net, **PANDAPOWER_NR)
    except pp.LoadflowNotConverged:
        case = "high-feed-in" if kind == "pv" else "high-load"
        raise DataError(
            tr(
                "the power flow of the {case} case does not converge (voltage collapse or islands):"
                " no hosting capacity can be computed; check the grid and its loads"
            ).format(case=case)
        ) from None
    limits = LimitArrays(scaled.net, settings.limits, relative_to=_ScratchResult(scaled.net))
    return DesignCase(kind, scaled.net, limits, q_per_mw)


class PandapowerTrials:
    """Trials with ``pandapower.runpp`` (its own Newton-Raphson): one probe element (an
    sgen for PV, a load for EV) on a copy of the case, moved from bus to bus."""

    def __init__(self, case: DesignCase) -> None:
        self.case = case
        self.net = copy.deepcopy(case.net)
        bus = int(self.net.bus.index[0])
        create = pp.create_sgen if case.kind == "pv" else pp.create_load
        self.table = "sgen" if case.kind == "pv" else "load"
        self.index = create(self.net, bus, p_mw=0.0, type="probe")
        self.vectors = limit_vectors(case.limits)
        self.runs = 0

    def evaluate(self, bus: int, p_mw: float) -> Trial:
        """One ``pandapower.runpp`` with ``p_mw`` of the kind at ``bus``."""
        table = self.net[self.table]
        table.at[self.index, "bus"] = bus
        table.at[self.index, "p_mw"] = p_mw
        table.at[self.index, "q_mvar"] = p_mw * self.case.q_per_mw
        self.runs += 1
        try:
            pp.runpp(self.net, **PANDAPOWER_NR)
        except pp.LoadflowNotConverged:
            return Trial(False, "convergence", None)
        result = _flow_result(self.net)
        reason = first_violation(
            result.vm_pu, result.line_loading_percent, result.trafo_loading_percent, self.vectors
        )
        return Trial(reason == "", reason, margins(result, self.vectors))


def _flow_result(net: pp.pandapowerNet) -> FlowResult:
    return FlowResult(
        net.res_bus.vm_pu.to_numpy(dtype=float),
        net.res_line.loading_percent.to_numpy(dtype=float),
        net.res_trafo.loading_percent.to_numpy(dtype=float),
        0,
    )


def _targets(net, buses, tolerance_mw, max_mw) -> tuple[list[int], list[tuple[int, float]]]:
    """The candidate buses and, per bus, (steps, tolerance MW) of its grid of powers."""
    if buses is None:
        levels = net.bus.vn_kv.map(voltage_level)
        slack = net.bus.index.isin(net.ext_grid.bus[net.ext_grid.in_service.astype(bool)])
        usable = (levels != "hv") & net.bus.in_service.astype(bool) & ~slack
        buses = list(net.bus.index[usable])
    grids = []
    for bus in buses:
        level = voltage_level(float(net.bus.vn_kv[bus]))
        if level not in TOLERANCE_MW:
            raise ValueError(f"bus {bus} is not an MV or LV bus ({net.bus.vn_kv[bus]} kV)")
        tolerance = tolerance_mw if tolerance_mw is not None else TOLERANCE_MW[level]
        cap = max_mw if max_mw is not None else MAX_MW[level]
        grids.append((max(1, round(cap / tolerance)), float(tolerance)))
    return [int(b) for b in buses], grids


def plain_hosting_capacity(
    net: pp.pandapowerNet,
    buses: list[int] | None = None,
    kinds: tuple[str, ...] = KINDS,
    settings: EnergyDefaults | None = None,
    tolerance_mw: float | None = None,
    max_mw: float | None = None,
    feedback: Feedback | None = None,
) -> HostingCapacity:
    """The reference: plain bisection, ``pandapower.runpp`` per trial, one process (same
    cases, grid of powers and criteria as :func:`hosting_capacity`)."""
    settings = settings or default_settings()
    feedback = ensure_feedback(feedback)
    buses, grids = _targets(net, buses, tolerance_mw, max_mw)
    frame = _frame(net, buses)
    runs = 0
    for number, kind in enumerate(kinds):
        trials = PandapowerTrials(design_case(net, kind, settings))
        results = []
        for position, (bus, (steps, tolerance)) in enumerate(zip(buses, grids, strict=True)):
            results.append(bisection(_evaluator(trials, bus, tolerance), steps, tolerance))
            _progress(feedback, number, len(kinds), position + 1, len(buses), kind)
        _store(frame, kind, results)
        runs += trials.runs
    return HostingCapacity(frame, runs, "pandapower", 1)


def hosting_capacity(
    net: pp.pandapowerNet,
    buses: list[int] | None = None,
    kinds: tuple[str, ...] = KINDS,
    settings: EnergyDefaults | None = None,
    tolerance_mw: float | None = None,
    max_mw: float | None = None,
    feedback: Feedback | None = None,
    workers: int | None = None,
    backend: str = "auto",
    run=run_searches,
) -> HostingCapacity:
    """Hosting capacity (MW) of each bus in ``buses`` (default: every in-service MV/LV bus
    but the slack buses) for ``kinds`` ("pv", "ev"). ``tolerance_mw`` is the resolution of
    the grid of powers (default 10 kW at MV, 1 kW at LV); ``max_mw`` caps the search
    (default 50 MW at MV, 2 MW at LV). ``backend``: "auto" (lightsim2grid when it can,
    else pandapower), "lightsim2grid" or "pandapower". ``workers``: processes for the
    lightsim2grid backend (None: as many as cores when the job is large enough; 1: this
    process only). Progress and cancel go through ``feedback``. ``run`` runs the
    independent per-bus searches of the fast backend (default: local processes,
    :func:`~twin.sim.energy.hosting_pool.run_searches`; a Dask cluster:
    :func:`twin.sim.batch.hosting.dask_searches`)."""
    if backend not in ("auto", "lightsim2grid", "pandapower"):
        raise ValueError(f"unknown backend {backend!r} (auto, lightsim2grid or pandapower)")
    settings = settings or default_settings()
    feedback = ensure_feedback(feedback)
    buses, grids = _targets(net, buses, tolerance_mw, max_mw)
    feedback.set_progress(0.0, "hosting capacity: solving the design cases")
    cases = {kind: design_case(net, kind, settings) for kind in kinds}
    models: dict[str, InjectionModel] = {}
    for kind, case in cases.items():
        feedback.check()
        try:
            models[kind] = injection_model(copy.deepcopy(case.net))
        except (UnsupportedNetworkError, pp.LoadflowNotConverged):
            break
    fast = len(models) == len(cases) and backend != "pandapower" and lightsim2grid_available()
    if backend == "lightsim2grid" and not fast:
        raise UnsupportedNetworkError("the lightsim2grid backend cannot run this network")
    frame = _frame(net, buses)
    if fast:
        kind_models = {
            kind: KindModel(
                models[kind],
                limit_vectors(case.limits),
                case.sign() * complex(1.0, case.q_per_mw) / models[kind].base_mva,
            )
            for kind, case in cases.items()
        }
        tasks = {
            kind: [
                (int(p), steps, tolerance)
                for p, (steps, tolerance) in zip(
                    _positions(models[kind], net, buses), grids, strict=True
                )
            ]
            for kind in kinds
        }
        found, used = run(kind_models, tasks, workers, feedback)
        runs = 0
        for kind in kinds:
            _store(frame, kind, [SearchResult(*row) for row in found[kind]])
            runs += sum(row[2] for row in found[kind])
        return HostingCapacity(frame, runs, "lightsim2grid", used)
    runs = 0
    for number, kind in enumerate(kinds):
        trials = PandapowerTrials(cases[kind])
        model = models.get(kind)
        sensitivity = Sensitivity(model, trials.vectors) if model is not None else None
        base = margins(_flow_result(cases[kind].net), trials.vectors)
        per_mw = cases[kind].sign() * complex(1.0, cases[kind].q_per_mw)
        results = []
        for position, (bus, (steps, tolerance)) in enumerate(zip(buses, grids, strict=True)):
            evaluate = _evaluator(trials, bus, tolerance)
            if sensitivity is None:
                results.append(bisection(evaluate, steps, tolerance))
            else:
                where = int(_positions(model, net, [bus])[0])
                rates = sensitivity.margin_rates(where, per_mw / model.base_mva)
                results.append(narrowed(evaluate, steps, tolerance, base, rates))
            _progress(feedback, number, len(kinds), position + 1, len(buses), kind)
        _store(frame, kind, results)
        runs += trials.runs
    return HostingCapacity(frame, runs, "pandapower", 1)


def _evaluator(trials: PandapowerTrials, bus: int, tolerance_mw: float):
    """Trial at grid index k: ``k x tolerance_mw`` MW at ``bus``."""
    return lambda k: trials.evaluate(bus, k * tolerance_mw)


def _positions(model: InjectionModel, net: pp.pandapowerNet, buses: list[int]) -> np.ndarray:
    positions = model.bus_position[net.bus.index.get_indexer(buses)]
    if np.any(positions < 0):
        lost = [bus for bus, where in zip(buses, positions, strict=True) if where < 0]
        raise DataError(
            tr("bus {lost} is out of service or not connected: no hosting capacity").format(
                lost=lost[0]
            )
        )
    return positions


def _frame(net: pp.pandapowerNet, buses: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"bus_id": buses, "vn_kv": net.bus.vn_kv.reindex(buses).to_numpy()})


def _store(frame: pd.DataFrame, kind: str, results: list[SearchResult]) -> None:
    frame[f"{kind}_mw"] = [r.capacity_mw for r in results]
    frame[f"{kind}_limited_by"] = [r.reason for r in results]


def _progress(feedback: Feedback, kind_number, kinds, done, total, kind) -> None:
    share = (kind_number * total + done) / max(1, kinds * total)
    feedback.set_progress(100.0 * share, f"hosting capacity ({kind})")


class _ScratchResult:
    """The minimum of a PowerFlowResult that :class:`LimitArrays` needs (baseline values)."""

    def __init__(self, net: pp.pandapowerNet) -> None:
        self.buses = pd.DataFrame({"vm_pu": net.res_bus.vm_pu.to_numpy(dtype=float)})
        self.lines = pd.DataFrame({"loading_percent": net.res_line.loading_percent.to_numpy()})
        self.trafos = pd.DataFrame({"loading_percent": net.res_trafo.loading_percent.to_numpy()})
