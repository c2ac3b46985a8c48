"""Files of a rollout plan: scenario, JSON, CSV, GeoPackage (Qt-free; the chart is drawn
by the CLI)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import shapely

from twin.i18n import N_, format_number, format_percent, masked_label, tr
from twin.scenario import Scenario
from twin.sim.optimise.plan_privacy import (
    published_candidates,
    published_curve,
    published_figures,
)
from twin.sim.optimise.study import PlanStudy


def plan_scenario(study: PlanStudy, name: str = "Rollout plan") -> Scenario:
    """The plan as a scenario: the chosen sites in the order built, the fibre areas, the
    sites' grid supply, the committed programme and the grid reinforcements."""
    return Scenario(name, tuple(study.interventions()))


ROLLOUT_PREFIX = "Rollout "


def phase_scenarios(study: PlanStudy) -> list[Scenario]:
    """One scenario per phase, "Rollout <year>", holding everything built by the end of
    that year (cumulative: sites, fibre areas, grid supply, programme, reinforcements),
    described with the phase's capex by domain: the KPI dock and the compare view show a
    phase like any scenario, and the app's timeline steps through them."""
    scenarios = []
    sites = areas = 0
    published = published_figures(study)[0]
    for number, phase in enumerate(study.plan.phases):
        sites += len(phase.chosen)
        areas += len(phase.fibre)
        figures = phase.figures
        fibre = (
            tr(" and {areas} fibre areas ({passed} premises passed this phase)").format(
                areas=format_number(areas), passed=format_number(figures["premises_passed_fibre"])
            )
            if study.fibre is not None
            else ""
        )
        by_domain = figures["capex_by_domain_eur"]
        scenarios.append(
            Scenario(
                f"{ROLLOUT_PREFIX}{phase.phase.year}",
                tuple(study.interventions(phase.phase.year)),
                # the timeline shows it after "End of <year>:"; numbers in the language of
                # the run that made the plan (the description is stored in the project)
                description=tr(
                    "{sites} sites in total{fibre}; this phase {phase_sites} sites, "
                    "{reinforcements} grid reinforcements, {capex} EUR (radio {radio}, fibre "
                    "{fibre_eur}, grid {grid}; budget {budget} EUR)"
                ).format(
                    sites=format_number(sites),
                    fibre=fibre,
                    phase_sites=format_number(figures["sites"]),
                    reinforcements=format_number(figures["grid_reinforcements"]),
                    capex=format_number(figures["capex_eur"]),
                    radio=format_number(by_domain["radio"]),
                    fibre_eur=format_number(by_domain["fibre"]),
                    grid=format_number(by_domain["grid"]),
                    budget=format_number(phase.phase.budget_eur),
                )
                + _progress_text(published[number], study.plan.targets, phase.phase.year),
            )
        )
    return scenarios


TARGET_LABELS = {
    "persons_good_share": N_("persons in good 4G+5G coverage"),
    "premises_eligible_share": N_("premises eligible to fibre"),
}


def _progress_text(figures: dict, targets: list[dict], year: int) -> str:
    """ "; progress: persons in good 4G+5G coverage 96.7% (target 99.0% by 2028)" for
    each indicator with a target: the share reached by the end of ``year`` against the
    next target (the last one once they are all past); "" without targets."""
    parts = []
    for indicator, label in TARGET_LABELS.items():
        rows = sorted((r for r in targets if r["indicator"] == indicator), key=lambda r: r["year"])
        if not rows:
            continue
        row = next((r for r in rows if r["year"] >= year), rows[-1])
        reached = figures.get(indicator)
        reached_text = (
            masked_label()
            if isinstance(reached, dict)
            else "–"
            if reached is None
            else format_percent(100.0 * reached)
        )
        parts.append(
            tr("{indicator} {reached} (target {target} by {year})").format(
                indicator=tr(label),
                reached=reached_text,
                target=format_percent(100.0 * row[f"{indicator}_target"]),
                year=row["year"],
            )
        )
    return tr("; progress: {indicators}").format(indicators=", ".join(parts)) if parts else ""


def plan_json(study: PlanStudy) -> dict:
    """plan.json: totals, phases, targets, ROI, the marginal curve and the starting point;
    every persons and premises figure through the privacy gate
    (:mod:`twin.sim.optimise.plan_privacy`: a masked one is ``{"value": null, "masked":
    true}``)."""
    plan = study.plan
    phases, totals, targets = published_figures(study)
    return {
        **totals,
        "baseline": {
            "persons_total": round(study.persons_total, 3),
            "premises_total": round(study.premises_total, 3),
            "persons_good": round(study.baseline_persons_good, 3),
        },
        "phases": phases,
        "targets": targets,
        "roi": plan.roi,
        "objective": plan.objective,
        "marginal_curve": [
            {"capex_eur": round(c, 2), f"{plan.objective}_gained": round(g, 3)}
            for c, g in published_curve(study)
        ],
        "candidates": len(study.candidates.frame),
        "fibre": None
        if study.fibre is None
        else {
            "premises_total": round(study.fibre.premises_total, 3),
            "premises_eligible_baseline": round(study.fibre.premises_eligible, 3),
            "candidate_areas": len(study.fibre.frame),
            "method": "square areas planned alone by the fibre planner (Steiner route from "
            "the existing network), cheapest per premise passed first, until each phase "
            "reaches the course to the fibre targets",
        },
        "method": "lazy greedy (CELF) by gain per euro and by gain, best of the two and of "
        "the best single candidate, per phase on what earlier phases left; "
        f"{plan.objective} gaining good or better 4G+5G coverage (best RSRP at or above "
        "the 'good' threshold)",
    }


def _is_masked(value) -> bool:
    return isinstance(value, dict) and bool(value.get("masked"))


def write_plan(study: PlanStudy, out: Path) -> None:
    """Write scenario.json, plan.json, phases.csv and candidates.gpkg to ``out`` (people
    figures through the privacy gate; a masked one is an empty cell in phases.csv and NaN
    with ``masked`` True in candidates.gpkg)."""
    out = Path(out)
    (out / "scenario.json").write_text(
        json.dumps(plan_scenario(study).to_dict(), indent=2) + "\n", encoding="utf-8"
    )
    (out / "plan.json").write_text(
        json.dumps(plan_json(study), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with open(out / "phases.csv", "w", newline="", encoding="utf-8") as handle:
        fields = [
            "year",
            "budget_eur",
            "sites",
            "capex_eur",
            "capex_radio_eur",
            "capex_fibre_eur",
            "capex_grid_eur",
            "persons_gained",
            "premises_gained",
            "persons_good_share",
            "cost_eur_per_person_gained",
            "fibre_areas",
            "premises_passed_fibre",
            "premises_eligible_share",
            "grid_reinforcements",
            "grid_violations_left",
            "opex_eur_per_year_after",
            "opex_radio_eur_per_year_after",
            "opex_fibre_eur_per_year_after",
        ]
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for figures in published_figures(study)[0]:
            by_domain = figures["capex_by_domain_eur"]
            row = {
                k: "" if isinstance(v, dict) and v.get("masked") else v for k, v in figures.items()
            }
            opex = figures["opex_by_domain_eur_per_year_after"]
            row.update({f"capex_{d}_eur": v for d, v in by_domain.items()})
            row.update({f"opex_{d}_eur_per_year_after": v for d, v in opex.items()})
            writer.writerow(row)
    frame = published_candidates(study)
    order = {c: k + 1 for k, c in enumerate(study.plan.chosen)}
    frame["build_order"] = [order.get(i, 0) for i in range(len(frame))]
    year_of = {i: p.phase.year for p in study.plan.phases for i in p.chosen}
    frame["year"] = [year_of.get(i, 0) for i in range(len(frame))]
    candidates = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=study.crs
    )
    gpkg = out / "candidates.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    candidates.to_file(gpkg, layer="candidates", driver="GPKG")
    if study.fibre is not None and len(study.fibre.frame):
        areas = study.fibre.frame.copy()
        year_of = {i: p.phase.year for p in study.plan.phases for i in p.fibre}
        areas["year"] = [year_of.get(i, 0) for i in range(len(areas))]
        boxes = shapely.box(areas["x0"], areas["y0"], areas["x1"], areas["y1"])
        gpd.GeoDataFrame(areas, geometry=boxes, crs=study.crs).to_file(
            gpkg, layer="fibre_areas", driver="GPKG"
        )
