"""Qt-free loading jobs run by the window's workers: open a project or a data file."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, NamedTuple, Protocol

from twin.cli import startup_clock
from twin.errors import DataError, ProjectError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import N_, tr
from twin.project_kind import is_project_file

if TYPE_CHECKING:  # the data stack (pandas, GDAL, rasterio) is imported in the worker
    from pyproj import CRS

    from twin.layers.base import Layer
    from twin.project import Project
    from twin.sim.whatif.result import DomainResult, WhatIfOptions

DATA_FILE_FILTER = N_(
    "Data files (*.gpkg *.geojson *.json *.shp *.zip *.tif *.tiff *.csv *.pbf);;All files (*)"
)
PROJECT_FILE_FILTER = N_("twin projects (*.twin);;GeoPackage (*.gpkg);;All files (*)")
_NOT_METRIC = (3857, 900913)  # Web Mercator: projected, but its "metres" stretch with latitude
_KIND_ORDER = {"point": 0, "line": 1, "polygon": 2, "raster": 3}


def order_for_display(layers: list[Layer]) -> list[Layer]:
    """Points above lines above polygons above rasters (stable within a kind)."""
    return sorted(layers, key=lambda layer: _KIND_ORDER.get(layer.geometry_kind, 2))


def read_layers_into(path: str | Path, crs: CRS, feedback: Feedback | None = None) -> list[Layer]:
    """Read every layer of a data file, reprojected into ``crs`` (display order)."""
    from twin.layers.io import read_layers

    layers = order_for_display(read_layers(Path(path), crs=crs, feedback=feedback))
    prepare_for_drawing(layers, feedback)
    return layers


def prepare_for_drawing(layers: list[Layer], feedback: Feedback | None = None) -> None:
    """Flatten polygon and line geometries for the map here, in the worker, so that the map
    does not do it on the UI thread (1.6 s for a layer of 1M polygons)."""
    from twin.layers.vector import VectorLayer
    from twin.ui.map.views.base import class_colors_with_fallback
    from twin.ui.map.views.geometry import prepare_geometry
    from twin.ui.map.views.vector import style_classes

    feedback = ensure_feedback(feedback)
    for layer in layers:
        if not getattr(layer, "is_loaded", True):
            continue  # a big lazy layer: its view reads the tiles in view itself
        if isinstance(layer, VectorLayer) and layer.geometry_kind in ("polygon", "line"):
            feedback.set_progress(
                feedback.progress, tr("Preparing {name} for the map…").format(name=layer.name)
            )
            geometry = prepare_geometry(layer.frame, layer.geometry_kind)
            classes = style_classes(layer, geometry.rows)
            geometry.chunked(classes, len(class_colors_with_fallback(layer.style)))


def _shown(record: dict) -> bool:
    return bool(record.get("visible", True))


def _hidden(record: dict) -> bool:
    return not _shown(record)


class StartedRead(Protocol):
    """A read of a project's visible layers already under way (the app starts one before
    its window exists: :class:`twin.ui.project.early.EarlyRead`)."""

    path: Path

    def result(self, feedback: Feedback) -> tuple[Project, list]:
        """(the project with its visible layers, the records of the layers not read yet)."""
        ...


class Preview(NamedTuple):
    """The first part of opening a ``.twin`` project (:func:`open_visible_first`): the
    project with its visible layers, whether hidden layers remain to be read, and the
    file's records of those (dicts with id, name, kind, fingerprint...)."""

    project: Project
    pending: bool
    unread: tuple[dict, ...] = ()


def read_visible_layers(path: str | Path) -> tuple[Project, tuple[dict, ...]]:
    """A ``.twin`` project with its visible layers only, and the file's records of its
    hidden layers (Qt-free, not yet prepared for the map)."""
    from twin.project import Project

    path = Path(path)
    if not path.exists():
        raise DataError(tr("{path} does not exist.").format(path=path))
    project = Project.open(path, wanted=_shown)
    return project, tuple(_hidden_records(path))


def open_visible_first(
    path: str | Path, feedback: Feedback | None = None, early: StartedRead | None = None
) -> Preview:
    """The first part of opening a ``.twin`` project: its visible layers only, prepared for
    the map, and the records of the hidden layers (:func:`read_hidden_layers` reads them).
    ``early``: the same read started before the window (:mod:`twin.ui.project.early`),
    whose result is taken instead of reading again."""
    feedback = ensure_feedback(feedback)
    path = Path(path)
    feedback.set_progress(5, tr("Opening {name}: the visible layers…").format(name=path.name))
    if early is not None and early.path == path:
        project, unread = early.result(feedback)
    else:
        project, unread = read_visible_layers(path)
    prepare_for_drawing(project.layers, feedback)
    startup_clock.mark("visible layers ready (in the worker)")
    feedback.set_progress(100, f"Opened {path.name}")
    return Preview(project, bool(unread), unread)


class _UnreadLayer:
    """A layer of the project file not read yet, as far as the result keys need it: its id,
    name and the fingerprint the file records for its data."""

    kind = "unread"

    def __init__(self, layer_id: str, name: str) -> None:
        self.id, self.name = layer_id, name
        self.data_identity = self  # what the fingerprint memo follows (no data is held)


def stored_radio_baseline(
    project: Project, unread: tuple[dict, ...], options: WhatIfOptions | None = None
) -> DomainResult | None:
    """The baseline radio result stored in ``project`` (figures and the households behind
    them, no layers), found before the hidden layers are read: their fingerprints come from
    the file's ``unread`` records, as they will once read. None when the file holds no
    result for these inputs. A lookup only: nothing is hashed, decoded beyond the
    figures, or computed (fast enough for the UI thread: a few milliseconds)."""
    from twin.errors import TwinError
    from twin.fingerprint import is_fingerprint, set_fingerprint
    from twin.sim.whatif.runner import stored_summary

    placeholders = []
    for record in unread:
        value = record.get("fingerprint")
        if isinstance(record.get("id"), str) and is_fingerprint(value):
            placeholder = _UnreadLayer(record["id"], str(record.get("name", record["id"])))
            set_fingerprint(placeholder, value)
            placeholders.append(placeholder)
    whole = SimpleNamespace(  # the project as it will be once its hidden layers are read
        layers=[*project.layers, *placeholders],
        crs=project.crs,
        results=project.results,
        path=project.path,
        metadata=project.metadata,
    )
    try:
        return stored_summary(whole, "radio", (), options, hash_layers=False)
    except (TwinError, ValueError, TypeError, KeyError, AttributeError):
        return None  # a damaged record: the engines compute the figures


def read_hidden_layers(
    path: str | Path, feedback: Feedback | None = None
) -> list[tuple[int, Layer]]:
    """The second part: the hidden layers of a ``.twin`` project, prepared for the map, each
    with its position in the file's layer order (insert them in that order)."""
    from twin.project_file import read_project_layers

    feedback = ensure_feedback(feedback)
    path = Path(path)
    feedback.set_progress(5, tr("Reading the hidden layers of {name}…").format(name=path.name))
    indexed = read_project_layers(path, _hidden)
    prepare_for_drawing([layer for _, layer in indexed], feedback)
    feedback.set_progress(100, tr("Read {0} hidden layer(s)").format(len(indexed)))
    return indexed


def _hidden_records(path: Path) -> list[dict]:
    """The file's records of its hidden layers ([] when it has none or they do not read:
    the full read reports that)."""
    import json
    import sqlite3

    from twin.layers.io_common import sqlite_uri

    try:
        with sqlite3.connect(sqlite_uri(path), uri=True) as connection:
            row = connection.execute("SELECT value FROM twin_meta WHERE key='project'").fetchone()
        records = json.loads(row[0]).get("layers", [])
        return [r for r in records if isinstance(r, dict) and _hidden(r)]
    except (sqlite3.Error, TypeError, ValueError, AttributeError):
        return []


def open_any(path: str | Path, feedback: Feedback | None = None) -> Project:
    """A project from ``path``: a ``.twin`` project, or a data file in a new project whose
    CRS is the data's own when projected (metres; not Web Mercator), else the UTM zone (WGS 84)
    of its centre.
    """
    from twin.layers.io import read_layers
    from twin.layers.io_common import existing_file
    from twin.project import Project

    feedback = ensure_feedback(feedback)
    if not Path(path).exists():
        raise DataError(tr("{path} does not exist.").format(path=path))
    path = existing_file(path)  # a folder, a pipe or a device: one line at once
    if is_project_file(path):
        feedback.set_progress(5, f"Opening {path.name}…")
        project = Project.open(path)
        prepare_for_drawing(project.layers, feedback)
        feedback.set_progress(100, tr("Project opened"))
        return project
    feedback.set_progress(5, f"Reading {path.name}…")
    layers = read_layers(path, crs=None, feedback=feedback)
    crs = _metric_crs_for(layers)
    if any(layer.crs is None or not layer.crs.equals(crs) for layer in layers):
        layers = read_layers(path, crs=crs, feedback=feedback)
    project = Project(crs=crs)
    project.metadata["title"] = path.stem
    for layer in order_for_display(layers):
        project.add_layer(layer, index=len(project.layers))
    prepare_for_drawing(project.layers, feedback)
    feedback.set_progress(100, f"Read {len(layers)} layer(s)")
    return project

    import sqlite3

    from twin.layers.io_common import sqlite_uri

    try:
        with sqlite3.connect(sqlite_uri(path), uri=True) as connection:
            row = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='twin_meta'"
            ).fetchone()
        return row is not None
    except sqlite3.Error:
        return False


def _metric_crs_for(layers: list[Layer]) -> CRS:
    from pyproj import CRS, Transformer
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    first = next((layer for layer in layers if layer.crs is not None), None)
    if first is None:
        raise ProjectError(tr("The file's layers have no coordinate reference system."))
    if first.crs.is_projected and first.crs.to_epsg() not in _NOT_METRIC:
        return first.crs
    minx, miny, maxx, maxy = first.bounds
    if first.crs.is_geographic:
        lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    else:
        to_wgs84 = Transformer.from_crs(first.crs, "EPSG:4326", always_xy=True)
        lon, lat = to_wgs84.transform((minx + maxx) / 2, (miny + maxy) / 2)
    zones = query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
    )
    if not zones:
        raise ProjectError(tr("Could not choose a metric coordinate system for this data."))
    return CRS.from_epsg(int(zones[0].code))
