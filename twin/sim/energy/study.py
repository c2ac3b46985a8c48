"""An energy study: baseline and scenario through the design cases and the design day, the
worst value of every element, violations and KPIs (MWh, %, pu, kWp, tCO2e, EUR)."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandapower as pp
import pandas as pd

from twin.feedback import Feedback, ensure_feedback
from twin.layers.privacy import MASKED_LABEL, Published, rests_on_enough
from twin.sim.energy.defaults import EnergyDefaults, default_settings
from twin.sim.energy.design_cases import design_cases, scaled_net
from twin.sim.energy.interventions import (
    AppliedChange,
    Intervention,
    apply_interventions,
    intervention_to_dict,
)
from twin.sim.energy.powerflow import PowerFlowResult
from twin.sim.energy.profiles import DailyProfileResult, run_daily_profile


@dataclass
class GridState:
    """One network evaluated: design cases, optional design day, and per element the worst
    value over all of them (``buses``: vm_min_pu, vm_max_pu; ``lines``/``trafos``:
    loading_percent), plus violations (deduplicated per element and quantity, worst kept)."""

    net: pp.pandapowerNet
    cases: dict[str, PowerFlowResult]
    daily: DailyProfileResult | None
    buses: pd.DataFrame
    lines: pd.DataFrame
    trafos: pd.DataFrame
    violations: list[dict[str, Any]]
    published_cache: dict = field(default_factory=dict, repr=False, compare=False)


def evaluate(
    net: pp.pandapowerNet,
    settings: EnergyDefaults | None = None,
    daily: bool = True,
    feedback: Feedback | None = None,
) -> GridState:
    """Run the design cases (and the 24-hour design day) on ``net``."""
    settings = settings or default_settings()
    # one scaled copy for both: the design day reuses the models of the design cases' taps
    scaled = scaled_net(net, settings.hv_mv_voltage_setpoint_pu, fast=True)
    cases = design_cases(net, settings, scaled=scaled)
    day = run_daily_profile(net, settings, feedback, scaled=scaled) if daily else None
    results = list(cases.values()) + (day.results if day else [])
    vm = np.vstack([r.buses.vm_pu.to_numpy() for r in results])
    buses = pd.DataFrame(
        {
            "bus_id": net.bus.index.to_numpy(),
            "vm_min_pu": _reduce(np.nanmin, vm),
            "vm_max_pu": _reduce(np.nanmax, vm),
        }
    )
    lines = pd.DataFrame(
        {
            "line_id": net.line.index.to_numpy(),
            "loading_percent": _reduce(
                np.nanmax, np.vstack([r.lines.loading_percent.to_numpy() for r in results])
            ),
        }
    )
    trafos = pd.DataFrame(
        {
            "trafo_id": net.trafo.index.to_numpy(),
            "loading_percent": _reduce(
                np.nanmax, np.vstack([r.trafos.loading_percent.to_numpy() for r in results])
            )
            if len(net.trafo)
            else np.zeros(0),
        }
    )
    return GridState(net, cases, day, buses, lines, trafos, _worst_violations(results))


def _reduce(function, stack: np.ndarray) -> np.ndarray:
    if stack.size == 0:
        return np.zeros(stack.shape[1] if stack.ndim == 2 else 0)
    finite = np.isfinite(stack).any(axis=0)
    out = np.full(stack.shape[1], np.nan)
    if finite.any():
        out[finite] = function(stack[:, finite], axis=0)
    return out


def _worst_violations(results: list[PowerFlowResult]) -> list[dict[str, Any]]:
    worst: dict[tuple, dict[str, Any]] = {}
    for result in results:
        for violation in result.violations:
            key = (violation["element"], violation["id"], violation["quantity"])
            kept = worst.get(key)
            value = violation["value"]
            if kept is None or (value is not None and _severity(violation) > _severity(kept)):
                worst[key] = dict(violation)
    return sorted(worst.values(), key=lambda v: (v["element"], v["id"], v["quantity"]))


def _severity(violation: dict[str, Any]) -> float:
    if violation["value"] is None:
        return math.inf
    return abs(float(violation["value"]) - float(violation["limit"]))


@dataclass
class EnergyStudy:
    """Baseline and (optional) scenario states, the applied changes and the KPIs of each."""

    baseline: GridState
    scenario: GridState | None = None
    changes: list[AppliedChange] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    settings: EnergyDefaults = field(default_factory=default_settings)

    @property
    def final(self) -> GridState:
        """The scenario when there is one, else the baseline."""
        return self.scenario if self.scenario is not None else self.baseline

    def kpis(
        self, state: GridState, changes: list[AppliedChange] = (), raw: bool = False
    ) -> dict[str, Any]:
        """KPIs of one state (units in the key names), published (see :func:`grid_kpis`)
        unless ``raw``."""
        return grid_kpis(state, self.settings, list(changes), raw=raw)


def run_study(
    net: pp.pandapowerNet,
    interventions: list[Intervention] = (),
    buses: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    settings: EnergyDefaults | None = None,
    daily: bool = True,
    feedback: Feedback | None = None,
) -> EnergyStudy:
    """Evaluate the baseline and, with interventions, the scenario (baseline unchanged).
    ``buses`` (the grid_buses frame) is needed to place interventions given by location."""
    settings = settings or default_settings()
    feedback = ensure_feedback(feedback)
    baseline = evaluate(net, settings, daily)
    feedback.set_progress(50.0, "baseline evaluated")
    study = EnergyStudy(baseline, settings=settings, interventions=list(interventions))
    if interventions:
        if buses is None:
            from twin.sim.energy.grid_io import net_to_frames

            buses = net_to_frames(net).buses
        scenario_net, study.changes = apply_interventions(
            net, list(interventions), buses, buildings, settings
        )
        study.scenario = evaluate(scenario_net, settings, daily)
    feedback.set_progress(100.0, "scenario evaluated")
    return study


def grid_kpis(
    state: GridState,
    settings: EnergyDefaults,
    changes: list[AppliedChange] = (),
    raw: bool = False,
) -> dict[str, Any]:
    """KPIs: peak loadings (%), voltage extremes (pu), violations, energy of the design day
    (MWh/day), PV installed (kWp) and produced (MWh/yr at the documented yield), CO2
    avoided by added PV (tCO2e/yr), capex of reinforcements (EUR).

    Unless ``raw``, the figures are those that may be published: extremes over the
    elements serving at least 11 households or none (:mod:`twin.sim.energy.published`),
    and the heat-pump power added None when it was computed from 1 to 10 households of
    the territory; ``masked`` lists the KPIs masked that way."""
    masked: list[str] = []
    if not raw:
        from twin.sim.energy.published import published_state

        state = published_state(state, settings.household_admd_kw)
    net = state.net
    pv_kwp = float((net.sgen.p_mw[net.sgen.in_service.astype(bool)]).sum() * 1000.0)
    added_kwp = float(sum(c.pv_kwp for c in changes))
    yield_kwh = settings.pv_specific_yield_kwh_per_kwp_year
    added_mwh = added_kwp * yield_kwh / 1000.0
    high_load = state.cases["high-load"]
    kpis = {
        "max_line_loading_percent": _extreme(max, state.lines.loading_percent),
        "max_trafo_loading_percent": _extreme(max, state.trafos.loading_percent),
        "min_bus_voltage_pu": _extreme(min, state.buses.vm_min_pu[_checked(net)]),
        "max_bus_voltage_pu": _extreme(max, state.buses.vm_max_pu[_checked(net)]),
        "violation_count": len(state.violations),
        "peak_load_mw": _clean(high_load.load_mw),
        "losses_at_peak_mw": _clean(high_load.losses_mw),
        "pv_installed_kwp": round(pv_kwp, 3),
        "pv_added_kwp": round(added_kwp, 3),
        "pv_energy_mwh_per_year": round(pv_kwp * yield_kwh / 1000.0, 3),
        "pv_added_energy_mwh_per_year": round(added_mwh, 3),
        "co2_avoided_t_per_year": round(added_mwh * settings.co2_kg_per_kwh, 3),
        "ev_added_kw": round(sum(c.p_kw for c in changes if c.kind == "ev_chargers"), 3),
        "heat_pumps_added_kw": round(sum(c.p_kw for c in changes if c.kind == "heat_pumps"), 3),
        "capex_reinforcement_eur": round(sum(c.capex_eur for c in changes), 2),
    }
    if not raw and not _publishable_households(changes):
        kpis["heat_pumps_added_kw"] = None
        masked.append("heat_pumps_added_kw")
    if state.daily is not None:
        kpis.update(
            {
                "energy_mwh_per_day": round(state.daily.load_mwh, 4),
                "pv_energy_mwh_per_day": round(state.daily.pv_mwh, 4),
                "losses_mwh_per_day": round(state.daily.losses_mwh, 4),
                "worst_hour": state.daily.worst_hour(),
            }
        )
    if masked:
        kpis["masked"] = masked
    return kpis


def _publishable_households(changes: list[AppliedChange]) -> bool:
    """False when the heat pumps added were computed from 1 to 10 households of the
    territory's buildings (the power would reveal their count)."""
    counts = [c.households_from_data for c in changes if c.households_from_data is not None]
    return not counts or rests_on_enough(None, sum(counts))


def published_change(change: AppliedChange) -> dict[str, Any]:
    """JSON-ready record of one applied change, without its household count and with its
    power masked when it rests on 1 to 10 households of the territory."""
    record = {k: v for k, v in vars(change).items() if k != "households_from_data"}
    if not _publishable_households([change]):
        record["p_kw"] = Published(None, True).to_json()
    return record


def _extreme(function, values) -> float | None:
    """max/min of the finite values, None when there is none."""
    array = np.asarray(values, dtype=float)
    array = array[np.isfinite(array)]
    return _clean(function(array)) if array.size else None


def _checked(net: pp.pandapowerNet) -> np.ndarray:
    return (net.bus.vn_kv <= 30.0).to_numpy()


def _clean(value: float) -> float | None:
    value = float(value)
    return None if not math.isfinite(value) else round(value, 6)


def study_summary(study: EnergyStudy, raw: bool = False) -> dict[str, Any]:
    """JSON-ready results: the final state's headline figures at top level, then baseline and
    scenario KPIs, violations, applied changes, daily profiles and the settings used.

    Unless ``raw``, every figure is published through the privacy gate: results of elements
    serving 1 to 10 households are masked (:mod:`twin.sim.energy.published`), masked KPIs
    read ``{"value": null, "masked": true}`` and ``masked_elements`` counts them."""
    baseline_kpis = _json_kpis(study.kpis(study.baseline, raw=raw))
    final_kpis = (
        _json_kpis(study.kpis(study.final, study.changes, raw=raw))
        if study.scenario
        else baseline_kpis
    )
    if not raw:
        from twin.sim.energy.published import published_state

        admd = study.settings.household_admd_kw
        study = copy.copy(study)
        study.baseline = published_state(study.baseline, admd)
        if study.scenario is not None:
            study.scenario = published_state(study.scenario, admd)
    summary: dict[str, Any] = {
        "max_line_loading_percent": final_kpis["max_line_loading_percent"],
        "max_trafo_loading_percent": final_kpis["max_trafo_loading_percent"],
        "min_bus_voltage_pu": final_kpis["min_bus_voltage_pu"],
        "max_bus_voltage_pu": final_kpis["max_bus_voltage_pu"],
        "violations": study.final.violations,
        "kpis": final_kpis,
        "baseline": {"kpis": baseline_kpis, "violations": study.baseline.violations},
        "scenario": None,
        "cases": {name: _case_summary(r) for name, r in study.final.cases.items()},
        "daily_profile": study.final.daily.summary() if study.final.daily else None,
        "settings": study.settings.to_dict(),
    }
    if study.scenario is not None:
        summary["scenario"] = {
            "kpis": final_kpis,
            "interventions": [intervention_to_dict(i) for i in study.interventions],
            "changes": [vars(c) if raw else published_change(c) for c in study.changes],
            "new_violations": [
                v
                for v in study.scenario.violations
                if _key(v) not in {_key(b) for b in study.baseline.violations}
            ],
        }
        summary["baseline"]["daily_profile"] = (
            study.baseline.daily.summary() if study.baseline.daily else None
        )
    if not raw:
        final = study.final
        summary["masked_elements"] = {
            "buses": int(final.buses["masked"].sum()),
            "lines": int(final.lines["masked"].sum()),
            "transformers": int(final.trafos["masked"].sum()),
            "reason": MASKED_LABEL,
        }
    return summary


def _json_kpis(kpis: dict[str, Any]) -> dict[str, Any]:
    """KPIs with each masked one as ``{"value": null, "masked": true}``."""
    out = dict(kpis)
    for key in out.pop("masked", []):
        out[key] = Published(None, True).to_json()
    return out


def _key(violation: dict[str, Any]) -> tuple:
    return violation["element"], violation["id"], violation["quantity"]


def _case_summary(result: PowerFlowResult) -> dict[str, Any]:
    return {
        "converged": result.converged,
        "load_mw": _clean(result.load_mw),
        "generation_mw": _clean(result.generation_mw),
        "losses_mw": _clean(result.losses_mw),
        "max_line_loading_percent": _clean(result.max_line_loading_percent),
        "max_trafo_loading_percent": _clean(result.max_trafo_loading_percent),
        "min_bus_voltage_pu": _clean(result.min_bus_voltage_pu),
        "max_bus_voltage_pu": _clean(result.max_bus_voltage_pu),
        "violations": len(result.violations),
    }
