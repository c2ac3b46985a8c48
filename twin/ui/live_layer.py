"""The live coverage level raster: a RasterLayer whose view colours its small integer
classes with one vectorised table lookup, so it can be redrawn on every mouse move.

(The generic raster view classifies ``raster-classes`` values one by one in Python, about
1 s for the sample's 0.8 million pixels; the live layer needs a few milliseconds.)
"""

from __future__ import annotations

import numpy as np

from twin.layers.colors import hex_to_rgba
from twin.layers.raster import RasterLayer
from twin.ui.map.views import VIEW_CLASSES
from twin.ui.map.views.raster import RasterLayerView, raster_rgba


class LiveLevelLayer(RasterLayer):
    """A raster of small non-negative integer classes (coverage levels 0-3)."""


def level_rgba(layer: RasterLayer) -> np.ndarray:
    """(rows, cols, 4) uint8 colours of an integer class raster through its categories
    (values without a category, and nodata, are transparent)."""
    style = layer.style
    values = np.asarray(layer.array)
    codes = [c.value for c in style.categories]
    if style.kind != "raster-classes" or not all(
        float(v).is_integer() and 0 <= float(v) < 256 for v in codes
    ):
        return raster_rgba(layer)
    table = np.zeros((257, 4), dtype=np.uint8)  # row 256: transparent (no class, nodata)
    for category in style.categories:
        table[int(category.value)] = hex_to_rgba(category.color)
    colours = table.view(np.uint32).ravel()  # one 32-bit RGBA word per class
    if values.dtype == np.uint8 and layer.nodata is None:
        # the live level raster: one gather, no masks (about 10x faster on 0.8 M pixels)
        return colours[:256].take(values).view(np.uint8).reshape(*values.shape, 4)
    if values.dtype.kind in "iub":
        index = values.astype(np.intp, copy=False)
        index = np.where((index < 0) | (index > 255), 256, index)
    else:
        index = np.nan_to_num(values, nan=-1.0)
        index = np.where((index < 0) | (index > 255), 256, index).astype(np.intp)
    if layer.nodata is not None:
        index = np.where(layer.valid_mask(), index, 256)
    rgba = colours[index]
    return rgba.view(np.uint8).reshape(*values.shape, 4)


class LiveLevelView(RasterLayerView):
    """Draws a :class:`LiveLevelLayer` with the vectorised colouring."""

    def restyle(self) -> None:
        """Recolour the image from the style (one table lookup)."""
        self.image_item.setImage(level_rgba(self.layer), autoLevels=False, levels=(0, 255))


VIEW_CLASSES.setdefault(LiveLevelLayer, LiveLevelView)
