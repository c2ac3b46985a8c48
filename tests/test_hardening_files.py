"""Issue 10, hardening (2/2): hostile files are refused before they run code or open the
wrong file, and nothing is lost silently (truncated PBF, Shapefile parts, layers listed
twice, 'visible' words, temporary files of interrupted saves)."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pytest
import shapely
from hardening_helpers import assert_one_line_error, edit_meta, run_cli, saved_project
from ui_helpers import make_project

from twin.errors import DataError, DataWarning, ProjectError
from twin.layers.io import read_layers
from twin.project import Project
from twin.project_save import save_project
from twin.sim.energy.grid_io import read_pandapower_json

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


@pytest.fixture
def project_file(tmp_path) -> Path:
    """A small saved project (4 layers) in its own folder."""
    return saved_project(tmp_path)


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
    assert [layer.name for layer in Project.open(path).layers] == [
        "Sites",
        "Roads",
        "Buildings",
        "Terrain",
    ]


def test_gtfs_path_outside_the_project_folder_is_refused(project_file, capsys):
    def point_away(meta):
        meta["metadata"]["gtfs"] = "../../../etc/passwd"

    edit_meta(project_file, point_away)
    status, _, err = run_cli(capsys, "info", str(project_file))
    assert_one_line_error(status, err, "GTFS feed '../../../etc/passwd' is outside")

    def absolute(meta):
        meta["metadata"]["gtfs"] = "/etc/passwd"

    edit_meta(project_file, absolute)
    with pytest.raises(ProjectError, match="outside the project's folder"):
        Project.open(project_file)


def test_saving_onto_a_symlink_updates_its_target(tmp_path):
    real = save_project(make_project(), tmp_path / "store" / "real.twin")
    link = tmp_path / "link.twin"
    link.symlink_to(real)
    project = Project.open(link)
    project.metadata["title"] = "Changed through the link"
    save_project(project, link)
    assert link.is_symlink()
    assert Project.open(real).metadata["title"] == "Changed through the link"
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

    edit_meta(project_file, repeat)
    status, _, err = run_cli(capsys, "info", str(project_file))
    assert status == 0
    assert "warning: town.twin lists layer" in err and "more than once" in err
    with pytest.warns(DataWarning):
        project = Project.open(project_file)
    assert len(project.layers) == 4
    again = save_project(project, tmp_path / "again.twin")
    assert len(Project.open(again).layers) == 4


@pytest.mark.parametrize(("value", "visible"), [("no", False), ("yes", True), (0, False)])
def test_visible_words_are_read_with_a_warning(project_file, value, visible):
    def set_visible(meta):
        meta["layers"][0]["visible"] = value

    edit_meta(project_file, set_visible)
    with pytest.warns(DataWarning, match="visible"):
        project = Project.open(project_file)
    assert project.layers[0].visible is visible


def test_visible_nonsense_is_refused(project_file, capsys):
    def set_visible(meta):
        meta["layers"][0]["visible"] = {"a": 1}

    edit_meta(project_file, set_visible)
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
    Project.open(project_file)
    assert not any(p.exists() for p in leftovers)
    assert alive.exists()


def test_a_failed_save_leaves_the_old_file_and_no_temporary(project_file, monkeypatch):
    import twin.project_save as project_save_module

    before = project_file.read_bytes()

    def fail(_project, _path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_save_module, "_write", fail)
    with pytest.raises(ProjectError, match="No space left on device"):
        save_project(make_project(), project_file)
    assert project_file.read_bytes() == before
    assert sorted(p.name for p in project_file.parent.iterdir()) == ["town.twin"]


def test_copy_of_sample_still_opens_without_warnings(tmp_path, recwarn):
    import twin

    copy = tmp_path / "rennes.twin"
    shutil.copy(twin.sample_project_path(), copy)
    project = Project.open(copy)
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
