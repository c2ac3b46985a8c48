"""The visible vector layers of a ``.twin`` file read without the data stack (Qt-free).

A building block of the map's first frame (issue 9): the ordinary read
(:func:`twin.ui.project.loading.read_visible_layers`) needs pyogrio, pandas, GeoPandas and
pyproj, about 0.6-0.75 s CPU to import. This read needs sqlite3, numpy and shapely only:
the rows of each visible vector layer in file order (the order pyogrio reads them), its
geometries from the GeoPackage blobs (header cut, :func:`twin.layers.lazy_gpkg.wkb_of_blobs`)
and the values of its style's column, with the style and opacity of the project's JSON.
Rasters are not read here. Units: the project's CRS (metres).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from twin.layers import lazy_gpkg
from twin.layers.style import Style


@dataclass
class LightLayer:
    """One visible vector layer as the first frame needs it: ``geometries`` (shapely, file
    order, None where the blob is empty), ``values`` of the style's column (None when the
    style has no column in the table) and ``kind`` ("point", "line" or "polygon")."""

    layer_id: str
    name: str
    kind: str
    style: Style
    opacity: float
    geometries: np.ndarray
    values: np.ndarray | None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_light_layers(path: str | Path) -> list[LightLayer]:
    """The visible vector layers of the ``.twin`` project at ``path``, in the project's
    order. Raises ``sqlite3.Error``/``ValueError``/``KeyError`` when the file does not
    read this way (the caller then waits for the ordinary read)."""
    connection = lazy_gpkg.connect(path)
    try:
        row = connection.execute("SELECT value FROM twin_meta WHERE key='project'").fetchone()
        records = json.loads(row[0]).get("layers", [])
        columns = {
            str(table): (str(column), str(kind))
            for table, column, kind in connection.execute(
                "SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns"
            )
        }
        layers = []
        for record in records:
            if record.get("kind") != "vector" or not record.get("visible", True):
                continue
            layer_id = str(record["id"])
            geometry_column, geometry_type = columns[layer_id]
            kind = lazy_gpkg.geometry_kind(geometry_type)
            style = Style.from_dict(record.get("style", {}))
            table_columns = {
                r[1] for r in connection.execute(f"PRAGMA table_info({_quoted(layer_id)})")
            }
            selected = [_quoted(geometry_column)]
            if style.column and style.column in table_columns:
                selected.append(_quoted(style.column))
            rows = connection.execute(
                f"SELECT {', '.join(selected)} FROM {_quoted(layer_id)} ORDER BY rowid"
            ).fetchall()
            blobs = [r[0] for r in rows]
            geometries = shapely.from_wkb(np.array(lazy_gpkg.wkb_of_blobs(blobs), dtype=object))
            values = None
            if len(selected) == 2:
                values = np.array([r[1] for r in rows], dtype=object)
            layers.append(
                LightLayer(
                    layer_id,
                    str(record.get("name", layer_id)),
                    kind,
                    style,
                    float(record.get("opacity", 1.0)),
                    geometries,
                    values,
                )
            )
        return layers
    finally:
        connection.close()
