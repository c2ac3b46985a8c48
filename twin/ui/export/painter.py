"""The one Qt painter of page layouts (:mod:`twin.layout`): onto a QImage (PNG, JPEG), a
QPdfWriter (PDF, text kept as text) or a QSvgGenerator (SVG). The map is drawn by the
window's own canvas code (:func:`twin.ui.map.render.render_map`), the rest with QPainter
(the page's boxes: :mod:`twin.ui.export.page_parts`), all in page pixels so every output
looks the same."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui
from PySide6.QtSvg import QSvgGenerator

from twin.errors import DataError
from twin.i18n import tr
from twin.layout import Layout, Rect, regions
from twin.ui.export.methods import paint_methods
from twin.ui.export.page_parts import (
    INK,
    MUTED,
    OVERLAY_TEXT_PX,
    PAPER,
    paint_caption,
    paint_footer,
    paint_header,
    paint_kpis,
    paint_legend,
)
from twin.ui.map.overlays import draw_north_arrow, draw_scale_bar

if TYPE_CHECKING:  # the map's modules load when a map is drawn: `twin render` of a big
    # GeoPackage draws its own (twin.cli.render_lean) and needs only the page painter
    from twin.project import Project

BBox = tuple[float, float, float, float]

FORMATS = ("png", "jpg", "jpeg", "pdf", "svg")


def _rect(rect: Rect) -> QtCore.QRectF:
    return QtCore.QRectF(*rect)


def map_scene(project: Project, layout: Layout) -> Project:
    """A project holding only the layers the layout's map frame names (the project's
    order), their lines and points widened for the page's dpi (:func:`line_scale`) so
    they read the same in print; the project itself is not changed."""
    from twin.project import Project
    from twin.ui.export.print_scale import line_scale, scaled_layer

    wanted = set(layout.map.layers)
    factor = line_scale(layout.page.dpi)
    scene = Project(crs=project.crs)
    for layer in project.layers:
        if layer.name in wanted:
            scene.add_layer(scaled_layer(layer, factor), index=len(scene.layers))
    return scene


def render_map_image(layout: Layout, project: Project) -> tuple[QtGui.QImage, BBox]:
    """The map of ``layout`` at its frame's size in page pixels, and the box it shows."""
    from twin.ui.map.labels import overlay_obstacles
    from twin.ui.map.render import render_map

    parts = regions(layout)
    _, _, width, height = parts.map
    scene = map_scene(project, layout)
    # labels grow with the page's text (never below their screen size) and keep clear of
    # the scale bar and north arrow that paint_layout draws over the map
    zoom = parts.unit / OVERLAY_TEXT_PX
    obstacles = overlay_obstacles(
        width,
        height,
        layout.scale_bar.visible,
        layout.north_arrow.visible,
        zoom=zoom,
        scale_bar_pixels=width / 4,
    )
    return render_map(
        scene,
        (round(width), round(height)),
        layout.map.extent,
        label_scale=max(1.0, zoom),
        label_obstacles=obstacles,
    )


def paint_layout(
    painter: QtGui.QPainter, layout: Layout, map_image: QtGui.QImage, shown: BBox
) -> None:
    """Draw ``layout`` with ``painter`` in page pixels, ``map_image`` (showing ``shown``,
    metres) in its map frame."""
    parts = regions(layout)
    unit = parts.unit
    page = QtCore.QRectF(0, 0, layout.page.width_px, layout.page.height_px)
    painter.save()
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
    painter.fillRect(page, PAPER)
    paint_header(painter, layout, _rect(parts.header), unit)
    if parts.caption[3] > 0:
        paint_caption(painter, layout.caption, _rect(parts.caption), unit)
    frame = _rect(parts.map)
    painter.drawImage(frame, map_image)
    painter.setPen(QtGui.QPen(MUTED, max(1.0, unit / 12)))
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    painter.drawRect(frame)
    # the canvas's scale bar and north arrow, scaled from their 12 px text to the page's
    zoom = unit / OVERLAY_TEXT_PX
    painter.save()
    painter.scale(zoom, zoom)
    viewport = QtCore.QRectF(
        frame.left() / zoom, frame.top() / zoom, frame.width() / zoom, frame.height() / zoom
    ).toAlignedRect()
    if layout.scale_bar.visible and frame.width() > 0:
        metres_per_pixel = (shown[2] - shown[0]) / frame.width() * zoom
        draw_scale_bar(painter, viewport, metres_per_pixel, max_pixels=viewport.width() / 4)
    if layout.north_arrow.visible:
        draw_north_arrow(painter, viewport)
    painter.restore()
    if parts.legend[2] > 0:
        paint_legend(painter, layout, _rect(parts.legend), unit)
    if layout.kpis:
        paint_kpis(painter, layout, _rect(parts.kpis), unit)
        paint_methods(painter, layout.kpis, _rect(parts.methods), unit, INK, MUTED)
    paint_footer(painter, layout, _rect(parts.footer), unit)
    painter.restore()


def layout_image(layout: Layout, project: Project) -> QtGui.QImage:
    """The whole page of ``layout`` as an image of the page's pixel size."""
    from twin.ui.map.render import ensure_qt_application

    ensure_qt_application()
    map_image, shown = render_map_image(layout, project)
    return page_image(layout, map_image, shown)


def page_image(layout: Layout, map_image: QtGui.QImage, shown: BBox) -> QtGui.QImage:
    """The page of ``layout`` around an already drawn ``map_image`` (any thread)."""
    image = QtGui.QImage(
        layout.page.width_px, layout.page.height_px, QtGui.QImage.Format.Format_ARGB32
    )
    dots_per_metre = round(layout.page.dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    painter = QtGui.QPainter(image)
    try:
        paint_layout(painter, layout, map_image, shown)
    finally:
        painter.end()
    return image


def check_export_path(path: str | Path) -> Path:
    """``path`` as a Path when twin can write a page there (.png, .jpg, .pdf or .svg in an
    existing folder); DataError (one line) otherwise."""
    path = Path(path)
    if path.suffix.lower().lstrip(".") not in FORMATS:
        raise DataError(tr("{0}: export as .png, .jpg, .pdf or .svg").format(path.name or path))
    if not path.parent.is_dir():
        raise DataError(
            tr("{path}: folder {parent} does not exist").format(path=path, parent=path.parent)
        )
    return path


def export_layout(layout: Layout, project: Project, path: str | Path) -> Path:
    """Write the page of ``layout`` to ``path``: PNG/JPEG, PDF (one page) or SVG by the
    file's extension. DataError (one line) when the format or the file is wrong. Runs on
    the UI thread (the map is drawn by a canvas widget)."""
    from twin.ui.map.render import ensure_qt_application

    path = check_export_path(path)
    ensure_qt_application()
    map_image, shown = render_map_image(layout, project)
    return write_page(layout, map_image, shown, path)


def write_page(layout: Layout, map_image: QtGui.QImage, shown: BBox, path: str | Path) -> Path:
    """Paint ``layout`` around ``map_image`` (showing ``shown``, metres) into ``path`` by its
    extension. Uses no widget, so it may run in a worker thread."""
    path = check_export_path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("png", "jpg", "jpeg"):
        if not page_image(layout, map_image, shown).save(str(path)):
            raise DataError(tr("could not write {path}").format(path=path))
        return path
    width, height = layout.page.width_px, layout.page.height_px
    if suffix == "pdf":
        device = QtGui.QPdfWriter(str(path))
        device.setResolution(round(layout.page.dpi))
        width_mm, height_mm = layout.page.size_mm
        device.setPageSize(
            QtGui.QPageSize(QtCore.QSizeF(width_mm, height_mm), QtGui.QPageSize.Unit.Millimeter)
        )
        device.setPageMargins(QtCore.QMarginsF(0, 0, 0, 0))
        device.setTitle(layout.title.text)
        device.setCreator("twin")
    else:
        device = QSvgGenerator()
        device.setFileName(str(path))
        device.setSize(QtCore.QSize(width, height))
        device.setViewBox(QtCore.QRect(0, 0, width, height))
        device.setResolution(round(layout.page.dpi))
        device.setTitle(layout.title.text)
    painter = QtGui.QPainter()
    if not painter.begin(device):
        raise DataError(tr("could not write {path}").format(path=path))
    try:
        if suffix == "pdf":
            scale = min(device.width() / width, device.height() / height)
            painter.scale(scale, scale)
        paint_layout(painter, layout, map_image, shown)
    finally:
        painter.end()
    if not path.exists():
        raise DataError(tr("could not write {path}").format(path=path))
    return path
