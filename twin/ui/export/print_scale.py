"""Line widths in print: a style's stroke widths and point sizes are pixels of a 96 dpi
screen; a page at a higher resolution draws copies of its layers with them widened, so a
1 px road stays 0.75 pt wide on paper instead of a hair line."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twin.layers.base import Layer

SCREEN_DPI = 96.0  # a style's stroke widths and point sizes are pixels of a 96 dpi screen


def line_scale(dpi: float) -> float:
    """How much a page at ``dpi`` widens the styles' line widths and point sizes so they
    keep their size in points (1 style pixel = 1/96 inch = 0.75 pt); never below 1."""
    return max(1.0, float(dpi) / SCREEN_DPI)


def scaled_layer(layer: Layer, factor: float, visible: bool | None = None) -> Layer:
    """A drawing copy of ``layer`` whose stroke widths and point sizes are ``factor`` times
    wider, shown when ``visible`` (None: as the layer); same data, its own events, so
    drawing it never changes the project. ``layer`` itself when nothing changes."""
    if factor == 1.0 and (visible is None or visible == layer.visible):
        return layer
    from twin.layers.base import LayerEvents
    style = layer.style
    drawn = copy.copy(layer)
    drawn.events = LayerEvents()
    drawn._style = style.with_changes(
        stroke_width=style.stroke_width * factor, point_size=style.point_size * factor
    )
    if visible is not None:
        drawn._visible = bool(visible)
    return drawn
