"""CSV points: lon/lat (WGS84) or x/y (project CRS) columns, separators, decimal commas and
the messages for tables twin cannot map."""

from __future__ import annotations

import pytest
from pyproj import CRS

from twin.errors import DataError
from twin.layers.io import read_layer

# Rennes town hall: lon -1.6794, lat 48.1113 -> Lambert-93 (351949.034, 6789307.981) m,
# from PROJ 9.5 (see test_io_vector.py for the computation).
RENNES_L93 = (351949.034, 6789307.981)


def _csv(tmp_path, text, name="sites.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("header", ["lon,lat", "Longitude,Latitude", "LNG,Lat", "long,LATITUDE"])
def test_lon_lat_columns_any_spelling_reprojected(tmp_path, header):
    x_name, y_name = header.split(",")
    path = _csv(tmp_path, f"name,{header},height_m\nHôtel de ville,-1.6794,48.1113,30\n")
    layer = read_layer(path, crs="EPSG:2154")
    point = layer.frame.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx(RENNES_L93, abs=0.01)
    assert layer.frame["name"].tolist() == ["Hôtel de ville"]
    assert layer.frame["height_m"].tolist() == [30]
    assert x_name not in layer.frame.columns  # coordinates live in the geometry only
    assert layer.provenance.parameters["source_crs"] == "EPSG:4326"
    assert layer.provenance.parameters["coordinate_columns"] == [x_name, y_name]
    assert layer.geometry_kind == "point"


def test_x_y_columns_are_in_the_project_crs_or_source_crs(tmp_path):
    path = _csv(tmp_path, "id,X,Y\n1,351949.034,6789307.981\n2,352000,6790000\n")
    layer = read_layer(path, crs="EPSG:2154")
    assert layer.frame.geometry.iloc[0].x == pytest.approx(351949.034)
    assert layer.provenance.parameters["source_crs"] == "EPSG:2154"
    in_wgs84 = read_layer(path, crs="EPSG:4326", source_crs="EPSG:2154")
    point = in_wgs84.frame.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((-1.6794, 48.1113), abs=1e-7)
    with pytest.raises(DataError, match=r"sites.csv has x/y columns.*pass crs="):
        read_layer(path)


def test_easting_northing_semicolons_and_decimal_commas(tmp_path):
    path = _csv(tmp_path, "nom;easting;northing\nMairie;351949,034;6789307,981\n")
    layer = read_layer(path, crs=CRS.from_epsg(2154))
    point = layer.frame.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx(RENNES_L93)


def test_rows_without_coordinates_are_counted(tmp_path):
    path = _csv(tmp_path, "name,lat,lon\na,48.1,-1.6\nb,,\nc,48.2,-1.7\n")
    layer = read_layer(path)
    assert layer.feature_count == 2
    assert layer.provenance.parameters["dropped_empty_geometries"] == 1
    assert "1 features without geometry left out" in layer.provenance.method


def test_csv_without_coordinate_columns_lists_what_it_found(tmp_path):
    path = _csv(tmp_path, "commune,population\nRennes,220488\n")
    with pytest.raises(
        DataError,
        match=r"sites.csv has no coordinate columns.*found: commune, "
        r"population",
    ):
        read_layer(path)


def test_unreadable_numbers_name_the_line(tmp_path):
    path = _csv(tmp_path, "name,lon,lat\na,-1.6,48.1\nb,west,48.2\n")
    with pytest.raises(DataError, match=r"sites.csv: column lon .*not numbers.*line 3: 'west'"):
        read_layer(path)


def test_projected_values_in_lon_lat_columns(tmp_path):
    path = _csv(tmp_path, "lon,lat\n351949,6789307\n")
    with pytest.raises(DataError, match=r"not a longitude/latitude.*columns x and y"):
        read_layer(path)


def test_empty_csv_files(tmp_path):
    with pytest.raises(DataError, match=r"nothing.csv is empty"):
        read_layer(_csv(tmp_path, "", name="nothing.csv"))
    with pytest.raises(DataError, match=r"header.csv has no rows with coordinates"):
        read_layer(_csv(tmp_path, "lon,lat\n", name="header.csv"))


def test_windows_1252_text(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        "nom,lon,lat\nSaint-Jacques-de-la-Lande,-1.72,48.07\nCesson-Sévigné,-1.60,48.12\n".encode(
            "cp1252"
        )
    )
    layer = read_layer(path)
    assert layer.frame["nom"].tolist()[1] == "Cesson-Sévigné"
