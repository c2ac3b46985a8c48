"""Issue 10, hardening: each bad input found by the fuzzing pass gets one clear line (exit
2), hostile files are refused before they cost memory or run code, and nothing is lost
silently. Each test builds the bad input the issue describes and runs it through the CLI or
the reader a user would hit."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pytest
import rasterio
import shapely
from affine import Affine
from ui_helpers import make_project

from twin.cli import main
from twin.errors import DataError, DataWarning, ProjectError
from twin.layers.io import read_layers
from twin.layers.transit import read_gtfs
from twin.project_file import load_project, save_project
from twin.sim.energy.grid_io import read_pandapower_json

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``twin ARGV`` run in this process."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status: int, err: str, *words: str) -> None:
    """The contract: exit 2 and one stderr line (no traceback) containing ``words``."""
    assert status == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


@pytest.fixture
def project_file(tmp_path) -> Path:
    """A small saved project (4 layers) in its own folder."""
    return save_project(make_project(), tmp_path / "town.twin")


def _edit_meta(path: Path, change) -> None:
    connection = sqlite3.connect(path)
    meta = json.loads(connection.execute("SELECT value FROM twin_meta").fetchone()[0])
    change(meta)
    connection.execute("UPDATE twin_meta SET value = ?", (json.dumps(meta),))
    connection.commit()
    connection.close()


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
        ("x", "abc", "'x': 'abc' is not a number"),
        ("height_m", [30], "'height_m': [30] is not a number"),
        ("name", None, "'name': None is not text"),
        ("x", True, "'x': True is not a number"),
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
    assert_one_line_error(status, err, "cells'[0], field 'azimuth_deg': 'north' is not a number")


def test_bad_style_colour_fails_on_open_not_while_drawing(project_file, tmp_path, capsys):
    def paint_it(meta):
        meta["layers"][0]["style"]["fill_color"] = "notacolour"

    _edit_meta(project_file, paint_it)
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


# --- safety -----------------------------------------------------------------------------------
def test_pandapower_json_naming_a_module_is_refused_before_import(tmp_path, capsys):
    hostile = tmp_path / "zen.json"
    hostile.write_text(json.dumps({"_module": "this", "_class": "x", "_object": "{}"}))
    status, out, err = run_cli(capsys, "energy", "--net", str(hostile), "--out", str(tmp_path))
    assert_one_line_error(status, err, "zen.json names the Python module 'this'")
    assert "Beautiful is better than ugly" not in out + err
    # the same module hidden in a table that pandapower decodes as a second JSON text
    net_path = tmp_path / "net.json"
    pp.to_json(pn.example_simple(), str(net_path))
    data = json.loads(net_path.read_text())
    table = data["_object"]["bus"]
    table["_object"] = table["_object"].replace(
        '{"columns"', '{"x": {"_module": "antigravity", "_class": "y"}, "columns"', 1
    )
    hidden = tmp_path / "hidden.json"
    hidden.write_text(json.dumps(data))
    with pytest.raises(DataError, match="names the Python module 'antigravity'"):
        read_pandapower_json(hidden)
    assert len(read_pandapower_json(net_path).bus) == 7  # a genuine network still reads


@pytest.mark.parametrize("name", ["x#y.twin", "a?b.twin", "100%.twin", "a b#c%20d.twin"])
def test_project_paths_with_uri_characters_open_the_right_file(tmp_path, capsys, name):
    path = save_project(make_project(), tmp_path / name)
    (tmp_path / "x.twin").write_text("a different file")  # what an unescaped URI would open
    before = sorted(os.listdir(tmp_path))
    status, out, err = run_cli(capsys, "info", str(path))
    assert status == 0, err
    assert "Test town" not in err and "Buildings" in out
    assert sorted(os.listdir(tmp_path)) == before  # no stray file created
    assert [layer.name for layer in load_project(path).layers] == [
        "Sites",
        "Roads",
        "Buildings",
        "Terrain",
    ]


def test_gtfs_path_outside_the_project_folder_is_refused(project_file, capsys):
    def point_away(meta):
        meta["metadata"]["gtfs"] = "../../../etc/passwd"

    _edit_meta(project_file, point_away)
    status, _, err = run_cli(capsys, "info", str(project_file))
    assert_one_line_error(status, err, "GTFS feed '../../../etc/passwd' is outside")

    def absolute(meta):
        meta["metadata"]["gtfs"] = "/etc/passwd"

    _edit_meta(project_file, absolute)
    with pytest.raises(ProjectError, match="outside the project's folder"):
        load_project(project_file)


def test_saving_onto_a_symlink_updates_its_target(tmp_path):
    real = save_project(make_project(), tmp_path / "store" / "real.twin")
    link = tmp_path / "link.twin"
    link.symlink_to(real)
    project = load_project(link)
    project.metadata["title"] = "Changed through the link"
    save_project(project, link)
    assert link.is_symlink()
    assert load_project(real).metadata["title"] == "Changed through the link"
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["real.twin"]


# --- nothing lost silently --------------------------------------------------------------------
def test_truncated_pbf_is_an_error_not_85_features(tmp_path, data_dir, capsys):
    data = (data_dir / "osm" / "karhula.osm.pbf").read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(data[: len(data) // 2])
    status, _, err = run_cli(capsys, "info", str(cut))
    assert_one_line_error(status, err, "cut.osm.pbf is cut short")


def _shapefile(folder: Path) -> Path:
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"], "households": [12, 30, 18]},
        geometry=[shapely.Point(351_000 + i, 6_789_000) for i in range(3)],
        crs="EPSG:2154",
    )
    path = folder / "points.shp"
    frame.to_file(path)
    return path


def test_shapefile_without_dbf_warns_that_attributes_are_lost(tmp_path, capsys):
    path = _shapefile(tmp_path)
    path.with_suffix(".dbf").unlink()
    with pytest.warns(DataWarning, match="no .dbf file"):
        layers = read_layers(path)
    assert list(layers[0].frame.columns) == ["geometry"]
    status, _, err = run_cli(capsys, "info", str(path))
    assert status == 0
    assert err.strip() == (
        "twin info: warning: points.shp has no .dbf file beside it: only geometries are "
        "read, every attribute is missing"
    )


def test_shapefile_with_a_damaged_or_cut_dbf(tmp_path):
    path = _shapefile(tmp_path)
    table = path.with_suffix(".dbf")
    good = table.read_bytes()
    table.write_bytes(b"\x00garbage" * 10)
    with pytest.warns(DataWarning, match="points.dbf is damaged"):
        read_layers(path)
    table.write_bytes(good[: len(good) - 20])
    with pytest.raises(DataError, match=r"points.dbf is cut short: it declares 3 records"):
        read_layers(path)


def test_layer_listed_twice_opens_with_a_warning_and_saves(project_file, tmp_path, capsys):
    def repeat(meta):
        meta["layers"].append(dict(meta["layers"][1]))

    _edit_meta(project_file, repeat)
    status, _, err = run_cli(capsys, "info", str(project_file))
    assert status == 0
    assert "warning: town.twin lists layer" in err and "more than once" in err
    with pytest.warns(DataWarning):
        project = load_project(project_file)
    assert len(project.layers) == 4
    again = save_project(project, tmp_path / "again.twin")
    assert len(load_project(again).layers) == 4


@pytest.mark.parametrize(("value", "visible"), [("no", False), ("yes", True), (0, False)])
def test_visible_words_are_read_with_a_warning(project_file, value, visible):
    def set_visible(meta):
        meta["layers"][0]["visible"] = value

    _edit_meta(project_file, set_visible)
    with pytest.warns(DataWarning, match="visible"):
        project = load_project(project_file)
    assert project.layers[0].visible is visible


def test_visible_nonsense_is_refused(project_file, capsys):
    def set_visible(meta):
        meta["layers"][0]["visible"] = {"a": 1}

    _edit_meta(project_file, set_visible)
    status, _, err = run_cli(capsys, "info", str(project_file))
    assert_one_line_error(status, err, "visible = {'a': 1}; it must be true or false")


def test_temporary_files_of_an_interrupted_save_are_cleaned_on_open(project_file):
    folder = project_file.parent
    dead = 2**22 + 12345  # above Linux's default pid_max: no process has it
    leftovers = [
        folder / f".town.twin-save-{dead}-abc.gpkg",
        folder / f".town.twin-save-{dead}-abc.gpkg-journal",
    ]
    for leftover in leftovers:
        leftover.write_bytes(b"half a save")
    alive = folder / f".town.twin-save-{os.getpid()}-xyz.gpkg"  # a save in progress
    alive.write_bytes(b"being written")
    load_project(project_file)
    assert not any(p.exists() for p in leftovers)
    assert alive.exists()


def test_a_failed_save_leaves_the_old_file_and_no_temporary(project_file, monkeypatch):
    import twin.project_file as project_file_module

    before = project_file.read_bytes()

    def fail(_project, _path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_file_module, "_write", fail)
    with pytest.raises(ProjectError, match="No space left on device"):
        save_project(make_project(), project_file)
    assert project_file.read_bytes() == before
    assert sorted(p.name for p in project_file.parent.iterdir()) == ["town.twin"]


def test_copy_of_sample_still_opens_without_warnings(tmp_path, recwarn):
    import twin

    copy = tmp_path / "rennes.twin"
    shutil.copy(twin.sample_project_path(), copy)
    project = load_project(copy)
    assert len(project.layers) == 15
    assert not [w for w in recwarn if issubclass(w.category, DataWarning)]
    assert np.isfinite(project.extent).all()


def test_zipped_shapefile_with_a_cut_dbf_or_none(tmp_path):
    path = _shapefile(tmp_path)
    table = path.with_suffix(".dbf").read_bytes()
    cut = tmp_path / "cut.zip"
    with zipfile.ZipFile(cut, "w") as archive:
        for part in ("shp", "shx", "prj"):
            archive.write(path.with_suffix(f".{part}"), f"data/points.{part}")
        archive.writestr("data/points.dbf", table[: len(table) - 20])
    with pytest.raises(DataError, match=r"points.dbf is cut short"):
        read_layers(cut)
    bare = tmp_path / "bare.zip"
    with zipfile.ZipFile(bare, "w") as archive:
        for part in ("shp", "shx", "prj"):
            archive.write(path.with_suffix(f".{part}"), f"points.{part}")
    with pytest.warns(DataWarning, match="points.shp has no .dbf"):
        assert len(read_layers(bare)[0].frame) == 3


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
