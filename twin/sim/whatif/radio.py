"""Radio what-if: mobile coverage (4G and 5G separately) of the baseline sites changed by a
scenario's site interventions, and persons/premises per coverage level.

:class:`RadioWhatIf` keeps one incremental :class:`~twin.sim.radio.model.CoverageModel` per
technology; :meth:`RadioWhatIf.apply` recomputes only the sites an intervention list changes
(a dragged site: one site), so the UI can call it on every mouse move. The level of "4G+5G"
is the better of the two levels at each pixel (the level of the best RSRP of any cell).
"""

from __future__ import annotations

import math

import numpy as np
from affine import Affine

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.kpi import Figure, with_household_groups
from twin.layers.radio_sites import Site
from twin.layers.raster import RasterLayer
from twin.scenario import Intervention
from twin.sim.radio.coverage import CoverageParameters, Grid
from twin.sim.radio.layers import result_layers
from twin.sim.radio.model import CoverageModel
from twin.sim.radio.population import PeopleCounter
from twin.sim.radio.project_coverage import (
    find_layer,
    project_grid,
    project_population,
    project_sites,
)
from twin.sim.radio.terrain import Terrain
from twin.sim.whatif import radio_added
from twin.sim.whatif.radio_sites import (  # noqa: F401 (names of this module's API)
    DECIMALS,
    DEFAULTS_PATH,
    ENGINE,
    LEVEL_BETTER,
    LEVEL_KEYS,
    TECHNOLOGIES,
    _split,
    apply_site_interventions,
    level_figures,
    new_site,
    radio_costs,
)
from twin.sim.whatif.result import CONTEXTS, DomainResult, WhatIfOptions, relabel


def _grid(project, sites: list[Site], options: WhatIfOptions, terrain_layer) -> Grid:
    if options.radio_bbox is None:
        return project_grid(project, sites, options.radio_pixel_m, terrain_layer)
    pixel = float(options.radio_pixel_m or 50.0)
    xmin, ymin, xmax, ymax = (float(v) for v in options.radio_bbox)
    if not (xmax > xmin and ymax > ymin and pixel > 0):
        raise DataError(tr("the radio box must be xmin, ymin, xmax, ymax with xmax > xmin"))
    cols = max(1, math.ceil((xmax - xmin) / pixel))
    rows = max(1, math.ceil((ymax - ymin) / pixel))
    return Grid(Affine(pixel, 0, xmin, 0, -pixel, ymax), (rows, cols), project.crs)


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
        self._baseline_groups = household_groups(self)  # for the privacy gate
        self._baseline_by_key = {f.key: f.value for f in self.baseline_figures}

    # --- state ---------------------------------------------------------------------------
    def apply(self, interventions: list[Intervention]) -> list[Figure]:
        """Bring the coverage to the baseline changed by ``interventions`` (radio ones are
        used, others ignored); returns the figures with their baseline and the households
        behind them (for the privacy gate). Only sites whose definition changed since the
        last call are recomputed."""
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
        if self.counter is None:
            return []
        # the points' levels are read once and serve both the counts and the privacy gate
        levels = self.levels()
        points = {t: self.counter.point_levels(level) for t, level in levels.items()}
        figures = level_figures(self.counter, levels, self._baseline_by_key, points)
        groups = household_groups(self, levels, points)
        return with_household_groups(figures, groups, self._baseline_groups)

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
    if baseline is not None and radio_added.applies(project, radio, options):
        fast = radio_added.added_sites_result(
            project, radio, options, baseline, scenario_name, feedback
        )
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
            "households": household_groups(context),
            "warnings_by_technology": context.warnings_by_technology(),
        },
    )


def household_groups(context: RadioWhatIf, levels=None, point_levels=None):
    """The households behind each people figure of the context's current state, for the
    privacy gate (None without population). ``levels`` (by technology, from
    :meth:`RadioWhatIf.levels`) and the points' levels read from them, when at hand."""
    if context.counter is None:
        return None
    levels = context.levels() if levels is None else levels
    tagged = {t.lower().replace("+", "_"): level for t, level in levels.items()}
    points = None
    if point_levels is not None:
        points = {t.lower().replace("+", "_"): v for t, v in point_levels.items()}
    return context.counter.household_groups(tagged, ENGINE, points)
