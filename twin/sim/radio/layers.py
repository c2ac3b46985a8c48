"""Coverage results as RasterLayers (styles + provenance) and GeoTIFF files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.layers.io_raster import write_array_geotiff
from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.style import Category, Style, raster_style
from twin.sim.radio.coverage import LEVEL_LABELS

ENGINE_SOURCE = "engine:twin.sim.radio"
# Light to dark blue-green, colour-blind safe order (Okabe-Ito inspired).
LEVEL_COLORS = ("#FFFFFF", "#F0E442", "#56B4E9", "#0072B2")
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


def result_layers(result, prefix: str = "coverage") -> list[RasterLayer]:
    """best_rsrp (dBm), best_server (cell code), sinr (dB) and level (0-3) layers."""
    grid = result.grid
    level_style = Style(
        kind="raster-classes",
        categories=tuple(Category(i, c, LEVEL_LABELS[i]) for i, c in enumerate(LEVEL_COLORS)),
    )
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
            style=level_style,
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
    return paths
