"""Figures and layers a simulation derives from its domain results: figures paired with
the baseline, capex and cost per person or premise gained, and the coverage level change
per pixel (Qt-free)."""

from __future__ import annotations

import numpy as np

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
    """The scenario's figures with the baseline's value of the same key as ``baseline``."""
    base = {f.key: f.value for f in baseline.figures}
    return [
        Figure(f.key, f.label, f.value, f.unit, f.domain, base.get(f.key), f.better)
        for f in scenario.figures
    ]


def cost_figures(results: dict[str, DomainResult], paired: dict[str, Figure]) -> list[Figure]:
    """Capex per domain and total (EUR, baseline 0) and cost per person/premise gained
    (EUR/person, EUR/premise; NaN when nothing is gained) from the scenario ``results`` and
    the paired figures by key. The KPI dock should use this to show simulate()'s numbers."""
    figures = []
    total = 0.0
    for domain in ("radio", "fiber", "energy"):
        if domain in results:
            capex = float(results[domain].capex_eur)
            total += capex
            figures.append(
                Figure(f"capex.{domain}", f"Capex {domain}", capex, "EUR", "cost", 0.0, "down")
            )
    figures.append(Figure("capex.total", "Capex total", total, "EUR", "cost", 0.0, "down"))
    gains = (
        (
            "radio",
            "radio.4g_5g.persons.good_or_better",
            "cost.radio_per_person",
            "Radio capex per person gaining good coverage (4G or 5G)",
            "EUR/person",
        ),
        (
            "radio",
            "radio.4g.persons.good_or_better",
            "cost.radio_per_person_4g",
            "Radio capex per person gaining good 4G coverage",
            "EUR/person",
        ),
        (
            "radio",
            "radio.5g.persons.good_or_better",
            "cost.radio_per_person_5g",
            "Radio capex per person gaining good 5G coverage",
            "EUR/person",
        ),
        (
            "fiber",
            "fiber.premises_eligible",
            "cost.fiber_per_premise",
            "Fiber capex per premise made eligible",
            "EUR/premise",
        ),
    )
    for domain, gain_key, key, label, unit in gains:
        if domain in results and gain_key in paired:
            gained = paired[gain_key].delta or 0.0
            value = cost_per_unit(float(results[domain].capex_eur), gained)
            figures.append(Figure(key, label, value, unit, "cost", None, "down"))
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
