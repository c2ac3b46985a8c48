"""Engine results kept with the project (DESIGN.md "Results live with the project").

A domain result is stored in ``project.results`` under an *input key*: a hash of what that
domain reads and nothing else — the fingerprints of its input layers (:data:`INPUT_LAYERS`),
its own options, the interventions of that domain, the unit-cost files it uses, the GTFS
feed (transit) — and of the engine's version (:data:`ENGINE_VERSIONS`, bump it when an
engine's numbers change). Changing a fiber layer changes the fiber key only: radio results
stay valid. Saving the project writes the entries (:mod:`twin.project_file`); opening it
gives them back as records that :func:`lookup` decodes on first use.

A stored result is JSON (figures, warnings, capex, layer records with style and
provenance) and blobs: rasters as GeoTIFF, vector layers as GeoParquet. Decoding checks
every type and never runs anything from the file; a damaged record is ignored with a
:class:`~twin.project_file.ResultsWarning` and the result is computed again.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
import weakref
from dataclasses import asdict
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import twin
from twin.errors import ProjectError
from twin.fingerprint import layer_fingerprint
from twin.kpi import Figure
from twin.layers.base import Layer
from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.style import Style
from twin.layers.vector import VectorLayer
from twin.project_file import (
    ResultRecord,
    ResultsWarning,
    frame_to_geoparquet,
    geoparquet_to_frame,
    geotiff_to_array,
    raster_to_geotiff,
)
from twin.sim.whatif.result import DOMAINS, DomainResult, WhatIfOptions

RECORD_FORMAT = "twin-result"
RECORD_VERSION = 1
#: Bump a domain's version when its engine gives different numbers for the same inputs:
#: results stored by the older engine are then computed again.
ENGINE_VERSIONS = {"radio": "1", "fiber": "1", "transit": "1", "energy": "1"}
#: Layers (ids or names) each domain reads; a name ending in "*" is a prefix.
INPUT_LAYERS = {
    "radio": ("mobile_cells", "terrain", "buildings", "population_grid", "communes"),
    "fiber": ("roads", "buildings", "fiber_nodes", "fiber_cables", "ducts", "communes"),
    "transit": ("roads", "buildings", "population_grid"),
    "energy": ("grid_*", "buildings"),
}
#: The fields of :class:`WhatIfOptions` each domain reads.
OPTION_FIELDS = {
    "radio": ("radio_pixel_m", "radio_bbox", "radio_max_range_m"),
    "fiber": (),
    "transit": (),
    "energy": ("energy_daily",),
}
_SIM = Path(__file__).resolve().parent.parent
#: Default unit costs and settings each domain reads (package files).
DEFAULT_FILES = {
    "radio": (_SIM / "whatif" / "defaults.json",),
    "fiber": (_SIM / "fiber" / "default_costs.json",),
    "transit": (),
    "energy": (_SIM / "energy" / "defaults.json",),
}
_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


def interventions_text(interventions) -> str:
    """Stable JSON text of a list of interventions (part of every key)."""
    return json.dumps([i.to_dict() for i in interventions], sort_keys=True, default=str)


def _file_digest(path: Path) -> str:
    """blake2b of a file's bytes, remembered by (path, size, mtime); "" when absent."""
    try:
        stat = path.stat()
    except OSError:
        return ""
    memo = (str(path), stat.st_size, stat.st_mtime_ns)
    if memo not in _FILE_DIGESTS:
        _FILE_DIGESTS[memo] = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    return _FILE_DIGESTS[memo]


def _input_layers(project, domain: str) -> dict[str, str | None]:
    """Fingerprint of each input layer of ``domain`` (None when the project lacks it)."""
    wanted = INPUT_LAYERS[domain]
    found: dict[str, str | None] = {}
    for name in wanted:
        if name.endswith("*"):
            for layer in project.layers:
                if layer.id.startswith(name[:-1]):
                    found[layer.id] = layer_fingerprint(layer)
            continue
        layer = None
        for candidate in project.layers:
            if candidate.id == name or candidate.name == name:
                layer = candidate
                break
        found[name] = layer_fingerprint(layer) if layer is not None else None
    return found


def _extra_inputs(project, domain: str) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "files": [_file_digest(path) for path in DEFAULT_FILES[domain]],
        "crs": project.crs.to_wkt(),
    }
    if domain == "transit":
        path = gtfs_path(project)
        extra["gtfs"] = _file_digest(path) if path is not None else None
    return extra


def gtfs_path(project) -> Path | None:
    """The project's GTFS feed (``metadata["gtfs"]``, relative to the project file), None
    when the project names none."""
    relative = project.metadata.get("gtfs")
    if not relative:
        return None
    path = Path(str(relative))
    if not path.is_absolute():
        base = project.path.parent if project.path is not None else Path.cwd()
        path = base / path
    return path


def inputs_stamp(project, domain: str) -> str:
    """Hex hash of the layers and files ``domain`` reads (not options or interventions):
    when it changes, what was prepared from them (road graph, grid, models) is stale."""
    description = {
        "layers": _input_layers(project, domain),
        "extra": _extra_inputs(project, domain),
    }
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def input_key(project, domain: str, interventions, options: WhatIfOptions) -> str:
    """Hex key of a domain result: hash of its engine version, input layers, options,
    default files and interventions (see the module docstring)."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}")
    all_options = asdict(options)
    description = {
        "domain": domain,
        "engine": ENGINE_VERSIONS[domain],
        "twin": twin.__version__,
        "layers": _input_layers(project, domain),
        "options": {name: all_options[name] for name in OPTION_FIELDS[domain]},
        "extra": _extra_inputs(project, domain),
        "interventions": interventions_text(interventions),
    }
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


class ComputedEntry:
    """A result computed in this session, waiting in ``project.results`` to be saved;
    encoded once, when the project is saved (vector geometry equal to one of the project's
    layers is stored as a reference to it, see :func:`encode`)."""

    def __init__(
        self, key: str, domain: str, interventions: str, result: DomainResult, project=None
    ):
        self.key, self.domain, self.interventions, self.result = key, domain, interventions, result
        self._project = weakref.ref(project) if project is not None else None
        self._record: ResultRecord | None = None

    def to_record(self) -> ResultRecord:
        """The result as JSON text and blobs (see :func:`encode`)."""
        if self._record is None:
            project = self._project() if self._project is not None else None
            meta, blobs = encode(self.result, self.interventions, project)
            self._record = ResultRecord(self.key, self.domain, meta, blobs)
        return self._record


def remember(project, key: str, interventions, result: DomainResult) -> None:
    """Put a freshly computed result into ``project.results`` (saved with the project).
    An older result of the same domain and interventions (inputs since changed) is dropped,
    so the file keeps one result per (domain, scenario content)."""
    results = getattr(project, "results", None)
    if results is None:
        return
    text = interventions_text(interventions)
    for old_key, entry in list(results.items()):
        if old_key != key and _same_slot(entry, result.domain, text):
            del results[old_key]
    results[key] = ComputedEntry(key, result.domain, text, result, project)


def _same_slot(entry, domain: str, text: str) -> bool:
    if isinstance(entry, ComputedEntry):
        return entry.domain == domain and entry.interventions == text
    if isinstance(entry, ResultRecord) and entry.domain == domain:
        try:
            return json.loads(entry.meta).get("interventions") == text
        except (ValueError, AttributeError):
            return False
    return False


def lookup(project, key: str) -> DomainResult | None:
    """The stored result under ``key`` (decoded on first use), or None. A record that does
    not decode is dropped with a :class:`ResultsWarning` (it is computed again)."""
    results = getattr(project, "results", None)
    if not results:
        return None
    entry = results.get(key)
    if entry is None:
        return None
    if isinstance(entry, ComputedEntry):
        return entry.result
    if not isinstance(entry, ResultRecord):
        return None
    try:
        result = decode(entry, project)
    except (ProjectError, KeyError, TypeError, ValueError, AttributeError) as error:
        del results[key]
        warnings.warn(
            f"a stored {entry.domain!r} result was ignored and will be computed again ({error})",
            ResultsWarning,
            stacklevel=2,
        )
        return None
    computed = ComputedEntry(key, entry.domain, _interventions_of(entry), result, project)
    computed._record = entry  # saved again as read
    results[key] = computed
    return result


def _interventions_of(record: ResultRecord) -> str:
    value = json.loads(record.meta).get("interventions", "")
    return value if isinstance(value, str) else ""


# --- encoding ----------------------------------------------------------------------------------
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
        "details": _json_safe({k: v for k, v in result.details.items() if not k.startswith("_")}),
        "layers": layers,
    }
    text = json.dumps(meta, ensure_ascii=False, allow_nan=False, default=_json_safe)
    return text, blobs


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


def decode(record: ResultRecord, project=None) -> DomainResult:
    """The :class:`DomainResult` of a stored record (``project`` gives the geometry a layer
    refers to); ValueError/TypeError/ProjectError when any part is damaged or of the wrong
    type."""
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
    layers = [_decode_layer(item, record.blobs, project) for item in meta["layers"]]
    capex = meta.get("capex_eur")
    return DomainResult(
        domain,
        layers,
        figures,
        result_warnings,
        0.0 if capex is None else _float(capex, "the capex"),
        dict(details),
    )


def _decode_layer(item: Any, blobs: dict[str, bytes], project=None) -> Layer:
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
