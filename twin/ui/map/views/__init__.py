"""Layer views: one graphics item class per layer kind, looked up by layer type.

The view classes load on first use (PEP 562): the drawing helpers of this package
(``chunk_painter``, ``geometry``, ``scanfill``, ...) import without pyqtgraph, geopandas or
pandas, so that ``twin render`` of a big GeoPackage (twin.cli.render_lean) stays lean."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twin.layers.base import Layer
    from twin.ui.map.views.base import LayerView
    from twin.ui.map.views.lazy_vector import LazyVectorLayerView
    from twin.ui.map.views.raster import RasterLayerView
    from twin.ui.map.views.vector import VectorLayerView

_MODULE_OF = {
    "LayerView": "twin.ui.map.views.base",
    "LazyVectorLayerView": "twin.ui.map.views.lazy_vector",
    "RasterLayerView": "twin.ui.map.views.raster",
    "VectorLayerView": "twin.ui.map.views.vector",
}
_view_classes: dict[type, type] | None = None


def _registry() -> dict[type, type[LayerView]]:
    """Layer type -> view class (built on first use)."""
    global _view_classes
    if _view_classes is None:
        from twin.layers.lazy import LazyVectorLayer
        from twin.layers.raster import RasterLayer
        from twin.layers.vector import VectorLayer
        from twin.ui.map.views.lazy_vector import LazyVectorLayerView
        from twin.ui.map.views.raster import RasterLayerView
        from twin.ui.map.views.vector import VectorLayerView

        _view_classes = {
            LazyVectorLayer: LazyVectorLayerView,
            VectorLayer: VectorLayerView,
            RasterLayer: RasterLayerView,
        }
    return _view_classes


def view_for(layer: Layer) -> LayerView:
    """Build the view of ``layer`` from :data:`VIEW_CLASSES` (nearest registered base class)."""
    classes = _registry()
    for klass in type(layer).__mro__:
        if klass in classes:
            return classes[klass](layer)
    raise TypeError(f"no view registered for layer type {type(layer).__name__}")


def __getattr__(name: str):
    """``VIEW_CLASSES`` and the view classes, imported on first use."""
    if name == "VIEW_CLASSES":
        return _registry()
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'twin.ui.map.views' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "VIEW_CLASSES",
    "LayerView",
    "LazyVectorLayerView",
    "RasterLayerView",
    "VectorLayerView",
    "view_for",
]
