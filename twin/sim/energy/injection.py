"""Repeated AC power flows on one network whose only change is the power injected at buses.

pandapower builds the network model once (:mod:`twin.sim.energy.fastflow` takes its bus
admittance matrix, branch admittances, bus types, injections and solution from one
``runpp``); each variant is then solved by lightsim2grid's Newton-Raphson in C++ (KLU sparse
LU, warm-started from the case's solution), and per-bus voltages (pu) and line and
transformer loadings (%) are computed from the solution exactly as pandapower computes
them (``results_branch.py``: current in kA = |S| / (sqrt(3) |V| kV), loading against
``max_i_ka x df x parallel`` for lines and ``sn_mva`` for transformers). Same equations,
same 1e-8 pu mismatch tolerance: results equal pandapower's to ~1e-9 pu.

This module imports neither pandapower nor Qt, so that worker processes start quickly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

TOLERANCE_PU = 1e-8  # pandapower's default tolerance_mva (the mismatch, in pu of sn_mva)
MAX_ITERATIONS = 10  # pandapower's default for Newton-Raphson


@dataclass
class LimitVectors:
    """Limits aligned with the network's bus, line and transformer rows (pu and %);
    ``checked`` marks the buses whose voltage is limited (MV and LV)."""

    checked: np.ndarray
    vm_min: np.ndarray
    vm_max: np.ndarray
    line_max: np.ndarray
    trafo_max: np.ndarray


@dataclass
class InjectionModel:
    """The solver's view of a network: reduced admittance matrix (parallel slack buses at
    the same voltage merged into one), base injections and solution (pu), bus types, and
    how to map the solution back to the network's bus, line and transformer rows.

    Plain arrays and scipy matrices, so that it pickles into worker processes."""

    ybus: sp.csc_matrix
    sbus: np.ndarray
    v_base: np.ndarray
    ref: np.ndarray
    pv: np.ndarray
    pq: np.ndarray
    base_mva: float
    bus_position: np.ndarray  # per network bus row: index in the model, -1 if not solved
    line_from: sp.csr_matrix  # per line row: from-side current (pu) = line_from @ V
    line_to: sp.csr_matrix
    line_scale_from: np.ndarray  # loading (%) per pu of current, 0 for lines out of service
    line_scale_to: np.ndarray
    trafo_hv: sp.csr_matrix
    trafo_lv: sp.csr_matrix
    trafo_scale_hv: np.ndarray
    trafo_scale_lv: np.ndarray
    # model positions of each line's from/to and each transformer's hv/lv bus (0 where the
    # branch is not solved: its current rows are zero), for branch powers and losses
    line_ends: tuple[np.ndarray, np.ndarray] | None = None
    trafo_ends: tuple[np.ndarray, np.ndarray] | None = None


def branch_powers(model: InjectionModel, voltage: np.ndarray) -> tuple[np.ndarray, float]:
    """Active power entering each line at its from-side (MW, as pandapower's ``p_from_mw``)
    and the line + transformer losses (MW) of a solution (``voltage``, pu, model order)."""
    losses = 0.0
    p_from = np.zeros(model.line_from.shape[0])
    for matrices, ends in (
        ((model.line_from, model.line_to), model.line_ends),
        ((model.trafo_hv, model.trafo_lv), model.trafo_ends),
    ):
        if ends is None:
            raise ValueError("the model has no branch ends")
        if matrices[0].shape[0] == 0:
            continue
        side = [
            (voltage[end] * np.conj(matrix @ voltage)).real * model.base_mva
            for matrix, end in zip(matrices, ends, strict=True)
        ]
        losses += float(np.sum(side[0] + side[1]))
        if matrices[0] is model.line_from:
            p_from = side[0]
    return p_from, losses


@dataclass
class FlowResult:
    """One solved variant: voltages (pu) per bus row (NaN where not solved), loadings (%)
    per line and transformer row, and the Newton-Raphson iterations it took."""

    vm_pu: np.ndarray
    line_loading_percent: np.ndarray
    trafo_loading_percent: np.ndarray
    iterations: int


class InjectionSolver:
    """Solves the model with extra power injected at buses (lightsim2grid, one C++ solver
    reused across calls so that its sparse factorisation is analysed once)."""

    def __init__(self, model: InjectionModel) -> None:
        from lightsim2grid.algorithm import NRSing_KLU

        self.model = model
        self._solver = NRSing_KLU()
        self._weights = np.zeros(len(model.sbus))
        self._weights[model.ref] = 1.0
        self.runs = 0

    def solve_voltage(self, positions: np.ndarray, delta_s_pu: np.ndarray) -> np.ndarray | None:
        """Complex bus voltages (pu, model order) with ``delta_s_pu`` (complex, generator
        convention: + is injection) added at model ``positions``; None if no convergence."""
        model = self.model
        sbus = model.sbus.copy()
        np.add.at(sbus, positions, delta_s_pu)
        self.runs += 1
        ok = self._solver.solve(
            model.ybus,
            model.v_base,
            sbus,
            model.ref,
            self._weights,
            model.pv,
            model.pq,
            MAX_ITERATIONS,
            TOLERANCE_PU,
        )
        if not ok or not self._solver.converged():
            return None
        return self._solver.get_V()

    def solve(self, positions: np.ndarray, delta_s_pu: np.ndarray) -> FlowResult | None:
        """Voltages and loadings with the extra injections; None if no convergence."""
        voltage = self.solve_voltage(positions, delta_s_pu)
        if voltage is None:
            return None
        return results_of(self.model, voltage, self._solver.get_nb_iter())


def results_of(model: InjectionModel, voltage: np.ndarray, iterations: int = 0) -> FlowResult:
    """Per-row voltages (pu) and loadings (%) of a solution, as pandapower reports them."""
    vm = np.abs(voltage)
    bus_vm = np.full(len(model.bus_position), np.nan)
    solved = model.bus_position >= 0
    bus_vm[solved] = vm[model.bus_position[solved]]
    line = _loading(
        model.line_from, model.line_to, model.line_scale_from, model.line_scale_to, voltage
    )
    trafo = _loading(
        model.trafo_hv, model.trafo_lv, model.trafo_scale_hv, model.trafo_scale_lv, voltage
    )
    return FlowResult(bus_vm, line, trafo, iterations)


def _loading(from_matrix, to_matrix, scale_from, scale_to, voltage) -> np.ndarray:
    if from_matrix.shape[0] == 0:
        return np.zeros(0)
    current_from = np.abs(from_matrix @ voltage) * scale_from
    current_to = np.abs(to_matrix @ voltage) * scale_to
    return np.maximum(current_from, current_to)


def margins(result: FlowResult | None, limits: LimitVectors) -> np.ndarray | None:
    """Distance of each monitored quantity to its limit (>= 0 inside): voltages in pu,
    loadings in fractions of the rating (% / 100); +inf where not monitored."""
    if result is None:
        return None
    vm = np.where(limits.checked, result.vm_pu, np.nan)
    parts = (
        limits.vm_max - vm,
        vm - limits.vm_min,
        (limits.line_max - result.line_loading_percent) / 100.0,
        (limits.trafo_max - result.trafo_loading_percent) / 100.0,
    )
    values = np.concatenate(parts)
    return np.where(np.isnan(values), np.inf, values)


def first_violation(
    vm_pu: np.ndarray, line_loading: np.ndarray, trafo_loading: np.ndarray, limits: LimitVectors
) -> str:
    """Name of the first violated quantity ("vm_pu_max", "vm_pu_min", "line_loading",
    "trafo_loading", checked in that order) or "" when every limit holds (NaN = unchecked)."""
    with np.errstate(invalid="ignore"):
        if np.any((vm_pu > limits.vm_max) & limits.checked):
            return "vm_pu_max"
        if np.any((vm_pu < limits.vm_min) & limits.checked):
            return "vm_pu_min"
        if np.any(line_loading > limits.line_max):
            return "line_loading"
        if np.any(trafo_loading > limits.trafo_max):
            return "trafo_loading"
    return ""


class Sensitivity:
    """Linear sensitivity of every margin to power injected at one bus, from the
    Newton-Raphson Jacobian at the case's solution (factorised once)."""

    def __init__(self, model: InjectionModel, limits: LimitVectors) -> None:
        self.model = model
        self.limits = limits
        voltage = model.v_base
        pvpq = np.concatenate([model.pv, model.pq])
        d_va, d_vm = _ds_dv(model.ybus, voltage)
        jacobian = sp.bmat(
            [
                [d_va[pvpq][:, pvpq].real, d_vm[pvpq][:, model.pq].real],
                [d_va[model.pq][:, pvpq].imag, d_vm[model.pq][:, model.pq].imag],
            ],
            format="csc",
        )
        self._lu = splu(jacobian)
        # rows of the active (P: PV and PQ buses) and reactive (Q: PQ buses) power equations
        self._p_row = np.full(len(voltage), -1)
        self._p_row[pvpq] = np.arange(len(pvpq))
        self._q_row = np.full(len(voltage), -1)
        self._q_row[model.pq] = len(pvpq) + np.arange(len(model.pq))
        self._pvpq = pvpq

    def margin_rates(self, position: int, ds_pu: complex) -> np.ndarray:
        """d(margin)/d(unit of injection ``ds_pu`` at model ``position``), aligned with
        :func:`margins` (0 where not monitored)."""
        model = self.model
        rhs = np.zeros(self._lu.shape[0])
        if self._p_row[position] >= 0:
            rhs[self._p_row[position]] = ds_pu.real
        if self._q_row[position] >= 0:
            rhs[self._q_row[position]] = ds_pu.imag
        step = self._lu.solve(rhs)
        voltage = model.v_base
        d_angle = np.zeros(len(voltage))
        d_magnitude = np.zeros(len(voltage))
        d_angle[self._pvpq] = step[: len(self._pvpq)]
        d_magnitude[model.pq] = step[len(self._pvpq) :]
        d_voltage = voltage * (1j * d_angle + d_magnitude / np.abs(voltage))
        bus_rate = np.zeros(len(model.bus_position))
        solved = model.bus_position >= 0
        bus_rate[solved] = d_magnitude[model.bus_position[solved]]
        bus_rate = np.where(self.limits.checked, bus_rate, 0.0)
        line = _loading_rate(
            model.line_from,
            model.line_to,
            model.line_scale_from,
            model.line_scale_to,
            voltage,
            d_voltage,
        )
        trafo = _loading_rate(
            model.trafo_hv,
            model.trafo_lv,
            model.trafo_scale_hv,
            model.trafo_scale_lv,
            voltage,
            d_voltage,
        )
        return np.concatenate([-bus_rate, bus_rate, -line / 100.0, -trafo / 100.0])


def _loading_rate(from_matrix, to_matrix, scale_from, scale_to, voltage, d_voltage):
    """Derivative of max(|I_from| s_f, |I_to| s_t) along ``d_voltage`` (the larger side)."""
    if from_matrix.shape[0] == 0:
        return np.zeros(0)
    rates = []
    values = []
    for matrix, scale in ((from_matrix, scale_from), (to_matrix, scale_to)):
        current = matrix @ voltage
        d_current = matrix @ d_voltage
        magnitude = np.abs(current)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(
                magnitude > 0, (current.conj() * d_current).real / magnitude, np.abs(d_current)
            )
        values.append(magnitude * scale)
        rates.append(rate * scale)
    return np.where(values[0] >= values[1], rates[0], rates[1])


def _ds_dv(ybus: sp.csc_matrix, voltage: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Partial derivatives of the bus injections S = V conj(Ybus V) with respect to voltage
    angle and magnitude (MATPOWER's dSbus_dV, polar form)."""
    current = ybus @ voltage
    diag_v = sp.diags(voltage)
    diag_i = sp.diags(current)
    diag_vnorm = sp.diags(voltage / np.abs(voltage))
    d_vm = diag_v @ (ybus @ diag_vnorm).conj() + diag_i.conj() @ diag_vnorm
    d_va = 1j * diag_v @ (diag_i - ybus @ diag_v).conj()
    return sp.csr_matrix(d_va), sp.csr_matrix(d_vm)
