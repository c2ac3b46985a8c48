"""Status bar: cursor coordinates with units in the project CRS and WGS84, map scale."""

from __future__ import annotations

import pytest

from twin.ui.status_bar import CoordinateFormatter, CoordinateLabel, format_scale, scale_denominator


def test_lambert93_origin_is_46_5_north_3_east(qtbot):
    # Lambert-93 (EPSG:2154) is defined with its origin at 46°30' N, 3° E mapped to
    # false easting 700 000 m and false northing 6 600 000 m.
    label = CoordinateLabel()
    qtbot.addWidget(label)
    label.set_crs("EPSG:2154")
    label.show_position(700_000.0, 6_600_000.0)
    assert label.text() == "X 700 000 m  Y 6 600 000 m  |  46.5000° N 3.0000° E"


def test_west_longitudes_are_written_with_w():
    formatter = CoordinateFormatter("EPSG:2154")
    text = formatter.wgs84_text(351_912.0, 6_789_123.0)  # Rennes, west of Greenwich
    assert text.startswith("48.1") and text.endswith("° W")


def test_scale_from_view_width_and_screen_resolution():
    # 1 000 m shown on 1 000 px at 96 dpi: 1 m per pixel; a pixel is 0.0254 / 96 m on screen,
    # so the scale is 1 / (0.0254 / 96) = 3 779.5 -> 1:3 800 (two significant figures).
    assert scale_denominator(1000.0, 1000.0, 96.0) == pytest.approx(3779.53, abs=0.01)
    assert format_scale(3779.53) == "Scale 1:3 800"
    assert format_scale(float("nan")) == "Scale –"
