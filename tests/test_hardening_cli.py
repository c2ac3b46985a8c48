"""Issue 10, hardening (1/2): every bad input gets one clear line and exit 2 — deep nesting,
wrong types, bad colours, headers bigger than memory, GTFS zips that unpack beyond their
declared size, unwritable outputs — and a bug is one line with status 1."""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import rasterio
import shapely
from affine import Affine
from hardening_helpers import assert_one_line_error, edit_meta, run_cli, saved_project
from ui_helpers import make_project

from twin.errors import DataError, ProjectError
from twin.layers.transit import read_gtfs
from twin.project_save import save_project

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


@pytest.fixture
def project_file(tmp_path) -> Path:
    """A small saved project (4 layers) in its own folder."""
    return saved_project(tmp_path)


# --- one line, exit 2 -------------------------------------------------------------------------
def test_deeply_nested_scenario_file_is_one_line(tmp_path, capsys):
    scenario = tmp_path / "deep.json"
    scenario.write_text('{"name": "x", "interventions": ' + "[" * 100_000 + "]" * 100_000 + "}")
    status, _, err = run_cli(
        capsys, "simulate", "--scenario-file", str(scenario), "--out", str(tmp_path / "o")
    )
    assert_one_line_error(status, err, "nested too deeply")


def test_deeply_nested_twin_meta_is_one_line(project_file, capsys):
    connection = sqlite3.connect(project_file)
    connection.execute("UPDATE twin_meta SET value = ?", ("[" * 100_000 + "]" * 100_000,))
    connection.commit()
    connection.close()
    status, _, err = run_cli(capsys, "info", str(project_file))
    assert_one_line_error(status, err, "town.twin", "nested too deeply")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("x", "abc", "x = 'abc' is not allowed (allowed: "),
        ("height_m", [30], "height_m = [30] is not allowed (allowed: 0.5 to 300 m"),
        ("name", None, "name = None is not allowed (allowed: text)"),
        ("x", True, "x = True is not allowed (allowed: "),
    ],
)
def test_wrong_types_in_scenario_fields_are_one_line(tmp_path, capsys, field, value, expected):
    site = {"type": "add_mobile_site", "site_id": "s", "name": "n", "x": 1.0, "y": 2.0}
    site[field] = value
    scenario = tmp_path / "typed.json"
    scenario.write_text(json.dumps({"name": "t", "interventions": [site]}))
    status, _, err = run_cli(
        capsys, "simulate", "--scenario-file", str(scenario), "--out", str(tmp_path / "o")
    )
    assert_one_line_error(status, err, "typed.json", "add_mobile_site", expected)


def test_wrong_type_inside_a_cell_is_one_line(tmp_path, capsys):
    site = {
        "type": "add_mobile_site",
        "site_id": "s",
        "name": "n",
        "x": 1.0,
        "y": 2.0,
        "cells": [{"azimuth_deg": "north"}],
    }
    scenario = tmp_path / "cell.json"
    scenario.write_text(json.dumps({"name": "t", "interventions": [site]}))
    status, _, err = run_cli(
        capsys, "simulate", "--scenario-file", str(scenario), "--out", str(tmp_path / "o")
    )
    assert_one_line_error(
        status, err, "azimuth_deg = 'north' is not allowed (allowed: 0 to 360 degrees)"
    )


def test_bad_style_colour_fails_on_open_not_while_drawing(project_file, tmp_path, capsys):
    def paint_it(meta):
        meta["layers"][0]["style"]["fill_color"] = "notacolour"

    edit_meta(project_file, paint_it)
    status, _, err = run_cli(
        capsys, "render", str(project_file), "--out", str(tmp_path / "map.png")
    )
    assert_one_line_error(status, err, "fill_color = 'notacolour' is not a colour")
    assert not (tmp_path / "map.png").exists()


def test_raster_header_bigger_than_memory_is_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "huge.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=100_000,
        height=100_000,
        count=1,
        dtype="float64",
        crs="EPSG:2154",
        transform=Affine(1.0, 0.0, 300_000.0, 0.0, -1.0, 6_800_000.0),
        tiled=True,
        compress="deflate",
        sparse_ok=True,
    ):
        pass
    assert path.stat().st_size < 5_000_000  # a small file that declares 74.5 GiB of pixels
    status, _, err = run_cli(capsys, "info", str(path))
    assert_one_line_error(status, err, "100000 x 100000 pixels of float64 need 74.5 GiB")


def _tiny_gtfs_tables() -> dict[str, str]:
    return {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "a,Test,https://example.org,Europe/Paris\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
        "s1,One,48.11,-1.68\ns2,Two,48.12,-1.67\n",
        "routes.txt": "route_id,route_short_name,route_type\nr1,1,3\n",
        "trips.txt": "route_id,service_id,trip_id\nr1,wk,t1\n",
        "stop_times.txt": "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
        "t1,s1,1,08:00:00,08:00:00\nt1,s2,2,08:05:00,08:05:00\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\nwk,1,1,1,1,1,0,0,20260101,20261231\n",
    }


def _write_zip(path: Path, tables: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in tables.items():
            archive.writestr(name, text)
    return path


def test_gtfs_member_unpacking_beyond_its_declared_size_is_refused(tmp_path):
    tables = _tiny_gtfs_tables()
    tables["stop_times.txt"] += "t1,s2,3,08:06:00,08:06:00\n" * 50_000  # 1.3 MB, packs small
    data = bytearray(_write_zip(tmp_path / "feed.zip", tables).read_bytes())
    member = b"stop_times.txt"
    declared = 1_000
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(member)] == member:
                data[start + size_at : start + size_at + 4] = struct.pack("<I", declared)
            start += 4
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"bomb.zip/stop_times.txt"):
        read_gtfs(bomb)
    assert read_gtfs(tmp_path / "feed.zip").stop_times.shape[0] == 50_002  # the honest one


def test_missing_output_folder_and_read_only_output_are_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status, _, err = run_cli(
        capsys, "simulate", "--scenario-file", "docs/scenario-example.json", "--out",
        str(blocker / "out"), str(tmp_path / "missing.twin"),
    )  # fmt: skip
    assert_one_line_error(status, err, "missing.twin")
    status, _, err = run_cli(capsys, "render", "--out", str(tmp_path / "no" / "map.png"))
    assert_one_line_error(status, err, "does not exist")


def test_oserror_reaching_the_cli_is_one_line(monkeypatch, capsys):
    import twin.cli.info as info

    def refuse(_path):
        raise PermissionError(13, "Permission denied", "/somewhere/town.twin")

    monkeypatch.setattr(info, "describe", refuse)
    status, _, err = run_cli(capsys, "info", "x")
    assert_one_line_error(status, err, "Permission denied: /somewhere/town.twin")


def test_a_bug_is_one_line_with_status_1(monkeypatch, capsys):
    import twin.cli.info as info

    def bug(_path):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(info, "describe", bug)
    status, _, err = run_cli(capsys, "info", "x")
    assert status == 1 and len(err.strip().splitlines()) == 1
    assert "internal error (ZeroDivisionError: division by zero)" in err


def test_saving_into_a_place_that_cannot_hold_it_is_a_project_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ProjectError, match=r"Could not save the project to .*a-file/x.twin"):
        save_project(make_project(), blocker / "x.twin")


def test_pipes_and_devices_are_refused_not_waited_on(tmp_path, capsys):
    pipe = tmp_path / "layer.geojson"
    os.mkfifo(pipe)
    status, _, err = run_cli(capsys, "info", str(pipe))
    assert_one_line_error(status, err, "is not a regular file")
    project_pipe = tmp_path / "town.twin"
    os.mkfifo(project_pipe)
    status, _, err = run_cli(capsys, "render", str(project_pipe), "--out", str(tmp_path / "m.png"))
    assert_one_line_error(status, err, "is not a project file")


def test_an_output_folder_gdal_cannot_write_is_one_line(monkeypatch, capsys, tmp_path):
    import twin.cli.info as info

    def write_where_not_allowed(_path):
        gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:2154").to_file(
            "/proc/twin-test.gpkg", driver="GPKG"
        )

    monkeypatch.setattr(info, "describe", write_where_not_allowed)
    status, _, err = run_cli(capsys, "info", "x")
    assert_one_line_error(status, err, "cannot read or write a file", "/proc/twin-test.gpkg")
