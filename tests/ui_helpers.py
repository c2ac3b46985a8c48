"""A small synthetic project for the UI tests (Lambert-93 metres, near Rennes)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from affine import Affine
from shapely.geometry import LineString, Point, box

from twin.layers import Provenance, RasterLayer, Style, VectorLayer
from twin.project import Project

CRS = "EPSG:2154"
X0, Y0 = 351_000.0, 6_789_000.0  # Rennes, Lambert-93 metres


def make_buildings() -> VectorLayer:
    """Three 100 m squares side by side, 50 m apart, with attributes."""
    frame = gpd.GeoDataFrame(
        {
            "name": ["Mairie", "École", "Gymnase"],
            "use": ["public", "school", "sport"],
            "households": [12, 40, 0],
            "height_m": [15.5, 9.0, 11.25],
        },
        geometry=[box(X0 + i * 150, Y0, X0 + i * 150 + 100, Y0 + 100) for i in range(3)],
        crs=CRS,
    )
    provenance = Provenance(
        source="tests:synthetic", licence="CC0", attribution="twin tests", method="drawn by hand"
    )
    return VectorLayer("Buildings", frame, provenance=provenance)


def make_roads() -> VectorLayer:
    """One road along the squares' south edge, 20 m below them."""
    frame = gpd.GeoDataFrame(
        {"road": ["Rue de Test"]},
        geometry=[LineString([(X0 - 50, Y0 - 20), (X0 + 450, Y0 - 20)])],
        crs=CRS,
    )
    return VectorLayer("Roads", frame, style=Style(fill_color="#000000"))


def make_sites() -> VectorLayer:
    """Two points."""
    frame = gpd.GeoDataFrame(
        {"site": ["A", "B"]},
        geometry=[Point(X0 + 50, Y0 + 300), Point(X0 + 350, Y0 + 300)],
        crs=CRS,
    )
    return VectorLayer("Sites", frame, style=Style(fill_color="#D55E00"))


def make_terrain() -> RasterLayer:
    """A 10 x 10 grid of 50 m pixels covering the squares, values 0-99 m."""
    array = np.arange(100, dtype=float).reshape(10, 10)
    transform = Affine(50.0, 0.0, X0 - 50, 0.0, -50.0, Y0 + 450)
    return RasterLayer("Terrain", array, transform, CRS, unit="m")


def make_project() -> Project:
    """Sites on top, then roads, buildings, terrain at the bottom."""
    project = Project(crs=CRS)
    for layer in (make_terrain(), make_buildings(), make_roads(), make_sites()):
        project.add_layer(layer, index=0)
    project.metadata["title"] = "Test town"
    return project
