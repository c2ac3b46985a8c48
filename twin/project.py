"""The territory: ordered layers, one projected CRS, saved views, metadata, scenarios and
stories."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psygnal import Signal, SignalGroup

from twin.errors import ProjectError
from twin.i18n import tr
from twin.layers.base import Layer
from twin.story import StoryStep

if TYPE_CHECKING:
    from pyproj import CRS

DEFAULT_CRS = "EPSG:2154"  # Lambert-93, the projected CRS of metropolitan France


def _crs(value) -> CRS:
    """``value`` (a CRS, an EPSG code, WKT, ...) as a pyproj CRS (imported on first use:
    pyproj stays out of the start-up before the first map frame)."""
    from pyproj import CRS

    return CRS.from_user_input(value)


@dataclass(frozen=True)
class View:
    """A saved view (bookmark): a name and a box (minx, miny, maxx, maxy) in project metres."""

    name: str
    bbox: tuple[float, float, float, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"name": self.name, "bbox": list(self.bbox)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> View:
        """Build from a project-file dict."""
        bbox = tuple(float(v) for v in data["bbox"])
        if len(bbox) != 4:
            raise ValueError(tr("a view box has four numbers"))
        return cls(str(data["name"]), bbox)  # type: ignore[arg-type]


class ProjectEvents(SignalGroup):
    """Changes to the project's layer list and views."""

    layer_inserted = Signal(int, object)  # index, layer
    layer_removed = Signal(int, object)  # former index, layer
    layers_reordered = Signal()
    views_changed = Signal()
    stories_changed = Signal()


@dataclass
class Project:
    """A territory: ``layers`` bottom-to-top draw order is reversed: ``layers[0]`` is drawn
    on top (as in a layer panel). All layers are in ``crs`` (projected, metres).
    """

    crs: CRS = field(default_factory=lambda: _crs(DEFAULT_CRS))
    layers: list[Layer] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    #: Stories for presentations: a story's name -> its ordered steps (:mod:`twin.story`).
    stories: dict[str, list[StoryStep]] = field(default_factory=dict)
    path: Path | None = None
    #: Engine results kept with the project, by the hash of their inputs (DESIGN.md "Results
    #: live with the project"): records read from the file, or results computed in this
    #: session (:mod:`twin.sim.whatif.store` reads and fills it; saving writes it).
    results: dict[str, Any] = field(default_factory=dict, repr=False)
    #: Secrets and personal data kept apart from the layers (table ``twin_private``): the
    #: key of report pseudonyms, encrypted contact data (:mod:`twin.layers.reports_gdpr`).
    #: Never exported, never in the recovery file.
    private: dict[str, bytes] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.crs = _crs(self.crs)
        self.events = ProjectEvents()

    # --- layers ------------------------------------------------------------------------
    def add_layer(self, layer: Layer, index: int = 0) -> Layer:
        """Insert ``layer`` (already in the project CRS) at ``index`` (0 = top)."""
        if layer.crs is not None and not layer.crs.equals(self.crs):
            raise ValueError(
                tr(
                    "layer {layer_name!r} is in {layer_crs}, the project in {crs}; "
                    "read it with twin.read_layer(path, crs=project.crs)"
                ).format(
                    layer_name=layer.name, layer_crs=layer.crs.to_string(), crs=self.crs.to_string()
                )
            )
        existing = {other.id for other in self.layers}
        while layer.id in existing:
            layer.id = layer.id + "_1"
        index = max(0, min(index, len(self.layers)))
        self.layers.insert(index, layer)
        self.events.layer_inserted.emit(index, layer)
        return layer

    def remove_layer(self, layer: Layer) -> None:
        """Remove ``layer`` from the project."""
        index = self.layers.index(layer)
        del self.layers[index]
        self.events.layer_removed.emit(index, layer)

    def move_layer(self, layer: Layer, new_index: int) -> None:
        """Move ``layer`` to ``new_index`` in the draw order (0 = top)."""
        self.layers.remove(layer)
        self.layers.insert(max(0, min(new_index, len(self.layers))), layer)
        self.events.layers_reordered.emit()

    def layer(self, name_or_id: str) -> Layer:
        """The layer with this id or name; KeyError if none."""
        for layer in self.layers:
            if layer.id == name_or_id or layer.name == name_or_id:
                return layer
        raise KeyError(f"no layer named {name_or_id!r}")

    # --- extent and views ----------------------------------------------------------------
    @property
    def extent(self) -> tuple[float, float, float, float]:
        """Union of the layers' bounds in project metres; (0, 0, 1, 1) when empty."""
        boxes = [layer.bounds for layer in self.layers]
        boxes = [b for b in boxes if all(math.isfinite(v) for v in b)]
        if not boxes:
            return (0.0, 0.0, 1.0, 1.0)
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def add_view(self, view: View) -> None:
        """Save a view (replaces one of the same name)."""
        self.views = [v for v in self.views if v.name != view.name] + [view]
        self.events.views_changed.emit()

    def remove_view(self, name: str) -> None:
        """Forget the saved view called ``name``."""
        self.views = [v for v in self.views if v.name != name]
        self.events.views_changed.emit()

    def set_story(self, name: str, steps: list[StoryStep]) -> None:
        """Create or replace the story ``name`` with ``steps`` (in order)."""
        self.stories[name] = list(steps)
        self.events.stories_changed.emit()

    def remove_story(self, name: str) -> None:
        """Forget the story called ``name``."""
        self.stories.pop(name, None)
        self.events.stories_changed.emit()

    # --- files -----------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the project to a ``.twin`` GeoPackage, atomically; returns the path."""
        from twin.project_save import save_project

        self.path = save_project(self, Path(path))
        return self.path

    def saving_copy(self) -> Project:
        """A copy holding the project's lists and dicts as they are now (layer objects
        shared): what a save in a worker thread writes while the user goes on editing. Saving
        ``self`` from a worker instead could see a layer twice (a layer inserted meanwhile
        shifts the list under its loop) and fail on the duplicate."""
        return replace(
            self,
            layers=list(self.layers),
            views=list(self.views),
            metadata=copy.deepcopy(self.metadata),
            scenarios=copy.deepcopy(self.scenarios),
            stories={name: list(steps) for name, steps in self.stories.items()},
            results=dict(self.results),
            private=dict(self.private),
        )

    @classmethod
    def open(cls, path: str | Path, wanted=None) -> Project:
        """Read a ``.twin`` file (never runs code from it), stored results included;
        ``wanted(record)`` picks the layers read now (see
        :func:`twin.project_file.read_project`; default: all)."""
        from pyproj.exceptions import CRSError

        from twin.project_file import read_project
        from twin.story import stories_from_json

        path = Path(path)
        contents = read_project(path, wanted)
        try:
            project = cls(crs=contents.crs)
            project.views = [View.from_dict(v) for v in contents.views]
            project.stories = stories_from_json(contents.stories)
        except (KeyError, TypeError, ValueError, AttributeError, CRSError) as error:
            raise ProjectError(
                tr("{path_name} has a damaged twin_meta table ({error!r})").format(
                    path_name=path.name, error=error
                )
            ) from error
        project.metadata = contents.metadata
        project.scenarios = contents.scenarios
        project.layers = list(contents.layers)
        project.results = dict(contents.results)
        project.private = dict(contents.private)
        project.path = path
        return project
