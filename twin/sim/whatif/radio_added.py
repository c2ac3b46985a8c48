"""New sites merged into a known radio baseline, without the incremental models.

When a scenario only adds sites and the baseline's result is known (stored in the project
or computed), each new cell is folded into the baseline's best RSRP of its technology with
the engine's per-pixel rule (:func:`twin.sim.radio.coverage.merge_best_server`: a stronger
RSRP wins; on a tie the older cell, of lower code, keeps the pixel), then levels, figures,
warnings and provenance are made as :class:`~twin.sim.whatif.radio.RadioWhatIf` makes
them: the same rasters bit for bit, for the cost of the new sites alone.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from twin.feedback import Feedback, ensure_feedback
from twin.layers.raster import RasterLayer
from twin.layers.style import raster_style
from twin.scenario import AddMobileSite, Intervention
from twin.sim.radio.coverage import (
    CoverageParameters,
    Grid,
    compute_site_cells,
    coverage_level,
    merge_best_server,
)
from twin.sim.radio.model import CoverageModel
from twin.sim.radio.population import PeopleCounter
from twin.sim.radio.project_coverage import find_layer, project_population, project_sites
from twin.sim.radio.terrain import Terrain, radial_profiles
from twin.sim.whatif.radio_sites import (
    ENGINE,
    TECHNOLOGIES,
    _split,
    apply_site_interventions,
    level_figures,
)
from twin.sim.whatif.result import CONTEXTS, DomainResult, WhatIfOptions, relabel


def applies(project, interventions: list[Intervention], options: WhatIfOptions) -> bool:
    """True when the merge is the way: only added sites, and the project's incremental
    models for these options are not built (when they are, they are as fast)."""
    radio = [i for i in interventions if i.domain == ENGINE]
    return (
        bool(radio)
        and all(isinstance(i, AddMobileSite) for i in radio)
        and ("radio", options.key()) not in CONTEXTS.store(project)
    )


def _layer_named(layers, suffix: str) -> RasterLayer | None:
    for layer in layers:
        if isinstance(layer, RasterLayer) and layer.name.endswith(suffix):
            return layer
    return None


def _light_context(project, grid: Grid, options: WhatIfOptions) -> dict:
    """Baseline sites, terrain, ground heights and people counter on ``grid`` (cached)."""
    store = CONTEXTS.store(project)
    key = ("radio-light", options.key(), tuple(grid.transform)[:6], tuple(grid.shape))
    if key not in store:
        terrain_layer = find_layer(project, "terrain")
        if terrain_layer is not None and terrain_layer.kind != "raster":
            terrain_layer = None
        terrain = Terrain.from_layer(terrain_layer) if terrain_layer is not None else None
        params = CoverageParameters(max_range_m=float(options.radio_max_range_m))
        empty = CoverageModel(grid, [], params, terrain)  # samples the ground once
        points = project_population(project)
        store[key] = {
            "sites": {site.site_id: site for site in project_sites(project)},
            "terrain": terrain,
            "params": params,
            "ground": empty.ground_m,
            "counter": PeopleCounter(points, grid) if points is not None else None,
        }
    return store[key]


def added_sites_result(
    project,
    interventions: list[Intervention],
    options: WhatIfOptions,
    baseline: DomainResult,
    scenario_name: str = "scenario",
    feedback: Feedback | None = None,
) -> DomainResult | None:
    """The result of adding sites (``AddMobileSite`` only) to ``baseline``: each new cell
    folded into the baseline's best RSRP of its technology with the engine's rule (a
    stronger RSRP wins; on a tie the older cell, of lower code, keeps the pixel), levels,
    figures, warnings and provenance as the incremental models give them. None when the
    baseline lacks what this needs (then the models are built)."""
    feedback = ensure_feedback(feedback)
    by_technology = baseline.details.get("warnings_by_technology")
    base_sites = baseline.details.get("sites")
    if not isinstance(by_technology, dict) or not isinstance(base_sites, int):
        return None
    parts = {}
    for technology in TECHNOLOGIES:
        rsrp = _layer_named(baseline.layers, f"{technology} coverage best RSRP")
        level = _layer_named(baseline.layers, f"{technology} coverage level")
        if rsrp is None or level is None or not isinstance(by_technology.get(technology), list):
            return None
        parts[technology] = (rsrp, level)
    combined = _layer_named(baseline.layers, "4G+5G coverage level")
    if combined is None:
        return None
    first = parts["4G"][0]
    grid = Grid(first.transform, first.array.shape, first.crs)
    context = _light_context(project, grid, options)
    sites, capex = apply_site_interventions(context["sites"], interventions)
    added = [sites[i.site_id] for i in interventions if isinstance(i, AddMobileSite)]
    params: CoverageParameters = context["params"]
    date = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    layers: list[RasterLayer] = []
    levels: dict[str, np.ndarray] = {}
    warnings: dict[str, None] = {}
    warnings_by_technology: dict[str, list[str]] = {}
    served_sites: set[str] = set()
    for index, technology in enumerate(TECHNOLOGIES):
        feedback.set_progress(50.0 * index, f"{technology}: new sites")
        rsrp_layer, level_layer = parts[technology]
        base = np.asarray(rsrp_layer.array, dtype=np.float32)
        best = np.where(np.isnan(base), np.float32(-np.inf), base).astype(np.float32)
        # baseline cells keep ties (their codes are all lower than the new cells')
        code = np.where(np.isnan(base), -1, np.iinfo(np.int32).min).astype(np.int32)
        whole = (0, grid.shape[0], 0, grid.shape[1])
        messages = list(by_technology[technology])
        new_cells = 0
        models = set(rsrp_layer.provenance.parameters.get("models", []))
        new_sites = 0
        next_code = 0
        for site in added:
            part = _split(site, technology)
            if part is None:
                continue
            served_sites.add(site.site_id)
            new_sites += 1
            codes = {}
            for cell in part.cells:
                codes[cell.cell_id] = next_code
                next_code += 1
            profiles = None
            if context["terrain"] is not None:
                profiles = radial_profiles(
                    context["terrain"],
                    part.x,
                    part.y,
                    part.height_m,
                    params.ue_height_m,
                    params.max_range_m,
                    params.profile_step_m,
                    params.ray_spacing_m or grid.pixel_m,
                    params.diffraction,
                )
            cells = compute_site_cells(part, grid, params, codes, context["ground"], profiles)
            merge_best_server(cells, whole, best, code)
            new_cells += len(part.cells)
            models |= {cell.model for cell in part.cells}
            for cell in cells:
                messages.extend(m.split(": ", 1)[1] for m in cell.warnings)
        technology_warnings = list(dict.fromkeys(messages))
        warnings_by_technology[technology] = technology_warnings
        for message in technology_warnings:
            warnings.setdefault(message, None)
        served = np.isfinite(best)
        best = np.where(served, best, np.float32(np.nan)).astype(np.float32)
        level = coverage_level(best, params.thresholds_dbm)
        levels[technology] = level
        for layer, array, style in (
            (rsrp_layer, best, raster_style(best, "viridis", unit="dBm")),
            (level_layer, level, level_layer.style),
        ):
            parameters = dict(layer.provenance.parameters)
            parameters.update(
                sites=int(parameters.get("sites", 0)) + new_sites,
                cells=int(parameters.get("cells", 0)) + new_cells,
                models=sorted(models),
                warnings=technology_warnings,
                computed_at=date,
            )
            provenance = layer.provenance.with_changes(parameters=parameters, date=date[:10])
            layers.append(
                RasterLayer(
                    layer.name,
                    array,
                    layer.transform,
                    layer.crs,
                    nodata=layer.nodata,
                    style=style,
                    provenance=provenance,
                    unit=layer.unit,
                )
            )
    levels["4G+5G"] = np.maximum(levels["4G"], levels["5G"])
    last_level = layers[-1]
    layers.append(
        RasterLayer(
            combined.name,
            levels["4G+5G"].copy(),
            combined.transform,
            combined.crs,
            style=last_level.style,
            provenance=last_level.provenance.with_changes(
                method=last_level.provenance.method
                + " 4G+5G: the better level of the two technologies."
            ),
            unit="level",
        )
    )
    counter = context["counter"]
    figures = level_figures(counter, levels, {}) if counter is not None else []
    feedback.set_progress(100.0, "new sites done")
    return DomainResult(
        ENGINE,
        [relabel(layer, scenario_name, ENGINE) for layer in layers],
        figures,
        list(warnings),
        capex,
        {
            "sites": base_sites + len(served_sites),
            "warnings_by_technology": warnings_by_technology,
            "households": _household_groups(counter, levels),
        },
    )


def _household_groups(counter, levels: dict[str, np.ndarray]):
    """The households behind each people figure, as :func:`twin.sim.whatif.radio
    .household_groups` gives them for the full models (for the privacy gate)."""
    if counter is None:
        return None
    tagged = {t.lower().replace("+", "_"): level for t, level in levels.items()}
    return counter.household_groups(tagged, ENGINE)
