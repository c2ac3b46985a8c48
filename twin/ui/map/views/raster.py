"""Raster layers as a pyqtgraph ImageItem placed with the layer's affine transform."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from twin.layers.colors import colormap_lut, hex_to_rgba
from twin.layers.raster import RasterLayer
from twin.ui.map.views.base import LayerView


def raster_rgba(layer: RasterLayer) -> np.ndarray:
    """(rows, cols, 4) uint8 colours of a raster layer from its style; nodata transparent.

    ``raster``: the colour map stretched over value_min..value_max (values outside are
    clamped); ``raster-classes``: the colour of each category value (others transparent).
    """
    style = layer.style
    values = np.asarray(layer.array)
    valid = layer.valid_mask()
    if style.kind == "raster-classes":
        rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
        index = style.class_index(values.ravel()).reshape(values.shape)
        colors = np.array(
            [hex_to_rgba(c) for c in style.class_colors()] or [(0, 0, 0, 0)], dtype=np.uint8
        )
        classified = valid & (index >= 0)
        rgba[classified] = colors[index[classified]]
        return rgba
    lut = colormap_lut(style.colormap if style.kind == "raster" else "viridis", 256)
    numbers = values.astype(float, copy=False)
    low = style.value_min if style.value_min is not None else float(np.nanmin(numbers))
    high = style.value_max if style.value_max is not None else float(np.nanmax(numbers))
    span = high - low if high > low else 1.0
    scaled = np.nan_to_num((numbers - low) / span * 255.0, nan=0.0)
    rgba = lut[np.clip(scaled, 0, 255).astype(np.uint8)]
    rgba[~valid] = 0
    return rgba


class RasterLayerView(LayerView):
    """Draws a :class:`RasterLayer` with an ``ImageItem`` (row-major) coloured on the CPU
    through the style's lookup table and placed by the affine transform (pixel corners)."""

    def __init__(self, layer: RasterLayer) -> None:
        super().__init__(layer)
        self.image_item = self._make_image_item()
        self.image_item.setParentItem(self)
        t = layer.transform
        # affine: X = a col + b row + c, Y = d col + e row + f  ->  QTransform(m11, m12, m21, m22)
        self.image_item.setTransform(QtGui.QTransform(t.a, t.d, t.b, t.e, t.c, t.f))
        self.restyle()

    def _make_image_item(self) -> pg.ImageItem:
        """The item drawing the colours (subclasses may draw differently)."""
        return pg.ImageItem(axisOrder="row-major", autoDownsample=True)

    def reload(self) -> None:
        """Recolour from the new array and place it with the (new) transform."""
        t = self.layer.transform
        self.image_item.setTransform(QtGui.QTransform(t.a, t.d, t.b, t.e, t.c, t.f))
        self.restyle()

    def restyle(self) -> None:
        """Recolour the image from the style."""
        self.image_item.setImage(raster_rgba(self.layer), autoLevels=False, levels=(0, 255))
