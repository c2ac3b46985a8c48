"""Offscreen rendering of a project: the same canvas and views as the window, to an image."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

if TYPE_CHECKING:  # imported where used: the page painter imports this module for
    # ensure_qt_application alone
    from twin.project import Project

BBox = tuple[float, float, float, float]


def ensure_qt_application() -> QtWidgets.QApplication:
    """The running QApplication, or a new one (offscreen when there is no display)."""
    app = QtWidgets.QApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QtWidgets.QApplication(sys.argv[:1])


def render_project(
    project: Project, size: tuple[int, int] = (1200, 800), bbox: BBox | None = None
) -> QtGui.QImage:
    """Draw ``project`` into an image of ``size`` (width, height) pixels showing at least
    ``bbox`` (minx, miny, maxx, maxy metres; None = full extent), with scale bar and north
    arrow, exactly as the map canvas draws it."""
    return render_map(project, size, bbox, overlays=True)[0]


def render_map(
    project: Project,
    size: tuple[int, int] = (1200, 800),
    bbox: BBox | None = None,
    overlays: bool = False,
    label_scale: float = 1.0,
    label_obstacles: list | None = None,
) -> tuple[QtGui.QImage, BBox]:
    """Draw ``project``'s layers into an image of ``size`` pixels with the window's canvas
    and views; returns the image and the box it shows (metres; ``bbox`` widened to the
    image's aspect). ``overlays``: draw the canvas's own scale bar and north arrow (a page
    layout draws its own); ``label_scale``: size of the labels' text relative to the
    screen's (a page scales it like its other text); ``label_obstacles``: boxes (image
    pixels, :class:`twin.layers.labels.PlacedLabel`) labels keep clear of. Must run on the
    thread that owns the QApplication. Citizen reports are drawn snapped to the 100 m grid
    (:func:`twin.layers.reports.export_view`): an image that leaves twin never places a
    report more precisely."""
    from twin.layers.reports import export_view, is_reports_layer
    from twin.project import Project
    from twin.ui.map.canvas import MapCanvas

    if any(is_reports_layer(layer) for layer in project.layers):
        shown_project = Project(crs=project.crs)
        shown_project.layers = [export_view(layer) for layer in project.layers]
        project = shown_project

    ensure_qt_application()
    width, height = (max(1, int(v)) for v in size)
    canvas = MapCanvas()
    canvas.show_scale_bar = canvas.show_north_arrow = overlays
    canvas.labels.scale = max(0.1, float(label_scale))
    canvas.label_obstacles = list(label_obstacles or ())
    canvas.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    canvas.setMinimumSize(1, 1)
    canvas.resize(width, height)
    canvas.show()
    QtWidgets.QApplication.processEvents()  # lay the canvas out before the first paint
    canvas.set_project(project)
    # no paint before the zoom: a big lazy layer would read what the full extent needs
    if bbox is None:
        canvas.zoom_full()
    else:
        canvas.zoom_to_bbox(bbox)
    image = canvas.grab_map()
    shown = canvas.view_bbox()
    canvas.set_project(None)
    canvas.close()
    canvas.deleteLater()
    if image.size() != QtCore.QSize(width, height):
        image = image.scaled(width, height)
    return image.convertToFormat(QtGui.QImage.Format.Format_ARGB32), shown
