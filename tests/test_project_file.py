"""The .twin project file: round trip, readable by GDAL-based tools, atomic save, and safe
refusal of damaged or forged files."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from affine import Affine
from pyproj import CRS

import twin.project_save
from twin.errors import ProjectError
from twin.layers import Provenance, RasterLayer, VectorLayer
from twin.layers.style import Style, categorized_style, graduated_style, raster_style
from twin.project import Project, View

# GDAL notes that a GeoPackage is named *.twin; the extension is ours on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension:RuntimeWarning")


def _buildings() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {
            "building_id": [1, 2, 3, 4],
            "usage": ["residential", "commercial", "residential", "public"],
            "height_m": [6.5, 12.0, 9.0, 15.25],
            "households": [3, 0, 5, 0],
            "listed": [True, False, False, True],
            "commune": ["Rennes", "Rennes", None, "Cesson-Sévigné"],
        },
        geometry=[
            shapely.box(x, 6789000, x + 20, 6789015) for x in (351000, 351050, 351100, 351150)
        ],
        crs="EPSG:2154",
    )
    style = categorized_style(frame["usage"], "usage")
    provenance = Provenance(
        source="generated:buildings",
        licence="Licence Ouverte 2.0",
        attribution="INSEE, IGN",
        date="2024-05-01",
        method="generated from commune populations",
        parameters={"seed": 42, "density": {"centre": 2.5}, "classes": ["a", "b"]},
        repaired_geometries=2,
    )
    return VectorLayer("Bâtiments", frame, style=style, provenance=provenance, layer_id="buildings")


def _roads() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"road_id": [1, 2, 3], "maxspeed_kmh": [30, 50, 90], "fid": [10, 11, 12]},
        geometry=[
            shapely.LineString([(351000, 6789000), (351500, 6789500)]),
            shapely.LineString([(351500, 6789500), (352000, 6789400)]),
            shapely.LineString([(352000, 6789400), (353000, 6790000)]),
        ],
        crs="EPSG:2154",
    )
    style = graduated_style(frame["maxspeed_kmh"], "maxspeed_kmh", count=3, unit="km/h")
    return VectorLayer("Roads", frame, style=style, visible=False, opacity=0.4, layer_id="roads")


def _terrain() -> RasterLayer:
    array = np.linspace(20, 80, 12, dtype="float32").reshape(3, 4)
    array[0, 0] = -9999.0
    transform = Affine(50.0, 0.0, 351000.0, 0.0, -50.0, 6790000.0)
    style = raster_style(array, colormap="terrain", nodata=-9999.0, unit="m")
    return RasterLayer(
        "Terrain",
        array,
        transform,
        "EPSG:2154",
        nodata=-9999.0,
        style=style,
        unit="m",
        provenance=Provenance(source="engine:terrain", parameters={"pixel_m": 50}),
        opacity=0.7,
        layer_id="terrain",
    )


@pytest.fixture
def project() -> Project:
    project = Project(crs="EPSG:2154")
    for layer in (_terrain(), _roads(), _buildings()):  # each insert goes on top
        project.add_layer(layer)
    project.add_view(View("Centre", (351000.0, 6789000.0, 352000.0, 6790000.0)))
    project.add_view(View("Nord", (350000.0, 6795000.0, 355000.0, 6800000.0)))
    project.metadata = {"title": "Rennes", "gtfs": "rennes_gtfs.zip", "nested": {"year": 2024}}
    project.scenarios = [{"name": "5G", "interventions": [{"kind": "add-site", "x": 351000}]}]
    return project


def test_round_trip_keeps_everything(tmp_path, project):
    path = project.save(tmp_path / "territory.twin")
    reopened = Project.open(path)
    assert reopened.crs.equals(CRS.from_epsg(2154))
    assert [layer.id for layer in reopened.layers] == ["buildings", "roads", "terrain"]
    assert [layer.name for layer in reopened.layers] == ["Bâtiments", "Roads", "Terrain"]
    for before, after in zip(project.layers, reopened.layers, strict=True):
        assert type(after) is type(before)
        assert after.style == before.style
        assert after.provenance == before.provenance
        assert (after.visible, after.opacity) == (before.visible, before.opacity)
    assert reopened.views == project.views
    assert reopened.metadata == project.metadata
    assert reopened.scenarios == project.scenarios
    assert reopened.extent == pytest.approx(project.extent)


def test_a_saving_copy_writes_the_project_as_it_was_when_taken(tmp_path, project):
    """The app saves in a worker thread a copy taken on the UI thread: edits made during the
    save (a layer inserted on top shifted the list under the writer's loop, which then met a
    layer twice and failed on "UNIQUE constraint failed") belong to the next save."""
    copy = project.saving_copy()
    later = _buildings()
    project.add_layer(VectorLayer("Later", later.frame, layer_id="later"), index=0)
    project.scenarios[0]["name"] = "renamed meanwhile"
    project.metadata["nested"]["year"] = 2030
    reopened = Project.open(copy.save(tmp_path / "territory.twin"))
    assert [layer.id for layer in reopened.layers] == ["buildings", "roads", "terrain"]
    assert reopened.scenarios[0]["name"] == "5G"
    assert reopened.metadata["nested"]["year"] == 2024
    assert [layer.id for layer in project.layers][:2] == ["later", "buildings"]  # untouched


def test_round_trip_keeps_features_and_pixels(tmp_path, project):
    reopened = Project.open(project.save(tmp_path / "territory.twin"))
    for name in ("buildings", "roads"):
        before, after = project.layer(name).frame, reopened.layer(name).frame
        assert list(after.columns) == list(before.columns)
        assert after.geometry.geom_equals(before.geometry).all()
        attributes = [c for c in before.columns if c != "geometry"]
        assert (
            after[attributes]
            .astype(object)
            .where(after[attributes].notna(), None)
            .equals(before[attributes].astype(object).where(before[attributes].notna(), None))
        )
        assert reopened.layer(name).crs.equals(CRS.from_epsg(2154))
    terrain = reopened.layer("terrain")
    np.testing.assert_array_equal(terrain.array, project.layer("terrain").array)
    assert terrain.transform == project.layer("terrain").transform
    assert (terrain.nodata, terrain.unit) == (-9999.0, "m")
    # the styles drive the same colours after the reopen
    style = reopened.layer("buildings").style
    assert style.kind == "categorized"
    assert style.class_index(reopened.layer("buildings").frame["usage"]).tolist() == [2, 0, 2, 1]
    assert reopened.layer("roads").style.unit == "km/h"


def test_saved_file_is_read_by_gdal_tools(tmp_path, project):
    path = project.save(tmp_path / "territory.twin")
    tables = {str(name): kind for name, kind in pyogrio.list_layers(path)}
    assert tables["buildings"] == "Polygon" and tables["roads"] == "LineString"
    frame = pyogrio.read_dataframe(path, layer="buildings")
    assert len(frame) == 4 and frame.crs.equals(CRS.from_epsg(2154))
    assert frame["usage"].tolist() == ["residential", "commercial", "residential", "public"]
    assert len(pyogrio.read_dataframe(path, layer="roads")) == 3
    # QGIS identifies a GeoPackage by its SQLite application id 'GPKG'; with an extension
    # other than .gpkg, GDAL 3.6 (QGIS 3.22 on Debian 12) also needs a version it knows:
    # 1.3 (user_version 10300) opens there, 1.4 (10400) does not (checked with python3-qgis).
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 10300


def test_raster_only_and_empty_projects(tmp_path):
    rasters = Project()
    rasters.add_layer(_terrain())
    reopened = Project.open(rasters.save(tmp_path / "dem.twin"))
    assert [layer.name for layer in reopened.layers] == ["Terrain"]
    empty = Project.open(Project().save(tmp_path / "empty.twin"))
    assert empty.layers == [] and empty.crs.equals(CRS.from_epsg(2154))
    for path in (tmp_path / "dem.twin", tmp_path / "empty.twin"):
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA user_version").fetchone()[0] == 10300


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, project):
    path = project.save(tmp_path / "territory.twin")
    project.layer("roads").name = "Routes"
    project.save(path)  # overwrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["territory.twin"]
    assert Project.open(path).layer("roads").name == "Routes"


def test_failure_mid_save_keeps_the_previous_file(tmp_path, project, monkeypatch):
    path = project.save(tmp_path / "territory.twin")
    before = path.read_bytes()

    def broken_raster_writer(layer):
        raise RuntimeError("disk full")

    monkeypatch.setattr(twin.project_save, "raster_to_geotiff", broken_raster_writer)
    project.layer("roads").name = "Changed"
    with pytest.raises(ProjectError, match=r"Could not save the project.*disk full"):
        project.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["territory.twin"]


# --- damaged and forged files -----------------------------------------------------------------
def _forge_meta(path, value) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE twin_meta SET value=? WHERE key='project'", (value,))


def test_garbage_bytes_are_refused(tmp_path):
    path = tmp_path / "garbage.twin"
    path.write_bytes(b"\x00\x01not a database" * 100)
    with pytest.raises(ProjectError, match=r"garbage.twin is not a twin project"):
        Project.open(path)
    with pytest.raises(ProjectError, match=r"No project file"):
        Project.open(tmp_path / "missing.twin")


def test_plain_geopackage_is_not_a_project(tmp_path, data_dir):
    with pytest.raises(ProjectError, match=r"bubenec.gpkg is not a twin project"):
        Project.open(data_dir / "vector" / "bubenec.gpkg")


@pytest.mark.parametrize(
    ("forged", "message"),
    [
        ("{not json", r"not valid JSON"),
        (json.dumps({"format": "qgis-project", "version": 1}), r"is not a twin project file"),
        (json.dumps(["format", "twin-project"]), r"is not a twin project file"),
        (json.dumps({"format": "twin-project", "version": 99}), r"newer twin"),
        (json.dumps({"format": "twin-project", "version": "one"}), r"damaged twin_meta"),
        (
            json.dumps(
                {"format": "twin-project", "version": 1, "crs": "EPSG:999999", "layers": []}
            ),
            r"damaged twin_meta",
        ),
        (
            json.dumps(
                {
                    "format": "twin-project",
                    "version": 1,
                    "crs": "EPSG:2154",
                    "layers": ["buildings"],
                }
            ),
            r"damaged twin_meta",
        ),
        (json.dumps({"format": "twin-project", "version": 1}), r"damaged twin_meta"),
        (
            json.dumps(
                {
                    "format": "twin-project",
                    "version": 1,
                    "crs": "EPSG:2154",
                    "layers": [{"id": "x", "kind": "macro"}],
                }
            ),
            r"unknown layer kind",
        ),
        (
            json.dumps(
                {
                    "format": "twin-project",
                    "version": 1,
                    "crs": "EPSG:2154",
                    "layers": [{"id": "nothere", "kind": "vector"}],
                }
            ),
            r"cannot read layer",
        ),
    ],
)
def test_forged_project_records_are_refused(tmp_path, project, forged, message):
    path = project.save(tmp_path / "forged.twin")
    _forge_meta(path, forged)
    with pytest.raises(ProjectError, match=message):
        Project.open(path)


def test_damaged_raster_blob_is_refused(tmp_path, project):
    path = project.save(tmp_path / "territory.twin")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE twin_rasters SET geotiff=? WHERE layer_id='terrain'", (b"II*\x00" + bytes(200),)
        )
    with pytest.raises(ProjectError, match=r"raster layer 'Terrain' is damaged"):
        Project.open(path)


def test_opening_never_runs_code_from_the_file(tmp_path, project):
    marker = tmp_path / "pwned"
    path = project.save(tmp_path / "forged.twin")

    class Payload:
        def __reduce__(self):
            return (marker.write_text, ("ran",))

    _forge_meta(path, pickle.dumps(Payload()))
    with pytest.raises(ProjectError):
        Project.open(path)
    # a JSON record carrying code-like strings is data, never evaluated
    meta = json.loads(
        json.dumps(
            {
                "format": "twin-project",
                "version": 1,
                "crs": "EPSG:2154",
                "layers": [],
                "metadata": {
                    "title": f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')"
                },
                "views": [{"name": "v", "bbox": [0, 0, 1, 1]}],
            }
        )
    )
    _forge_meta(path, json.dumps(meta))
    reopened = Project.open(path)
    assert reopened.metadata["title"].startswith("__import__")
    assert not marker.exists()


def test_style_kinds_survive_json(tmp_path):
    # every style kind goes through to_dict/JSON/from_dict unchanged
    styles = [
        Style(),
        categorized_style(np.array([1, 2, 2, 3]), "code"),
        graduated_style(np.array([0.5, 1.5, 9.0, 20.0]), "value", count=4, method="equal-interval"),
        raster_style(np.arange(10.0), colormap="magma", unit="dBm"),
        Style(kind="raster-classes", categories=categorized_style(np.array(["a"]), "v").categories),
    ]
    for style in styles:
        assert Style.from_dict(json.loads(json.dumps(style.to_dict()))) == style


def test_save_flushes_the_file_to_disk_before_it_replaces_the_old_one(
    tmp_path, project, monkeypatch
):
    """A power cut right after the rename must find the new file whole: the temporary file
    is fsynced before os.replace, and the folder after it (so the rename itself is kept)."""
    import twin.project_save

    steps = []
    real_fsync, real_replace = twin.project_save.fsync, os.replace
    target = tmp_path / "territory.twin"

    def fsync(path):
        steps.append(("fsync", Path(path)))
        real_fsync(path)

    def replace(source, destination):
        steps.append(("replace", Path(destination)))
        real_replace(source, destination)

    monkeypatch.setattr(twin.project_save, "fsync", fsync)
    monkeypatch.setattr(twin.project_save.os, "replace", replace)
    project.save(target)
    kinds = [kind for kind, _ in steps]
    assert kinds == ["fsync", "replace", "fsync"]
    assert steps[0][1].parent == tmp_path and steps[0][1] != target  # the temporary file
    assert steps[1][1] == target and steps[2][1] == tmp_path
    assert Project.open(target).scenarios == project.scenarios
