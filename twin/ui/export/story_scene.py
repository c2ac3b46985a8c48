"""What a story step shows, resolved against a project: the layers of each side (baseline or
a scenario, with the scenario's result layers), its KPI figures and its page layout.

A name in ``StoryStep.visible_layers`` is a project layer (id or name) or a result layer
named without its "<scenario>: " prefix ("4G coverage level"; "fiber route" matches
"Langan fiber route"), drawn for the side the step shows. Results come from
:func:`twin.sim.whatif.simulate`, which reuses what is in memory or stored in the project
(``project.results``), so a sample story is drawn without running an engine.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from typing import Any

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.raster import RasterLayer
from twin.layout import (
    MAX_KPI_CARDS,
    Attribution,
    KpiCard,
    Layout,
    MapFrame,
    Page,
    Title,
    attribution_text,
    legend_of,
)
from twin.project import Project
from twin.story import StoryStep
from twin.ui.export.print_scale import line_scale, scaled_layer

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Side:
    """One side of a step's map: ``label`` (scenario name or "Baseline"), the ``scene``
    holding its layers (top first) and the simulation ``result`` it comes from."""

    label: str
    scene: Project
    result: Any


@dataclass(frozen=True)
class StepScene:
    """A story step resolved: its sides (one, or left and right for swipe and side by side),
    the page layout around the map, and the ``box`` its camera aims at (metres)."""

    step: StoryStep
    sides: tuple[Side, ...]
    layout: Layout
    box: BBox


def story_steps(project: Project, name: str) -> list[StoryStep]:
    """The steps of the story ``name``; DataError listing the stories there are."""
    stories = getattr(project, "stories", {}) or {}
    if name not in stories:
        known = ", ".join(repr(story) for story in stories) or tr("none")
        raise DataError(
            tr("no story {name!r} in the project (stories: {known})").format(name=name, known=known)
        )
    steps = list(stories[name])
    if not steps:
        raise DataError(tr("story {name!r} has no steps").format(name=name))
    return steps


class ResultCache:
    """Simulation results of a project by scenario name (None = the baseline), computed at
    most once (stored results are reused by :func:`twin.sim.whatif.simulate`)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._results: dict[str | None, Any] = {}

    def get(self, scenario_name: str | None) -> Any:
        """The :class:`~twin.sim.whatif.SimulationResult` of ``scenario_name``."""
        if scenario_name not in self._results:
            from twin.scenario import find_scenario
            from twin.sim.whatif import WhatIfOptions, simulate

            scenario = None
            if scenario_name is not None:
                scenario = find_scenario(self.project.scenarios, scenario_name)
            self._results[scenario_name] = simulate(self.project, scenario, options=WhatIfOptions())
        return self._results[scenario_name]


def _result_name(layer_name: str, prefix: str) -> str:
    return layer_name[len(prefix) :] if layer_name.startswith(prefix) else layer_name


def side_layers(project: Project, step: StoryStep, result: Any, prefix: str) -> list:
    """The layers one side of ``step`` draws, top first: result vectors, project vectors,
    result rasters, project rasters (so roads and communes show over coverage)."""
    if not step.visible_layers:
        return [layer for layer in project.layers if layer.visible]
    wanted = [name.casefold() for name in step.visible_layers]
    base = [
        layer
        for layer in project.layers
        if layer.id.casefold() in wanted or layer.name.casefold() in wanted
    ]
    results = []
    for layer in getattr(result, "layers", ()):
        short = _result_name(layer.name, prefix).casefold()
        if any(short == name or short.endswith(" " + name) for name in wanted):
            results.append(layer)
    rasters = [layer for layer in results if isinstance(layer, RasterLayer)]
    return [
        *(layer for layer in results if not isinstance(layer, RasterLayer)),
        *(layer for layer in base if not isinstance(layer, RasterLayer)),
        *rasters,
        *(layer for layer in base if isinstance(layer, RasterLayer)),
    ]


MOBILE_LAYERS = ("mobile_cells", "mobile cells")


def shows_new_sites(visible_layers: tuple[str, ...]) -> bool:
    """Whether a step showing ``visible_layers`` draws its scenario's new sites: they go
    with the mobile layers (named by id or name, any case)."""
    return bool({name.casefold() for name in visible_layers} & set(MOBILE_LAYERS))


def new_sites_layer(project: Project, scenario_name: str | None) -> Any:
    """A point layer of the sites ``scenario_name`` adds (None when it adds none), so a
    scenario's map shows where its new masts stand."""
    if scenario_name is None:
        return None
    import geopandas as gpd
    import shapely

    from twin.layers.provenance import Provenance
    from twin.layers.style import Style
    from twin.layers.vector import VectorLayer
    from twin.scenario import AddMobileSite, find_scenario

    scenario = find_scenario(project.scenarios, scenario_name)
    sites = [item for item in scenario.interventions if isinstance(item, AddMobileSite)]
    if not sites:
        return None
    frame = gpd.GeoDataFrame(
        {"name": [site.name for site in sites]},
        geometry=[shapely.Point(site.x, site.y) for site in sites],
        crs=project.crs,
    )
    style = Style(
        fill_color="#000000",
        stroke_color="#FFFFFF",
        stroke_width=1.5,
        point_size=18.0,
        point_symbol="d",
    )
    provenance = Provenance(method=f"sites added by the scenario {scenario_name!r}")
    return VectorLayer(tr("New sites"), frame, style=style, provenance=provenance)


def _scene(project: Project, layers: list, line_factor: float) -> Project:
    """Drawing copies of ``layers`` (all shown: the step names what it shows, a layer the
    project hides included), lines widened by ``line_factor``; the project is unchanged."""
    scene = Project(crs=project.crs)
    for layer in layers:
        scene.add_layer(scaled_layer(layer, line_factor, visible=True), index=len(scene.layers))
    return scene


def _side(
    project: Project, step: StoryStep, results: ResultCache, name: str | None, factor: float
) -> Side:
    result = results.get(name)
    prefix = f"{name}: " if name is not None else "baseline: "
    layers = side_layers(project, step, result, prefix)
    sites = new_sites_layer(project, name) if shows_new_sites(step.visible_layers) else None
    if sites is not None:
        layers.insert(0, sites)
    label = name if name is not None else tr("Baseline")
    return Side(label, _scene(project, layers, factor), result)


def step_sides(
    project: Project, step: StoryStep, results: ResultCache, line_factor: float = 1.0
) -> tuple[Side, ...]:
    """The sides of ``step``: one for baseline/scenario, (left, right) for the others;
    their lines widened by ``line_factor`` (see :func:`painter.line_scale`)."""
    if step.show == "baseline":
        return (_side(project, step, results, None, line_factor),)
    if step.show == "scenario":
        return (_side(project, step, results, step.scenario, line_factor),)
    return (
        _side(project, step, results, step.compare_with, line_factor),
        _side(project, step, results, step.scenario, line_factor),
    )


def step_cards(step: StoryStep, result: Any) -> tuple[KpiCard, ...]:
    """The KPI cards of ``step`` from ``result``'s figures (value, delta against the
    baseline, unit; people figures through the privacy gate). A baseline step shows no
    delta; a key the result lacks shows "–"."""
    figures = {figure.key: figure for figure in getattr(result, "figures", ())}
    cards = []
    for key in step.kpis[:MAX_KPI_CARDS]:
        figure = figures.get(key)
        if figure is None:
            cards.append(KpiCard(key, "–"))
            continue
        if step.show == "baseline":
            figure = replace(figure, baseline=None)
        cards.append(KpiCard.from_figure(figure))
    return tuple(cards)


def mode_label(step: StoryStep, sides: tuple[Side, ...]) -> str:
    """What the step compares, for the subtitle ("Baseline", "A | B", "A and B")."""
    if step.show == "swipe":
        return f"{sides[0].label} | {sides[1].label}"
    if step.show == "side_by_side":
        return tr("{left} and {right}").format(left=sides[0].label, right=sides[1].label)
    return sides[0].label


def step_scene(
    project: Project,
    story: str,
    steps: list[StoryStep],
    index: int,
    page: Page,
    results: ResultCache,
    date: str | None = None,
) -> StepScene:
    """Step ``index`` (0-based) of ``steps`` resolved into its sides and page layout:
    title, caption, subtitle "<story> · <what is shown> · <date>", map, legend, scale bar,
    KPI cards, attribution and page number "n / N"."""
    step = steps[index]
    sides = step_sides(project, step, results, line_scale(page.dpi))
    right = sides[-1]
    drawn = list(right.scene.layers)
    names = {layer.name for layer in drawn}
    for side in sides[:-1]:
        drawn += [layer for layer in side.scene.layers if layer.name not in names]
    prefix = "baseline: " if step.show == "baseline" else f"{step.scenario}: "
    legend = legend_of(right.scene.layers, strip_prefix=prefix)
    day = date if date is not None else _dt.date.today().isoformat()
    layout = Layout(
        page=page,
        title=Title(step.title, f"{story} · {mode_label(step, sides)} · {day}"),
        map=MapFrame(step.extent, tuple(layer.name for layer in right.scene.layers)),
        legend=legend,
        kpis=step_cards(step, right.result),
        attribution=Attribution(attribution_text(drawn)),
        page_number=index + 1,
        page_count=len(steps),
        caption=step.text,
    )
    box = step.extent if step.extent is not None else _full_box(sides)
    return StepScene(step, sides, layout, box)


def _full_box(sides: tuple[Side, ...]) -> BBox:
    boxes = [side.scene.extent for side in sides if side.scene.layers]
    if not boxes:
        return (0.0, 0.0, 1.0, 1.0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
