"""Results live with the project: stored in the .twin, reused on open, invalidated exactly
by a change of what they were computed from, never executed, and reused by twin simulate.

The project is a small cut of the sample (the 10 km box of the what-if tests: mobile cells,
terrain, buildings, communes, roads and the fiber network) so that saving it is quick."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from whatif_helpers import BOX, FAST, SITE, sample_project

import twin.sim.whatif.fiber
import twin.sim.whatif.radio
from twin.cli import main
from twin.errors import ProjectError
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer
from twin.project import Project
from twin.project_file import ResultsWarning
from twin.scenario import ExtendFiber, Scenario
from twin.sim.whatif import runner, simulate, stored_result

LAYERS = (
    "mobile_cells",
    "terrain",
    "buildings",
    "communes",
    "roads",
    "fiber_nodes",
    "fiber_cables",
    "ducts",
)
DOMAINS = ("radio", "fiber")
FAST_ARGS = [
    "--radio-pixel-m",
    "100",
    "--radio-bbox",
    ",".join(f"{v:.0f}" for v in BOX),
    "--radio-range-m",
    "3000",
    "--no-daily",
    "--domains",
    "radio,fiber",
]


def _small_project() -> Project:
    """The sample's radio and fiber layers inside BOX (copies: the sample is shared)."""
    sample = sample_project()
    project = Project(crs=sample.crs)
    xmin, ymin, xmax, ymax = BOX
    for name in LAYERS:
        layer = sample.layer(name)
        common = {"style": layer.style, "provenance": layer.provenance, "layer_id": layer.id}
        if isinstance(layer, RasterLayer):
            copy = RasterLayer(
                layer.name, layer.array.copy(), layer.transform, layer.crs, layer.nodata, **common
            )
        else:
            frame = layer.frame.cx[xmin:xmax, ymin:ymax].copy()
            copy = VectorLayer(layer.name, frame, crs=layer.crs, **common)
        project.add_layer(copy, index=len(project.layers))
    return project


# 1 km square in the south of BOX where 14 buildings are not yet eligible to fiber
FIBER_AREA = (
    (351_000.0, 6_784_000.0),
    (352_000.0, 6_784_000.0),
    (352_000.0, 6_785_000.0),
    (351_000.0, 6_785_000.0),
)


def _scenario() -> Scenario:
    return Scenario("Plan", (SITE, ExtendFiber("South", FIBER_AREA)))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(path of the small project saved with baseline and scenario results, the
    simulation that computed them)."""
    project = _small_project()
    result = simulate(project, _scenario(), DOMAINS, options=FAST)
    path = project.save(tmp_path_factory.mktemp("store") / "small.twin")
    runner.forget(project)
    return path, result


@pytest.fixture(autouse=True)
def no_results_in_memory():
    """Each test starts with the runner's memory empty (results there are keyed by their
    inputs, so another project with the same layers would find them): what a test reads
    comes from the project file."""
    runner._RESULTS.clear()
    yield
    runner._RESULTS.clear()


@pytest.fixture
def counted(monkeypatch):
    """Engine calls by domain (the adapters' run functions wrapped)."""
    calls = {d: 0 for d in DOMAINS}
    for domain, module in (("radio", twin.sim.whatif.radio), ("fiber", twin.sim.whatif.fiber)):
        original = module.run

        def counting(*args, _domain=domain, _original=original, **kwargs):
            calls[_domain] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, "run", counting)
    return calls


def test_results_round_trip_through_save_and_open(saved, counted):
    path, computed = saved
    project = Project.open(path)
    assert len(project.results) == 4  # radio and fiber, baseline and scenario
    again = simulate(project, _scenario(), DOMAINS, options=FAST)
    assert counted == {"radio": 0, "fiber": 0}
    assert [f.to_dict() for f in again.figures] == [f.to_dict() for f in computed.figures]
    assert again.warnings == computed.warnings
    assert [layer.name for layer in again.layers] == [layer.name for layer in computed.layers]
    rasters = 0
    for before, after in zip(computed.layers, again.layers, strict=True):
        assert type(before) is type(after)
        assert before.style == after.style
        if isinstance(before, RasterLayer):
            assert after.array.dtype == before.array.dtype
            assert after.array.tobytes() == before.array.tobytes()  # bit-equal
            assert after.transform == before.transform
            rasters += 1
        else:
            assert after.frame.drop(columns="geometry").equals(
                before.frame.drop(columns="geometry")
            )
            assert after.frame.geometry.geom_equals_exact(before.frame.geometry, 0.0).all()
    assert rasters >= 5  # levels and best RSRP of 4G and 5G, 4G+5G level (+ changes)
    assert len(computed.layers) - rasters >= 1  # the fiber plan's vector layers too
    assert computed.figure("fiber.premises_passed").value > 0


def test_stored_result_never_computes(saved, counted):
    path, computed = saved
    project = Project.open(path)
    baseline = stored_result(project, "radio", (), FAST)
    assert baseline is not None
    assert [f.value for f in baseline.figures] == [
        f.value for f in computed.baseline_results["radio"].figures
    ]
    # Options the file has no result for: nothing, and no engine ran.
    other = type(FAST)(radio_pixel_m=200.0, radio_bbox=BOX, radio_max_range_m=3000.0)
    assert stored_result(project, "radio", (), other) is None
    assert stored_result(_small_project(), "fiber", [SITE, *_scenario().interventions]) is None
    assert counted == {"radio": 0, "fiber": 0}


def test_changing_a_fiber_layer_invalidates_fiber_only(saved, counted):
    path, _ = saved
    project = Project.open(path)
    cables = project.layer("fiber_cables")
    cables.set_frame(cables.frame.iloc[1:].copy())
    assert stored_result(project, "radio", (), FAST) is not None
    assert stored_result(project, "fiber", (), FAST) is None
    simulate(project, _scenario(), DOMAINS, options=FAST)
    assert counted == {"radio": 0, "fiber": 2}  # fiber baseline and scenario, radio reused


def test_changing_the_radio_options_or_sites_invalidates_radio_only(saved):
    path, _ = saved
    project = Project.open(path)
    cells = project.layer("mobile_cells")
    cells.set_frame(cells.frame.iloc[3:].copy())
    assert stored_result(project, "radio", (), FAST) is None
    assert stored_result(project, "fiber", (), FAST) is not None


def _forge(path, statement: str, values: tuple) -> None:
    connection = sqlite3.connect(path)
    connection.execute(statement, values)
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    "meta",
    [
        "{not json",
        json.dumps({"format": "twin-result", "version": 1, "domain": "radio", "figures": 3}),
        json.dumps(
            {
                "format": "twin-result",
                "version": 1,
                "domain": "radio",
                "interventions": "[]",
                "figures": [{"key": "k", "label": "l", "value": "__import__('os')"}],
                "warnings": [],
                "layers": [],
            }
        ),
        json.dumps(["twin-result"]),
    ],
)
def test_forged_result_records_are_ignored_with_a_warning(saved, tmp_path, counted, meta):
    path, computed = saved
    forged = tmp_path / "forged.twin"
    forged.write_bytes(path.read_bytes())
    key = next(iter(Project.open(path).results))
    _forge(forged, "UPDATE twin_results SET meta = ? WHERE key = ?", (meta, key))
    project = Project.open(forged)
    domain = project.results[key].domain
    with pytest.warns(ResultsWarning, match="ignored"):
        again = simulate(project, _scenario(), DOMAINS, options=FAST)
    assert sum(counted.values()) == 1 and counted[domain] == 1  # only the forged one
    assert [f.value for f in again.figures] == [f.value for f in computed.figures]


def test_result_rows_of_the_wrong_types_are_skipped_with_a_warning(saved, tmp_path):
    path, _ = saved
    forged = tmp_path / "types.twin"
    forged.write_bytes(path.read_bytes())
    _forge(forged, "INSERT INTO twin_results VALUES (?, ?, ?)", ("k1", "radio", b"\x80bytes"))
    _forge(forged, "INSERT INTO twin_result_blobs VALUES (?, ?, ?)", ("k2", "layer-0", "text"))
    with pytest.warns(ResultsWarning, match="wrong types"):
        project = Project.open(forged)
    assert "k1" not in project.results and len(project.results) == 4


def test_damaged_results_table_does_not_stop_opening(saved, tmp_path):
    path, _ = saved
    forged = tmp_path / "table.twin"
    forged.write_bytes(path.read_bytes())
    _forge(forged, "DROP TABLE twin_result_blobs", ())
    _forge(forged, "CREATE TABLE twin_result_blobs (other TEXT)", ())
    with pytest.warns(ResultsWarning):
        project = Project.open(forged)
    assert project.results == {} and len(project.layers) == len(LAYERS)


def test_forged_raster_blob_is_refused(saved, tmp_path, counted):
    path, _ = saved
    forged = tmp_path / "blob.twin"
    forged.write_bytes(path.read_bytes())
    _forge(forged, "UPDATE twin_result_blobs SET data = ?", (b"II*\x00not a tiff",))
    project = Project.open(forged)
    with pytest.warns(ResultsWarning):
        assert stored_result(project, "radio", (), FAST) is None
    assert counted["radio"] == 0


def test_simulate_cli_reuses_stored_results_and_prints_progress(saved, tmp_path, counted, capfd):
    path, computed = saved
    scenario_file = tmp_path / "plan.json"
    scenario_file.write_text(json.dumps(_scenario().to_dict()))
    before = path.read_bytes()
    status = main(
        [
            "simulate",
            str(path),
            "--scenario-file",
            str(scenario_file),
            "--out",
            str(tmp_path / "out"),
            *FAST_ARGS,
        ]
    )
    assert status == 0
    assert counted == {"radio": 0, "fiber": 0}
    report = json.loads((tmp_path / "out" / "kpis.json").read_text())
    values = {row["key"]: row["value"] for row in report["figures"]}
    assert values["fiber.premises_eligible"] == computed.figure("fiber.premises_eligible").value
    assert path.read_bytes() == before  # never written back unless asked
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if " % " in line]
    assert any(line.startswith("radio:") for line in lines)
    assert any(line.startswith("fiber:") for line in lines)


def test_simulate_cli_saves_results_only_when_asked(tmp_path, capfd):
    project = _small_project()
    path = project.save(tmp_path / "empty.twin")
    assert Project.open(path).results == {}
    scenario_file = tmp_path / "plan.json"
    scenario_file.write_text(json.dumps(Scenario("Site", (SITE,)).to_dict()))
    args = ["simulate", str(path), "--scenario-file", str(scenario_file), *FAST_ARGS]
    assert main([*args, "--out", str(tmp_path / "a"), "--domains", "radio"]) == 0
    assert Project.open(path).results == {}
    assert main([*args, "--out", str(tmp_path / "b"), "--domains", "radio", "--save-results"]) == 0
    reopened = Project.open(path)
    assert {entry.domain for entry in reopened.results.values()} == {"radio"}
    assert len(reopened.results) == 2  # baseline and scenario
    assert len(reopened.layers) == len(LAYERS)
    assert "results saved" in capfd.readouterr().err


def test_save_results_refuses_the_bundled_sample(tmp_path, capsys):
    status = main(
        ["simulate", "--scenario", "x", "--out", str(tmp_path), "--save-results", "--quiet"]
    )
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--save-results" in err[0]


def test_fingerprint_survives_the_file_and_follows_the_data(saved):
    path, _ = saved
    from twin.fingerprint import layer_fingerprint

    project = Project.open(path)
    roads = project.layer("roads")
    stored = layer_fingerprint(roads)
    again = Project.open(path).layer("roads")
    assert layer_fingerprint(again) == stored
    roads.set_frame(roads.frame.copy())  # same content, new object: hashed again
    assert layer_fingerprint(roads) != "" and len(layer_fingerprint(roads)) == 32
    terrain = project.layer("terrain")
    before = layer_fingerprint(terrain)
    terrain.set_array(np.asarray(terrain.array) + 1)
    assert layer_fingerprint(terrain) != before


def test_results_are_not_a_project_error_source(saved, tmp_path):
    path, _ = saved
    forged = tmp_path / "meta.twin"
    forged.write_bytes(path.read_bytes())
    _forge(forged, "UPDATE twin_meta SET value = ? WHERE key = 'project'", ("{bad",))
    with pytest.raises(ProjectError):
        Project.open(forged)


def test_a_layer_with_the_buildings_geometry_stores_a_reference():
    """A PTAL-like result layer (one row per building, the buildings' polygons) is stored
    as its attributes and the buildings layer's id, and comes back equal."""
    import geopandas as gpd

    from twin.project_file import ResultRecord
    from twin.sim.whatif import store
    from twin.sim.whatif.result import DomainResult

    project = _small_project()
    buildings = project.layer("buildings").frame
    frame = gpd.GeoDataFrame(
        {"building_id": buildings["building_id"].to_numpy(), "ptal": "3"},
        geometry=buildings.geometry.values,
        crs=project.crs,
    )
    result = DomainResult("transit", [VectorLayer("result: PTAL", frame)], [], [], 0.0, {})
    meta, blobs = store.encode(result, "[]", project)
    alone, alone_blobs = store.encode(result, "[]")
    assert "geometry_from" in meta and "geometry_from" not in alone
    assert len(blobs["layer-0"]) * 3 < len(alone_blobs["layer-0"])
    back = store.decode(ResultRecord("k", "transit", meta, blobs), project).layers[0].frame
    assert list(back.columns) == list(frame.columns)
    assert back.drop(columns="geometry").equals(frame.drop(columns="geometry"))
    assert back.geometry.geom_equals_exact(frame.geometry, 0.0).all()
    assert back.crs == frame.crs
    with pytest.raises(ValueError):
        store.decode(ResultRecord("k", "transit", meta, blobs), None)


def test_prepared_inputs_follow_a_layer_change():
    """A fiber plan after the ducts layer changed uses the new ducts, not the network
    prepared from the old ones (the same figures as on a project made with the change)."""
    runner._RESULTS.clear()
    scenario = _scenario()
    project = _small_project()
    before = simulate(project, scenario, ["fiber"], options=FAST)
    ducts = project.layer("ducts")
    ducts.set_frame(ducts.frame.iloc[:0].copy())
    cables = project.layer("fiber_cables")
    cables.set_frame(cables.frame.iloc[:0].copy())
    after = simulate(project, scenario, ["fiber"], options=FAST)
    fresh = _small_project()
    for name in ("ducts", "fiber_cables"):
        layer = fresh.layer(name)
        layer.set_frame(layer.frame.iloc[:0].copy())
    runner._RESULTS.clear()
    expected = simulate(fresh, scenario, ["fiber"], options=FAST)
    assert after.figure("capex.fiber").value != before.figure("capex.fiber").value
    assert [f.to_dict() for f in after.figures] == [f.to_dict() for f in expected.figures]


def test_lookup_without_hashing_gives_nothing_for_a_layer_not_hashed_yet(saved):
    """The UI thread asks without hashing: a layer whose data is new (no fingerprint yet)
    gives None at once; once hashed (by a worker), the stored result is found."""
    path, _ = saved
    project = Project.open(path)
    assert stored_result(project, "radio", (), FAST, hash_layers=False) is not None
    cells = project.layer("mobile_cells")
    cells.set_frame(cells.frame.copy())  # same content, not hashed yet
    assert stored_result(project, "radio", (), FAST, hash_layers=False) is None
    assert stored_result(project, "radio", (), FAST) is not None  # hashed: same content
    assert stored_result(project, "radio", (), FAST, hash_layers=False) is not None
