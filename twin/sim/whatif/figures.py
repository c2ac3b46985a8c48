"""Figures and layers a simulation derives from its domain results: figures paired with
the baseline, capex and cost per person or premise gained, and the coverage level change
per pixel (Qt-free)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from twin.i18n import N_
from twin.kpi import Figure, cost_per_unit
from twin.layers.base import Layer
from twin.layers.raster import RasterLayer
from twin.layers.style import Category, Style
from twin.sim.whatif.result import DomainResult

CHANGE_COLORS = {
    -3: "#B2182B",
    -2: "#D6604D",
    -1: "#F4A582",
    0: "#F7F7F7",
    1: "#92C5DE",
    2: "#4393C3",
    3: "#2166AC",
}  # levels lost (red) / gained (blue), diverging


def paired_figures(scenario: DomainResult, baseline: DomainResult) -> list[Figure]:
    """The scenario's figures with the baseline's value of the same key as ``baseline``,
    and the households each side rests on and that moved between them (from the results'
    ``details["households"]``, :class:`~twin.layers.privacy.HouseholdGroups`) for the
    privacy gate."""
    base = {f.key: f for f in baseline.figures}
    after = scenario.details.get("households")
    before = baseline.details.get("households")
    figures = []
    for f in scenario.figures:
        old = base.get(f.key)
        figures.append(
            Figure(
                f.key,
                f.label,
                f.value,
                f.unit,
                f.domain,
                old.value if old is not None else None,
                f.better,
                after.households_of(f.key) if after is not None else f.households,
                before.households_of(f.key) if before is not None else _households(old),
                after.moved(before, f.key) if after is not None else None,
            )
        )
    by_key = {f.key: f for f in figures}
    return [_rests_on(f, by_key.get(RESTS_ON.get(f.key, ""))) for f in figures]


# Figures derived from a people figure (a share of it): they rest on the same households.
RESTS_ON = {"fiber.premises_eligible_pct": "fiber.premises_eligible"}


def _households(figure: Figure | None) -> float | None:
    return figure.households if figure is not None else None


def _moved(figure: Figure) -> float | None:
    """Households moved behind ``figure``'s delta; its size when unknown (the gate's
    fallback for people figures)."""
    if figure.moved_households is not None:
        return figure.moved_households
    delta = figure.delta
    return abs(delta) if delta is not None and math.isfinite(delta) else None


def _rests_on(figure: Figure, source: Figure | None) -> Figure:
    if source is None:
        return figure
    return replace(
        figure,
        households=source.households if source.households is not None else source.value,
        baseline_households=(
            source.baseline_households
            if source.baseline_households is not None
            else source.baseline
        ),
        moved_households=_moved(source),
    )


def cost_figures(results: dict[str, DomainResult], paired: dict[str, Figure]) -> list[Figure]:
    """Capex per domain and total (EUR, baseline 0) and cost per person/premise gained
    (EUR/person, EUR/premise; NaN when nothing is gained) from the scenario ``results`` and
    the paired figures by key. The KPI dock should use this to show simulate()'s numbers."""
    figures = []
    total = 0.0
    # labels marked for the catalogue (exported pages read them through tr_label)
    capex_labels = {"radio": N_("Capex radio"), "fiber": N_("Capex fiber")}
    capex_labels["energy"] = N_("Capex energy")
    for domain in ("radio", "fiber", "energy"):
        if domain in results:
            capex = float(results[domain].capex_eur)
            total += capex
            figures.append(
                Figure(f"capex.{domain}", capex_labels[domain], capex, "EUR", "cost", 0.0, "down")
            )
    figures.append(Figure("capex.total", "Capex total", total, "EUR", "cost", 0.0, "down"))
    gains = (
        (
            "radio",
            "radio.4g_5g.persons.good_or_better",
            "cost.radio_per_person",
            N_("Radio capex per person gaining good coverage (4G or 5G)"),
            "EUR/person",
        ),
        (
            "radio",
            "radio.4g.persons.good_or_better",
            "cost.radio_per_person_4g",
            N_("Radio capex per person gaining good 4G coverage"),
            "EUR/person",
        ),
        (
            "radio",
            "radio.5g.persons.good_or_better",
            "cost.radio_per_person_5g",
            N_("Radio capex per person gaining good 5G coverage"),
            "EUR/person",
        ),
        (
            "fiber",
            "fiber.premises_eligible",
            "cost.fiber_per_premise",
            N_("Fiber capex per premise made eligible"),
            "EUR/premise",
        ),
    )
    for domain, gain_key, key, label, unit in gains:
        if domain in results and gain_key in paired:
            gained = paired[gain_key].delta or 0.0
            value = cost_per_unit(float(results[domain].capex_eur), gained)
            # capex / gain reveals the gain: it rests on the households that gained
            households = _moved(paired[gain_key])
            figures.append(Figure(key, label, value, unit, "cost", None, "down", households))
    return figures


def level_change_layer(
    scenario_layers, baseline_layers, scenario_name: str, technology: str = "4G+5G"
) -> Layer | None:
    """Coverage level gained (+) or lost (-) per pixel of ``technology`` ("4G", "5G" or
    "4G+5G"), in levels (-3..3)."""

    def level(layers):
        for layer in layers:
            if isinstance(layer, RasterLayer) and layer.name.endswith(
                f": {technology} coverage level"
            ):
                return layer
        return None

    after, before = level(scenario_layers), level(baseline_layers)
    if after is None or before is None:
        return None
    change = after.array.astype(np.int8) - before.array.astype(np.int8)
    style = Style(
        kind="raster-classes",
        categories=tuple(
            Category(v, c, f"{v:+d} level" if v else "no change") for v, c in CHANGE_COLORS.items()
        ),
    )
    provenance = after.provenance.with_changes(
        method=f"scenario coverage level minus baseline level ({technology}), per pixel"
    )
    return RasterLayer(
        f"{scenario_name}: {technology} coverage level change",
        change,
        after.transform,
        after.crs,
        style=style,
        provenance=provenance,
        unit="level",
    )
