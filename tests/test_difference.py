"""Difference layers between two scenarios: coverage levels gained/lost, PTAL band change,
and their GeoTIFF / GeoPackage export."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine

from twin.errors import DataError
from twin.layers import RasterLayer, VectorLayer
from twin.layers.difference import (
    CHANGE_NODATA,
    change_counts,
    coverage_change,
    difference_layer,
    matching_pairs,
    ptal_change,
)
from twin.layers.io import write_layer

CRS = "EPSG:2154"
TRANSFORM = Affine(50.0, 0.0, 350_000.0, 0.0, -50.0, 6_790_000.0)


def level_layer(name: str, array) -> RasterLayer:
    return RasterLayer(name, np.array(array, dtype=np.uint8), TRANSFORM, CRS, unit="level")


@pytest.fixture
def levels():
    a = level_layer("Baseline: 5G coverage level", [[0, 1, 2], [3, 3, 0]])
    b = level_layer("Densify: 5G coverage level", [[2, 1, 3], [3, 0, 0]])
    return a, b


def test_coverage_change_is_b_minus_a_per_pixel(levels):
    change = coverage_change(*levels, "Baseline", "Densify")
    # [[2-0, 1-1, 3-2], [3-3, 0-3, 0-0]]
    assert change.array.tolist() == [[2, 0, 1], [0, -3, 0]]
    assert change_counts(change) == {"gained": 2, "lost": 1, "unchanged": 3}
    assert change.provenance.source == "engine:difference"
    assert change.provenance.parameters["scenario_b"] == "Densify"
    assert change.name == "Densify vs Baseline: 5G coverage level change"
    # gained pixels are blue, lost orange, unchanged not drawn
    values = [c.value for c in change.style.categories]
    colors = dict(zip(values, change.style.class_colors(), strict=True))
    assert colors[2] == "#0072B2" and colors[-3] == "#7A2E00" and 0 not in colors


def test_nodata_in_either_input_is_nodata_in_the_change():
    a = RasterLayer("A: level", np.array([[1.0, np.nan]]), TRANSFORM, CRS)
    b = RasterLayer("B: level", np.array([[2.0, 3.0]]), TRANSFORM, CRS)
    change = coverage_change(a, b)
    assert change.array.tolist() == [[1, CHANGE_NODATA]]
    assert change.valid_mask().tolist() == [[True, False]]


def test_different_grids_are_a_data_error(levels):
    other = RasterLayer("B: level", np.zeros((2, 3)), TRANSFORM @ Affine.translation(1, 0), CRS)
    with pytest.raises(DataError, match="not on the same grid"):
        coverage_change(levels[0], other)


def test_coverage_change_geotiff_opens_in_the_project_crs(levels, tmp_path):
    path = write_layer(coverage_change(*levels), tmp_path / "change.tif")
    with rasterio.open(path) as dataset:
        assert dataset.crs.to_epsg() == 2154
        assert dataset.transform.almost_equals(TRANSFORM)
        assert dataset.read(1).tolist() == [[2, 0, 1], [0, -3, 0]]
        assert dataset.nodata == CHANGE_NODATA


def ptal_layer(name: str, bands: list[str], ids: list[int]) -> VectorLayer:
    points = shapely.points([(350_000.0 + 100 * i, 6_789_000.0) for i in ids])
    frame = gpd.GeoDataFrame({"building_id": ids, "ptal": bands}, geometry=points, crs=CRS)
    return VectorLayer(name, frame)


def test_ptal_change_counts_bands_in_tfl_order():
    a = ptal_layer("Baseline: PTAL", ["0", "1a", "2", "6a", "3"], [1, 2, 3, 4, 5])
    # listed in another order, building 5 missing in B
    b = ptal_layer("Tram: PTAL", ["6b", "1b", "0", "2"], [4, 2, 1, 3])
    change = ptal_change(a, b, "Baseline", "Tram")
    frame = change.frame.set_index("building_id")
    assert sorted(frame.index) == [1, 2, 3, 4]
    # 1a -> 1b: +1; 6a -> 6b: +1; 0 -> 0: 0; 2 -> 2: 0
    assert frame.loc[2, "bands_gained"] == 1 and frame.loc[4, "bands_gained"] == 1
    assert frame.loc[1, "change"] == "unchanged" and frame.loc[3, "change"] == "unchanged"
    assert frame.loc[4, ["ptal_a", "ptal_b"]].tolist() == ["6a", "6b"]
    lost = ptal_change(b, a)  # the other way round: bands lost
    assert lost.frame.set_index("building_id").loc[2, "change"] == "lost"


def test_ptal_change_exports_to_geopackage(tmp_path):
    a = ptal_layer("A: PTAL", ["1a", "3"], [1, 2])
    b = ptal_layer("B: PTAL", ["4", "1b"], [1, 2])
    path = write_layer(difference_layer(a, b), tmp_path / "diff.gpkg")
    frame = pyogrio.read_dataframe(path)
    assert frame["bands_gained"].tolist() == [4, -2]  # 1a(1) -> 4(5); 3(4) -> 1b(2)
    assert frame.crs.to_epsg() == 2154


def test_unknown_band_is_a_data_error():
    a = ptal_layer("A: PTAL", ["7"], [1])
    with pytest.raises(DataError, match="unknown PTAL band"):
        ptal_change(a, a)


def test_matching_pairs_pairs_layers_by_name_without_scenario(levels):
    a, b = levels
    ptal_a = ptal_layer("Baseline: PTAL", ["1a"], [1])
    ptal_b = ptal_layer("Densify: PTAL", ["2"], [1])
    rsrp = RasterLayer("Densify: 5G coverage best RSRP", np.zeros((2, 3)), TRANSFORM, CRS)
    pairs = matching_pairs([a, ptal_a], [rsrp, ptal_b, b])
    assert pairs == [(a, b), (ptal_a, ptal_b)]
