"""Layers: data + CRS + style + provenance (Qt-free)."""

from twin.layers.base import Layer, LayerEvents
from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.style import Category, ClassBreak, LegendEntry, Style
from twin.layers.vector import VectorLayer

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
