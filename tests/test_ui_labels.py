"""Labels drawn on the map, by ``twin render``'s renderer and in page exports: text with a
halo where the feature is, none outside the label's scale range."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import shapely
from map_helpers import CRS, GREEN, X0, Y0, box_layer, project_of, rgb_array, show_canvas
from PySide6 import QtGui

from twin.layers import Style, VectorLayer
from twin.layers.labels import boxes_overlap
from twin.layers.style import LabelStyle

TEXT = "#1E1E1E"


def text_and_halo(image: QtGui.QImage, centre: tuple[float, float], half: int = 40):
    """Counts of dark (text) and white (halo) pixels within ``half`` px of ``centre``."""
    rgb = rgb_array(image).astype(int)
    x, y = int(centre[0]), int(centre[1])
    patch = rgb[max(0, y - half) : y + half, max(0, x - half) : x + half]
    dark = np.all(np.abs(patch - (0x1E, 0x1E, 0x1E)) < 40, axis=2).sum()
    white = np.all(patch > 235, axis=2).sum()
    return int(dark), int(white)


def commune_layer() -> VectorLayer:
    layer = box_layer("Communes", [(100, 50, 300, 250)], GREEN, commune=["Pacé"])
    layer.style = layer.style.with_changes(labels=LabelStyle(field="commune"))
    return layer


def test_a_commune_label_is_drawn_with_its_halo_at_the_centroid(qtbot):
    canvas = show_canvas(qtbot, project_of(commune_layer()))
    image = canvas.grab_map()
    centre = canvas.map_to_widget(X0 + 200, Y0 + 150)
    dark, white = text_and_halo(image, (centre.x(), centre.y()))
    assert dark > 15 and white > 30  # glyphs in the text colour, ringed by the white halo
    # the same map without labels has neither near the centroid (a green area there)
    layer = canvas.project.layers[0]
    layer.style = layer.style.with_changes(labels=LabelStyle())
    dark, white = text_and_halo(canvas.grab_map(), (centre.x(), centre.y()))
    assert dark == 0 and white == 0


def stops_layer() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"stop_name": ["République"]}, geometry=shapely.points([(X0 + 200, Y0 + 150)]), crs=CRS
    )
    style = Style(
        fill_color="#0072B2",
        point_size=6.0,
        stroke_width=0.0,
        labels=LabelStyle(field="stop_name", max_metres_per_pixel=2.0),
    )
    return VectorLayer("Stops", frame, style=style)


def test_a_stop_label_disappears_below_its_scale_range(qtbot):
    canvas = show_canvas(qtbot, project_of(stops_layer()))  # 1 metre per pixel
    centre = canvas.map_to_widget(X0 + 200, Y0 + 150)
    dark, _ = text_and_halo(canvas.grab_map(), (centre.x(), centre.y()), half=60)
    assert dark > 15  # (the canvas is white: the halo does not show)
    canvas.zoom_by(0.25, (X0 + 200, Y0 + 150))  # 4 metres per pixel: beyond 2 m/px
    assert canvas.map_units_per_pixel() > 2.0
    centre = canvas.map_to_widget(X0 + 200, Y0 + 150)
    dark, _ = text_and_halo(canvas.grab_map(), (centre.x(), centre.y()), half=60)
    assert dark == 0
    canvas.zoom_by(4.0, (X0 + 200, Y0 + 150))
    dark, _ = text_and_halo(canvas.grab_map(), (centre.x(), centre.y()), half=60)
    assert dark > 15


def test_crowded_labels_on_the_map_never_overlap(qtbot):
    rng = np.random.default_rng(3)
    xy = rng.uniform(10, 390, size=(150, 2))
    frame = gpd.GeoDataFrame(
        {"name": [f"Stop number {i}" for i in range(150)]},
        geometry=shapely.points(xy + np.array([X0, Y0])),
        crs=CRS,
    )
    layer = VectorLayer(
        "Stops", frame, style=Style(point_size=4.0, labels=LabelStyle(field="name"))
    )
    canvas = show_canvas(qtbot, project_of(layer))
    canvas.grab_map()
    drawn = canvas.labels.last_placed
    assert 5 < len(drawn) < 150
    for (_, _, a), (_, _, b) in itertools.combinations(drawn, 2):
        assert not boxes_overlap(a.box, b.box)


def test_render_and_page_export_draw_the_labels(tmp_path):
    from twin.layout import Page, build_layout
    from twin.ui.export.painter import export_layout
    from twin.ui.map.render import render_map

    project = project_of(commune_layer())
    image, shown = render_map(project, (400, 300), (X0, Y0, X0 + 400, Y0 + 300))
    x = (200 - (shown[0] - X0)) / (shown[2] - shown[0]) * image.width()
    y = (shown[3] - (Y0 + 150)) / (shown[3] - shown[1]) * image.height()
    dark, white = text_and_halo(image, (x, y))
    assert dark > 15 and white > 30
    layout = build_layout(project, "Labels", None, page=Page(800, 600, 96))
    out = tmp_path / "page.png"
    export_layout(layout, project, out)
    page = QtGui.QImage(str(out))
    rgb = rgb_array(page).astype(int)
    green = np.all(np.abs(rgb - (0x00, 0x9E, 0x73)) < 8, axis=2)
    rows, cols = np.nonzero(green)
    centre = ((cols.min() + cols.max()) / 2, (rows.min() + rows.max()) / 2)
    dark, white = text_and_halo(page, centre)
    assert dark > 8 and white > 30


def test_labels_keep_clear_of_the_scale_bar_and_north_arrow(qtbot):
    from twin.ui.map.labels import overlay_obstacles

    frame = gpd.GeoDataFrame(
        {"name": ["Bottom left corner", "Top right corner"]},
        geometry=shapely.points([(X0 + 20, Y0 + 15), (X0 + 385, Y0 + 290)]),
        crs=CRS,
    )
    layer = VectorLayer("Stops", frame, style=Style(labels=LabelStyle(field="name")))
    canvas = show_canvas(qtbot, project_of(layer))
    canvas.grab_map()
    viewport = canvas.map_viewport()
    corners = overlay_obstacles(viewport.width(), viewport.height(), True, True)
    drawn = canvas.labels.last_placed
    assert len(corners) == 2
    for _, _, label in drawn:
        assert not any(boxes_overlap(label.box, corner.box) for corner in corners)
    canvas.show_scale_bar = canvas.show_north_arrow = False
    canvas.grab_map()
    assert len(canvas.labels.last_placed) == 2  # with no overlays both find room


def test_labels_set_in_the_style_editor_show_on_the_map_and_are_saved(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    import twin
    from twin.ui.panels.style_editor import StyleEditor

    layer = box_layer("Communes", [(100, 50, 300, 250)], GREEN, commune=["Pacé"], people=[7])
    project = project_of(layer)
    canvas = show_canvas(qtbot, project)
    centre = canvas.map_to_widget(X0 + 200, Y0 + 150)
    assert text_and_halo(canvas.grab_map(), (centre.x(), centre.y())) == (0, 0)
    editor = StyleEditor()
    qtbot.addWidget(editor)
    editor.set_layer(layer)
    editor.show()
    assert editor.labels_box.isVisible()
    combo = editor.label_field_combo
    combo.setCurrentIndex(combo.findText("commune"))
    editor.label_size_spin.setValue(16.0)
    editor.label_max_scale_spin.setValue(5.0)
    priority = editor.label_priority_combo
    priority.setCurrentIndex(priority.findData("people"))
    assert layer.style.labels.field is None  # nothing changes before Apply
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    labels = layer.style.labels
    assert (labels.field, labels.size, labels.max_metres_per_pixel) == ("commune", 16.0, 5.0)
    assert labels.priority_field == "people"
    dark, white = text_and_halo(canvas.grab_map(), (centre.x(), centre.y()))
    assert dark > 15 and white > 30
    path = project.save(tmp_path / "labelled.twin")
    reopened = twin.open_project(path)
    assert reopened.layers[0].style.labels == labels
    # choosing "(no labels)" turns them off
    combo.setCurrentIndex(0)
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert not layer.style.labels.enabled


def test_labels_follow_the_map_when_it_moves_between_two_repaints(qtbot):
    canvas = show_canvas(qtbot, project_of(commune_layer()))
    first = canvas.grab_map()
    assert canvas.grab_map() == first  # a repaint of the same view: the same labels
    xmin, ymin, xmax, ymax = canvas.view_bbox()
    canvas.zoom_to_bbox((xmin + 60, ymin, xmax + 60, ymax))  # pan 60 m to the east
    centre = canvas.map_to_widget(X0 + 200, Y0 + 150)
    dark, white = text_and_halo(canvas.grab_map(), (centre.x(), centre.y()))
    assert dark > 15 and white > 30  # drawn where the centroid now is
    (_layer, _text, placed), *_ = canvas.labels.last_placed  # placed anew, there
    assert abs(placed.left + placed.width / 2 - centre.x()) < 5
