"""Layers: data + CRS + style + provenance (Qt-free).

The names below load on first use (PEP 562), so that a module needing one small part of the
package (``twin.layers.style``, ``twin.layers.privacy``, ...) does not import geopandas,
pandas and rasterio with it (``twin render`` of a big GeoPackage draws without them)."""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twin.layers.base import Layer, LayerEvents
    from twin.layers.provenance import Provenance
    from twin.layers.raster import RasterLayer
    from twin.layers.style import Category, ClassBreak, LegendEntry, Style
    from twin.layers.vector import VectorLayer

_MODULE_OF = {
    "Category": "twin.layers.style",
    "ClassBreak": "twin.layers.style",
    "Layer": "twin.layers.base",
    "LayerEvents": "twin.layers.base",
    "LegendEntry": "twin.layers.style",
    "Provenance": "twin.layers.provenance",
    "RasterLayer": "twin.layers.raster",
    "Style": "twin.layers.style",
    "VectorLayer": "twin.layers.vector",
}

__all__ = [
    "Category",
    "ClassBreak",
    "Layer",
    "LayerEvents",
    "LegendEntry",
    "Provenance",
    "RasterLayer",
    "Style",
    "VectorLayer",
]


def __getattr__(name: str):
    """The exported class ``name``, imported from its module on first use."""
    module = _MODULE_OF.get(name)
    if module is None:  # a submodule reached as an attribute, as when this file imported it
        if name.startswith("_") or importlib.util.find_spec(f"twin.layers.{name}") is None:
            raise AttributeError(f"module 'twin.layers' has no attribute {name!r}")
        return importlib.import_module(f"twin.layers.{name}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
