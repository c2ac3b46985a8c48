"""The light read of a ``.twin`` file's visible vector layers (issue 9, first frame): it
reads the same features, in the same order, with the same style values as the ordinary
read through pyogrio/GeoPandas, and neither it nor building the first frame's map items
imports any of the data stack (checked in a fresh interpreter: an import is once per
process)."""

from __future__ import annotations

import numpy as np
import shapely
from subprocess_report import fresh_interpreter_report

import twin
from twin.ui.project.light_read import read_light_layers

DATA_STACK = ("pandas", "geopandas", "pyogrio", "pyproj", "rasterio")

LIGHT_SIDE = r"""
import json, sys
import twin
from twin.ui.project.light_read import read_light_layers
layers = read_light_layers(twin.sample_project_path())
from PySide6.QtWidgets import QApplication
app = QApplication([])
from twin.ui.map.first_frame import LightLayerView
views = [LightLayerView(layer) for layer in layers]  # the first frame's map items
report = {
    "loaded": sorted({m.split(".")[0] for m in sys.modules}),
    "features": sum(len(layer.geometries) for layer in layers),
    "views": len(views),
}
print("REPORT " + json.dumps(report))
"""


def test_light_read_matches_the_ordinary_read_of_the_sample():
    from twin.layers.vector import VectorLayer
    from twin.project import Project

    path = twin.sample_project_path()
    project = Project.open(path, wanted=lambda record: bool(record.get("visible", True)))
    ordinary = [layer for layer in project.layers if isinstance(layer, VectorLayer)]
    light = read_light_layers(path)
    assert [layer.name for layer in light] == [layer.name for layer in ordinary]
    assert len(light) == 9
    for mine, theirs in zip(light, ordinary, strict=True):
        assert mine.kind == theirs.geometry_kind
        assert mine.style == theirs.style
        assert mine.opacity == theirs.opacity
        expected = np.asarray(theirs.frame.geometry.values, dtype=object)
        assert len(mine.geometries) == len(expected) > 0
        assert shapely.equals_exact(mine.geometries, expected, tolerance=0).all(), mine.name
        if mine.style.column:
            assert mine.values is not None
            assert list(mine.values) == list(theirs.frame[mine.style.column]), mine.name
        else:
            assert mine.values is None


def test_light_read_imports_no_data_stack():
    report = fresh_interpreter_report(LIGHT_SIDE, timeout=120)
    assert report["features"] > 36_327  # the buildings and the other visible layers
    assert report["views"] == 9
    assert not set(DATA_STACK) & set(report["loaded"])
