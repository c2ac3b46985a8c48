"""Vector readers (GeoPackage, GeoJSON, Shapefile, zipped Shapefile): good and broken input,
reprojection, geometry repair, provenance, default styles, feedback and writers."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import zipfile

import geopandas as gpd
import pyogrio
import pytest
import shapely
from pyproj import CRS

from twin.errors import CancelledError, DataError
from twin.feedback import Feedback
from twin.layers import RasterLayer, VectorLayer
from twin.layers.io import layer_names, read_layer, read_layers, write_layer

# Rennes town hall (Hôtel de ville), WGS84 lon/lat, and the same point in Lambert-93
# (EPSG:2154) as computed by PROJ 9.5 through pyproj 3.7:
#   Transformer.from_crs(4326, 2154, always_xy=True).transform(-1.6794, 48.1113)
#   -> (351949.034, 6789307.981)  metres; the brief's rough figure was x 351,900 y 6,789,000.
RENNES_LON, RENNES_LAT = -1.6794, 48.1113
RENNES_L93 = (351949.034, 6789307.981)


def _write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _feature(geometry, **properties):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _points_frame(crs="EPSG:2154"):
    return gpd.GeoDataFrame(
        {"name": ["a", "b", "c"], "value": [1.5, 2.5, 3.5]},
        geometry=[
            shapely.Point(350000, 6790000),
            shapely.Point(351000, 6791000),
            shapely.Point(352000, 6792000),
        ],
        crs=crs,
    )


# --- GeoPackage: a real file (momepy's Prague-Bubeneč buildings and streets) ------------------
def test_geopackage_every_layer_with_provenance_and_styles(data_dir):
    path = data_dir / "vector" / "bubenec.gpkg"
    layers = read_layers(path)
    assert [layer.name for layer in layers] == ["buildings", "streets"]
    buildings, streets = layers
    assert (buildings.feature_count, streets.feature_count) == (144, 35)
    assert (buildings.geometry_kind, streets.geometry_kind) == ("polygon", "line")
    assert buildings.crs.equals(CRS.from_epsg(3857))
    provenance = buildings.provenance
    assert provenance.source == str(path.resolve())
    assert provenance.date == dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    assert provenance.method == "read with pyogrio/GDAL GPKG"
    assert provenance.parameters["driver"] == "GPKG"
    assert provenance.parameters["layer"] == "buildings"
    assert provenance.parameters["source_crs"] == "EPSG:3857"
    assert provenance.parameters["dropped_empty_geometries"] == 0
    # one colour per geometry kind: polygons are filled, lines stroked, in different colours
    assert buildings.style.kind == streets.style.kind == "single"
    assert buildings.style.fill_color != streets.style.stroke_color
    assert "uID" in buildings.attribute_columns


def test_geopackage_one_layer_by_name_default_first_and_unknown_name(data_dir):
    path = data_dir / "vector" / "bubenec.gpkg"
    assert read_layer(path).name == "buildings"
    assert read_layer(path, layer="streets").feature_count == 35
    assert layer_names(path) == ["buildings", "streets"]
    with pytest.raises(
        DataError, match=r"bubenec.gpkg has no layer named 'roads'.*buildings, streets"
    ):
        read_layer(path, layer="roads")


def test_geopackage_reprojected_to_the_project_crs(data_dir):
    path = data_dir / "vector" / "bubenec.gpkg"
    source = pyogrio.read_dataframe(path, layer="streets")
    layer = read_layer(path, layer="streets", crs="EPSG:2154")
    assert layer.crs.equals(CRS.from_epsg(2154))
    expected = source.to_crs(2154).total_bounds
    assert layer.bounds == pytest.approx(tuple(expected), abs=0.01)
    assert "reprojected from EPSG:3857 to EPSG:2154" in layer.provenance.method
    assert layer.provenance.parameters["crs"] == "EPSG:2154"


def test_geopackage_empty_layer_skipped_and_named_when_asked(tmp_path):
    path = tmp_path / "mixed.gpkg"
    frame = _points_frame()
    pyogrio.write_dataframe(frame, path, layer="stops")
    pyogrio.write_dataframe(frame.iloc[:0], path, layer="nothing", append=False)
    assert [layer.name for layer in read_layers(path)] == ["stops"]
    with pytest.raises(DataError, match=r"mixed.gpkg, layer 'nothing' is empty"):
        read_layer(path, layer="nothing")


def test_truncated_geopackage_is_reported_as_damaged(tmp_path, data_dir):
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes((data_dir / "vector" / "bubenec.gpkg").read_bytes()[:8192])
    with pytest.raises(DataError, match=r"broken.gpkg is not a readable GeoPackage file"):
        read_layers(broken)


def test_garbage_with_a_geopackage_name(tmp_path):
    garbage = tmp_path / "garbage.gpkg"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(DataError, match=r"garbage.gpkg is not a readable GeoPackage"):
        read_layer(garbage)


def test_format_recognised_from_content_without_extension(tmp_path, data_dir):
    copy = tmp_path / "download"
    shutil.copy(data_dir / "vector" / "bubenec.gpkg", copy)
    assert read_layer(copy, layer="streets").feature_count == 35


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(DataError, match=r"No file at .*nowhere.gpkg"):
        read_layer(tmp_path / "nowhere.gpkg")
    unknown = tmp_path / "notes.xyz"
    unknown.write_text("just some words, not geodata\n")
    with pytest.raises(DataError, match=r"notes.xyz: unknown format \('.xyz' files\).*GeoPackage"):
        read_layer(unknown)


# --- GeoJSON ----------------------------------------------------------------------------------
def test_geojson_point_reprojected_to_lambert93_within_a_centimetre(tmp_path):
    path = _write_geojson(
        tmp_path / "town_hall.geojson",
        [_feature({"type": "Point", "coordinates": [RENNES_LON, RENNES_LAT]}, name="Rennes")],
    )
    layer = read_layer(path, crs="EPSG:2154")
    point = layer.frame.geometry.iloc[0]
    assert point.x == pytest.approx(RENNES_L93[0], abs=0.01)
    assert point.y == pytest.approx(RENNES_L93[1], abs=0.01)
    assert layer.name == "town_hall"
    assert layer.frame["name"].tolist() == ["Rennes"]
    assert layer.geometry_kind == "point"
    assert layer.provenance.parameters["source_crs"] == "EPSG:4326"


def test_geojson_invalid_geometry_repaired_and_empty_counted(tmp_path):
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    square = {"type": "Polygon", "coordinates": [[[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]]}
    path = _write_geojson(
        tmp_path / "parcels.geojson",
        [_feature(bow_tie, id=1), _feature(square, id=2), _feature(None, id=3)],
    )
    layer = read_layer(path)
    assert layer.feature_count == 2  # the feature without geometry is left out ...
    assert layer.provenance.parameters["dropped_empty_geometries"] == 1  # ... and counted
    assert layer.provenance.repaired_geometries == 1
    assert "1 invalid geometries repaired with shapely.make_valid" in layer.provenance.method
    repaired = layer.frame.geometry.iloc[0]
    # the bow-tie becomes its two triangles, each with base 2 (0,0)-(0,2) and height 1: area 2
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(2.0)
    assert layer.frame["id"].tolist() == [1, 2]


def test_geojson_empty_and_broken(tmp_path):
    empty = _write_geojson(tmp_path / "empty.geojson", [])
    with pytest.raises(DataError, match=r"empty.geojson is empty"):
        read_layer(empty)
    only_null = _write_geojson(tmp_path / "nulls.geojson", [_feature(None, id=1)])
    with pytest.raises(DataError, match=r"nulls.geojson has no features with a geometry"):
        read_layer(only_null)
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"type": "Feat')
    with pytest.raises(DataError, match=r"broken.geojson is not a readable GeoJSON file"):
        read_layer(broken)


# --- Shapefile --------------------------------------------------------------------------------
def test_shapefile_read_and_missing_prj(tmp_path):
    path = tmp_path / "stops.shp"
    pyogrio.write_dataframe(_points_frame(), path)
    layer = read_layer(path, crs="EPSG:2154")
    assert layer.feature_count == 3 and layer.provenance.parameters["driver"] == "ESRI Shapefile"
    path.with_suffix(".prj").unlink()
    with pytest.raises(DataError, match=r"stops.shp has no coordinate reference system.*\.prj"):
        read_layer(path, crs="EPSG:2154")
    # a planner who knows the CRS can say it
    layer = read_layer(path, crs="EPSG:4326", source_crs="EPSG:2154")
    assert layer.crs.equals(CRS.from_epsg(4326))
    assert layer.provenance.parameters["source_crs"] == "EPSG:2154"


def test_zipped_shapefiles_one_layer_each(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    pyogrio.write_dataframe(_points_frame(), folder / "stops.shp")
    lines = gpd.GeoDataFrame(
        {"road": ["A"]}, geometry=[shapely.LineString([(0, 0), (100, 100)])], crs="EPSG:2154"
    )
    pyogrio.write_dataframe(lines, folder / "roads.shp")
    archive = tmp_path / "network.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for part in sorted(folder.iterdir()):
            handle.write(part, f"data/{part.name}")
    layers = read_layers(archive)
    assert [(layer.name, layer.geometry_kind, layer.feature_count) for layer in layers] == [
        ("roads", "line", 1),
        ("stops", "point", 3),
    ]
    assert layers[0].provenance.source == str(archive.resolve())
    assert read_layer(archive, layer="stops").feature_count == 3


def test_zip_without_shapefile_and_broken_zip(tmp_path):
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("stops.txt", "stop_id,stop_name\n1,Gare\n")
    with pytest.raises(DataError, match=r"feed.zip holds no Shapefile.*stops.txt"):
        read_layers(archive)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + os.urandom(100))
    with pytest.raises(DataError, match=r"broken.zip is not a readable zip archive"):
        read_layers(broken)


# --- feedback ---------------------------------------------------------------------------------
def test_feedback_progress_and_cancel(data_dir):
    path = data_dir / "vector" / "bubenec.gpkg"
    seen: list[float] = []
    feedback = Feedback(on_progress=lambda percent, message: seen.append(percent))
    read_layers(path, crs="EPSG:2154", feedback=feedback)
    assert seen[0] == 0 and seen[-1] == 100
    assert seen == sorted(seen) and len(seen) >= 4

    # a person presses Cancel as soon as the first layer has been read
    cancelling = Feedback(
        on_progress=lambda percent, message: percent >= 50 and cancelling.cancel()
    )
    with pytest.raises(CancelledError):
        read_layers(path, feedback=cancelling)
    assert cancelling.progress < 100


# --- writers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["out.gpkg", "out.geojson", "out.shp", "out.zip"])
def test_vector_writers_round_trip(tmp_path, name):
    layer = VectorLayer("Bus stops", _points_frame())
    written = write_layer(layer, tmp_path / name)
    back = read_layer(written)
    assert back.feature_count == 3
    assert back.crs.equals(CRS.from_epsg(2154))
    assert back.frame["name"].tolist() == ["a", "b", "c"]
    assert back.frame["value"].tolist() == [1.5, 2.5, 3.5]
    assert back.bounds == pytest.approx(layer.bounds)


def test_geopackage_writer_adds_tables_to_an_existing_file(tmp_path):
    path = tmp_path / "export.gpkg"
    write_layer(VectorLayer("Bus stops", _points_frame()), path)
    write_layer(VectorLayer("Tram stops", _points_frame().iloc[:1]), path)
    assert sorted(name for name, _ in pyogrio.list_layers(path)) == ["bus_stops", "tram_stops"]


def test_writers_refuse_unsupported_targets(tmp_path):
    vector = VectorLayer("stops", _points_frame())
    raster = RasterLayer("dem", [[1.0, 2.0]], (1, 0, 0, 0, -1, 0), "EPSG:2154")
    with pytest.raises(DataError, match=r"stops.*out.kml.*\.gpkg"):
        write_layer(vector, tmp_path / "out.kml")
    with pytest.raises(DataError, match=r"stops.*out.tif"):
        write_layer(vector, tmp_path / "out.tif")
    with pytest.raises(DataError, match=r"raster layer 'dem'.*GeoTIFF"):
        write_layer(raster, tmp_path / "dem.gpkg")
    with pytest.raises(DataError, match=r"does not exist"):
        write_layer(vector, tmp_path / "missing" / "out.gpkg")


def test_project_file_read_as_layers_and_reprojected(tmp_path):
    from twin.project import Project

    project = Project(crs="EPSG:2154")
    project.add_layer(VectorLayer("Bus stops", _points_frame(), layer_id="stops"))
    path = project.save(tmp_path / "small.twin")
    (layer,) = read_layers(path)
    assert (layer.name, layer.id, layer.feature_count) == ("Bus stops", "stops", 3)
    assert read_layer(path).id == "stops"
    with pytest.raises(DataError, match=r"empty.twin is a twin project without layers"):
        read_layers(Project().save(tmp_path / "empty.twin"))
    wgs84 = read_layer(path, layer="stops", crs="EPSG:4326")
    assert wgs84.crs.equals(CRS.from_epsg(4326))
    assert -2 < wgs84.bounds[0] < -1 and 48 < wgs84.bounds[1] < 49  # near Rennes
    with pytest.raises(DataError, match=r"small.twin has no layer named 'roads'.*Bus stops"):
        read_layer(path, layer="roads")


def test_writer_stores_mixed_attribute_types_as_text(tmp_path):
    frame = _points_frame()
    frame["mixed"] = [1, "two", None]
    path = write_layer(VectorLayer("mixed", frame), tmp_path / "mixed.gpkg")
    back = read_layer(path)
    assert back.frame["mixed"].tolist()[:2] == ["1", "two"]
    assert back.frame["mixed"].isna().tolist()[2]


def test_default_styles_differ_by_geometry_kind_and_are_colour_blind_safe(tmp_path):
    from twin.layers.colors import OKABE_ITO

    frames = {
        "points": _points_frame(),
        "lines": gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs="EPSG:2154"),
        "areas": gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:2154"),
    }
    styles = {}
    for name, frame in frames.items():
        pyogrio.write_dataframe(frame, tmp_path / f"{name}.gpkg")
        styles[name] = read_layer(tmp_path / f"{name}.gpkg").style
    main_colours = {
        styles["points"].fill_color,  # points are filled symbols
        styles["lines"].stroke_color,  # lines are strokes
        styles["areas"].fill_color,  # polygons are filled
    }
    assert len(main_colours) == 3 and main_colours <= set(OKABE_ITO)
    assert styles["lines"].stroke_width > styles["areas"].stroke_width


def test_latin1_shapefile_without_cpg_is_decoded(tmp_path):
    # Arrow only decodes UTF-8; GDAL's own reader recodes a Latin-1 .dbf
    path = tmp_path / "communes.shp"
    frame = gpd.GeoDataFrame(
        {"nom": ["Cesson-Sévigné", "Noyal-Châtillon"]},
        geometry=[shapely.Point(356000, 6788000), shapely.Point(352000, 6782000)],
        crs="EPSG:2154",
    )
    pyogrio.write_dataframe(frame, path, encoding="cp1252")
    path.with_suffix(".cpg").unlink()
    layer = read_layer(path)
    assert layer.frame["nom"].tolist() == ["Cesson-Sévigné", "Noyal-Châtillon"]
