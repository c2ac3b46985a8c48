"""The dominant geometry kind of a frame (what the map draws a layer as), computed from
shapely's type ids for the whole column at once."""

from __future__ import annotations

import geopandas as gpd
import shapely

from twin.layers.vector import geometry_kind_of

POINT = shapely.Point(0, 0)
LINE = shapely.LineString([(0, 0), (1, 1)])
SQUARE = shapely.box(0, 0, 1, 1)


def _frame(geometries) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(geometries))


def test_the_most_frequent_kind_wins_and_multi_parts_count_as_their_kind():
    assert geometry_kind_of(_frame([SQUARE, shapely.MultiPolygon([SQUARE]), POINT])) == "polygon"
    assert geometry_kind_of(_frame([LINE, shapely.MultiLineString([LINE]), SQUARE])) == "line"
    assert geometry_kind_of(_frame([shapely.MultiPoint([(0, 0), (1, 1)]), LINE])) == "point"
    assert geometry_kind_of(_frame([shapely.LinearRing([(0, 0), (1, 0), (1, 1)])])) == "line"


def test_missing_geometries_do_not_count_and_a_tie_goes_to_the_first_kind_seen():
    assert geometry_kind_of(_frame([None, None, LINE])) == "line"
    assert geometry_kind_of(_frame([LINE, POINT])) == "line"
    assert geometry_kind_of(_frame([POINT, LINE])) == "point"
    assert geometry_kind_of(_frame([])) == "point"
    assert geometry_kind_of(_frame([None])) == "point"


def test_a_geometry_collection_is_drawn_as_a_polygon():
    collection = shapely.GeometryCollection([POINT, SQUARE])
    assert geometry_kind_of(_frame([collection])) == "polygon"
