"""twin: a desktop digital twin of a territory.

Scripting API::

    import twin
    project = twin.open_project()          # the bundled sample territory
    layer = twin.read_layer("roads.gpkg", crs=project.crs)
    project.add_layer(layer)
    project.save("my_territory.twin")
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# GDAL warns that a GeoPackage named *.twin has a "non conformant file extension"; the
# extension is ours on purpose (QGIS opens it all the same).
warnings.filterwarnings("ignore", message=".*non conformant file extension.*")

if TYPE_CHECKING:
    from twin.layers.base import Layer
    from twin.project import Project

SAMPLE_PROJECT = Path(__file__).resolve().parent.parent / "resources" / "sample" / "rennes.twin"


def sample_project_path() -> Path:
    """Path of the bundled sample territory (Rennes Métropole)."""
    return SAMPLE_PROJECT


def open_project(path: str | Path | None = None) -> Project:
    """Open a ``.twin`` project; ``None`` opens the bundled sample territory."""
    from twin.project import Project

    return Project.open(Path(path) if path is not None else SAMPLE_PROJECT)


def read_layer(
    path: str | Path, layer: str | None = None, crs=None, source_crs=None, feedback=None
) -> Layer:
    """Read one data file (or one layer of it) into a layer reprojected to ``crs``.

    ``source_crs`` gives the CRS of a file that lacks one (a Shapefile without ``.prj``, a
    CSV with x/y columns); ``feedback`` (:class:`twin.feedback.Feedback`) reports progress.
    """
    from twin.layers.io import read_layer as _read_layer

    return _read_layer(path, layer=layer, crs=crs, source_crs=source_crs, feedback=feedback)
