"""Style by field on big layers read lazily: the tiles are read with the styled column and
drawn like the same layer in memory; class breaks come from a column read in a worker;
identify reads the clicked feature's row by its id."""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from map_helpers import CRS, X0, Y0, color_at, differing_pixels, project_of
from PySide6.QtCore import Qt

from twin.feedback import Feedback
from twin.layers import Style, VectorLayer, io_vector
from twin.layers.io import read_layer
from twin.layers.lazy import LazyVectorLayer
from twin.layers.style import categorized_style, graduated_style
from twin.layers.style_fields import (
    SAMPLE_LIMIT,
    classify_rows,
    style_columns,
    summarise_column,
)

USES = ("home", "shop", "school", "farm")


def write_blocks(path, columns: int = 48, rows: int = 36) -> gpd.GeoDataFrame:
    """Squares 20 m wide every 25 m (no overlap) with a ``use`` (text) and a ``floors``
    (integer, 1-9) column, and, far from them, 16 big 120 m blocks (drawn in the overview
    as themselves); (X0, Y0) origin."""
    rng = np.random.default_rng(3)
    x, y = np.meshgrid(np.arange(columns) * 25.0, np.arange(rows) * 25.0)
    x, y = X0 + x.ravel(), Y0 + y.ravel()
    squares = list(shapely.box(x, y, x + 20, y + 20))
    blocks = [
        shapely.box(X0 + 1300 + i * 150, Y0 + j * 150, X0 + 1420 + i * 150, Y0 + j * 150 + 120)
        for i in range(4)
        for j in range(4)
    ]
    count = len(squares) + len(blocks)
    frame = gpd.GeoDataFrame(
        {
            "use": rng.choice(USES, count),
            "floors": rng.integers(1, 10, count),
        },
        geometry=squares + blocks,
        crs=CRS,
    )
    pyogrio.write_dataframe(frame, path, layer="buildings", driver="GPKG")
    return frame


def open_lazy(path, monkeypatch) -> LazyVectorLayer:
    """``path`` opened as the user would, with the lazy threshold lowered under its size."""
    monkeypatch.setattr(io_vector, "LAZY_FEATURE_THRESHOLD", 1000)
    layer = read_layer(path, feedback=Feedback())
    assert isinstance(layer, LazyVectorLayer) and not layer.is_loaded
    return layer


def shown_canvas(qtbot, layer, box, size=(400, 300)):
    from twin.ui.map.canvas import MapCanvas

    canvas = MapCanvas()
    canvas.show_scale_bar = canvas.show_north_arrow = False  # pixels of the map alone
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_project(project_of(layer))
    canvas.zoom_to_bbox(box)
    return canvas


def test_lazy_layer_styled_by_field_draws_the_pixels_of_the_layer_in_memory(
    qtbot, tmp_path, monkeypatch
):
    path = tmp_path / "blocks.gpkg"
    frame = write_blocks(path)
    lazy = open_lazy(path, monkeypatch)
    eager = VectorLayer("buildings", pyogrio.read_dataframe(path, layer="buildings"))
    styles = [
        graduated_style(frame["floors"], "floors", count=4, base=Style(stroke_width=0.0)),
        categorized_style(frame["use"], "use", base=Style(stroke_width=1.0)),
    ]
    box = (X0 + 90, Y0 + 60, X0 + 290, Y0 + 210)  # 0.5 m per pixel: the tiles are drawn
    for style in styles:
        lazy.style = eager.style = style
        lazy_canvas = shown_canvas(qtbot, lazy, box)
        eager_canvas = shown_canvas(qtbot, eager, box)
        lazy_image, eager_image = lazy_canvas.grab_map(), eager_canvas.grab_map()
        assert lazy_canvas.view_of(lazy).tile_count >= 1
        assert differing_pixels(lazy_image, eager_image) == 0
        # the class colours are there: the square at column 5, row 4 takes its row's colour
        row = 4 * 48 + 5
        expected = style.class_colors()[style.class_index(frame[style.column].to_numpy())[row]]
        assert color_at(lazy_canvas, lazy_image, 5 * 25.0 + 10, 4 * 25.0 + 10) == expected
    assert not lazy.is_loaded  # drawn from tiles: the layer was never read whole


def test_restyling_a_lazy_layer_reads_the_styled_column_with_the_tiles(
    qtbot, tmp_path, monkeypatch
):
    from twin.layers import lazy as lazy_module

    path = tmp_path / "blocks.gpkg"
    frame = write_blocks(path)
    lazy = open_lazy(path, monkeypatch)
    reads: list[tuple[str, ...]] = []
    read = lazy_module.read_features_in_bbox

    def recording_read(source, table, bbox, columns):
        if str(source) == str(path):  # not the reads left over from another test
            reads.append(tuple(columns))
        return read(source, table, bbox, columns)

    monkeypatch.setattr(lazy_module, "read_features_in_bbox", recording_read)
    canvas = shown_canvas(qtbot, lazy, (X0 + 90, Y0 + 60, X0 + 290, Y0 + 210))
    before = canvas.grab_map()
    assert reads == []  # one colour: geometry only
    lazy.style = categorized_style(frame["use"], "use", base=lazy.style)
    after = canvas.grab_map()
    assert reads and set(reads) == {("use",)}  # only the styled column, no other attribute
    assert differing_pixels(before, after) > 0.2 * 400 * 300


def test_overview_of_a_lazy_layer_takes_the_class_of_each_block(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "blocks.gpkg"
    frame = write_blocks(path)
    lazy = open_lazy(path, monkeypatch)
    style = categorized_style(frame["use"], "use", base=Style(stroke_width=0.0))
    lazy.style = style
    whole = (X0 - 100, Y0 - 100, X0 + 2000, Y0 + 1000)  # 5 m per pixel: the overview
    canvas = shown_canvas(qtbot, lazy, whole, size=(420, 220))
    image = canvas.grab_map()
    view = canvas.view_of(lazy)
    assert view.overview_loaded and view.tile_count == 0
    classes = style.class_index(frame["use"].to_numpy())
    for block in range(16):
        row = len(frame) - 16 + block
        i, j = divmod(block, 4)
        x, y = 1360 + i * 150, j * 150 + 60  # the block's centre
        assert color_at(canvas, image, x, y) == style.class_colors()[classes[row]]


def test_style_editor_reads_the_column_of_a_lazy_layer_in_a_worker(qtbot, tmp_path, monkeypatch):
    from twin.ui.panels.legend import LegendPanel
    from twin.ui.panels.style_editor import StyleEditor

    path = tmp_path / "blocks.gpkg"
    frame = write_blocks(path)
    lazy = open_lazy(path, monkeypatch)
    lazy.style = Style(stroke_width=0.0)  # opaque fill: the pixels are the class colours
    threads: list[bool] = []
    read = LazyVectorLayer.read_columns

    def recording_read(self, columns):
        threads.append(threading.current_thread() is threading.main_thread())
        return read(self, columns)

    monkeypatch.setattr(LazyVectorLayer, "read_columns", recording_read)
    project = project_of(lazy)
    editor, legend = StyleEditor(), LegendPanel()
    qtbot.addWidget(editor)
    qtbot.addWidget(legend)
    legend.set_project(project)
    editor.set_layer(lazy)
    assert editor.graduated_column_combo.findText("floors") >= 0  # numeric, from field types
    assert editor.graduated_column_combo.findText("use") < 0
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData("graduated"))
    editor.graduated_column_combo.setCurrentIndex(editor.graduated_column_combo.findText("floors"))
    editor.method_combo.setCurrentIndex(editor.method_combo.findData("equal-interval"))
    editor.class_count_spin.setValue(4)
    qtbot.waitUntil(lambda: not editor.reading_values(), timeout=20000)
    assert threads and not any(threads)  # the column was read off the UI thread
    preview = [editor.preview.item(i).text() for i in range(editor.preview.count())]
    assert preview == ["1 – 3", "3 – 5", "5 – 7", "7 – 9"]  # floors 1..9, equal intervals
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert lazy.style.kind == "graduated" and lazy.style.column == "floors"
    legend_rows = legend.tree.topLevelItem(0)
    assert [legend_rows.child(i).text(0) for i in range(legend_rows.childCount())] == preview
    assert not lazy.is_loaded
    assert len(threads) == 1  # read once, then remembered
    # the map draws the classes the legend shows
    canvas = shown_canvas(qtbot, lazy, (X0 + 90, Y0 + 60, X0 + 290, Y0 + 210))
    image = canvas.grab_map()
    row = 4 * 48 + 5
    klass = lazy.style.class_index(frame["floors"].to_numpy())[row]
    assert color_at(canvas, image, 5 * 25.0 + 10, 4 * 25.0 + 10) == lazy.style.classes[klass].color


def test_identify_on_a_lazy_feature_shows_its_attributes(qtbot, tmp_path, monkeypatch):
    from twin.ui.map.tools.base import MapEvent
    from twin.ui.map.tools.identify import IdentifyTool
    from twin.ui.panels.inspector import InspectorPanel

    path = tmp_path / "blocks.gpkg"
    frame = write_blocks(path)
    lazy = open_lazy(path, monkeypatch)
    asked: list[list[int]] = []
    by_fid = LazyVectorLayer.features_by_fid

    def recording(self, fids):
        asked.append(list(fids))
        return by_fid(self, fids)

    monkeypatch.setattr(LazyVectorLayer, "features_by_fid", recording)
    inspector = InspectorPanel()
    qtbot.addWidget(inspector)
    tool = IdentifyTool(lambda: [lazy], inspector.show_results)
    row = 7 * 48 + 11  # the square at column 11, row 7
    event = MapEvent(X0 + 11 * 25 + 10, Y0 + 7 * 25 + 10, "left", frozenset(), 400, 300, 1.0)
    tool.press(event)
    tool.release(event)
    table = inspector.table
    cells = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert cells["use"] == frame["use"][row]
    assert cells["floors"] == str(frame["floors"][row])
    assert asked == [[row + 1]]  # that feature's row, by its id (GeoPackage ids from 1)
    assert not lazy.is_loaded


def test_column_summary_keeps_the_extremes_and_counts_the_whole_column():
    rng = np.random.default_rng(1)
    values = pd.Series(rng.normal(50.0, 10.0, SAMPLE_LIMIT * 3))
    values.iloc[123] = -500.0
    values.iloc[-7] = 900.0
    summary = summarise_column("height", values)
    assert len(summary.sample) <= SAMPLE_LIMIT + 2 and summary.total == len(values)
    style = graduated_style(summary.sample, "height", count=5, method="equal-interval")
    assert style.classes[0].lower == -500.0 and style.classes[-1].upper == 900.0
    assert (style.class_index(values.to_numpy()) >= 0).all()  # every value in a class
    kinds = pd.Series(["a"] * 5 + ["b"] * 3 + ["c"])
    assert summarise_column("kind", kinds).counts.to_dict() == {"a": 5, "b": 3, "c": 1}


def test_classes_of_people_figures_respect_the_disclosure_threshold():
    style = graduated_style(np.array([0.0, 50.0, 100.0]), "population", count=2)
    assert style_columns(style, ["name", "population", "households"]) == [
        "population",
        "households",
    ]
    values = pd.DataFrame({"population": [80.0, 90.0, 5.0], "households": [40, 4, 2]})
    # 4 and 2 households are under 11: their figure gets no class (the base colour, 2)
    assert classify_rows(style, values, 2).tolist() == [1, 2, 2]
