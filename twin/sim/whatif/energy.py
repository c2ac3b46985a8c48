"""Energy what-if: EV chargers, rooftop PV, heat pumps, new lines and transformers of a
scenario on the project's grid; power flow through the design cases (and design day).

The grid (with building loads attached) and the baseline state are prepared once per
project; a scenario copies the network, adds its elements and evaluates the copy
(:func:`twin.sim.energy.interventions.apply_interventions`), so the baseline is never
changed.
"""

from __future__ import annotations

from typing import Any

from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.kpi import Figure
from twin.scenario import Intervention
from twin.sim.energy import (
    apply_interventions,
    default_settings,
    energy_interventions,
    grid_kpis,
    prepare_grid,
)
from twin.sim.energy.result_layers import study_layers
from twin.sim.energy.study import EnergyStudy, evaluate
from twin.sim.whatif.result import CONTEXTS, DomainResult, WhatIfOptions, relabel

ENGINE = "energy"
MAX_WARNINGS = 10  # violations listed one per line; the rest are counted
RESULT_LAYERS = ("loading", "voltage")  # styled result layers kept (names contain these)


def _grid(project):
    """The project's grid with building loads attached, prepared once per project."""
    store = CONTEXTS.store(project)
    if "energy-grid" not in store:
        store["energy-grid"] = prepare_grid(project, None, default_settings())
    return store["energy-grid"]


def _context(project, options: WhatIfOptions, feedback) -> dict[str, Any]:
    """The prepared grid, settings and the evaluated baseline state (once per project)."""
    store = CONTEXTS.store(project)
    key = ("energy", options.energy_daily)
    if key not in store:
        prepared = _grid(project)
        settings = default_settings()
        baseline = evaluate(prepared.net, settings, options.energy_daily, feedback)
        store[key] = {"grid": prepared, "settings": settings, "baseline": baseline}
    return store[key]


def prepare(
    project, options: WhatIfOptions | None = None, feedback=None, baseline_stored: bool = False
) -> None:
    """Build what every energy what-if of ``project`` reuses: the grid with its loads
    (pandapower loaded) and, unless the baseline's result is stored already
    (``baseline_stored``: a scenario then only runs its own power flows), the baseline's
    power flows."""
    if baseline_stored:
        _grid(project)
    else:
        _context(project, options or WhatIfOptions(), feedback)


def _figures(kpis: dict[str, Any]) -> list[Figure]:
    def value(name: str) -> float:
        number = kpis.get(name)
        return float(number) if number is not None else float("nan")

    rows = (
        (
            "energy.violations",
            "Grid violations (voltage, loading)",
            "violation_count",
            "violations",
            "down",
        ),
        ("energy.peak_line_loading", "Peak line loading", "max_line_loading_percent", "%", "down"),
        (
            "energy.peak_trafo_loading",
            "Peak transformer loading",
            "max_trafo_loading_percent",
            "%",
            "down",
        ),
        ("energy.min_voltage", "Lowest bus voltage", "min_bus_voltage_pu", "pu", "up"),
        ("energy.max_voltage", "Highest bus voltage", "max_bus_voltage_pu", "pu", "down"),
        ("energy.ev_added", "EV charging power added", "ev_added_kw", "kW", ""),
        ("energy.heat_pumps_added", "Heat pump power added", "heat_pumps_added_kw", "kW", ""),
        ("energy.pv_added", "Rooftop PV added", "pv_added_kwp", "kWp", "up"),
        (
            "energy.pv_added_energy",
            "PV energy added",
            "pv_added_energy_mwh_per_year",
            "MWh/yr",
            "up",
        ),
        ("energy.co2_avoided", "CO2 avoided by added PV", "co2_avoided_t_per_year", "t/yr", "up"),
    )
    return [
        Figure(key, label, value(name), unit, ENGINE, better=better)
        for key, label, name, unit, better in rows
    ]


def run(
    project,
    interventions: list[Intervention],
    feedback: Feedback | None = None,
    options: WhatIfOptions | None = None,
    scenario_name: str = "scenario",
) -> DomainResult:
    """Power flow of the grid with the scenario's energy interventions: violations (a count),
    peak line/transformer loading (%), voltages (pu), PV and CO2 (kWp, MWh/yr, t/yr),
    reinforcement capex (EUR) from the energy engine's defaults."""
    options = options or WhatIfOptions()
    feedback = ensure_feedback(feedback)
    items = energy_interventions([i for i in interventions if i.domain == ENGINE])
    changes = []
    if items:
        # A scenario's figures and layers are those of its own state: the baseline state
        # is not evaluated for it (its figures come from the baseline's own result).
        grid, settings = _grid(project), default_settings()
        net, changes = apply_interventions(
            grid.net, items, grid.frames.buses, grid.buildings, settings
        )
        state = evaluate(net, settings, options.energy_daily, feedback)
        study = EnergyStudy(state, scenario=state, settings=settings, interventions=items)
        study.changes = changes
    else:
        context = _context(project, options, feedback)
        grid, settings, state = context["grid"], context["settings"], context["baseline"]
        study = EnergyStudy(state, settings=settings, interventions=items)
    kpis = grid_kpis(state, settings, changes)
    layers = [
        relabel(layer, scenario_name, ENGINE)
        for layer in study_layers(study, project.crs, grid.source)
        if any(word in layer.name.lower() for word in RESULT_LAYERS)
    ]
    warnings = [
        f"{v['element']} {v['id']}: {v['quantity']} {v['value']} (limit {v['limit']})"
        for v in state.violations[:MAX_WARNINGS]
    ]
    if len(state.violations) > MAX_WARNINGS:
        warnings.append(
            tr("... and {count} more violations").format(count=len(state.violations) - MAX_WARNINGS)
        )
    feedback.set_progress(100.0, "energy done")
    return DomainResult(
        ENGINE,
        layers,
        _figures(kpis),
        warnings,
        float(kpis.get("capex_reinforcement_eur") or 0.0),
        {"kpis": kpis},
    )
