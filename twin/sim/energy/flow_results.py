"""Results of one power flow: voltages (pu), loadings (%), line powers, losses and totals
(MW) of a network, limits as arrays, and violations against
:class:`~twin.sim.energy.defaults.Limits`. Taken from pandapower's ``res_*`` tables
(:func:`collect_results`) or from values computed elsewhere (:func:`result_of_values`:
the fast backend); both give the same :class:`PowerFlowResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandapower as pp
import pandas as pd

from twin.sim.energy.defaults import Limits, voltage_level


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
    # plain arrays rather than filtered frames: this runs for every snapshot of a study
    buses = result.buses
    ids = buses.bus_id.to_numpy()
    vm = buses.vm_pu.to_numpy(dtype=float)
    checked = buses.checked.to_numpy(dtype=bool)
    for quantity, bound, beyond in (
        ("vm_pu_min", buses.vm_min_pu.to_numpy(dtype=float), np.less),
        ("vm_pu_max", buses.vm_max_pu.to_numpy(dtype=float), np.greater),
    ):
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero(checked & beyond(vm, bound))
        for row in rows:
            found.append(_violation(net, "bus", ids[row], quantity, vm[row], bound[row]))
    for element, table, limit in (
        ("line", result.lines, limits.max_line_loading_percent),
        ("trafo", result.trafos, limits.max_trafo_loading_percent),
    ):
        ids = table[f"{element}_id"].to_numpy()
        loading = table.loading_percent.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero(loading > limit)
        for row in rows:
            found.append(_violation(net, element, ids[row], "loading_percent", loading[row], limit))
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
