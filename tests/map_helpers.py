"""Small projects and helpers shared by the map canvas tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from PySide6 import QtCore, QtGui

from twin.layers import RasterLayer, Style, VectorLayer
from twin.project import Project

CRS = "EPSG:2154"
X0, Y0 = 300_000.0, 6_800_000.0  # a Lambert-93 origin, so coordinates are realistic
RED, BLUE, GREEN = "#D55E00", "#0072B2", "#009E73"


def box_layer(
    name: str, boxes: list[tuple[float, float, float, float]], color: str, **columns
) -> VectorLayer:
    """Polygons from (minx, miny, maxx, maxy) offsets (metres from X0, Y0), one colour."""
    geometry = [shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes]
    frame = gpd.GeoDataFrame(dict(columns), geometry=geometry, crs=CRS)
    return VectorLayer(name, frame, style=Style(fill_color=color, stroke_width=0.0))


def line_layer(name: str, coords: list[tuple[float, float]], color: str) -> VectorLayer:
    """One line through offset points, drawn 3 px wide."""
    line = shapely.LineString([(X0 + x, Y0 + y) for x, y in coords])
    frame = gpd.GeoDataFrame(geometry=[line], crs=CRS)
    return VectorLayer(name, frame, style=Style(fill_color=color, stroke_width=3.0))


def point_layer(name: str, coords: list[tuple[float, float]], color: str) -> VectorLayer:
    """Points at offsets, drawn 12 px."""
    points = shapely.points([(X0 + x, Y0 + y) for x, y in coords])
    frame = gpd.GeoDataFrame(geometry=points, crs=CRS)
    return VectorLayer(
        name, frame, style=Style(fill_color=color, point_size=12.0, stroke_width=0.0)
    )


def raster_layer(name: str) -> RasterLayer:
    """A 4 x 4 raster of 10 m pixels at (X0 + 300, Y0 + 200) .. (X0 + 340, Y0 + 240);
    values 0..15 row-major, nodata 0 (so the top-left pixel is empty)."""
    array = np.arange(16, dtype=float).reshape(4, 4)
    transform = Affine(10.0, 0.0, X0 + 300, 0.0, -10.0, Y0 + 240)
    style = Style(kind="raster", colormap="viridis", value_min=1.0, value_max=15.0)
    return RasterLayer(name, array, transform, CRS, nodata=0.0, style=style)


def project_of(*layers) -> Project:
    """A project with ``layers`` in panel order (first on top)."""
    project = Project(crs=CRS)
    for layer in reversed(layers):
        project.add_layer(layer)
    return project


def show_canvas(qtbot, project: Project, size=(400, 300)):
    """A shown MapCanvas at 1 metre per pixel over (X0, Y0)..(X0 + 400, Y0 + 300)."""
    from twin.ui.map.canvas import MapCanvas

    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_project(project)
    canvas.zoom_to_bbox((X0, Y0, X0 + size[0], Y0 + size[1]))
    return canvas


def color_at(canvas, image: QtGui.QImage, dx: float, dy: float) -> str:
    """Hex colour of the grabbed image at map offset (dx, dy) metres from (X0, Y0)."""
    point = canvas.map_to_widget(X0 + dx, Y0 + dy)
    return image.pixelColor(QtCore.QPoint(int(point.x()), int(point.y()))).name().upper()


def differing_pixels(first: QtGui.QImage, second: QtGui.QImage) -> int:
    """How many pixels differ between two images of the same size."""

    def pixels(image: QtGui.QImage) -> np.ndarray:
        image = image.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
        # a copy: the converted image (and its memory) goes when this function returns
        return np.frombuffer(image.constBits(), np.uint32)[: image.width() * image.height()].copy()

    return int(np.count_nonzero(pixels(first) != pixels(second)))


def rgb_array(image: QtGui.QImage) -> np.ndarray:
    """(height, width, 3) RGB array of ``image`` (a copy: the converted image and its memory
    go when this function returns)."""
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * height)
    return (
        data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3).copy()
    )


def count_color(image: QtGui.QImage, color: str) -> int:
    """How many pixels of ``image`` are exactly ``color`` (hex)."""
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint32)[: image.width() * image.height()]
    target = QtGui.QColor(color).rgb() & 0xFFFFFFFF
    return int(np.count_nonzero(pixels == target))
