"""The map canvas: a pyqtgraph ViewBox in project metres (y up, aspect locked) showing one
graphics item per layer, with pan/zoom navigation, map tools and overlays."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from twin.layers.base import Layer
from twin.project import Project
from twin.ui.map import overlays
from twin.ui.map.canvas_input import CanvasInput
from twin.ui.map.labels import LabelLayerPainter, overlay_obstacles
from twin.ui.map.tools.base import MapTool
from twin.ui.map.views import LayerView, view_for

BBox = tuple[float, float, float, float]
FULL_EXTENT_MARGIN = 0.02  # fraction of the extent added around "zoom to full extent"
INTERACTION_SETTLE_MS = 160  # after the last wheel step, draw the complete frame


class _MapGraphicsView(pg.GraphicsView):
    """The pyqtgraph view; draws the overlays in widget pixels after the map."""

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(background="w")
        self._canvas = canvas
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)

    def drawForeground(self, painter: QtGui.QPainter, rect) -> None:
        painter.save()
        painter.resetTransform()
        viewport = self.viewport().rect()
        self._canvas.paint_labels(painter, QtCore.QRectF(viewport))
        zoom = self._canvas.overlay_zoom
        units_per_pixel = self._canvas.map_units_per_pixel()
        if zoom != 1.0:  # larger scale bar and north arrow (a presentation screen)
            painter.scale(zoom, zoom)
            viewport = QtCore.QRect(
                0, 0, round(viewport.width() / zoom), round(viewport.height() / zoom)
            )
            units_per_pixel *= zoom
        if self._canvas.show_scale_bar:
            overlays.draw_scale_bar(painter, viewport, units_per_pixel)
        if self._canvas.show_north_arrow:
            overlays.draw_north_arrow(painter, viewport)
        painter.restore()


class MapCanvas(QtWidgets.QWidget):
    """The map of a :class:`Project`.

    Coordinates are project metres. Drag pans, the wheel zooms around the cursor; with
    focus: arrows pan a quarter view, +/= and - zoom by 2, Home shows the full extent.
    A :class:`MapTool` set with :meth:`set_tool` receives :class:`MapEvent` objects; a
    tool that consumes a press stops the canvas from panning; Esc cancels the tool.
    """

    cursor_moved = QtCore.Signal(float, float)
    view_changed = QtCore.Signal(tuple)
    tool_changed = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.tool: MapTool | None = None
        self.show_scale_bar = True
        self.overlay_zoom = 1.0  # size factor of the scale bar and north arrow
        self.show_north_arrow = True
        self.show_labels = True
        self.label_obstacles: list = []  # extra boxes (pixels) labels avoid, e.g. a page's
        # (scale bar, north arrow) corners labels keep clear of; None: those shown. Two
        # canvases compared side by side set both so they place the same labels.
        self.label_overlay_room: tuple[bool, bool] | None = None
        self.labels = LabelLayerPainter()
        self._views: dict[int, LayerView] = {}
        self._graphics_view = _MapGraphicsView(self)
        self.view_box = pg.ViewBox(
            lockAspect=1.0, enableMenu=False, invertY=False, defaultPadding=0.0
        )
        self.view_box.setMouseEnabled(False, False)
        self.view_box.disableAutoRange()
        self._graphics_view.setCentralItem(self.view_box)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._graphics_view)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(64, 64)
        self._settle_timer = QtCore.QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(INTERACTION_SETTLE_MS)
        self._settle_timer.timeout.connect(lambda: self._set_interacting(False))
        self.view_box.sigRangeChanged.connect(self._on_range_changed)
        self._input = CanvasInput(self)
        self._graphics_view.viewport().installEventFilter(self._input)
        self._graphics_view.viewport().setMouseTracking(True)

    # --- project and layers ----------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        """Show ``project`` (None: nothing), one view per layer, and zoom to its extent."""
        if self.project is not None:
            events = self.project.events
            events.layer_inserted.disconnect(self._on_layer_inserted)
            events.layer_removed.disconnect(self._on_layer_removed)
            events.layers_reordered.disconnect(self._restack)
        for view in list(self._views.values()):
            self._drop_view(view)
        self._views.clear()
        self.project = project
        if project is None:
            return
        for layer in project.layers:
            self._add_view(layer)
        self._restack()
        project.events.layer_inserted.connect(self._on_layer_inserted)
        project.events.layer_removed.connect(self._on_layer_removed)
        project.events.layers_reordered.connect(self._restack)
        self.zoom_full()

    def view_of(self, layer: Layer) -> LayerView | None:
        """The graphics item drawing ``layer`` (None if not shown)."""
        return self._views.get(id(layer))

    def _add_view(self, layer: Layer) -> LayerView:
        view = view_for(layer)
        self._views[id(layer)] = view
        self.view_box.addItem(view, ignoreBounds=True)
        return view

    def _drop_view(self, view: LayerView) -> None:
        view.close()
        self.view_box.removeItem(view)

    def _on_layer_inserted(self, _index: int, layer: Layer) -> None:
        self._add_view(layer)
        self._restack()

    def _on_layer_removed(self, _index: int, layer: Layer) -> None:
        view = self._views.pop(id(layer), None)
        if view is not None:
            self._drop_view(view)

    def _restack(self) -> None:
        if self.project is None:
            return
        count = len(self.project.layers)
        for index, layer in enumerate(self.project.layers):
            view = self._views.get(id(layer))
            if view is not None:
                view.setZValue(count - index)  # layers[0] on top

    # --- view box geometry -------------------------------------------------------------------
    def view_bbox(self) -> BBox:
        """The box shown, (minx, miny, maxx, maxy) in project metres."""
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        return (float(x0), float(y0), float(x1), float(y1))

    def map_units_per_pixel(self) -> float:
        """Metres per screen pixel at the current zoom."""
        x0, _, x1, _ = self.view_bbox()
        width = self.view_box.width()
        return (x1 - x0) / width if width > 0 else 1.0

    def zoom_to_bbox(self, bbox: BBox) -> None:
        """Show at least ``bbox`` (metres), centred; the other axis grows to keep the aspect."""
        minx, miny, maxx, maxy = (float(v) for v in bbox)
        if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
            return
        if maxx - minx <= 0 and maxy - miny <= 0:
            minx, maxx, miny, maxy = minx - 50, maxx + 50, miny - 50, maxy + 50
        self.view_box.setRange(xRange=(minx, maxx), yRange=(miny, maxy), padding=0.0)

    def zoom_full(self) -> None:
        """Show the whole project (all layers) with a small margin."""
        if self.project is None:
            return
        minx, miny, maxx, maxy = self.project.extent
        dx = (maxx - minx) * FULL_EXTENT_MARGIN
        dy = (maxy - miny) * FULL_EXTENT_MARGIN
        self.zoom_to_bbox((minx - dx, miny - dy, maxx + dx, maxy + dy))

    def zoom_to_layer(self, layer: Layer) -> None:
        """Show the extent of ``layer``."""
        minx, miny, maxx, maxy = layer.bounds
        dx, dy = (maxx - minx) * FULL_EXTENT_MARGIN, (maxy - miny) * FULL_EXTENT_MARGIN
        self.zoom_to_bbox((minx - dx, miny - dy, maxx + dx, maxy + dy))

    def zoom_by(self, factor: float, centre: tuple[float, float] | None = None) -> None:
        """Zoom in by ``factor`` (>1 zooms in), keeping map point ``centre`` where it is."""
        minx, miny, maxx, maxy = self.view_bbox()
        cx, cy = centre if centre is not None else ((minx + maxx) / 2, (miny + maxy) / 2)
        self.view_box.setRange(
            xRange=(cx - (cx - minx) / factor, cx + (maxx - cx) / factor),
            yRange=(cy - (cy - miny) / factor, cy + (maxy - cy) / factor),
            padding=0.0,
        )

    def zoom_in(self) -> None:
        """Zoom in by 2 around the centre."""
        self.zoom_by(2.0)

    def zoom_out(self) -> None:
        """Zoom out by 2 around the centre."""
        self.zoom_by(0.5)

    def move_view_by(self, dx: float, dy: float) -> None:
        """Move the view by (dx, dy) metres (positive: east, north)."""
        minx, miny, maxx, maxy = self.view_bbox()
        self.view_box.setRange(
            xRange=(minx + dx, maxx + dx), yRange=(miny + dy, maxy + dy), padding=0.0
        )

    def pan_by(self, dx_fraction: float, dy_fraction: float) -> None:
        """Move the view by fractions of its width and height (positive: east, north)."""
        minx, miny, maxx, maxy = self.view_bbox()
        self.move_view_by(dx_fraction * (maxx - minx), dy_fraction * (maxy - miny))

    def map_to_widget(self, x: float, y: float) -> QtCore.QPointF:
        """Widget pixel (of this canvas) of project point (x, y)."""
        scene = self.view_box.mapViewToScene(QtCore.QPointF(x, y))
        point = self._graphics_view.viewportTransform().map(scene)
        offset = self._graphics_view.viewport().mapTo(self, QtCore.QPoint(0, 0))
        return QtCore.QPointF(point.x() + offset.x(), point.y() + offset.y())

    def widget_to_map(self, point: QtCore.QPointF) -> tuple[float, float]:
        """Project coordinates (metres) of a widget pixel of this canvas."""
        offset = self._graphics_view.viewport().mapTo(self, QtCore.QPoint(0, 0))
        local = QtCore.QPointF(point.x() - offset.x(), point.y() - offset.y())
        inverse, _ = self._graphics_view.viewportTransform().inverted()
        view = self.view_box.mapSceneToView(inverse.map(local))
        return float(view.x()), float(view.y())

    def map_viewport(self) -> QtWidgets.QWidget:
        """The widget that receives the map's mouse events (for tests and tools)."""
        return self._graphics_view.viewport()

    # --- labels ------------------------------------------------------------------------------
    def paint_labels(self, painter: QtGui.QPainter, viewport: QtCore.QRectF) -> None:
        """Place and draw the labels of the visible layers (viewport pixels, after the map)."""
        self.labels.last_placed = []
        if not self.show_labels or self.project is None:
            return
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        transform = self._graphics_view.viewportTransform()
        p0 = transform.map(self.view_box.mapViewToScene(QtCore.QPointF(x0, y0)))
        p1 = transform.map(self.view_box.mapViewToScene(QtCore.QPointF(x1, y1)))
        if x1 == x0 or y1 == y0:
            return
        sx, sy = (p1.x() - p0.x()) / (x1 - x0), (p1.y() - p0.y()) / (y1 - y0)

        def to_pixels(xs, ys):
            return p0.x() + (xs - x0) * sx, p0.y() + (ys - y0) * sy

        scale_bar, north_arrow = self.label_overlay_room or (
            self.show_scale_bar,
            self.show_north_arrow,
        )
        obstacles = overlay_obstacles(viewport.width(), viewport.height(), scale_bar, north_arrow)
        self.labels.paint(
            painter,
            list(self.project.layers),
            to_pixels,
            viewport,
            self.map_units_per_pixel(),
            obstacles + list(self.label_obstacles),
        )

    # --- images ------------------------------------------------------------------------------
    def grab_map(self) -> QtGui.QImage:
        """The map as shown (layers and overlays), every layer drawn completely."""
        self._set_interacting(False, repaint=False)
        image = self._graphics_view.grab().toImage()
        # lazy layers asked for the tiles in view while painting: wait for them, draw again
        finishing = [getattr(view, "finish_reads", None) for view in self._views.values()]
        if any([finish() for finish in finishing if finish is not None]):
            image = self._graphics_view.grab().toImage()
        return image

    # --- tools -------------------------------------------------------------------------------
    def set_tool(self, tool: MapTool | None) -> None:
        """Make ``tool`` the active map tool (None: pan/zoom navigation)."""
        if tool is self.tool:
            return
        if self.tool is not None:
            self.tool.deactivate()
        self.tool = tool
        if tool is not None:
            tool.activate(self)
        self.tool_changed.emit(tool)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if not self._input.key(event):
            super().keyPressEvent(event)

    # --- interaction state ---------------------------------------------------------------------
    def moving(self) -> None:
        """Say the view moves continuously (an animated camera, as the wheel does): views
        may draw a scaled preview of their last image until it settles, then draw fully."""
        self._set_interacting(True)

    def _set_interacting(self, interacting: bool, repaint: bool = True) -> None:
        """While zooming continuously, views may show a scaled preview of their last image."""
        for view in self._views.values():
            setter = getattr(view, "set_preview_allowed", None)
            if setter is not None:
                setter(interacting)
        if interacting:
            self._settle_timer.start()
        elif repaint:
            for view in self._views.values():
                view.update()

    def _on_range_changed(self, *_args) -> None:
        self._graphics_view.viewport().update()
        self.view_changed.emit(self.view_bbox())
