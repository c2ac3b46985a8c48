"""The first frame's layer views (issue 9): each visible vector layer of the sample, read
by the light read and drawn by :class:`LightLayerView`, gives the same pixels as its real
view built from the ordinary read, at the full extent and zoomed in (grabs of two shown
canvases with the same view)."""

from __future__ import annotations

import pytest
import shapely
from map_helpers import differing_pixels

import twin
from twin.ui.map.first_frame import LightLayerView, light_view_supported
from twin.ui.project.light_read import read_light_layers

SIZE = (480, 360)


def _canvas(qtbot):
    from twin.ui.map.canvas import MapCanvas

    canvas = MapCanvas()
    canvas.show_labels = False
    qtbot.addWidget(canvas)
    canvas.resize(*SIZE)
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas


@pytest.fixture(scope="module")
def sample_layers():
    from twin.layers.vector import VectorLayer
    from twin.project import Project

    path = twin.sample_project_path()
    project = Project.open(path, wanted=lambda record: bool(record.get("visible", True)))
    ordinary = {layer.name: layer for layer in project.layers if isinstance(layer, VectorLayer)}
    return ordinary, read_light_layers(path)


def test_light_views_draw_the_sample_layers_as_their_real_views(qtbot, sample_layers):
    from twin.project import Project

    ordinary, light = sample_layers
    assert all(light_view_supported(layer) for layer in light)
    for layer in light:
        real = _canvas(qtbot)
        project = Project(crs="EPSG:2154")
        project.add_layer(ordinary[layer.name])
        real.set_project(project)
        first, blank = _canvas(qtbot), _canvas(qtbot)
        view = LightLayerView(layer)
        first.view_box.addItem(view, ignoreBounds=True)
        minx, miny, maxx, maxy = view.bounds()
        cx, cy = shapely.get_coordinates(layer.geometries[0])[0]  # zoomed in on a feature
        for bbox in (
            (minx, miny, maxx, maxy),
            (cx - 1500, cy - 1000, cx + 1500, cy + 1000),
        ):
            real.zoom_to_bbox(bbox)
            first.zoom_to_bbox(bbox)
            blank.zoom_to_bbox(bbox)
            qtbot.wait(20)  # the scatter items follow the view change on the next events
            assert first.view_bbox() == real.view_bbox() == blank.view_bbox()
            before, after = first.grab_map(), real.grab_map()
            drawn = differing_pixels(before, blank.grab_map())
            assert drawn > 20, layer.name  # the frame is not empty (against a blank map)
            assert differing_pixels(before, after) == 0, layer.name
        real.set_project(None)
