"""Values outside physical ranges are refused with one line naming the field, its value and
the allowed range: scenario fields (on construction and from JSON, CLI exit 2), sites
outside the project extent, negative or non-numeric population, coordinates out of range
for their CRS."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from fuzz_inputs import small_geotiff
from whatif_helpers import sample_project

import twin
from twin.cli import main
from twin.errors import DataError
from twin.scenario import AddMobileSite, CellSpec, Scenario, intervention_from_dict
from twin.sim.radio.population import PopulationPoints

SITE = {
    "type": "add_mobile_site",
    "site_id": "s",
    "name": "S",
    "x": 350_000.0,
    "y": 6_790_000.0,
    "cells": [{"azimuth_deg": 0.0}],
}
LINE = {
    "type": "add_transit_line",
    "name": "L",
    "mode": "bus",
    "stops": [[350_000.0, 6_790_000.0], [351_000.0, 6_790_500.0]],
}
PV = {"type": "add_photovoltaics", "name": "roofs", "x": 350_000.0, "y": 6_790_000.0}
EV = {"type": "add_ev_chargers", "name": "hub", "x": 350_000.0, "y": 6_790_000.0}
GRID_LINE = {"type": "add_grid_line", "name": "g", "from_bus": 1, "to_bus": 2, "std_type": "x"}
EDIT = {"type": "edit_mobile_cell", "site_id": "s", "cell_id": "c"}


def _with(base: dict, **changes) -> dict:
    return {**base, **changes}


def _cell(**changes) -> dict:
    return _with(SITE, cells=[{"azimuth_deg": 0.0, **changes}])


BAD = [
    # (intervention JSON, field, value as written in the message, range words)
    (_cell(bandwidth_mhz=-20.0), "bandwidth_mhz", "-20.0", "more than 0 to 400 MHz"),
    (_cell(tx_power_dbm=500.0), "tx_power_dbm", "500.0", "0 to 80 dBm"),
    (_cell(azimuth_deg=720.0), "azimuth_deg", "720.0", "0 to 360 degrees"),
    (_with(SITE, height_m=-5.0), "height_m", "-5.0", "0.5 to 300 m above ground"),
    (_with(SITE, x=float("nan")), "x", "nan", "m"),
    (_with(SITE, y="north"), "y", "'north'", "m"),
    (_with(EDIT, changes={"bandwidth_mhz": -10.0}), "bandwidth_mhz", "-10.0", "400 MHz"),
    (_with(EDIT, changes={"height_m": 5000}), "height_m", "5000", "300 m"),
    (_with(PV, peak_kw=-300.0), "peak_kw", "-300.0", "more than 0 to 100000 kWp"),
    (_with(EV, count=-2, power_kw=22.0), "count", "-2", "whole numbers 1 to 10000"),
    (_with(EV, count=2, power_kw=0.0), "power_kw", "0.0", "more than 0 to 1000 kW"),
    (_with(GRID_LINE, length_km=-1.0), "length_km", "-1.0", "more than 0 to 1000 km"),
    (_with(GRID_LINE, parallel=0), "parallel", "0", "whole numbers 1 to 100 circuits"),
    (_with(LINE, headway_min=-8.0), "headway_min", "-8.0", "1 to 1440 min"),
    (_with(LINE, service_end="25:99:00"), "service_end", "'25:99:00'", "HH:MM:SS"),
    (_with(LINE, mode=3), "mode", "3", "text"),
    (_with(EDIT, cell_id=["c"]), "cell_id", "['c']", "text"),
]


@pytest.mark.parametrize("data, name, value, allowed", BAD, ids=[b[1] for b in BAD])
def test_each_bad_field_gives_one_line_naming_field_value_and_range(data, name, value, allowed):
    with pytest.raises(DataError) as caught:
        intervention_from_dict(data)
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert f"{name} = {value}" in message
    assert "allowed" in message and allowed in message


def test_construction_checks_the_same_ranges():
    with pytest.raises(DataError, match=r"bandwidth_mhz = -1 .*allowed"):
        CellSpec(0.0, bandwidth_mhz=-1)
    with pytest.raises(DataError, match=r"height_m = 0 "):
        AddMobileSite("s", "S", 350_000.0, 6_790_000.0, 0, cells=(CellSpec(0.0),))
    # good values pass, and integers are fine where floats are expected
    AddMobileSite("s", "S", 350_000, 6_790_000, 30, cells=(CellSpec(0, bandwidth_mhz=20),))


@pytest.mark.parametrize("data", [BAD[0][0], BAD[8][0], BAD[13][0]])
def test_cli_refuses_a_bad_scenario_file_with_exit_2_and_one_line(tmp_path, capsys, data):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "bad", "interventions": [data]}))
    status = main(["simulate", "--scenario-file", str(path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "allowed" in err and "Traceback" not in err


def test_a_site_outside_the_project_extent_is_refused():
    scenario = Scenario.from_dict(
        {"name": "far", "interventions": [_with(SITE, x=9_000_000.0, y=6_790_000.0)]}
    )
    with pytest.raises(DataError) as caught:
        scenario.check_extent((328_650.0, 6_767_700.0, 369_900.0, 6_814_050.0))
    message = str(caught.value)
    assert "x, y = (9000000, 6790000) m" in message
    assert "outside the project extent" in message and "x 328650 to 369900 m" in message
    scenario.check_extent((0.0, 0.0, 10_000_000.0, 10_000_000.0))  # inside: no error


def _buildings(population, crs="EPSG:2154", x=350_000.0, y=6_790_000.0):
    return gpd.GeoDataFrame(
        {"population": population, "households": [1] * len(population)},
        geometry=[shapely.Point(x + 10 * i, y) for i in range(len(population))],
        crs=crs,
    )


@pytest.mark.parametrize(
    "population, words",
    [([3.0, -1_091_000.0], "-1.091e+06 at feature 2"), ([3.0, "many"], "'many' at feature 2")],
)
def test_negative_or_non_numeric_population_is_refused_by_readers(
    tmp_path, capsys, population, words
):
    frame = _buildings(population)
    with pytest.raises(DataError, match="column 'population'"):
        PopulationPoints.from_frame(frame, zone_column=None)
    path = tmp_path / "buildings.geojson"
    frame.to_file(path, driver="GeoJSON")
    status = main(["info", str(path)])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "column 'population'" in err and words in err and "0 or more persons" in err


def test_coordinates_out_of_range_for_their_crs_are_refused(tmp_path, capsys):
    path = tmp_path / "far.geojson"
    _buildings([3.0], crs="EPSG:4326", x=500.0, y=48.0).to_file(path, driver="GeoJSON")
    status = main(["info", str(path)])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "x 500 to 500" in err and "longitude x -180 to 180" in err


@pytest.mark.parametrize(
    "crs, west, north, pixel, words",
    [
        ("EPSG:4326", 1e7, 48.0, 0.01, "x 1e+07 to 1e+07, y 47.97 to 48 are out of range"),
        ("EPSG:4326", -1.7, 95.0, 0.5, "y 93.5 to 95 are out of range for WGS 84"),
        ("EPSG:2154", 350_000.0, 5e8, 100.0, "y 5e+08 to 5e+08 are out of range for RGF93"),
    ],
    ids=["x 1e7 degrees", "latitude 95", "Lambert-93 5e8 m"],
)
def test_a_raster_out_of_range_for_its_crs_is_refused(
    tmp_path, capsys, crs, west, north, pixel, words
):
    from twin.layers.io import read_layer

    path = tmp_path / "far.tif"
    small_geotiff(path, crs, west, north, pixel)
    with pytest.raises(DataError, match="out of range"):
        read_layer(path)
    status = main(["info", str(path)])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "far.tif: coordinates" in err and words in err


def test_a_global_raster_whose_pixel_edges_pass_180_degrees_is_read(tmp_path):
    from twin.layers.io import read_layer

    path = tmp_path / "world.tif"
    small_geotiff(path, "EPSG:4326", -180.25, 90.25, 0.5)
    assert read_layer(path).array.shape == (3, 4)


def test_cli_refuses_a_site_outside_the_project_extent(tmp_path, capsys, monkeypatch):
    project = sample_project()
    monkeypatch.setattr(twin, "open_project", lambda path=None: project)
    path = tmp_path / "far.json"
    far = _with(SITE, x=9_000_000.0)
    path.write_text(json.dumps({"name": "far", "interventions": [far]}))
    status = main(["simulate", "--scenario-file", str(path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "x, y = (9000000, 6790000) m is outside the project extent" in err
    assert not (tmp_path / "o" / "kpis.json").exists()  # nothing costed
