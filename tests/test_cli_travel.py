"""`twin travel` on a tiny project: rasters, isochrones, reach, and one-line errors."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from test_transit_cli import _tiny_project
from test_transit_support import X0, Y0

import twin
from twin.cli import main
from twin.sim.transit.travel_project import published_people


def test_travel_from_a_point_writes_rasters_isochrones_and_reach(tmp_path):
    path = _tiny_project(tmp_path)
    out = tmp_path / "out"
    origin = f"{X0 - 150},{Y0 - 150}"
    command = ["travel", str(path), "--from", origin, "--depart", "08:00", "--window", "30"]
    assert main([*command, "--cell", "50", "--out", str(out)]) == 0
    summary = json.loads((out / "travel.json").read_text())
    assert summary["modes"] == ["walk", "transit"] and summary["day"] == "2024-01-02"
    reach = summary["reached_within_minutes"]
    # the 16 buildings (10 persons, 4 premises each) lie within 400 m of the corner: a
    # walk of at most 5 min, a little more with the connectors
    assert reach["10"]["persons"] == {"value": 160, "masked": False}
    assert reach["10"]["premises"] == 64
    with rasterio.open(out / "travel_time_median.tif") as dataset:
        median = dataset.read(1)
        assert dataset.nodata == -1.0 and dataset.crs.to_epsg() == 2154
        row, col = dataset.index(X0 - 150, Y0 - 150)
        far_row, far_col = dataset.index(X0 + 175, Y0 + 175)
    # the origin is 50 m from the street y = Y0 - 100, the centre of its pixel (X0 - 125,
    # Y0 - 125) 25 m from it and 25 m further along: 100 m at 80 m/min
    assert median[row, col] == pytest.approx(1.25)
    assert median[far_row, far_col] > median[row, col]
    with rasterio.open(out / "travel_time_p95.tif") as p95:
        spread = p95.read(1)
    reached = median >= 0
    assert np.all(spread[reached] >= median[reached])
    polygons = gpd.read_file(out / "isochrones.gpkg").sort_values("minutes")
    assert polygons["minutes"].tolist() == [10, 20, 30, 45, 60]
    assert np.all(np.diff(polygons["area_km2"].to_numpy()) >= 0)
    assert polygons.geometry.iloc[0].contains(
        gpd.points_from_xy([X0 - 140], [Y0 - 140], crs=2154)[0]
    )


def test_travel_from_a_layer_gives_every_origin_its_reach(tmp_path):
    path = _tiny_project(tmp_path)
    out = tmp_path / "out"
    command = ["travel", str(path), "--from-layer", "buildings", "--within", "10"]
    assert main([*command, "--window", "10", "--out", str(out)]) == 0
    access = gpd.read_file(out / "access.gpkg")
    assert len(access) == 16
    assert access["persons_within_10min"].tolist() == [160.0] * 16
    assert json.loads((out / "travel.json").read_text())["median_reached"] == 160


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "1,2,3"], "give X,Y in project metres"),
        (["--from", "1,nan"], "finite"),
        (["--from", f"{X0},{Y0}", "--modes", "teleport"], "unknown mode teleport"),
        (["--from", f"{X0},{Y0}", "--window", "0"], "departure window"),
        (["--from", f"{X0},{Y0}", "--cell", "-5"], "pixel size"),
        (["--from-layer", "nothing"], "no layer 'nothing'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, arguments, message):
    path = _tiny_project(tmp_path)
    assert main(["travel", str(path), *arguments, "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error and "Traceback" not in error


def test_people_reached_are_masked_below_eleven_households():
    assert published_people(40.0, 10.0) == {"value": None, "masked": True}
    assert published_people(40.4, 11.0) == {"value": 40, "masked": False}


def test_travel_counts_a_destination_layer(tmp_path):
    import shapely

    from twin.layers import VectorLayer

    project = twin.open_project(_tiny_project(tmp_path))
    schools = gpd.GeoDataFrame(
        {"name": ["near", "far"]},
        geometry=shapely.points([(X0 - 100, Y0 - 100), (X0 + 5000, Y0 + 5000)]),
        crs="EPSG:2154",
    )
    project.add_layer(VectorLayer("schools", schools, layer_id="schools"))
    path = project.save(tmp_path / "with_schools.twin")
    out = tmp_path / "out"
    command = ["travel", str(path), "--from-layer", "buildings", "--to-layer", "schools"]
    assert main([*command, "--within", "15", "--window", "10", "--out", str(out)]) == 0
    access = gpd.read_file(out / "access.gpkg")
    # every building walks to the near school in under 15 min; the far one is off the streets
    assert access["schools_within_15min"].tolist() == [1.0] * 16


def test_bike_and_ride_stops_from_ids_or_a_layer(tmp_path, capsys):
    path = _tiny_project(tmp_path)
    origin = f"{X0 - 150},{Y0 - 150}"
    out = tmp_path / "out"
    base = ["travel", str(path), "--from", origin, "--window", "10", "--out", str(out)]
    modes = ["--modes", "walk,transit,bike_and_ride"]
    assert main([*base, *modes, "--bike-parking", "S1,S2"]) == 0
    assert main([*base, *modes, "--bike-parking", "buildings"]) == 0  # stops near buildings
    assert main([*base, *modes, "--bike-parking", "S1,NOPE"]) == 2
    error = capsys.readouterr().err.strip()
    assert "unknown stop 'NOPE'" in error and "\n" not in error
