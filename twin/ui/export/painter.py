"""The one Qt painter of page layouts (:mod:`twin.layout`): onto a QImage (PNG, JPEG), a
QPdfWriter (PDF, text kept as text) or a QSvgGenerator (SVG). The map is drawn by the
window's own canvas code (:func:`twin.ui.map.render.render_map`), the rest with QPainter,
all in page pixels so every output looks the same."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui
from PySide6.QtSvg import QSvgGenerator

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.style import LegendEntry
from twin.layout import (
    FOOTER_TEXT_UNITS,
    LEGEND_TWO_COLUMNS_UNITS,
    Layout,
    Rect,
    legend_item_cap,
    legend_rows_per_column,
    regions,
)
from twin.layout_regions import CAPTION_TEXT_UNITS
from twin.ui.export.methods import paint_methods
from twin.ui.map.overlays import draw_north_arrow, draw_scale_bar
from twin.ui.panels.swatches import paint_swatch

if TYPE_CHECKING:  # the map's modules load when a map is drawn: `twin render` of a big
    # GeoPackage draws its own (twin.cli.render_lean) and needs only the page painter
    from twin.project import Project

BBox = tuple[float, float, float, float]

INK = QtGui.QColor("#1E1E1E")
MUTED = QtGui.QColor("#555555")
PAPER = QtGui.QColor("#FFFFFF")
CARD = QtGui.QColor("#F2F2F2")
BETTER = QtGui.QColor("#007A5A")  # bluish green (Okabe-Ito), distinct for colour-blind readers
WORSE = QtGui.QColor("#B35900")  # dark orange
OVERLAY_TEXT_PX = 12.0  # text size of twin.ui.map.overlays, which the page scales
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


def _font(size_px: float, bold: bool = False) -> QtGui.QFont:
    font = QtGui.QFont()
    font.setPixelSize(max(1, round(size_px)))
    font.setBold(bold)
    return font


def _elided(painter: QtGui.QPainter, text: str, width: float) -> str:
    return QtGui.QFontMetricsF(painter.font()).elidedText(
        text, QtCore.Qt.TextElideMode.ElideRight, max(0.0, width)
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
    _paint_header(painter, layout, _rect(parts.header), unit)
    if parts.caption[3] > 0:
        _paint_caption(painter, layout.caption, _rect(parts.caption), unit)
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
        _paint_legend(painter, layout, _rect(parts.legend), unit)
    if layout.kpis:
        _paint_kpis(painter, layout, _rect(parts.kpis), unit)
        paint_methods(painter, layout.kpis, _rect(parts.methods), unit, INK, MUTED)
    _paint_footer(painter, layout, _rect(parts.footer), unit)
    painter.restore()


def _paint_header(painter, layout: Layout, box: QtCore.QRectF, unit: float) -> None:
    if box.height() <= 0:
        return
    top = box.top()
    if layout.title.text:
        painter.setFont(_font(unit * 1.8, bold=True))
        painter.setPen(INK)
        line = QtCore.QRectF(box.left(), top, box.width(), unit * 2.4)
        painter.drawText(
            line,
            QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
            _elided(painter, layout.title.text, box.width()),
        )
        top += unit * 2.4
    if layout.title.subtitle:
        painter.setFont(_font(unit * 1.1))
        painter.setPen(MUTED)
        line = QtCore.QRectF(box.left(), top, box.width(), unit * 1.6)
        painter.drawText(
            line,
            QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
            _elided(painter, layout.title.subtitle, box.width()),
        )


def _paint_caption(painter, text: str, box: QtCore.QRectF, unit: float) -> None:
    """The caption paragraph, word-wrapped; shrunk until it fits its box."""
    flags = (
        QtCore.Qt.AlignmentFlag.AlignLeft
        | QtCore.Qt.AlignmentFlag.AlignTop
        | QtCore.Qt.TextFlag.TextWordWrap
    )
    size = unit * CAPTION_TEXT_UNITS
    font = _font(size)
    while size > 4:
        font = _font(size)
        needed = QtGui.QFontMetricsF(font).boundingRect(box, flags, text)
        if needed.height() <= box.height() and needed.width() <= box.width():
            break
        size *= 0.9
    painter.setFont(font)
    painter.setPen(INK)
    painter.drawText(box, flags, text)


def _paint_legend(painter, layout: Layout, box: QtCore.QRectF, unit: float) -> None:
    painter.setPen(QtGui.QPen(QtGui.QColor("#CCCCCC"), 1))
    painter.setBrush(PAPER)
    painter.drawRect(box)
    pad = unit * 0.6
    row = unit * 1.5
    swatch = QtCore.QSizeF(unit * 1.8, unit * 1.1)
    rows_per_column = legend_rows_per_column(box.height(), unit)
    columns = 2 if box.width() >= unit * LEGEND_TWO_COLUMNS_UNITS else 1
    cap = legend_item_cap(layout, rows_per_column * columns)
    column_width = (box.width() - pad) / columns
    slot = 0
    for group in layout.legend.groups:
        single = len(group.items) == 1 and not group.items[0].label
        rows = [(group.layer, group.items[0] if single else None, True)]
        if not single:
            items = list(group.items)
            shown = items if len(items) <= cap else items[: max(0, cap - 1)]
            rows += [(item.label or "(no label)", item, False) for item in shown]
            if len(shown) < len(items):
                rows.append((f"+ {len(items) - len(shown)} more", None, False))
        for text, item, is_layer in rows:
            column = slot // rows_per_column
            if column >= columns:
                painter.setFont(_font(unit))
                painter.setPen(MUTED)
                painter.drawText(QtCore.QPointF(box.right() - 2 * unit, box.bottom() - pad), "…")
                return
            left = box.left() + pad + column * column_width
            y = box.top() + pad + (slot % rows_per_column) * row
            text_left = left + swatch.width() + pad * 0.7
            if item is not None:
                entry = LegendEntry(
                    item.label, item.fill_color, item.stroke_color, item.shape, item.ramp
                )
                # the panel's swatch drawn at the page's scale, so its lines keep their
                # weight against the text (as the scale bar and north arrow do)
                zoom = max(1.0, unit / OVERLAY_TEXT_PX)
                rect = QtCore.QRectF(
                    left / zoom,
                    (y + (row - swatch.height()) / 2) / zoom,
                    swatch.width() / zoom,
                    swatch.height() / zoom,
                )
                painter.save()
                painter.scale(zoom, zoom)
                paint_swatch(painter, rect, entry, group.point_symbol)
                painter.restore()
            painter.setFont(_font(unit, bold=is_layer))
            painter.setPen(INK)
            text_x = left if is_layer and item is None else text_left
            right = left + column_width - pad
            painter.drawText(
                QtCore.QRectF(text_x, y, right - text_x, row),
                QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter,
                _elided(painter, text, right - text_x),
            )
            slot += 1


def _paint_kpis(painter, layout: Layout, box: QtCore.QRectF, unit: float) -> None:
    count = len(layout.kpis)
    gap = unit * 0.6
    width = (box.width() - gap * (count - 1)) / count
    for index, card in enumerate(layout.kpis):
        rect = QtCore.QRectF(box.left() + index * (width + gap), box.top(), width, box.height())
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(CARD)
        painter.drawRoundedRect(rect, unit * 0.4, unit * 0.4)
        inner = rect.adjusted(unit * 0.6, unit * 0.3, -unit * 0.6, -unit * 0.3)
        third = inner.height() / 3
        painter.setFont(_font(unit * 0.95))
        painter.setPen(MUTED)
        left_v = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
        painter.drawText(
            QtCore.QRectF(inner.left(), inner.top(), inner.width(), third),
            left_v,
            _elided(painter, card.label, inner.width()),
        )
        painter.setFont(_font(unit * 1.7, bold=True))
        painter.setPen(INK)
        value = f"{card.value} {card.unit}".strip()
        painter.drawText(
            QtCore.QRectF(inner.left(), inner.top() + third, inner.width(), third * 1.2),
            left_v,
            _elided(painter, value, inner.width()),
        )
        if card.delta:
            painter.setFont(_font(unit * 0.95))
            tone = {"better": BETTER, "worse": WORSE}.get(card.tone, MUTED)
            painter.setPen(tone)
            change = f"{card.delta} {card.delta_unit}".strip()
            painter.drawText(
                QtCore.QRectF(inner.left(), inner.top() + third * 2.2, inner.width(), third * 0.8),
                left_v,
                _elided(painter, tr("{change} vs baseline").format(change=change), inner.width()),
            )


def _paint_footer(painter, layout: Layout, box: QtCore.QRectF, unit: float) -> None:
    if box.height() <= 0:
        return
    painter.setFont(_font(unit * FOOTER_TEXT_UNITS))
    painter.setPen(MUTED)
    number = ""
    if layout.page_number is not None:
        number = str(layout.page_number)
        if layout.page_count:
            number += f" / {layout.page_count}"
    number_width = QtGui.QFontMetricsF(painter.font()).horizontalAdvance(number) + unit
    if layout.attribution.text:
        text = f"Sources: {layout.attribution.text}"
        area = QtCore.QRectF(box.left(), box.top(), box.width() - number_width, box.height())
        flags = (
            QtCore.Qt.AlignmentFlag.AlignLeft
            | QtCore.Qt.AlignmentFlag.AlignVCenter
            | QtCore.Qt.TextFlag.TextWordWrap
        )
        size = unit * FOOTER_TEXT_UNITS
        font = _font(size)
        while size > 4:  # credits are never cut: shrink until they fit
            font = _font(size)
            needed = QtGui.QFontMetricsF(font).boundingRect(area, flags, text)
            if needed.height() <= area.height() and needed.width() <= area.width():
                break
            size *= 0.9
        painter.setFont(font)
        painter.drawText(area, flags, text)
        painter.setFont(_font(unit * FOOTER_TEXT_UNITS))
    if number:
        painter.drawText(
            box,
            QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter,
            number,
        )


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
