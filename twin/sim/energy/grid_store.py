"""Grid frames to and from GeoPackage files and twin projects (layer ids of SCHEMAS.md)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from twin.errors import DataError
from twin.i18n import tr
from twin.sim.energy.grid_io import GRID_LAYER_IDS, GridFrames

_BOOL_COLUMNS = ("slack", "in_service")


def write_grid_gpkg(frames: GridFrames, path: str | Path) -> Path:
    """Write the grid frames as GeoPackage tables (grid_buses, grid_lines, ...); returns path.

    An existing file is replaced.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    for position, (layer_id, frame) in enumerate(frames.items()):
        pyogrio.write_dataframe(frame, path, layer=layer_id, driver="GPKG", append=position > 0)
    return path


def _normalise(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in _BOOL_COLUMNS:
        if column in frame.columns and frame[column].dtype != bool:
            frame[column] = frame[column].fillna(0).astype(int).astype(bool)
    return frame


def read_grid_gpkg(path: str | Path, crs=None) -> GridFrames:
    """Read grid tables from a GeoPackage (grid_buses, grid_lines, grid_transformers and the
    optional grid_loads, grid_generators), reprojected to ``crs`` when given."""
    path = Path(path)
    if not path.exists():
        raise DataError(tr("No grid GeoPackage at {path}").format(path=path))
    present = {str(name) for name, _ in pyogrio.list_layers(path)}
    frames: dict[str, gpd.GeoDataFrame | None] = {}
    for key, layer_id in GRID_LAYER_IDS.items():
        if layer_id not in present:
            if key in ("loads", "generators"):
                frames[key] = None
                continue
            raise DataError(
                tr("{name} has no {layer_id!r} table").format(name=path.name, layer_id=layer_id)
            )
        frame = pyogrio.read_dataframe(path, layer=layer_id)
        if crs is not None and frame.crs is not None:
            frame = frame.to_crs(crs)
        frames[key] = _normalise(frame)
    return GridFrames(**frames)


def grid_frames_from_project(project) -> GridFrames:
    """The grid layers of a twin project (layer ids or names grid_buses, grid_lines, ...)."""
    frames: dict[str, gpd.GeoDataFrame | None] = {}
    for key, layer_id in GRID_LAYER_IDS.items():
        try:
            layer = project.layer(layer_id)
        except KeyError:
            if key in ("loads", "generators"):
                frames[key] = None
                continue
            raise DataError(
                tr(
                    "the project has no {layer_id!r} layer: add a grid (twin energy --net FILE) or "
                    "open a project with grid layers"
                ).format(layer_id=layer_id)
            ) from None
        frame = getattr(layer, "frame", None)
        if frame is None:
            raise DataError(
                tr("layer {layer_id!r} is not a vector layer").format(layer_id=layer_id)
            )
        frames[key] = _normalise(frame.copy())
    return GridFrames(**frames)


def project_has_grid(project) -> bool:
    """True when the project carries grid_buses, grid_lines and grid_transformers layers."""
    for layer_id in ("grid_buses", "grid_lines", "grid_transformers"):
        try:
            project.layer(layer_id)
        except KeyError:
            return False
    return True
