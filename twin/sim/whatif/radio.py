"""Radio what-if: mobile coverage (4G and 5G separately) of the baseline sites changed by a
scenario's site interventions, and persons/premises per coverage level.

:class:`RadioWhatIf` keeps one incremental :class:`~twin.sim.radio.model.CoverageModel` per
technology; :meth:`RadioWhatIf.apply` recomputes only the sites an intervention list changes
(a dragged site: one site), so the UI can call it on every mouse move. The level of "4G+5G"
is the better of the two levels at each pixel (the level of the best RSRP of any cell).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from dataclasses import fields
from pathlib import Path

import numpy as np
from affine import Affine

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.kpi import Figure
from twin.layers.raster import RasterLayer
from twin.layers.style import raster_style
from twin.scenario import (
    AddMobileSite,
    EditMobileCell,
    Intervention,
    MoveMobileSite,
    RemoveMobileSite,
)
from twin.sim.radio.coverage import (
    LEVEL_LABELS,
    CoverageParameters,
    Grid,
    compute_site_cells,
    coverage_level,
    merge_best_server,
)
from twin.sim.radio.layers import result_layers
from twin.sim.radio.model import CoverageModel
from twin.sim.radio.population import PeopleCounter
from twin.sim.radio.project_coverage import (
    find_layer,
    project_grid,
    project_population,
    project_sites,
)
from twin.sim.radio.sites import Cell, Site
from twin.sim.radio.terrain import Terrain, radial_profiles
from twin.sim.whatif.result import CONTEXTS, DomainResult, WhatIfOptions, relabel

ENGINE = "radio"
TECHNOLOGIES = ("4G", "5G")
LEVEL_KEYS = ("none", "limited", "good", "very_good")
LEVEL_BETTER = ("down", "", "up", "up")
# Persons are fractional (population shares per building): figures are rounded to 1/1000 so
# that float summation noise never shows as a gain (a 1e-11 "gain" would divide a capex).
DECIMALS = 3
DEFAULTS_PATH = Path(__file__).with_name("defaults.json")
_CELL_FIELDS = {f.name for f in fields(Cell)}


def radio_costs() -> dict[str, float]:
    """Default radio unit costs (EUR) from defaults.json (see its notes)."""
    return dict(_read_costs())


@functools.lru_cache(maxsize=1)
def _read_costs() -> dict[str, float]:
    return json.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))["radio"]


def _grid(project, sites: list[Site], options: WhatIfOptions, terrain_layer) -> Grid:
    if options.radio_bbox is None:
        return project_grid(project, sites, options.radio_pixel_m, terrain_layer)
    pixel = float(options.radio_pixel_m or 50.0)
    xmin, ymin, xmax, ymax = (float(v) for v in options.radio_bbox)
    if not (xmax > xmin and ymax > ymin and pixel > 0):
        raise DataError("the radio box must be xmin, ymin, xmax, ymax with xmax > xmin")
    cols = max(1, math.ceil((xmax - xmin) / pixel))
    rows = max(1, math.ceil((ymax - ymin) / pixel))
    return Grid(Affine(pixel, 0, xmin, 0, -pixel, ymax), (rows, cols), project.crs)


def _split(site: Site, technology: str) -> Site | None:
    """The site with only its cells of ``technology`` (None when it has none)."""
    cells = tuple(c for c in site.cells if c.technology == technology)
    return site.with_changes(cells=cells) if cells else None


def new_site(intervention: AddMobileSite) -> Site:
    """The engine's :class:`Site` for an :class:`AddMobileSite` (cells ``<site_id>-<k>``)."""
    cells = tuple(
        Cell(
            f"{intervention.site_id}-{k + 1}",
            azimuth_deg=float(spec.azimuth_deg),
            band_mhz=float(spec.band_mhz),
            technology=spec.technology,
            mechanical_tilt_deg=float(spec.mechanical_tilt_deg),
            electrical_tilt_deg=float(spec.electrical_tilt_deg),
            tx_power_dbm=float(spec.tx_power_dbm),
            bandwidth_mhz=float(spec.bandwidth_mhz),
            antenna_gain_dbi=float(spec.antenna_gain_dbi),
            model=intervention.model,
        )
        for k, spec in enumerate(intervention.cells)
    )
    if not cells:
        raise DataError(f"new site '{intervention.name}' has no cell")
    return Site(
        intervention.site_id,
        float(intervention.x),
        float(intervention.y),
        float(intervention.height_m),
        cells,
        name=intervention.name,
        operator="scenario",
    )


def _edit_cell(site: Site, edit: EditMobileCell) -> Site:
    changes = dict(edit.changes)
    height = changes.pop("height_m", None)
    unknown = set(changes) - _CELL_FIELDS - {"cell_id"}
    if unknown:
        raise DataError(f"cell '{edit.cell_id}': cannot change {', '.join(sorted(unknown))}")
    cells = list(site.cells)
    for index, cell in enumerate(cells):
        if cell.cell_id == edit.cell_id:
            values = {
                k: (v if k in ("technology", "model", "model_params") else float(v))
                for k, v in changes.items()
            }
            cells[index] = cell.with_changes(**values)
            break
    else:
        raise DataError(f"site '{site.site_id}' has no cell '{edit.cell_id}'")
    result = site.with_changes(cells=cells)
    return result.with_changes(height_m=float(height)) if height is not None else result


def apply_site_interventions(
    sites: dict[str, Site], interventions: list[Intervention]
) -> tuple[dict[str, Site], float]:
    """The sites after the radio interventions (in order) and their capex (EUR, defaults.json).
    ``sites`` (site_id -> Site) is not modified."""
    costs = radio_costs()
    result = dict(sites)
    added: set[str] = set()
    capex = 0.0
    for item in interventions:
        if isinstance(item, AddMobileSite):
            if item.site_id in result:
                raise DataError(f"a site '{item.site_id}' already exists: give a new site_id")
            result[item.site_id] = new_site(item)
            added.add(item.site_id)
            capex += costs["new_site_eur"]
            continue
        if item.domain != ENGINE:
            continue
        site_id = item.site_id  # type: ignore[attr-defined]
        if site_id not in result:
            raise DataError(f"no mobile site '{site_id}' to change")
        if isinstance(item, MoveMobileSite):
            result[site_id] = result[site_id].moved(item.x, item.y)
            capex += 0.0 if site_id in added else costs["move_site_eur"]
            if site_id not in added:
                added.add(site_id)  # moving it again costs nothing more
        elif isinstance(item, RemoveMobileSite):
            del result[site_id]
            capex += costs["remove_site_eur"]
        elif isinstance(item, EditMobileCell):
            result[site_id] = _edit_cell(result[site_id], item)
            capex += 0.0 if site_id in added else costs["edit_cell_eur"]
    return result, capex


def level_figures(
    counter: PeopleCounter, levels: dict[str, np.ndarray], baseline: dict[str, float]
) -> list[Figure]:
    """Persons and premises per coverage level of each level raster ("4G", "5G", "4G+5G")
    and with good or better coverage (persons, premises), with ``baseline`` values by key."""
    out: list[Figure] = []
    for technology, level in levels.items():
        tag = technology.lower().replace("+", "_")
        summary = counter.count(level)
        for what, values in (("persons", summary.persons), ("premises", summary.premises)):
            for index, key in enumerate(LEVEL_KEYS):
                fkey = f"radio.{tag}.{what}.{key}"
                out.append(
                    Figure(
                        fkey,
                        f"{technology} {what}: {LEVEL_LABELS[index]}",
                        round(float(values[index]), DECIMALS),
                        what,
                        ENGINE,
                        baseline.get(fkey),
                        LEVEL_BETTER[index],
                    )
                )
            fkey = f"radio.{tag}.{what}.good_or_better"
            out.append(
                Figure(
                    fkey,
                    f"{technology} {what}: good or very good",
                    round(float(values[2] + values[3]), DECIMALS),
                    what,
                    ENGINE,
                    baseline.get(fkey),
                    "up",
                )
            )
    return out


class RadioWhatIf:
    """Incremental coverage of a project's sites under changing interventions.

    Built once per project (the cold baseline takes seconds); :meth:`apply` then brings the
    models to a new intervention list by recomputing only the sites that differ from the
    current state, and returns the figures (persons, premises per level) with the baseline.
    """

    def __init__(
        self, project, options: WhatIfOptions | None = None, feedback: Feedback | None = None
    ) -> None:
        self.options = options or WhatIfOptions()
        feedback = ensure_feedback(feedback)
        sites = project_sites(project)
        self.baseline_sites = {site.site_id: site for site in sites}
        terrain_layer = find_layer(project, "terrain")
        if terrain_layer is not None and terrain_layer.kind != "raster":
            terrain_layer = None
        self.grid = _grid(project, sites, self.options, terrain_layer)
        terrain = Terrain.from_layer(terrain_layer) if terrain_layer is not None else None
        self.params = CoverageParameters(max_range_m=float(self.options.radio_max_range_m))
        self.models: dict[str, CoverageModel] = {}
        self._applied: dict[str, dict[str, Site]] = {}
        self._baseline_split: dict[str, dict[str, Site]] = {}
        shared_profiles = None
        for index, technology in enumerate(TECHNOLOGIES):
            subset = {sid: _split(s, technology) for sid, s in self.baseline_sites.items()}
            subset = {sid: s for sid, s in subset.items() if s is not None}
            model = CoverageModel(self.grid, list(subset.values()), self.params, terrain)
            if shared_profiles is None:
                shared_profiles = getattr(model, "_profiles", None)
            elif isinstance(getattr(model, "_profiles", None), dict):
                model._profiles = shared_profiles  # same terrain profiles for both technologies
            feedback.set_progress(50.0 * index, f"{technology} baseline coverage")
            model.compute()
            self.models[technology] = model
            self._applied[technology] = subset
            self._baseline_split[technology] = dict(subset)
        feedback.set_progress(100.0, "baseline coverage done")
        points = project_population(project)
        self.counter = PeopleCounter(points, self.grid) if points is not None else None
        self.capex_eur = 0.0
        self.baseline_figures = self.figures()
        self._baseline_by_key = {f.key: f.value for f in self.baseline_figures}

    # --- state ---------------------------------------------------------------------------
    def apply(self, interventions: list[Intervention]) -> list[Figure]:
        """Bring the coverage to the baseline changed by ``interventions`` (radio ones are
        used, others ignored); returns the figures with their baseline. Only sites whose
        definition changed since the last call are recomputed."""
        sites, self.capex_eur = apply_site_interventions(
            self.baseline_sites, [i for i in interventions if i.domain == ENGINE]
        )
        for technology, model in self.models.items():
            current = self._applied[technology]
            unchanged = self._baseline_split[technology]
            wanted = {}
            for sid, site in sites.items():
                part = (
                    unchanged.get(sid)
                    if site is self.baseline_sites.get(sid)
                    else _split(site, technology)
                )
                if part is not None:
                    wanted[sid] = part
            for site_id in [sid for sid in current if sid not in wanted]:
                model.remove_site(site_id)
            for site_id, site in wanted.items():
                old = current.get(site_id)
                if old is None:
                    model.add_site(site)
                elif old is not site and old != site:
                    model.update_site(site)
            self._applied[technology] = wanted
        self._prune_profiles(sites)
        return self.figures(with_baseline=True)

    def _prune_profiles(self, sites: dict[str, Site]) -> None:
        """Forget terrain profiles of positions no site occupies any more (a drag would
        otherwise keep one set of profiles per mouse position)."""
        in_use = {(s.x, s.y, s.height_m) for s in sites.values()}
        for model in self.models.values():
            profiles = getattr(model, "_profiles", None)
            if isinstance(profiles, dict):
                for key in [k for k in profiles if tuple(k[:3]) not in in_use]:
                    del profiles[key]

    def levels(self) -> dict[str, np.ndarray]:
        """Current coverage level rasters (0-3) of "4G", "5G" and "4G+5G" (live arrays for
        the two technologies: copy them to keep them)."""
        levels = {t: self.models[t].level for t in TECHNOLOGIES}
        levels["4G+5G"] = np.maximum(levels["4G"], levels["5G"])
        return levels

    def figures(self, with_baseline: bool = False) -> list[Figure]:
        """Persons and premises per coverage level for 4G, 5G and 4G+5G (persons, premises),
        and persons with good or better coverage; with the baseline when asked."""
        if self.counter is None:
            return []
        baseline = self._baseline_by_key if with_baseline else {}
        return level_figures(self.counter, self.levels(), baseline)

    def warnings_by_technology(self) -> dict[str, list[str]]:
        """Validity warnings of each technology's model (deduplicated, in cell order)."""
        return {technology: model.warnings() for technology, model in self.models.items()}

    def layers(self, scenario_name: str = "baseline") -> list[RasterLayer]:
        """Snapshot layers: level and best RSRP per technology, and the 4G+5G level."""
        layers: list[RasterLayer] = []
        for technology, model in self.models.items():
            result = model.result()
            for layer in result_layers(result, f"{technology} coverage"):
                if layer.name.endswith(("level", "best RSRP")):
                    layers.append(relabel(layer, scenario_name, ENGINE))
        level_layer = layers[-1] if layers else None
        if level_layer is not None:
            combined = np.maximum(self.models["4G"].level, self.models["5G"].level)
            layers.append(
                RasterLayer(
                    f"{scenario_name}: 4G+5G coverage level",
                    combined.copy(),
                    self.grid.transform,
                    self.grid.crs,
                    style=level_layer.style,
                    provenance=level_layer.provenance.with_changes(
                        method=level_layer.provenance.method
                        + " 4G+5G: the better level of the two technologies."
                    ),
                    unit="level",
                )
            )
        return layers

    def warnings(self) -> list[str]:
        """Validity warnings of the models (deduplicated)."""
        seen: dict[str, None] = {}
        for model in self.models.values():
            for message in model.warnings():
                seen.setdefault(message, None)
        return list(seen)


def radio_context(project, options: WhatIfOptions | None = None, feedback=None) -> RadioWhatIf:
    """The project's shared :class:`RadioWhatIf` for these options (built once)."""
    options = options or WhatIfOptions()
    store = CONTEXTS.store(project)
    key = ("radio", options.key())
    if key not in store:
        store[key] = RadioWhatIf(project, options, feedback)
    return store[key]


def run(
    project,
    interventions: list[Intervention],
    feedback: Feedback | None = None,
    options: WhatIfOptions | None = None,
    scenario_name: str = "scenario",
    baseline: DomainResult | None = None,
) -> DomainResult:
    """Coverage of the baseline changed by the radio ``interventions``: level and RSRP
    layers, persons/premises per level (persons, premises), capex (EUR).

    ``baseline``: this project's baseline result for the same options (the runner passes
    it when it has it, e.g. stored in the project file). When only new sites are added and
    the incremental models are not built yet, the scenario is the baseline's best RSRP
    merged with the new sites' cells alone (:func:`added_sites_result`: the same per-pixel
    rule, identical rasters and figures) instead of computing every site again."""
    options = options or WhatIfOptions()
    radio = [i for i in interventions if i.domain == ENGINE]
    if (
        baseline is not None
        and radio
        and all(isinstance(i, AddMobileSite) for i in radio)
        and ("radio", options.key()) not in CONTEXTS.store(project)
    ):
        fast = added_sites_result(project, radio, options, baseline, scenario_name, feedback)
        if fast is not None:
            return fast
    context = radio_context(project, options, feedback)
    figures = context.apply(list(interventions))
    return DomainResult(
        ENGINE,
        context.layers(scenario_name),
        [Figure(f.key, f.label, f.value, f.unit, f.domain, None, f.better) for f in figures],
        context.warnings(),
        context.capex_eur,
        {
            "sites": len(context._applied["4G"].keys() | context._applied["5G"].keys()),
            "warnings_by_technology": context.warnings_by_technology(),
        },
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
        },
    )
