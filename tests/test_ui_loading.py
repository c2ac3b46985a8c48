"""Loading jobs behind File > Open: projects, and data files opened as a new project."""

from __future__ import annotations

import pytest

from twin.errors import DataError
from twin.feedback import Feedback
from twin.ui.project.loading import open_any, read_layers_into


def test_data_file_in_web_mercator_opens_in_its_utm_zone(data_dir):
    progress = []
    project = open_any(
        data_dir / "vector" / "bubenec.gpkg", Feedback(lambda p, m: progress.append(p))
    )
    # Prague-Bubeneč lies near 14.4° E, 50.1° N: UTM zone 33 north, EPSG:32633
    # (zone = floor((14.4 + 180) / 6) + 1 = 33).
    assert project.crs.to_epsg() == 32633
    assert [layer.geometry_kind for layer in project.layers] == ["line", "polygon"]
    assert [layer.feature_count for layer in project.layers] == [35, 144]
    assert progress[-1] == 100
    assert project.metadata["title"] == "bubenec"


def test_layers_read_into_a_project_crs_are_reprojected(data_dir):
    layers = read_layers_into(data_dir / "vector" / "bubenec.gpkg", "EPSG:2154")
    assert all(layer.crs.to_epsg() == 2154 for layer in layers)


def test_missing_and_broken_files_raise_data_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        open_any(tmp_path / "nothing.gpkg")
    broken = tmp_path / "broken.geojson"
    broken.write_text("{ this is not json")
    with pytest.raises(DataError, match=r"broken\.geojson"):
        open_any(broken)


def test_loading_prepares_the_geometry_the_map_view_then_reuses(data_dir, qtbot):
    from twin.ui.map.views.geometry import prepare_geometry
    from twin.ui.map.views.vector import VectorLayerView

    project = open_any(data_dir / "vector" / "bubenec.gpkg")
    buildings = next(layer for layer in project.layers if layer.geometry_kind == "polygon")
    prepared = prepare_geometry(buildings.frame, "polygon")  # the worker already did this
    assert prepared.count == 144
    view = VectorLayerView(buildings)
    assert view.geometry is prepared  # nothing extracted again on the UI thread
    assert view.chunk_painter.chunked is prepared.last_chunks[2]  # nor chunked again
    buildings.set_frame(buildings.frame.iloc[:10].copy())
    assert prepare_geometry(buildings.frame, "polygon").count == 10  # a new frame, new arrays
