"""Stored results as JSON text and bytes, and back (:mod:`twin.sim.whatif.store`).

A domain result becomes JSON (figures, warnings, capex, details, one record per layer with
its name, style and provenance) and blobs: rasters as deflate GeoTIFF with their dtype
noted, vector layers as GeoParquet (or Parquet of the attributes alone when the geometry
is that of one of the project's layers, e.g. PTAL per building). Decoding checks the type
of every field and never evaluates anything.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
import shapely

from twin.kpi import Figure
from twin.layers.base import Layer
from twin.layers.privacy import HouseholdGroups
from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.style import Style
from twin.layers.vector import VectorLayer
from twin.project_results import (
    ResultRecord,
    frame_to_geoparquet,
    geoparquet_to_frame,
    geotiff_to_array,
    raster_to_geotiff,
)
from twin.sim.radio.population import LevelGroups
from twin.sim.whatif.result import DOMAINS, DomainResult

RECORD_FORMAT = "twin-result"
RECORD_VERSION = 1


def _json_safe(value: Any) -> Any:
    """``value`` with numpy scalars/arrays as Python values and NaN/inf as None."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _number(value: Any) -> float | None:
    """A float for JSON (None for NaN or missing)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _shared_geometry(frame, project) -> str | None:
    """The id of a project layer whose geometry equals ``frame``'s, feature by feature (a
    PTAL layer carries the buildings' polygons): stored as a reference, not a copy."""
    if project is None or len(frame) == 0:
        return None
    geometry = np.asarray(frame.geometry.values, dtype=object)
    for layer in project.layers:
        other = getattr(layer, "frame", None)
        if other is None or len(other) != len(frame):
            continue
        theirs = np.asarray(other.geometry.values, dtype=object)
        same = np.fromiter((a is b for a, b in zip(geometry, theirs, strict=True)), bool)
        if same.all() or bool(np.all(shapely.equals_exact(geometry, theirs, 0.0))):
            return layer.id
    return None


def encode(
    result: DomainResult, interventions: str = "", project=None
) -> tuple[str, dict[str, bytes]]:
    """(meta JSON text, blobs) of a domain result. With ``project``, a vector layer whose
    geometry is that of one of its layers stores only its attributes and the layer's id."""
    import pandas as pd

    layers, blobs = [], {}
    for index, layer in enumerate(result.layers):
        name = f"layer-{index}"
        record: dict[str, Any] = {
            "blob": name,
            "name": layer.name,
            "style": layer.style.to_dict(),
            "provenance": layer.provenance.to_dict(),
            "visible": layer.visible,
            "opacity": layer.opacity,
        }
        if isinstance(layer, RasterLayer):
            record.update(kind="raster", unit=layer.unit, dtype=layer.array.dtype.str)
            blobs[name] = raster_to_geotiff(layer)
        elif isinstance(layer, VectorLayer):
            record["kind"] = "vector"
            frame = layer.frame
            shared = _shared_geometry(frame, project)
            if shared is not None:
                column = frame.geometry.name
                record.update(
                    geometry_from=shared,
                    geometry_column=column,
                    geometry_position=list(frame.columns).index(column),
                    crs=frame.crs.to_wkt() if frame.crs is not None else None,
                )
                frame = pd.DataFrame(frame.drop(columns=column))
            blobs[name] = frame_to_geoparquet(frame)
        else:
            raise TypeError(f"cannot store a {type(layer).__name__}")
        layers.append(record)
    meta = {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "domain": result.domain,
        "interventions": interventions,
        "figures": [
            {
                "key": f.key,
                "label": f.label,
                "value": _number(f.value),
                "unit": f.unit,
                "domain": f.domain,
                "baseline": _number(f.baseline),
                "better": f.better,
            }
            for f in result.figures
        ],
        "warnings": [str(w) for w in result.warnings],
        "capex_eur": _number(result.capex_eur),
        "details": _json_safe(
            {k: v for k, v in result.details.items() if not k.startswith("_") and k != HOUSEHOLDS}
        ),
        "layers": layers,
    }
    groups = result.details.get(HOUSEHOLDS)
    if isinstance(groups, HouseholdGroups):
        meta["household_keys"] = list(groups.members)
        blobs[HOUSEHOLDS_BLOB] = _groups_to_npz(groups)
    elif isinstance(groups, LevelGroups):
        meta["household_levels"] = list(groups.point_levels)
        blobs[HOUSEHOLDS_BLOB] = _levels_to_npz(groups)
    text = json.dumps(meta, ensure_ascii=False, allow_nan=False, default=_json_safe)
    return text, blobs


HOUSEHOLDS = "households"  # details key of the privacy gate's HouseholdGroups
HOUSEHOLDS_BLOB = "households.npz"


def _groups_to_npz(groups: HouseholdGroups) -> bytes:
    """The households per point (float32) and each figure's members as packed bits, in an
    .npz of plain arrays (read back with ``allow_pickle=False``: no code, no objects)."""
    members = np.array([groups.members[k] for k in groups.members], dtype=bool).reshape(
        len(groups.members), len(groups.households)
    )
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        households=np.asarray(groups.households, dtype=np.float64),
        members=np.packbits(members, axis=1),
    )
    return buffer.getvalue()


def _levels_to_npz(groups: LevelGroups) -> bytes:
    """The households per point and each technology's coverage level per point (uint8)."""
    levels = np.array([groups.point_levels[k] for k in groups.point_levels], dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        households=np.asarray(groups.households, dtype=np.float64),
        levels=levels.reshape(len(groups.point_levels), len(groups.households)),
    )
    return buffer.getvalue()


def _levels_from_npz(data: bytes, keys: Any) -> LevelGroups:
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise TypeError("the household level keys are not a list of text")
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        households = np.asarray(arrays["households"], dtype=float)
        levels = np.asarray(arrays["levels"])
    if (
        households.ndim != 1
        or levels.dtype != np.uint8
        or levels.shape != (len(keys), len(households))
        or (levels.size and levels.max() > 3)
    ):
        raise ValueError("the household levels are damaged")
    return LevelGroups(households, {k: levels[i] for i, k in enumerate(keys)})


def _groups_from_npz(data: bytes, keys: Any) -> HouseholdGroups:
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise TypeError("the household keys are not a list of text")
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        households = np.asarray(arrays["households"], dtype=float)
        packed = np.asarray(arrays["members"])
    if households.ndim != 1 or packed.dtype != np.uint8 or packed.shape[0] != len(keys):
        raise ValueError("the household groups are damaged")
    members = np.unpackbits(packed, axis=1, count=len(households)).astype(bool)
    return HouseholdGroups(households, {k: members[i] for i, k in enumerate(keys)})


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} is not text")
    return value


def _float(value: Any, what: str) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} is not a number")
    return float(value)


def decode(record: ResultRecord, project=None, layers: bool = True) -> DomainResult:
    """The :class:`DomainResult` of a stored record (``project`` gives the geometry a layer
    refers to); ValueError/TypeError/ProjectError when any part is damaged or of the wrong
    type. ``layers`` False: figures, warnings, capex and details only (the result layers,
    GeoTIFF and GeoParquet blobs, are most of the decoding time; a KPI panel needs none)."""
    meta = json.loads(record.meta)
    if not isinstance(meta, dict) or meta.get("format") != RECORD_FORMAT:
        raise ValueError("not a twin result record")
    if meta.get("version") != RECORD_VERSION:
        raise ValueError(f"result record version {meta.get('version')!r} is not known")
    domain = _text(meta.get("domain"), "the domain")
    if domain not in DOMAINS or domain != record.domain:
        raise ValueError(f"unknown domain {domain!r}")
    figures = []
    for item in meta["figures"]:
        if not isinstance(item, dict):
            raise TypeError("a figure is not an object")
        baseline = item.get("baseline")
        figures.append(
            Figure(
                _text(item["key"], "a figure key"),
                _text(item["label"], "a figure label"),
                _float(item["value"], "a figure value"),
                _text(item["unit"], "a figure unit"),
                _text(item["domain"], "a figure domain"),
                None if baseline is None else _float(baseline, "a baseline"),
                _text(item.get("better", "up"), "a figure direction"),
            )
        )
    result_warnings = [_text(w, "a warning") for w in meta["warnings"]]
    details = meta.get("details", {})
    if not isinstance(details, dict):
        raise TypeError("details are not an object")
    details = dict(details)
    details.pop(HOUSEHOLDS, None)  # only ever from the blob below
    if HOUSEHOLDS_BLOB in record.blobs:
        blob = record.blobs[HOUSEHOLDS_BLOB]
        if "household_levels" in meta:
            details[HOUSEHOLDS] = _levels_from_npz(blob, meta["household_levels"])
        else:
            details[HOUSEHOLDS] = _groups_from_npz(blob, meta.get("household_keys"))
    decoded = (
        [_decode_layer(item, record.blobs, project) for item in meta["layers"]] if layers else []
    )
    capex = meta.get("capex_eur")
    return DomainResult(
        domain,
        decoded,
        figures,
        result_warnings,
        0.0 if capex is None else _float(capex, "the capex"),
        dict(details),
    )


def _decode_layer(item: Any, blobs: dict[str, bytes], project=None) -> Layer:
    import geopandas as gpd

    if not isinstance(item, dict):
        raise TypeError("a layer record is not an object")
    name = _text(item["name"], "a layer name")
    blob = blobs.get(_text(item["blob"], "a blob name"))
    if blob is None:
        raise ValueError(f"layer {name!r} has no data")
    style = Style.from_dict(item.get("style", {}))
    provenance = Provenance.from_dict(item.get("provenance", {}))
    common = {
        "style": style,
        "provenance": provenance,
        "visible": bool(item.get("visible", True)),
        "opacity": _float(item.get("opacity", 1.0), "an opacity"),
    }
    kind = item.get("kind")
    if kind == "raster":
        array, transform, nodata, crs = geotiff_to_array(blob)
        dtype = np.dtype(_text(item.get("dtype", array.dtype.str), "a dtype"))
        if dtype.kind not in "biuf":
            raise ValueError(f"layer {name!r}: dtype {dtype} is not numeric")
        if dtype != array.dtype:
            array = array.astype(dtype)
        return RasterLayer(
            name,
            array,
            transform,
            crs,
            nodata=nodata,
            unit=_text(item.get("unit", ""), "a unit"),
            **common,
        )
    if kind == "vector":
        if "geometry_from" not in item:
            return VectorLayer(name, geoparquet_to_frame(blob), **common)
        frame = geoparquet_to_frame(blob, geometry=False)
        source = _text(item["geometry_from"], "a geometry reference")
        layers = [layer for layer in getattr(project, "layers", []) if layer.id == source]
        shapes = getattr(layers[0], "frame", None) if layers else None
        if shapes is None or len(shapes) != len(frame):
            raise ValueError(f"layer {name!r}: no layer {source!r} of {len(frame)} features")
        column = _text(item["geometry_column"], "a geometry column")
        position = item["geometry_position"]
        if not isinstance(position, int) or not 0 <= position <= len(frame.columns):
            raise ValueError(f"layer {name!r}: bad geometry position")
        crs = item.get("crs")
        frame.insert(position, column, shapes.geometry.values)
        geo = gpd.GeoDataFrame(
            frame, geometry=column, crs=_text(crs, "a CRS") if crs is not None else None
        )
        return VectorLayer(name, geo, **common)
    raise ValueError(f"layer {name!r} has unknown kind {kind!r}")
