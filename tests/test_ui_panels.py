"""Layer panel, legend and style editor, driven as a user would (pytest-qt, offscreen)."""

from __future__ import annotations

import gettext

from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QColorDialog, QStyle, QStyleOptionViewItem
from ui_helpers import make_project

from twin import i18n
from twin.layers.colors import OKABE_ITO
from twin.ui.panels.layers import LAYER_MIME_TYPE, LayerPanel
from twin.ui.panels.legend import LegendPanel
from twin.ui.panels.style_editor import StyleEditor
from twin.ui.panels.swatches import SWATCH_SIZE


def _names(project) -> list[str]:
    return [layer.name for layer in project.layers]


def _row_texts(panel: LayerPanel) -> list[str]:
    model = panel.list_view.model()
    return [model.index(row).data() for row in range(model.rowCount())]


def _checkbox_point(panel: LayerPanel, row: int) -> QPoint:
    view = panel.list_view
    index = view.model().index(row)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    option.index = index
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    rect = view.style().subElementRect(
        QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, view
    )
    return rect.center()


def _drop(view, point: QPoint, mime: QMimeData, action: Qt.DropAction) -> None:
    """What the mouse does at the end of a drag: enter, move over, release on ``point``."""
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for event_type in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        QApplication.sendEvent(view.viewport(), event_type(point, action, mime, buttons, mods))


def _legend_rows(legend: LegendPanel) -> list[tuple[str, list[str]]]:
    tree = legend.tree
    rows = []
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        rows.append((item.text(0), [item.child(j).text(0) for j in range(item.childCount())]))
    return rows


def _icon_center_color(icon) -> str:
    image = icon.pixmap(SWATCH_SIZE).toImage()
    return QColor(image.pixelColor(image.width() // 2, image.height() // 2)).name().upper()


def _legend_child(legend: LegendPanel, layer_name: str, label: str):
    for i in range(legend.tree.topLevelItemCount()):
        item = legend.tree.topLevelItem(i)
        if item.text(0) == layer_name:
            for j in range(item.childCount()):
                if item.child(j).text(0) == label:
                    return item.child(j)
    raise AssertionError(f"no legend row {label!r} under {layer_name!r}")


# --- layer panel ---------------------------------------------------------------------------
def test_layer_panel_lists_layers_top_first_and_checkbox_hides_a_layer(qtbot):
    project = make_project()
    panel = LayerPanel()
    qtbot.addWidget(panel)
    panel.set_project(project)
    panel.resize(320, 400)
    panel.show()
    assert _row_texts(panel) == ["Sites", "Roads", "Buildings", "Terrain"]
    roads = project.layer("Roads")
    assert roads.visible
    qtbot.mouseClick(
        panel.list_view.viewport(), Qt.MouseButton.LeftButton, pos=_checkbox_point(panel, 1)
    )
    assert roads.visible is False
    qtbot.mouseClick(
        panel.list_view.viewport(), Qt.MouseButton.LeftButton, pos=_checkbox_point(panel, 1)
    )
    assert roads.visible is True


def test_layer_panel_drop_reorders_project_layers(qtbot):
    project = make_project()
    panel = LayerPanel()
    qtbot.addWidget(panel)
    panel.set_project(project)
    panel.resize(320, 400)
    panel.show()
    view = panel.list_view
    # Drag "Terrain" (last row) and drop it on the upper half of the first row.
    mime = view.model().mimeData([view.model().index(3)])
    target = view.visualRect(view.model().index(0))
    drop_at = QPoint(target.center().x(), target.top() + 2)
    _drop(view, drop_at, mime, Qt.DropAction.MoveAction)
    assert _names(project) == ["Terrain", "Sites", "Roads", "Buildings"]
    assert _row_texts(panel) == _names(project)


def test_data_files_dropped_on_the_panel_are_announced(qtbot, tmp_path):
    project = make_project()
    panel = LayerPanel()
    qtbot.addWidget(panel)
    panel.set_project(project)
    panel.resize(320, 400)
    panel.show()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "roads.gpkg"))])
    view, drop_at = panel.list_view, QPoint(20, 20)
    action, buttons = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
    mods = Qt.KeyboardModifier.NoModifier
    with qtbot.waitSignal(panel.files_dropped) as dropped:
        QApplication.sendEvent(
            view.viewport(), QDragEnterEvent(drop_at, action, mime, buttons, mods)
        )
        QApplication.sendEvent(
            view.viewport(), QDragMoveEvent(drop_at, action, mime, buttons, mods)
        )
        QApplication.sendEvent(view.viewport(), QDropEvent(drop_at, action, mime, buttons, mods))
    assert dropped.args == [[str(tmp_path / "roads.gpkg")]]
    assert _names(project) == ["Sites", "Roads", "Buildings", "Terrain"]


def test_layer_model_moves_rows_like_an_internal_drag(qtbot):
    project = make_project()
    panel = LayerPanel()
    qtbot.addWidget(panel)
    panel.set_project(project)
    model = panel.list_view.model()
    # QListView's internal move calls moveRow(source_row, destination_before_row).
    assert model.moveRow(model.index(0).parent(), 0, model.index(0).parent(), 3)
    assert _names(project) == ["Roads", "Buildings", "Sites", "Terrain"]
    mime = QMimeData()
    mime.setData(LAYER_MIME_TYPE, b'["%s"]' % project.layer("Terrain").id.encode())
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 1, 0, model.index(0).parent())
    assert _names(project) == ["Roads", "Terrain", "Buildings", "Sites"]
    assert _row_texts(panel) == _names(project)


def test_layer_panel_opacity_zoom_and_remove(qtbot):
    project = make_project()
    panel = LayerPanel()
    qtbot.addWidget(panel)
    panel.set_project(project)
    buildings = project.layer("Buildings")
    panel.select_layer(buildings)
    panel.opacity_slider.setValue(40)  # the user drags the slider to 40 %
    assert buildings.opacity == 0.4
    assert panel.opacity_label.text() == "Opacity 40 %"
    with qtbot.waitSignal(panel.zoom_to_layer_requested) as zoom:
        qtbot.mouseClick(panel.zoom_button, Qt.MouseButton.LeftButton)
    assert zoom.args == [buildings]
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert "Buildings" not in _names(project)
    assert _row_texts(panel) == ["Sites", "Roads", "Terrain"]
    assert panel.current_layer() is project.layer("Terrain")


# --- legend ------------------------------------------------------------------------------------
def test_legend_follows_visibility_and_shows_the_style_colours(qtbot):
    project = make_project()
    legend = LegendPanel()
    qtbot.addWidget(legend)
    legend.set_project(project)
    rows = _legend_rows(legend)
    assert [name for name, _ in rows] == ["Sites", "Roads", "Buildings", "Terrain"]
    # The raster's ramp is labelled with its range and unit (2nd-98th percentile of 0..99).
    assert rows[3][1] and rows[3][1][0].endswith(" m")
    sites = legend.tree.topLevelItem(0)
    assert _icon_center_color(sites.icon(0)) == "#D55E00"
    project.layer("Roads").visible = False
    assert [name for name, _ in _legend_rows(legend)] == ["Sites", "Buildings", "Terrain"]


# --- style editor ----------------------------------------------------------------------------
def _editor_and_legend(qtbot, layer_name: str):
    project = make_project()
    editor, legend = StyleEditor(), LegendPanel()
    qtbot.addWidget(editor)
    qtbot.addWidget(legend)
    legend.set_project(project)
    layer = project.layer(layer_name)
    editor.set_layer(layer)
    return project, layer, editor, legend


def _choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not in the combo"
    combo.setCurrentIndex(index)


def test_style_editor_categories_change_the_legend(qtbot):
    _project, layer, editor, legend = _editor_and_legend(qtbot, "Buildings")
    _choose(editor.kind_combo, "Categories")
    _choose(editor.category_column_combo, "use")
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert layer.style.kind == "categorized"
    assert dict(_legend_rows(legend))["Buildings"] == ["public", "school", "sport"]
    # Okabe-Ito in sorted value order: public orange, school sky blue, sport bluish green.
    colors = [
        _icon_center_color(_legend_child(legend, "Buildings", v).icon(0))
        for v in ("public", "school", "sport")
    ]
    assert colors == list(OKABE_ITO[:3])


def test_style_editor_graduated_equal_intervals(qtbot):
    _project, layer, editor, legend = _editor_and_legend(qtbot, "Buildings")
    _choose(editor.kind_combo, "Graduated classes")
    _choose(editor.graduated_column_combo, "households")
    _choose(editor.method_combo, "Equal intervals")
    editor.class_count_spin.setValue(2)
    editor.unit_edit.setText("households")
    editor.unit_edit.editingFinished.emit()
    preview = [editor.preview.item(i).text() for i in range(editor.preview.count())]
    # households 0, 12, 40: two equal intervals of (40 - 0) / 2 = 20.
    assert preview == ["0 – 20 households", "20 – 40 households"]
    assert layer.style.kind == "single"  # nothing changes before Apply
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert dict(_legend_rows(legend))["Buildings"] == preview


def test_style_editor_single_colour_from_the_safe_palette(qtbot):
    _project, layer, editor, legend = _editor_and_legend(qtbot, "Buildings")
    _choose(editor.color_combo, "Vermillion")
    editor.outline_spin.setValue(0.0)
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert layer.style.fill_color == "#D55E00"
    assert layer.style.stroke_width == 0.0
    buildings = next(
        legend.tree.topLevelItem(i)
        for i in range(legend.tree.topLevelItemCount())
        if legend.tree.topLevelItem(i).text(0) == "Buildings"
    )
    assert _icon_center_color(buildings.icon(0)) == "#D55E00"


def test_style_editor_other_colour_from_the_colour_dialog(qtbot):
    _project, layer, editor, _legend = _editor_and_legend(qtbot, "Roads")

    def pick_in_dialog():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QColorDialog)
        dialog.setCurrentColor(QColor("#123456"))
        dialog.accept()

    QTimer.singleShot(0, pick_in_dialog)
    qtbot.mouseClick(editor.custom_color_button, Qt.MouseButton.LeftButton)
    assert editor.color_combo.currentText() == "#123456"
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert layer.style.fill_color == "#123456"


def test_style_editor_raster_colour_map_and_range(qtbot):
    _project, layer, editor, legend = _editor_and_legend(qtbot, "Terrain")
    assert [editor.kind_combo.itemText(i) for i in range(editor.kind_combo.count())] == [
        "Colour map"
    ]
    assert editor.minimum_spin.suffix() == " m"
    _choose(editor.raster_colormap_combo, "Cividis")
    editor.minimum_spin.setValue(10)
    editor.maximum_spin.setValue(50)
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert (layer.style.colormap, layer.style.value_min, layer.style.value_max) == (
        "cividis",
        10.0,
        50.0,
    )
    assert dict(_legend_rows(legend))["Terrain"] == ["10 – 50 m"]
    ramp = _legend_child(legend, "Terrain", "10 – 50 m").icon(0).pixmap(SWATCH_SIZE).toImage()
    left = QColor(ramp.pixelColor(4, ramp.height() // 2))
    right = QColor(ramp.pixelColor(ramp.width() - 5, ramp.height() // 2))
    # cividis runs from dark blue (#00224E) to yellow (#FEE838).
    assert left.blue() > left.red() and right.red() > right.blue()


def test_style_editor_spin_box_suffixes_are_in_the_users_language(qtbot, monkeypatch):
    """The " classes" and " px" after the numbers come from the catalogue (they were
    written in English in the code): a pretend catalogue shows in the boxes' text."""

    class Pretend(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return {" classes": " Klassen", " px": " Pixel"}.get(message, message)

    monkeypatch.setattr(i18n, "_catalogue", Pretend())
    editor = StyleEditor()
    qtbot.addWidget(editor)
    editor.class_count_spin.setValue(4)
    editor.point_size_spin.setValue(6)
    assert editor.class_count_spin.text() == "4 Klassen"
    assert editor.point_size_spin.text().endswith(" Pixel")
    assert editor.outline_spin.suffix() == " Pixel"


def test_style_preview_names_a_single_colour_layer_in_the_users_language(qtbot):
    """The preview lists the legend rows to come: in French the layer's French name, as
    the legend panel shows it (it showed "Buildings" in a French window)."""
    i18n.set_language("fr")
    try:
        _project, _layer, editor, legend = _editor_and_legend(qtbot, "Buildings")
        preview = [editor.preview.item(i).text() for i in range(editor.preview.count())]
        legend_names = [name for name, _rows in _legend_rows(legend)]
    finally:
        i18n.set_language("en")
    assert preview == ["Bâtiments"] and "Bâtiments" in legend_names


def test_the_selected_layer_stays_selected_when_layers_come_and_go(qtbot):
    from ui_helpers import make_buildings

    project = make_project()
    panel = LayerPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_project(project)
    roads = project.layer("Roads")
    panel.select_layer(roads)
    panel.opacity_slider.setValue(70)
    shown = []
    panel.current_layer_changed.connect(shown.append)
    extra = make_buildings()  # e.g. a scenario's result layer added on top
    extra.name = "Results"
    project.add_layer(extra, index=0)
    assert panel.opacity_label.text() == "Opacity 70 %"  # still Roads' row
    assert panel.opacity_slider.isEnabled()
    assert panel.current_layer() is roads and shown == []  # (an unapplied style edit stays)
    project.remove_layer(roads)  # the selected layer goes: the editors are told
    assert shown[-1] is None
    assert panel.opacity_label.text() == "Opacity –"
