"""Design cases and design day solved with the fast backend, same results as pandapower.

Between the runs of :class:`~twin.sim.energy.powerflow.ScaledNet` only the load and PV
scalings change, and the HV/MV tap positions when the regulator moves a tap. For each set
of tap positions met, pandapower runs once (that run *is* the reference result of the
snapshot it was built for) and :func:`~twin.sim.energy.fastflow.injection_model` keeps its
model; every other snapshot with the same taps is solved by lightsim2grid's Newton-Raphson
on that model with the injections of its scalings (:mod:`twin.sim.energy.injection`), and
its voltages (pu), loadings (%), line powers, losses and load/PV totals (MW) are computed
as pandapower computes them. Each model is checked against pandapower's own results of the
run it was built from (1e-6 pu, %, MW); where the fast path cannot reproduce pandapower
(:class:`~twin.sim.energy.fastflow.UnsupportedNetworkError`), lightsim2grid is missing, or
a snapshot does not converge, the snapshot is run by pandapower as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandapower as pp

from twin.sim.energy.defaults import Limits
from twin.sim.energy.fastflow import (
    SELF_CHECK_PU,
    UnsupportedNetworkError,
    injection_model,
    lightsim2grid_available,
)
from twin.sim.energy.injection import InjectionModel, InjectionSolver, branch_powers, results_of
from twin.sim.energy.powerflow import (
    MAX_TAP_ITERATIONS,
    PF_OPTIONS,
    FlowValues,
    LimitArrays,
    PowerFlowResult,
    ScaledNet,
    net_values,
    regulate_taps,
    result_of_values,
)


@dataclass
class _TapModel:
    """The model of one set of tap positions and the scalings it was built with."""

    model: InjectionModel
    solver: InjectionSolver
    load_scaling: np.ndarray
    sgen_scaling: np.ndarray


class FastScaledNet(ScaledNet):
    """A :class:`~twin.sim.energy.powerflow.ScaledNet` whose runs are solved on the model
    of their tap positions (one pandapower run per set of tap positions); same results
    as pandapower's to 1e-6 pu / % / MW, pandapower itself where it cannot."""

    def __init__(self, net: pp.pandapowerNet, tap_setpoint_pu: float | None = None) -> None:
        super().__init__(net, tap_setpoint_pu)
        self.fast = lightsim2grid_available()
        self._models: dict[tuple, _TapModel] = {}
        self._arrays: tuple[Limits, LimitArrays] | None = None
        self.fast_runs = 0  # snapshots solved by lightsim2grid (the others: pandapower)
        load, sgen = self.net.load, self.net.sgen
        self._load_s = (load.p_mw.to_numpy(float) + 1j * load.q_mvar.to_numpy(float)).astype(
            complex
        )
        self._sgen_s = (sgen.p_mw.to_numpy(float) + 1j * sgen.q_mvar.to_numpy(float)).astype(
            complex
        )
        self._load_rows = self.net.bus.index.get_indexer(load.bus)
        self._sgen_rows = self.net.bus.index.get_indexer(sgen.bus)

    def run(self, limits: Limits) -> PowerFlowResult:
        """Solve the current scalings, let the on-load tap changers regulate (a new model
        or a cached one when a tap moves) and collect the results, as
        :meth:`ScaledNet.run` does with pandapower."""
        if not self.fast:
            return super().run(limits)
        values = self._solve_any()
        for _ in range(MAX_TAP_ITERATIONS):
            if values is None or not regulate_taps(self.net, self.tap_setpoint_pu, values.vm_pu):
                break
            self._ready = False
            values = self._solve_any()
        return result_of_values(self.net, limits, values, self._limit_arrays(limits))

    def _limit_arrays(self, limits: Limits) -> LimitArrays:
        if self._arrays is None or self._arrays[0] is not limits:
            self._arrays = (limits, LimitArrays(self.net, limits))
        return self._arrays[1]

    def _solve_any(self) -> FlowValues | None:
        """Values of the current scalings and taps (fast path, else pandapower); None if
        neither converged."""
        if self.fast:
            try:
                values = self._solve_fast()
            except UnsupportedNetworkError:
                self.fast = False
                values = None
            if values is not None:
                return values
        self._ready = False  # the pandapower path from a full run, with its retries
        return net_values(self.net) if self._solve() else None

    def _taps(self) -> tuple:
        return tuple(self.net.trafo.tap_pos.to_numpy(dtype=float).tolist())

    def _solve_fast(self) -> FlowValues | None:
        taps = self._taps()
        entry = self._models.get(taps)
        if entry is None:
            try:
                # pandapower's run of this very snapshot, with the options ScaledNet uses
                model = injection_model(self.net, PF_OPTIONS)
            except pp.LoadflowNotConverged:
                return None
            entry = _TapModel(
                model,
                InjectionSolver(model),
                self.net.load.scaling.to_numpy(dtype=float).copy(),
                self.net.sgen.scaling.to_numpy(dtype=float).copy(),
            )
            reference = net_values(self.net)
            _check_values(self._values(entry, model.v_base), reference)
            self._models[taps] = entry
            return reference
        voltage = self._voltage(entry)
        if voltage is None:
            return None
        self.fast_runs += 1
        return self._values(entry, voltage)

    def _active(self, element: str) -> np.ndarray:
        """In service on an energised bus, as pandapower's last run decided (``_is_elements``)."""
        flags = self.net._is_elements[element]
        return np.asarray(flags, dtype=bool)

    def _voltage(self, entry: _TapModel) -> np.ndarray | None:
        model = entry.model
        positions, deltas = [], []
        for element, power, rows, base, sign in (
            ("load", self._load_s, self._load_rows, entry.load_scaling, -1.0),
            ("sgen", self._sgen_s, self._sgen_rows, entry.sgen_scaling, 1.0),
        ):
            if not len(power):
                continue
            scaling = self.net[element].scaling.to_numpy(dtype=float)
            change = sign * power * (scaling - base) * self._active(element)
            position = model.bus_position[rows]
            keep = (position >= 0) & (change != 0)
            positions.append(position[keep])
            deltas.append(change[keep] / model.base_mva)
        if not positions:
            return model.v_base
        return entry.solver.solve_voltage(np.concatenate(positions), np.concatenate(deltas))

    def _values(self, entry: _TapModel, voltage: np.ndarray) -> FlowValues:
        model = entry.model
        flow = results_of(model, voltage)
        p_from, losses = branch_powers(model, voltage)
        totals = []
        for element in ("load", "sgen"):
            table = self.net[element]
            if not len(table):
                totals.append(0.0)
                continue
            p = table.p_mw.to_numpy(float) * table.scaling.to_numpy(float)
            totals.append(float(np.sum(p * self._active(element))))
        return FlowValues(
            flow.vm_pu,
            flow.line_loading_percent,
            p_from,
            flow.trafo_loading_percent,
            totals[0],
            totals[1],
            losses,
        )


def _check_values(mine: FlowValues, theirs: FlowValues) -> None:
    """Raise :class:`UnsupportedNetworkError` unless ``mine`` equals pandapower's values."""
    pairs = [
        (mine.vm_pu, theirs.vm_pu),
        (mine.line_loading_percent, theirs.line_loading_percent),
        (mine.line_p_from_mw, theirs.line_p_from_mw),
        (mine.trafo_loading_percent, theirs.trafo_loading_percent),
        (
            np.array([mine.load_mw, mine.generation_mw, mine.losses_mw]),
            np.array([theirs.load_mw, theirs.generation_mw, theirs.losses_mw]),
        ),
    ]
    for a, b in pairs:
        a = np.nan_to_num(np.asarray(a, dtype=float), nan=0.0)
        b = np.nan_to_num(np.asarray(b, dtype=float), nan=0.0)
        if a.shape != b.shape or (a.size and np.max(np.abs(a - b)) > SELF_CHECK_PU):
            raise UnsupportedNetworkError("the model does not reproduce pandapower's results")
