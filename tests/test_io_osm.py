"""OpenStreetMap PBF through GDAL's OSM driver, on a real extract (Karhula, Finland,
© OpenStreetMap contributors, ODbL; see tests/data/osm/README.md)."""

from __future__ import annotations

import pyogrio
import pytest
import shapely
from pyproj import CRS

from twin.errors import DataError
from twin.layers.io import read_layer, read_layers


@pytest.fixture(scope="module")
def karhula_layers(request):
    path = request.config.rootpath / "tests" / "data" / "osm" / "karhula.osm.pbf"
    return path, read_layers(path, crs="EPSG:3067")  # ETRS89 / TM35FIN, Finland's metric CRS


def test_osm_layers_kinds_and_counts(karhula_layers):
    _, layers = karhula_layers
    summary = [(layer.name, layer.geometry_kind, layer.feature_count) for layer in layers]
    # points and lines as GDAL reads them; multipolygons: GDAL returns 2,302 features, of
    # which 8 are rings of 2 points (GEOS cannot even parse them) and 23 are invalid rings
    # of zero area that repair to nothing: 2,302 - 8 - 23 = 2,271 kept.
    assert summary == [
        ("karhula points", "point", 114),
        ("karhula lines", "line", 339),
        ("karhula multipolygons", "polygon", 2271),
    ]
    assert all(layer.crs.equals(CRS.from_epsg(3067)) for layer in layers)


def test_osm_provenance_licence_and_repairs(karhula_layers):
    path, layers = karhula_layers
    for layer in layers:
        assert layer.provenance.licence == "ODbL"
        assert layer.provenance.attribution == "© OpenStreetMap contributors"
        assert layer.provenance.parameters["driver"] == "OSM"
        assert layer.provenance.source == str(path.resolve())
    polygons = layers[2]
    # 43 parsed multipolygons are invalid: 20 are repaired (self-intersecting rings) and 23
    # collapse to nothing (zero area); with the 8 unparsable ones, 31 are left out, and said.
    assert polygons.provenance.repaired_geometries == 20
    assert polygons.provenance.parameters["dropped_degenerate_geometries"] == 31
    assert polygons.provenance.parameters["dropped_empty_geometries"] == 0
    assert "20 invalid geometries repaired" in polygons.provenance.method
    assert "31 degenerate geometries" in polygons.provenance.method
    assert shapely.is_valid(polygons.frame.geometry.to_numpy()).all()
    assert set(polygons.frame.geometry.geom_type) <= {"Polygon", "MultiPolygon"}


def test_osm_buildings_and_highways_are_there(karhula_layers):
    _, layers = karhula_layers
    points, lines, polygons = layers
    assert polygons.frame["building"].notna().sum() > 2000  # DATA.md: 2,219 buildings
    assert lines.frame["highway"].notna().sum() > 300  # DATA.md: 331 highways
    assert "other_tags" in points.attribute_columns


def test_osm_one_layer_by_gdal_name_and_reprojection(karhula_layers):
    path, _ = karhula_layers
    lines = read_layer(path, layer="lines")
    assert lines.crs.equals(CRS.from_epsg(4326))
    source = pyogrio.read_dataframe(path, layer="lines")
    assert lines.bounds == pytest.approx(tuple(source.total_bounds))
    assert read_layer(path).name == "karhula points"  # the first non-empty layer
    with pytest.raises(DataError, match=r"no layer named 'roads'.*karhula points"):
        read_layer(path, layer="roads")


def test_truncated_pbf_is_reported(tmp_path, data_dir):
    broken = tmp_path / "cut.osm.pbf"
    broken.write_bytes((data_dir / "osm" / "karhula.osm.pbf").read_bytes()[:300])
    with pytest.raises(DataError, match=r"cut.osm.pbf is cut short"):
        read_layers(broken)


def test_osm_xml_file(tmp_path):
    # A hand-written OSM XML document: two tagged nodes and a way between them.
    path = tmp_path / "street.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<osm version="0.6" generator="twin-test">\n'
        '  <node id="1" version="1" lat="48.1113" lon="-1.6794">'
        '<tag k="amenity" v="townhall"/><tag k="name" v="Hôtel de ville"/></node>\n'
        '  <node id="2" version="1" lat="48.1100" lon="-1.6750">'
        '<tag k="highway" v="bus_stop"/><tag k="name" v="République"/></node>\n'
        '  <way id="10" version="1"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="pedestrian"/><tag k="name" v="Rue d\'Orléans"/></way>\n'
        "</osm>\n",
        encoding="utf-8",
    )
    points, lines = read_layers(path, crs="EPSG:2154")
    assert (points.name, points.feature_count) == ("street points", 2)
    assert (lines.name, lines.feature_count) == ("street lines", 1)
    town_hall = points.frame.loc[points.frame["name"] == "Hôtel de ville"].geometry.iloc[0]
    # Lambert-93 of lon -1.6794 lat 48.1113 by PROJ 9.5: (351949.034, 6789307.981) m
    assert (town_hall.x, town_hall.y) == pytest.approx((351949.034, 6789307.981), abs=0.01)
    assert lines.frame["highway"].tolist() == ["pedestrian"]
    assert lines.provenance.licence == "ODbL"
