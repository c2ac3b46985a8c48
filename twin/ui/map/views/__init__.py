"""Layer views: one graphics item class per layer kind, looked up by layer type."""

from __future__ import annotations

from twin.layers.base import Layer
from twin.layers.lazy import LazyVectorLayer
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer
from twin.ui.map.views.base import LayerView
from twin.ui.map.views.lazy_vector import LazyVectorLayerView
from twin.ui.map.views.raster import RasterLayerView
from twin.ui.map.views.vector import VectorLayerView

VIEW_CLASSES: dict[type, type[LayerView]] = {
    LazyVectorLayer: LazyVectorLayerView,
    VectorLayer: VectorLayerView,
    RasterLayer: RasterLayerView,
}


def view_for(layer: Layer) -> LayerView:
    """Build the view of ``layer`` from :data:`VIEW_CLASSES` (nearest registered base class)."""
    for klass in type(layer).__mro__:
        if klass in VIEW_CLASSES:
            return VIEW_CLASSES[klass](layer)
    raise TypeError(f"no view registered for layer type {type(layer).__name__}")


__all__ = [
    "VIEW_CLASSES",
    "LayerView",
    "LazyVectorLayerView",
    "RasterLayerView",
    "VectorLayerView",
    "view_for",
]
