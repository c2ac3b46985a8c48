"""The Qt-free layer model: evented properties, styles and the project's layer list."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from twin.layers import Category, Provenance, RasterLayer, Style, VectorLayer
from twin.layers.colors import OKABE_ITO, colormap_lut, hex_to_rgba
from twin.layers.style import categorized_style, class_breaks, graduated_style
from twin.project import Project, View


def _squares(values: list[float], column: str = "population") -> gpd.GeoDataFrame:
    geometries = [shapely.box(i * 10, 0, i * 10 + 5, 5) for i in range(len(values))]
    return gpd.GeoDataFrame({column: values}, geometry=geometries, crs="EPSG:2154")


def test_each_property_has_its_own_signal():
    layer = VectorLayer("Buildings", _squares([1, 2]))
    seen: list[tuple[str, object]] = []
    layer.events.visible.connect(lambda value: seen.append(("visible", value)))
    layer.events.opacity.connect(lambda value: seen.append(("opacity", value)))
    layer.events.name.connect(lambda value: seen.append(("name", value)))
    layer.events.style.connect(lambda value: seen.append(("style", value.fill_color)))
    layer.visible = False
    layer.visible = False  # no change, no event
    layer.opacity = 1.7  # clamped to 1, which is the current value: no event
    layer.opacity = 0.25
    layer.name = "Bâtiments"
    layer.style = layer.style.with_changes(fill_color="#E69F00")
    assert seen == [
        ("visible", False),
        ("opacity", 0.25),
        ("name", "Bâtiments"),
        ("style", "#E69F00"),
    ]


def test_quantile_and_equal_interval_breaks():
    values = np.arange(1, 101, dtype=float)  # 1..100
    # numpy's linear quantiles of 1..100 at 0, .25, .5, .75, 1 are 1, 25.75, 50.5, 75.25, 100
    assert class_breaks(values, 4, "quantile") == pytest.approx([1, 25.75, 50.5, 75.25, 100])
    # equal intervals: (100 - 1) / 4 = 24.75 wide
    assert class_breaks(values, 4, "equal-interval") == pytest.approx([1, 25.75, 50.5, 75.25, 100])
    skewed = np.array([1, 1, 1, 1, 2, 3, 100], dtype=float)
    assert class_breaks(skewed, 2, "equal-interval") == pytest.approx([1, 50.5, 100])
    assert class_breaks(skewed, 2, "quantile") == pytest.approx([1, 1, 100])


def test_graduated_style_classifies_every_value_once():
    frame = _squares([5, 10, 20, 40, 80])
    style = graduated_style(frame["population"], "population", count=2, method="equal-interval")
    # equal intervals of 5..80: [5, 42.5] and [42.5, 80]
    assert [(c.lower, c.upper) for c in style.classes] == [(5, 42.5), (42.5, 80)]
    assert style.class_index(frame["population"]).tolist() == [0, 0, 0, 0, 1]
    assert style.class_index(np.array([np.nan, 1000.0])).tolist() == [-1, -1]
    assert [entry.label for entry in style.legend_entries("polygon")] == ["5 – 42.50", "42.50 – 80"]


def test_categorized_style_uses_colour_blind_safe_palette():
    style = categorized_style(["tram", "bus", "bus", "metro"], "mode")
    assert [c.value for c in style.categories] == ["bus", "metro", "tram"]
    assert [c.color for c in style.categories] == list(OKABE_ITO[:3])
    assert style.class_index(np.array(["tram", "ferry", "bus"], dtype=object)).tolist() == [
        2,
        -1,
        0,
    ]


def test_style_round_trips_through_json_dict():
    style = graduated_style([1.0, 2.0, 3.0, 4.0], "households", count=3, unit="households")
    assert Style.from_dict(style.to_dict()) == style
    categories = categorized_style(np.array([1, 2, 2]), "band")
    assert Style.from_dict(categories.to_dict()) == categories


def test_colormap_endpoints_are_the_published_viridis_colours():
    lut = colormap_lut("viridis", 256)
    assert tuple(lut[0]) == (*hex_to_rgba("#440154")[:3], 255)
    assert tuple(lut[-1]) == (*hex_to_rgba("#FDE725")[:3], 255)


def test_raster_layer_geometry_and_values():
    array = np.array([[1.0, 2.0], [-9999.0, 4.0]], dtype="float32")
    layer = RasterLayer("dem", array, Affine(50, 0, 1000, 0, -50, 2000), "EPSG:2154", -9999.0)
    assert layer.bounds == (1000, 1900, 1100, 2000)
    assert layer.value_at(1010, 1990) == 1.0  # top-left pixel
    assert layer.value_at(1060, 1910) == 4.0  # bottom-right pixel
    assert layer.value_at(1010, 1910) is None  # nodata
    assert layer.value_at(900, 1990) is None  # outside
    assert layer.feature_count == 3
    assert layer.style.kind == "raster"


def test_project_orders_layers_and_announces_changes():
    project = Project()
    events: list[str] = []
    project.events.layer_inserted.connect(lambda i, layer: events.append(f"+{layer.name}@{i}"))
    project.events.layer_removed.connect(lambda i, layer: events.append(f"-{layer.name}@{i}"))
    project.events.layers_reordered.connect(lambda: events.append("order"))
    roads = project.add_layer(VectorLayer("roads", _squares([1])))
    buildings = project.add_layer(VectorLayer("buildings", _squares([1, 2, 3])))
    assert [layer.name for layer in project.layers] == ["buildings", "roads"]
    project.move_layer(roads, 0)
    assert [layer.name for layer in project.layers] == ["roads", "buildings"]
    project.remove_layer(buildings)
    assert events == ["+roads@0", "+buildings@0", "order", "-buildings@1"]
    assert project.extent == (0, 0, 5, 5)


def test_project_refuses_a_layer_in_another_crs():
    project = Project(crs="EPSG:2154")
    wgs84 = _squares([1]).set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(ValueError, match="EPSG:4326"):
        project.add_layer(VectorLayer("wgs84", wgs84))


def test_views_replace_by_name_and_provenance_is_frozen():
    project = Project()
    project.add_view(View("centre", (0, 0, 10, 10)))
    project.add_view(View("centre", (1, 1, 2, 2)))
    assert project.views == [View("centre", (1, 1, 2, 2))]
    provenance = Provenance(source="x.gpkg", licence="ODbL")
    with pytest.raises(AttributeError):
        provenance.source = "y"  # type: ignore[misc]
    assert Provenance.from_dict(provenance.to_dict()) == provenance


def test_numeric_classes_are_looked_up_like_any_value():
    style = Style(
        kind="raster-classes",
        categories=(Category(3, "#0072B2"), Category(1, "#F0E442"), Category(2, "#56B4E9")),
    )
    codes = np.array([[1, 2, 3], [0, 3, 9]], dtype=np.uint8)
    assert style.class_index(codes).tolist() == [[1, 2, 0], [-1, 0, -1]]
    assert style.class_index(np.array([2.0, np.nan])).tolist() == [2, -1]
    # the same answer as the general path used for text values
    labels = Style(kind="categorized", categories=(Category("bus", "#000000"),))
    assert labels.class_index(np.array(["bus", "tram"], dtype=object)).tolist() == [0, -1]
