"""Where a KPI figure comes from ("why this number"), Qt-free.

:func:`figure_lineage` builds the ``lineage`` of one :class:`~twin.kpi.Figure` from what
:func:`twin.sim.whatif.runner.simulate` already knows: the engine and model of the figure's
domain (with the standard it follows and its validity range), the parameters used (engine
settings read from the result layers' provenance, the simulation options, the unit-cost
model), the input layers with their provenance (source, licence, attribution, date), the
scenario's interventions of that domain and the privacy masking applied. Households are
never given as a number here, only as "≥ 11" or "< 11" (INSEE's threshold). Stored results
get the same lineage: it is rebuilt from the project's layers and the scenario, never
stored. Everything is JSON-ready.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

from twin.i18n import N_
from twin.kpi import Figure
from twin.layers.privacy import DISCLOSURE_THRESHOLD_HOUSEHOLDS, is_people_unit

#: Engine, model, standard and validity range of each domain's figures.
ENGINES: dict[str, dict[str, str]] = {
    "radio": {
        "engine": "twin radio engine (twin.sim.radio)",
        "model": "RSRP per cell from 3GPP TR 38.901 path loss (UMa in towns, RMa in the "
        "countryside) with Deygout diffraction over the terrain; coverage levels from RSRP "
        "thresholds",
        "standard": "3GPP TR 38.901 V17.0.0 §7.4.1 (path loss), Arcep coverage levels",
        "validity": "UMa 0.5-100 GHz, 10 m-5 km; RMa 0.5-30 GHz, 10 m-10 km (NLOS 5 km)",
    },
    "fiber": {
        "engine": "twin fiber planner (twin.sim.fiber)",
        "model": "Steiner-tree route (Mehlhorn 2-approximation) on the road graph weighted "
        "by cost per metre (duct, aerial, trench), PBOs and PMs placed by capacity and "
        "reach, costed with the fiber cost rules",
        "standard": "Arcep FTTH architecture (PM, PBO, final connection); premises eligible "
        "as in Arcep's Ma connexion internet",
        "validity": "planning estimate (orders of magnitude), not a detailed design",
    },
    "transit": {
        "engine": "twin transit engine (twin.sim.transit)",
        "model": "PTAL (accessibility index from walk time to stops and peak frequencies) "
        "and Range RAPTOR door-to-door travel times over the GTFS timetable",
        "standard": "Transport for London, Assessing transport connectivity in London "
        "(PTAL method, 2015); Delling et al. 2012 (RAPTOR)",
        "validity": "walk access up to 640 m to bus stops and 960 m to rail, weekday morning peak",
    },
    "energy": {
        "engine": "pandapower with lightsim2grid (twin.sim.energy)",
        "model": "Newton-Raphson AC power flow of the balanced three-phase grid on design "
        "cases (high load, high feed-in) and a 24-hour design day",
        "standard": "EN 50160 voltage limits; line and transformer loading against rating",
        "validity": "balanced three-phase steady state (no transients, no unbalance)",
    },
}
COST_ENGINE = {
    "engine": "twin what-if costs (twin.sim.whatif)",
    "model": "capex of the scenario's interventions from unit costs; cost per person or "
    "premise gained = capex / figure gained",
    "standard": "unit costs: orders of magnitude of French public budgets (not quotes)",
    "validity": "planning discussions; replace the unit costs with your own tender prices",
}
#: Cost figures and the domains whose capex and gains they rest on.
COST_DOMAINS = {
    "capex.radio": ("radio",),
    "capex.fiber": ("fiber",),
    "capex.energy": ("energy",),
    "cost.radio_per_person": ("radio",),
    "cost.radio_per_person_4g": ("radio",),
    "cost.radio_per_person_5g": ("radio",),
    "cost.fiber_per_premise": ("fiber",),
}
#: The engine whose results each citizen-reports figure ("reports.<category>_improved")
#: is counted against.
REPORT_DOMAINS = {"mobile": "radio", "transit": "transit", "energy": "energy"}
REPORTS_PRIVACY_NOTE = N_(
    "a count of citizen reports over the whole territory, never per place (a small count "
    "next to one home could point at its reporter); reports are placed on a 100 m grid on "
    "exported maps"
)
# Provenance parameters that describe a run, not a setting.
_NOT_PARAMETERS = {"scenario", "engine", "computed_at", "warnings", "result"}


def _input_layers(project, domain: str) -> list[dict[str, Any]]:
    """Each input layer of ``domain`` the project has, with its provenance."""
    from twin.sim.whatif.store import INPUT_LAYERS

    found = []
    for wanted in INPUT_LAYERS[domain]:
        for layer in project.layers:
            if wanted.endswith("*"):
                match = layer.id.startswith(wanted[:-1])
            else:
                match = wanted in (layer.id, layer.name)
            if match:
                provenance = layer.provenance
                found.append(
                    {
                        "id": layer.id,
                        "name": layer.name,
                        "source": provenance.source,
                        "licence": provenance.licence,
                        "attribution": provenance.attribution,
                        "date": provenance.date,
                    }
                )
                if not wanted.endswith("*"):
                    break
    if domain == "transit":
        feed = _feed(project)
        if feed is not None:
            found.append(feed)
    return found


def _feed(project) -> dict[str, Any] | None:
    """The GTFS feed the transit engine reads, as an input."""
    from twin.layers.transit import project_feed_path

    path = project_feed_path(project) if hasattr(project, "metadata") else None
    if path is None:
        return None
    return {
        "id": "gtfs",
        "name": f"GTFS feed {Path(path).name}",
        "source": str(Path(path).name),
        "licence": "",
        "attribution": "",
        "date": "",
    }


@functools.lru_cache(maxsize=8)
def _cost_model_text(domain: str) -> str:
    return json.dumps(_read_cost_model(domain))


def _cost_model(domain: str) -> dict[str, Any]:
    """The unit costs a domain's capex uses (EUR), read once per process."""
    return json.loads(_cost_model_text(domain))


def _read_cost_model(domain: str) -> dict[str, Any]:
    """The unit costs a domain's capex uses (EUR), from its default cost file."""
    from twin.sim.whatif.store import DEFAULT_FILES

    values: dict[str, Any] = {}
    for path in DEFAULT_FILES.get(domain, ()):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if domain == "radio":
            data = data.get("radio", {})
        if domain == "energy":
            data = {"capex_eur": data.get("capex_eur", {})}
        for key, value in data.items():
            if key.startswith("_") or key in ("about", "notes", "currency", "profiles"):
                continue
            values[key] = value
    return values


def _engine_parameters(result, options, domain: str) -> dict[str, Any]:
    """Engine settings from the result layers' provenance and the simulation options."""
    from dataclasses import asdict

    from twin.sim.whatif.store import OPTION_FIELDS

    parameters: dict[str, Any] = {}
    if result is not None:
        for layer in result.layers:
            for key, value in layer.provenance.parameters.items():
                if key not in _NOT_PARAMETERS and key not in parameters:
                    parameters[key] = value
    if options is not None:
        chosen = asdict(options)
        for name in OPTION_FIELDS.get(domain, ()):
            parameters[name] = chosen[name]
    return parameters


def households_band(households: float | None) -> str | None:
    """``"≥ 11"`` or ``"< 11"`` (never the exact number), None when unknown."""
    if households is None or not math.isfinite(float(households)):
        return None
    return (
        f"≥ {DISCLOSURE_THRESHOLD_HOUSEHOLDS}"
        if households >= DISCLOSURE_THRESHOLD_HOUSEHOLDS
        else f"< {DISCLOSURE_THRESHOLD_HOUSEHOLDS}"
    )


def masking(figure: Figure) -> dict[str, Any]:
    """The privacy masking applied to ``figure``: whether it is a people figure, which of
    value/baseline/delta are masked and the households each side rests on as a band."""
    masked = [
        name
        for name, published in (
            ("value", figure.published_value()),
            ("baseline", figure.published_baseline()),
            ("delta", figure.published_delta()),
        )
        if published.masked
    ]
    people = is_people_unit(figure.unit) or figure.households is not None
    return {
        "people_figure": people,
        "rule": f"no people figure from fewer than {DISCLOSURE_THRESHOLD_HOUSEHOLDS} "
        "households (INSEE)",
        "masked": masked,
        "households": households_band(figure.households) if people else None,
        "baseline_households": households_band(figure.baseline_households) if people else None,
    }


def figure_lineage(
    figure: Figure,
    project,
    scenario=None,
    results: dict | None = None,
    options=None,
    _shared: dict | None = None,
) -> dict[str, Any]:
    """The lineage of ``figure``: engine (name, model, standard, validity), parameters,
    input layers with provenance, the scenario's interventions of the figure's domain(s)
    and the privacy masking. ``results``: the scenario's domain results by domain (for the
    engine parameters); ``scenario`` None = the baseline. The parts a domain's figures
    have in common are built once per ``_shared`` dict and shared (read-only)."""
    results = results or {}
    kind = figure.domain
    if kind == "cost":
        domains = COST_DOMAINS.get(figure.key, tuple(d for d in ENGINES if d in results))
    elif kind == "reports":
        kind = figure.key  # each category has its own method and engine
        domains = (REPORT_DOMAINS.get(_report_category(figure.key), ""),)
    else:
        domains = (kind,)
    shared = {} if _shared is None else _shared
    memo = (kind, domains)
    if memo not in shared:
        shared[memo] = _domain_part(kind, domains, project, scenario, results, options)
    privacy = masking(figure)
    if figure.domain == "reports":
        privacy["note"] = REPORTS_PRIVACY_NOTE
    return {
        "figure": figure.key,
        "domain": figure.domain,
        "scenario": scenario.name if scenario is not None else "baseline",
        **shared[memo],
        "privacy": privacy,
    }


def _report_category(key: str) -> str:
    """``"transit"`` for ``"reports.transit_improved"``."""
    return key.removeprefix("reports.").removesuffix("_improved")


def _reports_engine(key: str, domain: str) -> dict[str, str]:
    """Engine, model (what "improves" means), standard and validity of a citizen-reports
    figure counted against ``domain``'s results."""
    from twin.sim.reports_scenario import improved_method

    category = _report_category(key)
    base = ENGINES.get(domain, {})
    try:
        model = improved_method(category)
    except KeyError:
        model = f"{category} reports"
    return {
        "engine": "twin citizen reports (twin.sim.reports_scenario) against "
        + base.get("engine", domain),
        "model": model,
        "standard": base.get("standard", ""),
        "validity": "reports are self-declared and placed at an address or a commune centre "
        f"(about 100 m at best); {base.get('validity', '')}".rstrip("; "),
    }


def _reports_input(project) -> list[dict[str, Any]]:
    """The project's citizen reports layer as an input (its provenance, no personal data)."""
    from twin.layers.reports import reports_layer

    layer = reports_layer(project) if hasattr(project, "layers") else None
    if layer is None:
        return []
    provenance = layer.provenance
    return [
        {
            "id": layer.id,
            "name": layer.name,
            "source": provenance.source,
            "licence": provenance.licence,
            "attribution": provenance.attribution,
            "date": provenance.date,
        }
    ]


def _domain_part(kind: str, domains, project, scenario, results, options) -> dict[str, Any]:
    """Engine, parameters, inputs and interventions of the figures of ``domains``."""
    if kind == "cost":
        engine = dict(COST_ENGINE)
    elif kind.startswith("reports."):
        engine = _reports_engine(kind, domains[0])
    else:
        engine = dict(ENGINES.get(kind, {"engine": kind}))
    parameters: dict[str, Any] = {}
    inputs: list[dict[str, Any]] = []
    seen: set[str] = set()
    if kind.startswith("reports."):
        from twin.sim.reports_scenario import ENERGY_RADIUS_M, TRANSIT_RADIUS_M

        radius = {"transit": TRANSIT_RADIUS_M, "energy": ENERGY_RADIUS_M}
        if _report_category(kind) in radius:
            parameters["radius_m"] = radius[_report_category(kind)]
        inputs.extend(_reports_input(project))
        seen.update(item["id"] for item in inputs)
    for domain in domains:
        if domain not in ENGINES:
            continue
        if kind != "cost":
            parameters.update(_engine_parameters(results.get(domain), options, domain))
        costs = _cost_model(domain) if not kind.startswith("reports.") else {}
        if costs:
            parameters[f"cost_model.{domain}"] = costs
        for item in _input_layers(project, domain):
            if item["id"] not in seen:
                seen.add(item["id"])
                inputs.append(item)
    interventions = []
    if scenario is not None:
        for domain in domains:
            interventions.extend(
                {"domain": domain, **i.to_dict()} for i in scenario.for_domain(domain)
            )
    return {
        **engine,
        "parameters": parameters,
        "inputs": inputs,
        "interventions": interventions,
    }


def with_lineage(figures: list[Figure], project, scenario, results, options) -> list[Figure]:
    """``figures`` each with its :func:`figure_lineage` attached (the parts common to a
    domain's figures are built once and shared: treat a lineage as read-only)."""
    from dataclasses import replace

    shared: dict = {}
    return [
        replace(f, lineage=figure_lineage(f, project, scenario, results, options, shared))
        for f in figures
    ]


def lineage_text(lineage: dict[str, Any]) -> str:
    """The lineage as readable plain text (English), one fact per line, for a panel, a
    README or a "Sources and method" page."""
    lines = [
        f"Figure: {lineage.get('figure', '')} ({lineage.get('scenario', '')})",
        f"Engine: {lineage.get('engine', '')}",
        f"Model: {lineage.get('model', '')}",
        f"Standard: {lineage.get('standard', '')}",
        f"Validity: {lineage.get('validity', '')}",
        "Parameters:",
    ]
    for key, value in lineage.get("parameters", {}).items():
        lines.append(f"  {key}: {json.dumps(value, ensure_ascii=False, default=str)}")
    lines.append("Input layers:")
    for item in lineage.get("inputs", []):
        details = " · ".join(
            part for part in (item["source"], item["licence"], item["date"]) if part
        )
        lines.append(f"  {item['name']}: {details}")
    lines.append("Interventions:")
    for item in lineage.get("interventions", []) or [{"type": "none (baseline)"}]:
        name = item.get("name") or item.get("site_id") or ""
        lines.append(f"  {item.get('type', '')} {name}".rstrip())
    privacy = lineage.get("privacy", {})
    masked = ", ".join(privacy.get("masked", [])) or "nothing"
    lines.append(f"Privacy: {privacy.get('rule', '')}; masked: {masked}")
    if privacy.get("households"):
        lines.append(f"  rests on {privacy['households']} households")
    if privacy.get("note"):
        lines.append(f"  {privacy['note']}")
    return "\n".join(lines)
