"""Energy results as they may be published: no result of an element serving fewer than 11
households (INSEE's rule, :mod:`twin.layers.privacy`), no figure computed from them.

:func:`published_state` copies an evaluated :class:`~twin.sim.energy.study.GridState`
with the results of the elements :mod:`twin.sim.energy.served` marks (LV lines,
transformers and buses serving 1 to 10 households) set to NaN, in the worst-case frames,
in every design case and in every hour of the design day; the maxima and minima published
beside them (peak loading, voltage extremes, worst hour) are then those of the published
elements. Frames gain a boolean ``masked`` column; violations of a masked element keep
their element, quantity and limit (a planner must know there is an overload) but publish
``value`` null with ``masked`` true. The raw state is left unchanged (``--raw`` writes it).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from twin.sim.energy.powerflow import PowerFlowResult
from twin.sim.energy.profiles import DailyProfileResult
from twin.sim.energy.served import ServedHouseholds, served_households

RESULT_COLUMNS = {
    "bus": ("bus_id", ("vm_pu", "vm_min_pu", "vm_max_pu")),
    "line": ("line_id", ("loading_percent", "p_from_mw", "i_ka")),
    "trafo": ("trafo_id", ("loading_percent",)),
}
"""Per element: its id column and the result columns masked (those present)."""


def served_of(state: Any, household_admd_kw: float) -> ServedHouseholds:
    """The households each element of ``state.net`` serves (computed once per state;
    ``state`` is a :class:`~twin.sim.energy.study.GridState`)."""
    key = ("served", float(household_admd_kw))
    cache = state.published_cache
    if key not in cache:
        cache[key] = served_households(state.net, household_admd_kw)
    return cache[key]


def published_state(state: Any, household_admd_kw: float) -> Any:
    """A copy of a :class:`~twin.sim.energy.study.GridState` fit to publish (see the
    module); computed once per state."""
    key = ("state", float(household_admd_kw))
    cache = state.published_cache
    if key in cache:
        return cache[key]
    served = served_of(state, household_admd_kw)
    masked = {element: served.masked_ids(element) for element in RESULT_COLUMNS}
    out = dataclasses.replace(
        state,
        cases={name: published_result(result, masked) for name, result in state.cases.items()},
        daily=published_daily(state.daily, masked) if state.daily is not None else None,
        buses=mask_frame(state.buses, "bus", masked["bus"]),
        lines=mask_frame(state.lines, "line", masked["line"]),
        trafos=mask_frame(state.trafos, "trafo", masked["trafo"]),
        violations=published_violations(state.violations, masked),
        published_cache={},
    )
    out.published_cache[key] = out
    cache[key] = out
    return out


def mask_frame(frame: pd.DataFrame, element: str, masked_ids: set[int]) -> pd.DataFrame:
    """A copy of a result ``frame`` of ``element`` ("bus", "line", "trafo") with the result
    columns of ``masked_ids`` set to NaN and a boolean ``masked`` column."""
    id_column, columns = RESULT_COLUMNS[element]
    out = frame.copy()
    hidden = out[id_column].astype(int).isin(masked_ids).to_numpy()
    for column in columns:
        if column in out.columns:
            out[column] = out[column].astype(float).mask(hidden, np.nan)
    out["masked"] = hidden
    return out


def published_violations(
    violations: list[dict[str, Any]], masked: dict[str, set[int]]
) -> list[dict[str, Any]]:
    """``violations`` with the value of each masked element's violation null and
    ``masked`` true."""
    out = []
    for violation in violations:
        violation = dict(violation)
        if int(violation.get("id", -1)) in masked.get(str(violation.get("element")), ()):
            violation["value"] = None
            violation["masked"] = True
        out.append(violation)
    return out


def published_result(result: PowerFlowResult, masked: dict[str, set[int]]) -> PowerFlowResult:
    """A copy of one power flow with the masked elements' results NaN."""
    out = copy.copy(result)
    out.buses = mask_frame(result.buses, "bus", masked["bus"])
    out.lines = mask_frame(result.lines, "line", masked["line"])
    out.trafos = mask_frame(result.trafos, "trafo", masked["trafo"])
    out.violations = published_violations(result.violations, masked)
    return out


def published_daily(day: DailyProfileResult, masked: dict[str, set[int]]) -> DailyProfileResult:
    """The design day with every hour's result published and the hourly extremes
    recomputed over the published elements."""
    results = [published_result(result, masked) for result in day.results]
    hourly = day.hourly.copy()
    if len(results) == len(hourly):
        for column in (
            "max_line_loading_percent",
            "max_trafo_loading_percent",
            "min_bus_voltage_pu",
            "max_bus_voltage_pu",
        ):
            hourly[column] = [getattr(result, column) for result in results]
    return DailyProfileResult(hourly, results)


HOSTING_COLUMNS = ("pv_mw", "ev_mw", "pv_limited_by", "ev_limited_by")


def published_hosting(hosting, served: ServedHouseholds):
    """A copy of a :class:`~twin.sim.energy.hosting.HostingCapacity` with the capacity (MW)
    and limiting quantity of each bus serving 1 to 10 households null and ``masked`` true
    (the capacity left at such a bus follows its few households' load)."""
    frame = hosting.frame.copy()
    hidden = frame["bus_id"].astype(int).isin(served.masked_ids("bus")).to_numpy()
    for column in HOSTING_COLUMNS:
        if column in frame.columns:
            frame[column] = frame[column].astype(object).mask(hidden, None)
            if column.endswith("_mw"):
                frame[column] = frame[column].astype(float)
    frame["masked"] = hidden
    return dataclasses.replace(hosting, frame=frame)
