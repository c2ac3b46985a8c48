"""Enedis open data (substations and lines) -> a grid in pandapower form (grid_* layers).

Published datasets (Enedis Open Data, Licence Ouverte / Etalab 2.0), https://data.enedis.fr
(Opendatasoft exports named after the dataset id; CSV separated by ``;`` with ``Geo Point``
"lat, lon" and ``Geo Shape`` GeoJSON in WGS84, plus ``Code commune``, ``Nom commune``,
``Code EPCI``, ``Code département``...; exported with field names instead of labels
(``use_labels_for_header=false``) the same columns are ``geo_point_2d``, ``geo_shape``,
``code_commune``...; or GeoJSON/Shapefile exports of the same; the older downloads from
enedis.fr named ``Poste_Source.shp`` and ``Poste_Electrique.shp`` are recognised too):
- ``poste-source``: HV/MV substations ("postes source", points), see
  https://data.enedis.fr/explore/dataset/poste-source/information/
- ``poste-electrique``: MV/LV substations ("postes de distribution publique", points);
- ``reseau-hta`` / ``reseau-souterrain-hta``: overhead / underground MV (20 kV) lines;
- ``reseau-bt`` / ``reseau-souterrain-bt``: overhead / underground LV lines.

Enedis publishes positions and line geometry, not ratings nor connectivity (the sections
are cut at commune borders and do not say which substation feeds which). The grid is
therefore built with documented pandapower standard types, each flagged as assumed:
each HV/MV substation is a 110 kV slack bus and a 20 kV busbar linked by two "63 MVA
110/20 kV" transformers (pandapower has no 90 kV/63 kV type); each MV/LV substation a 20 kV
bus and a 0.4 kV bus linked by a "0.4 MVA 20/0.4 kV" transformer; MV feeders are the
minimum spanning tree of the MV/LV substations nearest to each HV/MV substation, span
lengths = straight distance x 1.25, cable "NA2XS2Y 1x240 RM/25 12/20 kV" where the published
MV lines near the span are mostly underground, overhead "243-AL1/39-ST1A 20.0" where they are
mostly overhead. Buildings attach to the nearest 0.4 kV bus (the energy engine's rule).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.energy import grid_layer
from twin.layers.opendata.tables import column, has_column, read_table_file
from twin.layers.provenance import Provenance
from twin.layers.style import Style
from twin.layers.vector import VectorLayer

DOC_URL = "https://data.enedis.fr"
LICENCE = "Licence Ouverte / Etalab 2.0"
ATTRIBUTION = "Enedis Open Data"
DATASETS = {
    "poste-source": ("hv_mv_substations", "Point"),
    "poste-electrique": ("mv_lv_substations", "Point"),
    "reseau-souterrain-hta": ("mv_lines_underground", "Line"),
    "reseau-hta": ("mv_lines_overhead", "Line"),
    "reseau-souterrain-bt": ("lv_lines_underground", "Line"),
    "reseau-bt": ("lv_lines_overhead", "Line"),
}
HV_KV, MV_KV, LV_KV = 110.0, 20.0, 0.4
SOURCE_TRAFO, SOURCE_TRAFO_COUNT = "63 MVA 110/20 kV", 2
MV_LV_TRAFO = "0.4 MVA 20/0.4 kV"
UNDERGROUND_CABLE = "NA2XS2Y 1x240 RM/25 12/20 kV"
OVERHEAD_LINE = "243-AL1/39-ST1A 20.0"
DETOUR_FACTOR = 1.25
ASSUMED = (
    f"HV/MV substation = {HV_KV:g} kV slack bus + {MV_KV:g} kV busbar + "
    f"{SOURCE_TRAFO_COUNT} x '{SOURCE_TRAFO}'",
    f"MV/LV substation = {MV_KV:g} kV bus + {LV_KV:g} kV bus + one '{MV_LV_TRAFO}'",
    "MV feeders = minimum spanning tree of the MV/LV substations nearest each HV/MV "
    f"substation, span length = straight distance x {DETOUR_FACTOR:g}",
    f"span type '{UNDERGROUND_CABLE}' (underground) or '{OVERHEAD_LINE}' (overhead) from the "
    "published MV lines within 200 m of the span (underground when none)",
    "LV lines not modelled: buildings attach to the nearest 0.4 kV bus",
)


def dataset_of(path: Path) -> str | None:
    """The Enedis dataset id a file name names (``poste-source.csv`` -> "poste-source")."""
    stem = Path(path).name.lower()
    for key in sorted(DATASETS, key=len, reverse=True):
        if stem.startswith(key) or stem.startswith(key.replace("-", "_")):
            return key
    return None


def is_enedis(path: Path) -> bool:
    """True for an export of one of the Enedis datasets above (by its file name)."""
    return Path(path).is_file() and dataset_of(path) is not None


def read_enedis_frame(path: Path, crs="EPSG:2154") -> tuple[str, gpd.GeoDataFrame]:
    """(dataset id, frame in ``crs``) of an Enedis export; DataError if the schema breaks."""
    from twin.layers.io import read_layer

    path = Path(path)
    dataset = dataset_of(path)
    if dataset is None:
        raise DataError(tr("{path_name}: not an Enedis dataset export").format(path_name=path.name))
    kind = DATASETS[dataset][1]
    if path.suffix.lower() in (".csv", ".txt"):
        table = read_table_file(path)
        frame = _frame_from_csv(table, path.name, kind)
    else:
        frame = read_layer(path, crs=crs).frame
    types = set(frame.geometry.geom_type.dropna())
    if not all(kind in t for t in types):
        raise DataError(
            tr("{path_name}: Enedis '{dataset}' holds {kind}s, this file has {types}").format(
                path_name=path.name,
                dataset=dataset,
                kind=kind.lower(),
                types=", ".join(sorted(types)),
            )
        )
    return dataset, frame.to_crs(crs)


#: Field names of an Opendatasoft export without labels -> the labels twin reads.
FIELD_NAMES = {"geo_point_2d": "Geo Point", "geo_shape": "Geo Shape"}


def _frame_from_csv(table: pd.DataFrame, name: str, kind: str) -> gpd.GeoDataFrame:
    table = table.rename(
        columns={c: FIELD_NAMES[c.lower()] for c in table.columns if c.lower() in FIELD_NAMES}
    )
    if kind == "Line" or not has_column(table, "Geo Point"):
        if not has_column(table, "Geo Shape"):
            raise DataError(
                tr("{name}: column 'Geo Shape' missing; not the Enedis export schema").format(
                    name=name
                )
            )
        geometries = []
        for row, text in enumerate(column(table, "Geo Shape")):
            try:
                geometries.append(shapely.geometry.shape(json.loads(text)))
            except (ValueError, TypeError, KeyError, AttributeError):
                raise DataError(
                    tr("{name}, line {row}: Geo Shape is not a GeoJSON geometry").format(
                        name=name, row=row + 2
                    )
                ) from None
        return gpd.GeoDataFrame(table, geometry=geometries, crs="EPSG:4326")
    points = []
    for row, text in enumerate(column(table, "Geo Point")):
        try:
            lat, lon = (float(v) for v in str(text).replace(" ", "").split(","))
        except ValueError:
            raise DataError(
                tr("{name}, line {row}: Geo Point {text!r} is not 'lat, lon'").format(
                    name=name, row=row + 2, text=text
                )
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise DataError(
                tr("{name}, line {row}: Geo Point {text!r} is not 'lat, lon'").format(
                    name=name, row=row + 2, text=text
                )
            )
        points.append(shapely.Point(lon, lat))
    return gpd.GeoDataFrame(table, geometry=points, crs="EPSG:4326")


def _minimum_spanning_tree(xy: np.ndarray) -> list[tuple[int, int]]:
    """Edges of the Euclidean minimum spanning tree of points (Prim, O(n^2) in numpy)."""
    count = len(xy)
    if count < 2:
        return []
    in_tree = np.zeros(count, dtype=bool)
    in_tree[0] = True
    best = np.hypot(*(xy - xy[0]).T)
    parent = np.zeros(count, dtype=int)
    edges = []
    for _ in range(count - 1):
        candidates = np.where(in_tree, np.inf, best)
        nxt = int(np.argmin(candidates))
        edges.append((int(parent[nxt]), nxt))
        in_tree[nxt] = True
        distance = np.hypot(*(xy - xy[nxt]).T)
        closer = distance < best
        best = np.where(closer, distance, best)
        parent = np.where(closer, nxt, parent)
    return edges


def build_grid(
    sources: gpd.GeoDataFrame,
    substations: gpd.GeoDataFrame,
    mv_lines: gpd.GeoDataFrame | None,
    crs,
) -> dict[str, gpd.GeoDataFrame]:
    """grid_buses, grid_lines and grid_transformers frames (SCHEMAS.md columns) from the
    HV/MV and MV/LV substation points and the published MV lines (optional), all in
    ``crs``. DataError when there is no HV/MV substation."""
    if len(sources) == 0:
        raise DataError(tr("no Enedis HV/MV substation (poste-source): the grid has no source"))
    buses, trafos, lines = [], [], []

    def bus(name, kv, kind, point, slack=False) -> int:
        buses.append(
            {
                "bus_id": len(buses),
                "name": name,
                "vn_kv": kv,
                "kind": kind,
                "slack": slack,
                "geometry": point,
            }
        )
        return len(buses) - 1

    def trafo(name, hv, lv, std_type, sn_mva, point) -> None:
        trafos.append(
            {
                "trafo_id": len(trafos),
                "name": name,
                "hv_bus": hv,
                "lv_bus": lv,
                "std_type": std_type,
                "sn_mva": sn_mva,
                "geometry": point,
            }
        )

    source_mv = []
    for index, point in enumerate(sources.geometry):
        label = _label(sources, index, "Poste source")
        hv = bus(f"{label} {HV_KV:g} kV", HV_KV, "source", point, slack=True)
        mv = bus(f"{label} {MV_KV:g} kV", MV_KV, "substation", point)
        for number in range(SOURCE_TRAFO_COUNT):
            trafo(f"{label} TR{number + 1}", hv, mv, SOURCE_TRAFO, 63.0, point)
        source_mv.append(mv)
    substation_mv = []
    for index, point in enumerate(substations.geometry):
        label = _label(substations, index, "Poste HTA/BT")
        mv = bus(f"{label} {MV_KV:g} kV", MV_KV, "mv", point)
        lv = bus(f"{label} {LV_KV:g} kV", LV_KV, "lv", point)
        trafo(f"{label} TR", mv, lv, MV_LV_TRAFO, 0.4, point)
        substation_mv.append(mv)
    source_xy = shapely.get_coordinates(sources.geometry.values)
    station_xy = shapely.get_coordinates(substations.geometry.values)
    nearest = (
        np.argmin(
            np.hypot(*(station_xy[:, None, :] - source_xy[None, :, :]).transpose(2, 0, 1)), axis=1
        )
        if len(station_xy)
        else np.zeros(0, dtype=int)
    )
    underground = overhead = 0
    for source_index, source_bus in enumerate(source_mv):
        members = np.flatnonzero(nearest == source_index)
        xy = np.vstack([source_xy[source_index : source_index + 1], station_xy[members]])
        bus_ids = [source_bus] + [substation_mv[m] for m in members]
        for a, b in _minimum_spanning_tree(xy):
            span = shapely.LineString([xy[a], xy[b]])
            std_type = _span_type(span, mv_lines)
            underground += std_type == UNDERGROUND_CABLE
            overhead += std_type == OVERHEAD_LINE
            lines.append(
                {
                    "line_id": len(lines),
                    "name": f"{buses[bus_ids[a]]['name']} - {buses[bus_ids[b]]['name']}",
                    "from_bus": bus_ids[a],
                    "to_bus": bus_ids[b],
                    "vn_kv": MV_KV,
                    "std_type": std_type,
                    "length_km": round(max(span.length, 1.0) * DETOUR_FACTOR / 1000.0, 4),
                    "parallel": 1,
                    "geometry": span,
                }
            )
    line_columns = (
        "line_id",
        "name",
        "from_bus",
        "to_bus",
        "vn_kv",
        "std_type",
        "length_km",
        "parallel",
    )
    return {
        "grid_buses": gpd.GeoDataFrame(buses, geometry="geometry", crs=crs),
        "grid_lines": gpd.GeoDataFrame(lines, geometry="geometry", crs=crs)
        if lines
        else gpd.GeoDataFrame({c: [] for c in line_columns}, geometry=[], crs=crs),
        "grid_transformers": gpd.GeoDataFrame(trafos, geometry="geometry", crs=crs),
        "_counts": {"underground_spans": int(underground), "overhead_spans": int(overhead)},
    }


def _label(frame: gpd.GeoDataFrame, index: int, prefix: str) -> str:
    for name in ("Nom poste source", "nom_poste_source", "Nom commune", "nom_commune"):
        if has_column(frame, name):
            value = str(column(frame, name).iloc[index]).strip()
            if value:
                return f"{prefix} {value} {index + 1}"
    return f"{prefix} {index + 1}"


def _span_type(span, mv_lines: gpd.GeoDataFrame | None) -> str:
    if mv_lines is None or len(mv_lines) == 0:
        return UNDERGROUND_CABLE
    near = mv_lines.iloc[mv_lines.sindex.query(span.buffer(200.0), predicate="intersects")]
    if len(near) == 0:
        return UNDERGROUND_CABLE
    lengths = near.geometry.length
    overhead = lengths[near["dataset"] == "reseau-hta"].sum()
    return OVERHEAD_LINE if overhead > lengths.sum() / 2 else UNDERGROUND_CABLE


def grid_provenance(files: list[str], counts: dict) -> Provenance:
    """Provenance of the grid layers built from Enedis data, with every assumption."""
    return Provenance(
        source="Enedis Open Data: " + ", ".join(files) + f" ({DOC_URL})",
        licence=LICENCE,
        attribution=ATTRIBUTION,
        method=(
            "REAL positions of HV/MV and MV/LV substations (and MV line geometry) from Enedis. "
            "ASSUMED (Enedis publishes neither ratings nor connectivity; pandapower standard "
            "types): " + "; ".join(ASSUMED) + "."
        ),
        parameters={"dataset": "enedis", "assumed": list(ASSUMED), **counts},
    )


def grid_layers(frames: dict, provenance: Provenance) -> list[VectorLayer]:
    """The grid_buses, grid_lines and grid_transformers layers of :func:`build_grid`."""
    return [
        grid_layer(layer_id, frames[layer_id], provenance)
        for layer_id in ("grid_transformers", "grid_buses", "grid_lines")
    ]


def read_enedis(path: Path, crs="EPSG:2154") -> list[VectorLayer]:
    """One display layer of an Enedis export as published (for ``twin info``)."""
    dataset, frame = read_enedis_frame(path, crs)
    frame = frame.assign(dataset=dataset)
    provenance = Provenance(
        source=f"Enedis Open Data '{dataset}': {Path(path).name} ({DOC_URL})",
        licence=LICENCE,
        attribution=ATTRIBUTION,
        method="REAL: positions/geometry as published by Enedis (no ratings, no topology).",
        parameters={"dataset": "enedis", "enedis_dataset": dataset, "features": len(frame)},
    )
    keep = [
        c
        for c in frame.columns
        if c in ("dataset", "geometry")
        or c.lower().startswith(("code commune", "nom commune", "code_commune", "nom_commune"))
    ]
    return [
        VectorLayer(
            f"Enedis {dataset}",
            frame[keep],
            Style(fill_color="#E69F00", stroke_color="#E69F00", point_size=6.0),
            provenance,
            layer_id=f"enedis_{DATASETS[dataset][0]}",
        )
    ]
