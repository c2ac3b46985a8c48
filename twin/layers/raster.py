"""Raster layers: a 2-D array on an affine grid, with nodata, style and provenance."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine

from twin.layers.base import Layer
from twin.layers.provenance import Provenance
from twin.layers.style import Style, raster_style

if TYPE_CHECKING:
    from pyproj import CRS

#: ``nodata`` of :meth:`RasterLayer.with_array` when not given: the layer's own.
_SAME = object()


class RasterLayer(Layer):
    """A single-band grid: ``array[row, col]`` with ``transform`` (rasterio/GDAL affine,
    pixel corner convention) mapping (col, row) to CRS coordinates; ``nodata`` marks empty
    pixels; ``unit`` names what the values measure (e.g. "dBm", "m", "persons").
    """

    kind = "raster"

    def __init__(
        self,
        name: str,
        array: np.ndarray,
        transform: Affine,
        crs: CRS | str | int | None,
        nodata: float | None = None,
        style: Style | None = None,
        provenance: Provenance | None = None,
        unit: str = "",
        **options,
    ) -> None:
        array = np.asarray(array)
        if array.ndim != 2:
            raise ValueError(f"a raster layer holds one band (2-D array), got {array.ndim}-D")
        if style is None:
            style = raster_style(array, nodata=nodata, unit=unit)
        super().__init__(name, crs, style, provenance, **options)
        self._array = array
        self.transform = Affine(*transform[:6])
        self.nodata = nodata
        self.unit = unit

    @property
    def array(self) -> np.ndarray:
        """The pixel values, shape (rows, cols)."""
        return self._array

    def set_array(self, array: np.ndarray) -> None:
        """Replace the values (same grid) and tell the views."""
        array = np.asarray(array)
        if array.shape != self._array.shape:
            raise ValueError(f"shape {array.shape} differs from the grid {self._array.shape}")
        self._array = array
        self.events.data.emit()

    def with_array(self, array: np.ndarray, nodata: float | object | None = _SAME) -> RasterLayer:
        """A new layer on this one's grid and CRS, with its name, style, provenance and unit,
        holding ``array`` (the same shape); ``nodata`` replaces this layer's when given. Its
        visibility, opacity and id are a new layer's."""
        array = np.asarray(array)
        if array.shape != self._array.shape:
            raise ValueError(f"shape {array.shape} differs from the grid {self._array.shape}")
        return RasterLayer(
            self.name,
            array,
            self.transform,
            self.crs,
            nodata=self.nodata if nodata is _SAME else nodata,
            style=self.style,
            provenance=self.provenance,
            unit=self.unit,
        )

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self._array.shape  # type: ignore[return-value]

    @property
    def pixel_size(self) -> tuple[float, float]:
        """Pixel width and height in CRS units (positive)."""
        return abs(self.transform.a), abs(self.transform.e)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        rows, cols = self.shape
        xs, ys = zip(*(self.transform @ (c, r) for c, r in ((0, 0), (cols, rows))), strict=True)
        return min(xs), min(ys), max(xs), max(ys)

    def valid_mask(self) -> np.ndarray:
        """Boolean array, True where the pixel holds data."""
        mask = np.ones(self.shape, dtype=bool)
        if np.issubdtype(self._array.dtype, np.floating):
            mask &= np.isfinite(self._array)
        if self.nodata is not None and not (
            isinstance(self.nodata, float) and math.isnan(self.nodata)
        ):
            mask &= self._array != self.nodata
        return mask

    @property
    def feature_count(self) -> int:
        return int(self.valid_mask().sum())

    def __repr__(self) -> str:
        # the size, not feature_count (a pass over every pixel): psygnal formats the repr
        # of a callback's arguments on each connect, and views connect per layer
        rows, cols = self.shape
        return f"<{type(self).__name__} {self.name!r} ({rows} x {cols} pixels)>"

    @property
    def geometry_kind(self) -> str:
        return "raster"

    def value_at(self, x: float, y: float) -> float | None:
        """The pixel value under (x, y) in CRS units, or None outside or on nodata."""
        col, row = ~self.transform @ (x, y)
        row_index, col_index = math.floor(row), math.floor(col)
        rows, cols = self.shape
        if not (0 <= row_index < rows and 0 <= col_index < cols):
            return None
        value = float(self._array[row_index, col_index])
        if math.isnan(value) or (self.nodata is not None and value == self.nodata):
            return None
        return value
