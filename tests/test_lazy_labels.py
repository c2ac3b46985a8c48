"""Labels of a big lazy layer come from the features around the view (a box read through
the R-tree with the label column), never from a read of the whole layer."""

from __future__ import annotations

import shapely
from map_helpers import X0, Y0
from test_lazy_layers import shown_canvas
from test_lazy_style import USES, write_blocks

from twin.layers import lazy as lazy_module
from twin.layers.lazy import LazyVectorLayer
from twin.layers.style import LabelStyle, Style


def labelled_layer(path) -> LazyVectorLayer:
    layer = LazyVectorLayer.open(path, "buildings", "buildings")
    layer.style = Style(stroke_width=0.0, labels=LabelStyle(field="use", size=7.0))
    return layer


def test_labels_of_a_lazy_layer_are_those_of_the_features_in_view(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "blocks.gpkg"
    frame = write_blocks(path)  # 1 728 squares 20 m wide every 25 m, and 16 blocks
    reads: list[tuple] = []
    read = lazy_module.read_features_in_bbox

    def recording_read(source, table, bbox, columns):
        result = read(source, table, bbox, columns)
        reads.append((tuple(bbox), list(columns), len(result[0])))
        return result

    monkeypatch.setattr(lazy_module, "read_features_in_bbox", recording_read)
    layer = labelled_layer(path)
    view = (X0 + 200.0, Y0 + 200.0, X0 + 400.0, Y0 + 350.0)
    canvas = shown_canvas(qtbot, layer, view)
    canvas.grab_map()
    drawn = canvas.labels.last_placed
    assert len(drawn) >= 5
    assert not layer.is_loaded  # the whole layer was never read
    assert reads and all(columns == ["use"] for _box, columns, _n in reads)
    assert sum(n for *_rest, n in reads) < len(frame) / 5  # the view's surroundings only
    # each label is the text of a square in the box read around the view
    box = reads[-1][0]
    near = frame[shapely.intersects(frame.geometry.to_numpy(), shapely.box(*box))]
    assert {text for _layer, text, _label in drawn} <= set(near["use"]) <= set(USES)
    # a small pan keeps the labels read; a pan far away reads the new view's
    count = len(reads)
    canvas.move_view_by(20.0, 0.0)
    canvas.grab_map()
    assert len(reads) == count and canvas.labels.last_placed
    canvas.move_view_by(600.0, 0.0)
    canvas.grab_map()
    assert len(reads) == count + 1 and not layer.is_loaded


def test_a_view_too_crowded_is_not_labelled_and_not_read(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "blocks.gpkg"
    write_blocks(path)
    monkeypatch.setattr(lazy_module, "LABEL_READ_LIMIT", 10)
    read_columns = []
    monkeypatch.setattr(
        lazy_module, "read_features_in_bbox", lambda *args: read_columns.append(args) or None
    )
    layer = labelled_layer(path)
    canvas = shown_canvas(qtbot, layer, (X0 + 200.0, Y0 + 200.0, X0 + 400.0, Y0 + 350.0))
    canvas.grab_map()
    assert canvas.labels.last_placed == [] and read_columns == []
    assert not layer.is_loaded
