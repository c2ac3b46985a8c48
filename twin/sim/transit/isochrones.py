"""Travel-time rasters and isochrone polygons (Qt-free).

A :class:`TimeGrid` is a regular grid of pixel centres over an extent (project metres);
travel times to its centres (:class:`twin.sim.transit.travel.TravelModel` destinations)
become a raster, and :func:`isochrones` turns the raster into polygons: the pixels reached
within each number of minutes, dissolved and vectorised with ``rasterio.features.shapes``
(pixel edges, no smoothing: a polygon never claims a pixel that was not reached).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio import features

from twin.errors import DataError
from twin.i18n import tr

ISOCHRONE_MINUTES = (10, 20, 30, 45, 60)


@dataclass(frozen=True)
class TimeGrid:
    """Pixels of ``cell_m`` metres covering ``bounds`` (minx, miny, maxx, maxy), north up."""

    bounds: tuple[float, float, float, float]
    cell_m: float = 100.0

    def __post_init__(self) -> None:
        minx, miny, maxx, maxy = self.bounds
        if not (maxx > minx and maxy > miny):
            raise DataError(
                tr("empty extent {bounds} for a travel-time grid").format(bounds=self.bounds)
            )
        if not self.cell_m > 0:
            raise DataError(
                tr("travel-time pixel of {cell_m} m: must be positive").format(cell_m=self.cell_m)
            )
        if self.shape[0] * self.shape[1] > 4_000_000:
            raise DataError(
                tr(
                    "a travel-time grid of {columns} x {rows} pixels is too large: use a larger "
                    "pixel (--cell) or a smaller extent"
                ).format(columns=self.shape[1], rows=self.shape[0])
            )

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        minx, miny, maxx, maxy = self.bounds
        return (
            max(1, int(np.ceil((maxy - miny) / self.cell_m))),
            max(1, int(np.ceil((maxx - minx) / self.cell_m))),
        )

    @property
    def transform(self) -> Affine:
        """Affine transform of the raster (top-left origin)."""
        minx, _miny, _maxx, maxy = self.bounds
        return Affine(self.cell_m, 0.0, minx, 0.0, -self.cell_m, maxy)

    def centres(self) -> np.ndarray:
        """(rows * columns, 2) pixel centres, row-major from the top-left."""
        rows, cols = self.shape
        t = self.transform
        xs = t.c + (np.arange(cols) + 0.5) * t.a
        ys = t.f + (np.arange(rows) + 0.5) * t.e
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def raster(self, values: np.ndarray) -> np.ndarray:
        """Per-pixel ``values`` (one per centre) as a (rows, columns) array."""
        return np.asarray(values).reshape(self.shape)


def isochrones(
    minutes_raster: np.ndarray, transform: Affine, crs, minutes=ISOCHRONE_MINUTES
) -> gpd.GeoDataFrame:
    """Polygons of the pixels reached within each number of ``minutes`` (columns
    ``minutes``, ``area_km2``), largest first so that smaller ones draw on top."""
    rows = []
    for limit in sorted(minutes, reverse=True):
        mask = np.isfinite(minutes_raster) & (minutes_raster <= limit)
        shapes = [
            shapely.geometry.shape(geometry)
            for geometry, value in features.shapes(
                mask.astype(np.uint8), mask=mask, transform=transform
            )
            if value == 1
        ]
        polygon = shapely.union_all(shapes) if shapes else shapely.Polygon()
        rows.append((int(limit), round(float(polygon.area) / 1e6, 3), polygon))
    return gpd.GeoDataFrame(
        {"minutes": [r[0] for r in rows], "area_km2": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=crs,
    )
