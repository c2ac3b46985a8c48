"""The coverage level is drawn inside the territory only (its communes)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine

from twin.layers.vector import VectorLayer
from twin.project import Project
from twin.ui.scenario.layers import ScenarioLayers


def test_no_coverage_is_not_painted_beyond_the_communes():
    project = Project(crs="EPSG:2154")
    commune = shapely.box(0.0, 0.0, 500.0, 500.0)  # the lower-left quarter of the grid
    frame = gpd.GeoDataFrame({"insee": ["1"]}, geometry=[commune], crs="EPSG:2154")
    project.add_layer(VectorLayer("Communes", frame, layer_id="communes"))
    layers = ScenarioLayers()
    layers.set_territory(project)
    transform = Affine(100.0, 0.0, 0.0, 0.0, -100.0, 1000.0)  # 10 x 10 pixels of 100 m
    level = np.zeros((10, 10), dtype=np.uint8)  # "no coverage" everywhere
    layers.set_coverage(SimpleNamespace(level=level, transform=transform, crs="EPSG:2154"), None)
    shown = layers.coverage_layer.array
    assert (shown[5:, :5] == 0).all()  # inside: "no coverage", drawn red
    assert (shown[:5, :] == 255).all() and (shown[:, 5:] == 255).all()  # outside: not drawn
    assert (level == 0).all()  # the engine's array is left as it was
    layers.set_territory(None)
    layers.set_coverage(SimpleNamespace(level=level, transform=transform, crs="EPSG:2154"), None)
    assert (layers.coverage_layer.array == 0).all()
