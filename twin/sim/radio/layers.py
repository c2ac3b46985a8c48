"""Coverage results as RasterLayers (styles + provenance) and GeoTIFF files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import rasterio

from twin.layers.colors import COVERAGE_LEVEL_COLORS, hex_to_rgba
from twin.layers.io_raster import CLASS_LABELS_TAG, write_array_geotiff
from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.style import Category, Style, raster_style
from twin.sim.radio.coverage import LEVEL_LABELS

ENGINE_SOURCE = "engine:twin.sim.radio"
# One palette for the app, ``twin render`` and exports (twin.layers.colors): "no coverage"
# is an opaque red that reads on the terrain, then light orange, light and dark blue.
LEVEL_COLORS = COVERAGE_LEVEL_COLORS
DEFAULT_THRESHOLDS_DBM = (-115.0, -105.0, -95.0)
METHOD = (
    "Predicted with twin's radio engine: per-cell RSRP = power per resource element + 3GPP "
    "TR 38.901 antenna pattern - path-loss model - ITU-R P.526 terrain diffraction; best "
    "server, co-channel SINR and four Arcep-style levels."
)


def _provenance(result, what: str) -> Provenance:
    parameters = dict(result.parameters)
    parameters["result"] = what
    parameters["warnings"] = list(result.warnings)
    parameters["computed_at"] = result.date
    return Provenance(
        source=ENGINE_SOURCE,
        method=METHOD,
        parameters=parameters,
        date=result.date[:10],
        attribution="twin",
    )


def level_labels(thresholds_dbm=DEFAULT_THRESHOLDS_DBM) -> tuple[str, ...]:
    """Legend labels of the four levels with their RSRP range, e.g. "good: -105 to -95 dBm"."""
    low, mid, high = (f"{t:g}" for t in sorted(thresholds_dbm))
    return (
        f"{LEVEL_LABELS[0]}: below {low} dBm",
        f"{LEVEL_LABELS[1]}: {low} to {mid} dBm",
        f"{LEVEL_LABELS[2]}: {mid} to {high} dBm",
        f"{LEVEL_LABELS[3]}: {high} dBm and above",
    )


def level_style(thresholds_dbm=DEFAULT_THRESHOLDS_DBM) -> Style:
    """The coverage level style (0-3): the shared palette, labels with thresholds (dBm)."""
    return Style(
        kind="raster-classes",
        categories=tuple(
            Category(i, color, label)
            for i, (color, label) in enumerate(
                zip(LEVEL_COLORS, level_labels(thresholds_dbm), strict=True)
            )
        ),
    )


def result_layers(result, prefix: str = "coverage") -> list[RasterLayer]:
    """best_rsrp (dBm), best_server (cell code), sinr (dB) and level (0-3) layers."""
    grid = result.grid
    thresholds = result.parameters.get("thresholds_dbm", DEFAULT_THRESHOLDS_DBM)
    try:
        levels_style = level_style(tuple(float(t) for t in thresholds))
    except (TypeError, ValueError):
        levels_style = level_style()
    server_categories = tuple(
        Category(code, "#999999", cell_id) for code, cell_id in sorted(result.cell_ids.items())
    )
    layers = [
        RasterLayer(
            f"{prefix} best RSRP",
            result.best_rsrp,
            grid.transform,
            grid.crs,
            nodata=float("nan"),
            unit="dBm",
            style=raster_style(result.best_rsrp, "viridis", unit="dBm"),
            provenance=_provenance(result, "best_rsrp"),
        ),
        RasterLayer(
            f"{prefix} best server",
            result.best_server,
            grid.transform,
            grid.crs,
            nodata=-1,
            unit="cell",
            style=Style(kind="raster-classes", categories=server_categories),
            provenance=_provenance(result, "best_server"),
        ),
        RasterLayer(
            f"{prefix} SINR",
            result.sinr,
            grid.transform,
            grid.crs,
            nodata=float("nan"),
            unit="dB",
            style=raster_style(result.sinr, "viridis", unit="dB"),
            provenance=_provenance(result, "sinr"),
        ),
        RasterLayer(
            f"{prefix} level",
            result.level,
            grid.transform,
            grid.crs,
            nodata=None,
            unit="level",
            style=levels_style,
            provenance=_provenance(result, "level"),
        ),
    ]
    return layers


def write_geotiffs(result, out_dir: Path) -> dict[str, Path]:
    """Write best_rsrp.tif, best_server.tif, sinr.tif and level.tif (project CRS)."""

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    grid = result.grid
    arrays = {
        "best_rsrp": (result.best_rsrp.astype(np.float32), float("nan")),
        "best_server": (result.best_server.astype(np.int32), -1),
        "sinr": (result.sinr.astype(np.float32), float("nan")),
        "level": (result.level.astype(np.uint8), None),
    }
    paths = {}
    for name, (array, nodata) in arrays.items():
        path = out_dir / f"{name}.tif"
        write_array_geotiff(array, grid.transform, grid.crs, nodata, path)
        paths[name] = path
    thresholds = result.parameters.get("thresholds_dbm", DEFAULT_THRESHOLDS_DBM)
    write_level_colors(paths["level"], level_labels(tuple(float(t) for t in thresholds)))
    return paths


def write_level_colors(path: Path, labels: tuple[str, ...] | None = None) -> None:
    """Give a level GeoTIFF (uint8, 0-3) the shared palette as its colour table and the
    legend labels as a band tag, so QGIS and ``twin render level.tif`` draw the same
    colours as the app."""
    labels = labels or level_labels()
    with rasterio.open(path, "r+") as dataset:
        dataset.write_colormap(1, {i: hex_to_rgba(c) for i, c in enumerate(LEVEL_COLORS)})
        dataset.update_tags(1, **{CLASS_LABELS_TAG: json.dumps(dict(enumerate(labels)))})
