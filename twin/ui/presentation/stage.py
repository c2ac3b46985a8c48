"""The map part of the presentation window: one map (baseline or a scenario), or two
scenarios as a swipe or side by side, built from the compare views, showing a step's
layers. The stage draws copies of the project's layers (sharing their data), so showing a
step never changes the main window's layers or marks the project modified.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStackedLayout, QWidget

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.base import Layer
from twin.layers.raster import RasterLayer
from twin.project import Project
from twin.story import StoryStep, shows_layer
from twin.ui.compare.maps import copy_layer, is_result_layer
from twin.ui.compare.side_by_side import TITLE_STYLE, SideBySideView
from twin.ui.compare.swipe import CHIP_STYLE, SwipeView
from twin.ui.compare.window import ScenarioData
from twin.ui.export.story_scene import new_sites_layer, shows_new_sites
from twin.ui.map.canvas import MapCanvas

BBox = tuple[float, float, float, float]
NEW_SITES_ID = "story_new_sites"  # the new sites layer a scenario's map adds
KEPT_VIEWS = 3  # map views kept built (a story goes back and forth between a few)


def stage_project(baseline: Project, data: ScenarioData | None) -> Project:
    """A map project: copies of the baseline's own layers and of ``data``'s result layers
    (None: the baseline's layers alone), top first as in an exported page: result vectors,
    own vectors, result rasters, own rasters, so that communes, roads and sites show over
    a coverage level."""
    project = Project(crs=baseline.crs)
    own = [layer for layer in baseline.layers if not is_result_layer(layer)]
    results = list(data.layers) if data is not None else []
    ordered = [
        *(layer for layer in results if not isinstance(layer, RasterLayer)),
        *(layer for layer in own if not isinstance(layer, RasterLayer)),
        *(layer for layer in results if isinstance(layer, RasterLayer)),
        *(layer for layer in own if isinstance(layer, RasterLayer)),
    ]
    for layer in ordered:
        project.add_layer(copy_layer(layer), index=len(project.layers))
    try:
        sites = new_sites_layer(baseline, data.name) if data is not None else None
    except DataError:
        sites = None  # a scenario given by the data source only, not stored in the project
    if sites is not None:  # where the scenario's new masts stand, as on exported pages
        sites.id = NEW_SITES_ID
        project.add_layer(sites, index=0)
    return project


def apply_visibility(project: Project, visible_layers: tuple[str, ...]) -> None:
    """Show the layers ``visible_layers`` names (by id or name, result layers without their
    scenario prefix: :func:`twin.story.shows_layer`, as the story exports draw them) and
    hide the others; the scenario's new sites go with the mobile layers. An empty tuple
    leaves visibility as it is."""
    if not visible_layers:
        return
    new_sites = shows_new_sites(visible_layers)
    for layer in project.layers:
        if layer.id == NEW_SITES_ID:
            layer.visible = new_sites
        else:
            result = is_result_layer(layer)
            layer.visible = shows_layer(visible_layers, layer.id, layer.name, result)


def ease_bbox(start: BBox, end: BBox, t: float) -> BBox:
    """The view box a fraction ``t`` (0..1, already eased) of the way from ``start`` to
    ``end``: the centre moves linearly, the size changes geometrically (a steady zoom)."""
    t = min(1.0, max(0.0, t))
    centre = [
        (start[0] + start[2]) / 2 * (1 - t) + (end[0] + end[2]) / 2 * t,
        (start[1] + start[3]) / 2 * (1 - t) + (end[1] + end[3]) / 2 * t,
    ]
    sizes = []
    for axis in (0, 1):
        a = max(1e-6, start[axis + 2] - start[axis])
        b = max(1e-6, end[axis + 2] - end[axis])
        sizes.append(math.exp(math.log(a) * (1 - t) + math.log(b) * t))
    return (
        centre[0] - sizes[0] / 2,
        centre[1] - sizes[1] / 2,
        centre[0] + sizes[0] / 2,
        centre[1] + sizes[1] / 2,
    )


class MapStage(QWidget):
    """Shows a step's map: :meth:`show_step` rebuilds the view when what is compared
    changes and otherwise only changes layer visibility; :meth:`set_bbox` and
    :meth:`set_divider` move the camera and the swipe divider (the window animates them)."""

    def __init__(self, baseline: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.baseline = baseline
        self.view: QWidget | None = None
        self.projects: list[Project] = []
        self.key: tuple | None = None
        self._layout = QStackedLayout(self)
        # views already built, most recently shown last: going back to a swipe does not
        # copy the layers and prepare their geometry again (seconds on the sample)
        self._built: dict[tuple, tuple[QWidget, list[Project]]] = {}

    def show_step(self, step: StoryStep, data: dict[str | None, ScenarioData]) -> None:
        """Show ``step``'s map with the scenario data fetched so far (``data`` maps a
        scenario name, None = baseline, to its result layers and figures)."""
        key = self._key(step, data)
        previous = self.current_bbox() if self.view is not None else None
        if key != self.key:
            self.prepare(step, data)
            self.view, self.projects = self._built.pop(key)
            self._built[key] = (self.view, self.projects)  # the most recently shown
            self._layout.setCurrentWidget(self.view)
            self.key = key
            for canvas in self.canvases():
                canvas.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if previous is not None:
                self.set_bbox(previous)
        for project in self.projects:
            apply_visibility(project, step.visible_layers)

    def prepare(self, step: StoryStep, data: dict[str | None, ScenarioData]) -> None:
        """Build ``step``'s map view, hidden, if it is not built yet (copying the layers
        and preparing their geometry takes seconds on the sample: the window does it
        while the step before is talked over)."""
        key = self._key(step, data)
        if key in self._built:
            return
        right, left = self._sides(step)
        view, projects = self._build(step, data.get(left), data.get(right), left, right)
        self._layout.addWidget(view)
        self._built[key] = (view, projects)
        self._forget_old_views()

    def is_built(self, step: StoryStep, data: dict[str | None, ScenarioData]) -> bool:
        """True when ``step``'s map view (with this data) is built, shown or not."""
        return self._key(step, data) in self._built

    def _key(self, step: StoryStep, data: dict[str | None, ScenarioData]) -> tuple:
        right, left = self._sides(step)
        return (step.show, left, right, id(data.get(left)), id(data.get(right)))

    @staticmethod
    def _sides(step: StoryStep) -> tuple[str | None, str | None]:
        """(right or only scenario, left scenario) names; None is the baseline."""
        if step.show == "baseline":
            return None, None
        if step.show == "scenario":
            return step.scenario, None
        return step.scenario, step.compare_with

    def _forget_old_views(self) -> None:
        for key in list(self._built)[: max(0, len(self._built) - KEPT_VIEWS)]:
            if key != self.key:  # never the view shown
                self._drop(self._built.pop(key)[0])

    def _drop(self, view: QWidget) -> None:
        for canvas in [view] if isinstance(view, MapCanvas) else view.canvases():
            canvas.set_project(None)
        self._layout.removeWidget(view)
        view.deleteLater()

    def release(self) -> None:
        """Detach every map view from its layers (the window is closing)."""
        for view, _projects in self._built.values():
            self._drop(view)
        self._built.clear()
        self.view, self.projects, self.key = None, [], None

    def _build(self, step, data_left, data_right, left, right) -> tuple[QWidget, list[Project]]:
        if step.show in ("swipe", "side_by_side"):
            first = stage_project(self.baseline, data_left)
            second = stage_project(self.baseline, data_right)
            cls = SwipeView if step.show == "swipe" else SideBySideView
            titles = (left or tr("Baseline"), right or tr("Baseline"))
            return cls(first, second, *titles), [first, second]
        project = stage_project(self.baseline, data_right)
        view = MapCanvas()
        view.set_project(project)
        return view, [project]

    def set_scale(self, height_px: int) -> None:
        """Name chips, scale bar and north arrow readable on a screen ``height_px`` high
        (the map's own are sized for a workstation: 1.5 times larger at 1080 px)."""
        for canvas in self.canvases():
            canvas.overlay_zoom = max(1.0, height_px / 720)
        size = max(12, round(height_px / 40))
        if isinstance(self.view, SwipeView):
            for label in (self.view.label_a, self.view.label_b):
                label.setStyleSheet(CHIP_STYLE.replace("}", f" font-size: {size}px; }}"))
            self.view.set_titles(self.view.label_a.text(), self.view.label_b.text())
        elif isinstance(self.view, SideBySideView):
            for label in (self.view.title_a, self.view.title_b):
                label.setStyleSheet(TITLE_STYLE.replace("}", f" font-size: {size}px; }}"))

    def canvases(self) -> list[MapCanvas]:
        """The map canvases shown (one or two)."""
        if isinstance(self.view, MapCanvas):
            return [self.view]
        if self.view is not None:
            return list(self.view.canvases())
        return []

    def main_canvas(self) -> MapCanvas | None:
        """The canvas whose view box is the step's (the left one of two)."""
        canvases = self.canvases()
        return canvases[0] if canvases else None

    def current_bbox(self) -> BBox | None:
        """The box shown (metres), None before a step is shown."""
        canvas = self.main_canvas()
        return canvas.view_bbox() if canvas is not None else None

    def set_bbox(self, bbox: BBox, moving: bool = False) -> None:
        """Show at least ``bbox`` (metres) on every map; ``moving``: one frame of a camera
        move (the maps may draw quick previews until the move settles)."""
        if moving:
            for canvas in self.canvases():
                canvas.moving()
        if self.view is not None:
            self.view.zoom_to_bbox(bbox)

    def divider(self) -> float | None:
        """The swipe divider's position (0..1 of the width); None when not a swipe."""
        return self.view.fraction if isinstance(self.view, SwipeView) else None

    def set_divider(self, fraction: float) -> None:
        """Move the swipe divider (nothing when the step is not a swipe)."""
        if isinstance(self.view, SwipeView):
            self.view.set_fraction(fraction)

    def shown_layers(self) -> list[Layer]:
        """The visible layers of the right-hand (or only) map, top first, for the legend."""
        if not self.projects:
            return []
        return [layer for layer in self.projects[-1].layers if layer.visible]
