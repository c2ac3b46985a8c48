"""GeoTIFF reader and writer: band 1, nodata, reprojection (nearest for integers, bilinear
for floats), broken input, GeoPackage raster tables."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.errors import NotGeoreferencedWarning

from twin.errors import DataError
from twin.layers import RasterLayer
from twin.layers.io import read_layer, read_layers, write_layer

# A 0.01-degree grid around Rennes (lon -1.75..-1.55, lat 48.05..48.20), 20 x 15 pixels.
WEST, NORTH, STEP = -1.75, 48.20, 0.01
TRANSFORM_4326 = Affine(STEP, 0, WEST, 0, -STEP, NORTH)


def _write_tiff(path, array, transform=TRANSFORM_4326, crs="EPSG:4326", nodata=None):
    profile = {
        "driver": "GTiff",
        "height": array.shape[0],
        "width": array.shape[1],
        "count": 1,
        "dtype": array.dtype.name,
        "transform": transform,
        "nodata": nodata,
    }
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(array, 1)
    return path


def _elevation():
    rows, cols = np.mgrid[0:15, 0:20]
    array = (20.0 + rows * 2.0 + cols * 0.5).astype("float32")
    array[0, 0] = -9999.0
    return array


def test_geotiff_read_as_is(tmp_path):
    path = _write_tiff(tmp_path / "dem.tif", _elevation(), nodata=-9999.0)
    layer = read_layer(path)
    assert isinstance(layer, RasterLayer)
    assert layer.name == "dem"
    np.testing.assert_array_equal(layer.array, _elevation())
    assert layer.transform == TRANSFORM_4326
    assert layer.nodata == -9999.0
    assert layer.feature_count == 15 * 20 - 1  # pixels with data
    assert layer.style.kind == "raster"
    assert layer.provenance.parameters["driver"] == "GTiff"
    assert layer.provenance.method == "read with rasterio/GDAL GTiff"


def test_float_raster_reprojected_bilinear_with_nodata_kept(tmp_path):
    path = _write_tiff(tmp_path / "dem.tif", _elevation(), nodata=-9999.0)
    layer = read_layer(path, crs="EPSG:2154")
    assert layer.crs.equals(CRS.from_epsg(2154))
    assert layer.nodata == -9999.0
    assert (layer.array == -9999.0).any()  # corners outside the rotated source grid
    assert layer.provenance.parameters["resampling"] == "bilinear"
    # The value under Rennes town hall: the source is linear in (col, row), so bilinear
    # resampling returns the plane's value at the point, up to the sub-pixel shift of the
    # target grid (<= 1 pixel: at most 2 m per row + 0.5 m per column).
    x, y = 351949.034, 6789307.981  # Rennes town hall in Lambert-93 (see test_io_vector)
    col, row = ~TRANSFORM_4326 @ (-1.6794, 48.1113)
    expected = 20.0 + (row - 0.5) * 2.0 + (col - 0.5) * 0.5
    assert layer.value_at(x, y) == pytest.approx(expected, abs=2.5)


def test_integer_raster_reprojected_nearest(tmp_path):
    classes = (np.arange(15 * 20).reshape(15, 20) % 7 + 1).astype("uint8")
    path = _write_tiff(tmp_path / "landuse.tif", classes)  # no nodata declared
    layer = read_layer(path, crs="EPSG:2154")
    assert layer.provenance.parameters["resampling"] == "nearest"
    assert layer.nodata == 255  # outside pixels get the largest uint8, declared as nodata
    values = set(np.unique(layer.array[layer.valid_mask()]).tolist())
    assert values <= set(range(1, 8))  # nearest never invents a class
    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    lon, lat = -1.6794, 48.1113
    col, row = (int(v) for v in ~TRANSFORM_4326 @ (lon, lat))
    # away from a pixel edge the nearest class is the source pixel's class
    centre_lon, centre_lat = TRANSFORM_4326 @ (col + 0.5, row + 0.5)
    assert layer.value_at(*to_l93.transform(centre_lon, centre_lat)) == classes[row, col]


def test_garbage_tiff_and_tiff_without_crs(tmp_path):
    garbage = tmp_path / "scan.tif"
    garbage.write_bytes(b"II*\x00" + bytes(range(256)) * 8)
    with pytest.raises(DataError, match=r"scan.tif is not a readable GeoTIFF file"):
        read_layer(garbage)
    no_crs = _write_tiff(tmp_path / "nocrs.tif", _elevation(), crs=None)
    with pytest.raises(DataError, match=r"nocrs.tif has no coordinate reference system"):
        read_layer(no_crs)
    assert read_layer(no_crs, source_crs="EPSG:4326").crs.equals(CRS.from_epsg(4326))
    ungeoreferenced = tmp_path / "photo.tif"
    with (
        pytest.warns(NotGeoreferencedWarning),
        rasterio.open(
            ungeoreferenced, "w", driver="GTiff", height=4, width=4, count=1, dtype="uint8"
        ) as dataset,
    ):
        dataset.write(np.ones((4, 4), dtype="uint8"), 1)
    with pytest.raises(DataError, match=r"photo.tif is not georeferenced"):
        read_layer(ungeoreferenced, source_crs="EPSG:2154")


def test_geotiff_writer_round_trip(tmp_path):
    array = np.arange(12, dtype="float32").reshape(3, 4)
    transform = Affine(50.0, 0, 350000.0, 0, -50.0, 6790000.0)
    layer = RasterLayer("terrain", array, transform, "EPSG:2154", nodata=-9999.0, unit="m")
    path = write_layer(layer, tmp_path / "terrain.tif")
    back = read_layer(path, crs="EPSG:2154")
    np.testing.assert_array_equal(back.array, array)
    assert back.transform == transform and back.nodata == -9999.0
    assert not list(tmp_path.glob(".terrain-*"))  # no temporary file left


def test_geopackage_raster_table_read_with_vectors(tmp_path):
    path = tmp_path / "mixed.gpkg"
    array = (np.arange(16 * 16).reshape(16, 16) % 200).astype("uint8")
    transform = Affine(10.0, 0, 350000.0, 0, -10.0, 6790000.0)
    with rasterio.open(
        path,
        "w",
        driver="GPKG",
        height=16,
        width=16,
        count=1,
        dtype="uint8",
        crs="EPSG:2154",
        transform=transform,
        RASTER_TABLE="orthophoto",
    ) as dataset:
        dataset.write(array, 1)
    layers = read_layers(path)
    assert [(layer.name, layer.kind) for layer in layers] == [("orthophoto", "raster")]
    np.testing.assert_array_equal(layers[0].array, array)
    assert layers[0].provenance.parameters["layer"] == "orthophoto"
