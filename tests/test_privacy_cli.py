"""No people figure computed from fewer than 11 households leaves twin (INSEE's rule).

Runs every CLI output of the sample territory once (``twin coverage``, ``twin simulate``
with a small new site that moves a handful of households, ``twin fiber``, ``twin transit``,
``twin energy``, ``twin info``, and an export of the buildings layer) and scans what they
wrote: JSON figures about persons, households or premises, and people columns of
GeoPackages. Figures of coverage.json are checked against households counted here
independently (buildings' households per commune x level of the written level.tif).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from whatif_helpers import BOX, FAST, sample_project

import twin
from twin.cli import main
from twin.layers.io import write_layer
from twin.layers.privacy import PERSONAL_COLUMNS
from twin.scenario import Scenario
from twin.sim.whatif import simulate

THRESHOLD = 11
# A 4G cell of 5 dBm on a 3 m pole next to a building without coverage: it moves the
# 4 households of a few buildings out of "no coverage" (found on the sample, 100 m grid).
TINY_SITE = {
    "type": "add_mobile_site",
    "site_id": "tiny",
    "name": "Tiny",
    "x": 353_515.0,
    "y": 6_793_467.6,
    "height_m": 3.0,
    "cells": [
        {
            "azimuth_deg": 0.0,
            "band_mhz": 800,
            "technology": "4G",
            "tx_power_dbm": 5.0,
            "bandwidth_mhz": 5.0,
        }
    ],
}
FAST_ARGS = [
    "--radio-pixel-m",
    "100",
    "--radio-bbox",
    ",".join(f"{v:.0f}" for v in BOX),
    "--radio-range-m",
    "3000",
    "--no-daily",
]
PEOPLE_KEY = re.compile(r"(persons|population|households|premises|inhabitants)", re.I)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Every CLI output of the sample, written once: folder per command and stdout."""
    root = tmp_path_factory.mktemp("privacy")
    project = sample_project()
    scenario_file = root / "tiny.json"
    scenario_file.write_text(json.dumps({"name": "Tiny", "interventions": [TINY_SITE]}))
    commands = {
        "coverage": ["coverage", "--out", str(root / "coverage"), "--pixel-m", "100"],
        "simulate": [
            "simulate",
            "--scenario-file",
            str(scenario_file),
            "--out",
            str(root / "simulate"),
            *FAST_ARGS,
        ],
        "fiber": ["fiber", "--zone", "Langan", "--out", str(root / "fiber")],
        "transit": ["transit", "--out", str(root / "transit")],
        "energy": ["energy", "--out", str(root / "energy"), "--no-daily"],
        "info": ["info", "--json"],
    }
    stdout = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(twin, "open_project", lambda path=None: project)
        for name, argv in commands.items():
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                status = main(argv)
            assert status == 0, name
            stdout[name] = buffer.getvalue()
    export = root / "export"
    export.mkdir()
    write_layer(project.layer("buildings"), export / "buildings.gpkg")
    write_layer(project.layer("buildings"), export / "buildings_raw.gpkg", raw=True)
    return root, stdout


def _people_numbers(data, path=""):
    """(path, number) of every number under a key naming people (not rates "..._per_...")."""
    if isinstance(data, dict):
        if set(data) == {"value", "masked"}:
            return
        for key, value in data.items():
            yield from _people_numbers(value, f"{path}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _people_numbers(value, f"{path}[{index}]")
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        leaf = path.rsplit(".", 1)[-1]
        if PEOPLE_KEY.search(path) and "_per_" not in leaf and "threshold" not in leaf:
            yield path, float(data)


def _small(numbers):
    return [(p, v) for p, v in numbers if 0 < abs(v) < THRESHOLD]


def _json_files(root: Path):
    return sorted(p for p in root.rglob("*.json") if p.name != "tiny.json")


def test_no_json_output_carries_a_people_figure_below_eleven(outputs):
    root, stdout = outputs
    files = _json_files(root)
    assert {p.name for p in files} >= {
        "coverage.json",
        "kpis.json",
        "fiber_kpis.json",
        "transit_kpis.json",
        "energy.json",
    }
    for path in files:
        assert _small(_people_numbers(json.loads(path.read_text()))) == [], path.name
    assert _small(_people_numbers(json.loads(stdout["info"]))) == []
    # the figures printed on stdout: no "3 persons"
    for name, text in stdout.items():
        for match in re.finditer(r"(\d[\d  ,.]*)\s*persons", text):
            number = float(re.sub(r"[  ,]", "", match.group(1)))
            assert not 0 < number < THRESHOLD, (name, match.group(0))


def test_coverage_cells_rest_on_eleven_households_and_masked_ones_cannot_be_recovered(outputs):
    root, _ = outputs
    report = json.loads((root / "coverage" / "coverage.json").read_text())
    people = report["people"]
    # households per commune x level, counted here from the buildings and level.tif
    buildings = sample_project().layer("buildings").frame
    points = buildings.geometry.representative_point()
    with rasterio.open(root / "coverage" / "level.tif") as dataset:
        levels = np.array(
            [v[0] for v in dataset.sample(zip(points.x, points.y, strict=True))], dtype=int
        )
    labels = ["no coverage", "limited", "good", "very good"]
    table = (
        gpd.pd.DataFrame({"insee": buildings["insee"].astype(str), "level": levels})
        .assign(households=buildings["households"].to_numpy())
        .groupby(["insee", "level"])["households"]
        .sum()
    )
    masked_per_level = dict.fromkeys(labels, 0.0)
    small_cells = 0
    for insee, zone in people["zones"].items():
        for index, label in enumerate(labels):
            households = float(table.get((insee, index), 0.0))
            small_cells += 0 < households < THRESHOLD
            for what in ("persons", "premises"):
                cell = zone[what][label]
                if isinstance(cell, dict):
                    assert cell == {"value": None, "masked": True}
                    if what == "persons":
                        masked_per_level[label] += households
                else:
                    assert households >= THRESHOLD or cell == 0, (insee, label, households)
    assert small_cells > 0  # the sample does have small groups: the gate had work to do
    assert people["masked_cells"] >= small_cells
    for label, households in masked_per_level.items():
        # the masked cells of a level together rest on >= 11 households (or none is masked)
        assert households == 0 or households >= THRESHOLD, label


def test_a_small_new_site_does_not_reveal_the_households_it_moves(outputs):
    root, _ = outputs
    rows = {
        r["key"]: r for r in json.loads((root / "simulate" / "kpis.json").read_text())["figures"]
    }
    row = rows["radio.4g.persons.none"]
    assert row["delta"] is None and "delta" in row["masked"]
    assert row["value"] > 1000 and row["baseline"] > 1000  # both sides are large
    # the raw figures: the site did move people, a group of fewer than 11 households
    direct = simulate(
        sample_project(),
        Scenario.from_dict({"name": "Tiny", "interventions": [TINY_SITE]}),
        ["radio"],
        options=FAST,
    ).figure("radio.4g.persons.none")
    assert direct.delta < 0 and 0 < direct.moved_households < THRESHOLD
    # nor does the cost per person gained (capex / gain reveals the gain)
    assert rows["cost.radio_per_person_4g"]["value"] is None


def test_geopackages_carry_no_people_column_for_small_features(outputs):
    root, _ = outputs
    packages = [p for p in root.rglob("*.gpkg") if p.name != "buildings_raw.gpkg"]
    assert {p.parent.name for p in packages} >= {"simulate", "fiber", "transit", "energy"}
    for path in packages:
        for table, _kind in pyogrio.list_layers(path):
            columns = [str(c) for c in pyogrio.read_info(path, layer=table)["fields"]]
            people = [c for c in columns if c.lower() in PERSONAL_COLUMNS]
            if not people:
                continue
            frame = pyogrio.read_dataframe(path, layer=table, read_geometry=False)
            households = frame.get("households", frame[people[0]]).astype(float)
            small = households < THRESHOLD
            for column in people:
                assert frame.loc[small, column].isna().all(), (path.name, table, column)


def test_building_export_masks_small_buildings_unless_raw_data_is_asked(outputs):
    root, _ = outputs
    gated = pyogrio.read_dataframe(root / "export" / "buildings.gpkg", read_geometry=False)
    raw = pyogrio.read_dataframe(root / "export" / "buildings_raw.gpkg", read_geometry=False)
    small = raw["households"] < THRESHOLD
    assert small.any() and (~small).any()
    assert gated.loc[small, ["population", "households"]].isna().all().all()
    assert (gated.loc[~small, "households"] == raw.loc[~small, "households"]).all()
    assert raw["population"].notna().all()


def test_the_live_radio_figures_carry_the_moved_households_too():
    from twin.scenario import intervention_from_dict
    from twin.sim.whatif.radio import radio_context

    context = radio_context(sample_project(), FAST)
    try:
        figures = {f.key: f for f in context.apply([intervention_from_dict(TINY_SITE)])}
    finally:
        context.apply([])  # leave the shared context at the baseline
    figure = figures["radio.4g.persons.none"]
    assert figure.delta < 0 and figure.published_delta().masked
    assert figure.published_value().value == figure.value  # the level itself is large


def _residential_households(loads) -> np.ndarray:
    """Households each residential load rests on (p_mw / 2 kW ADMD, the sample's default)."""
    kind = loads["kind"] if "kind" in loads.columns else loads["type"]
    residential = loads[kind.astype(str) == "residential"]
    return (residential["p_mw"].astype(float) * 1000.0 / 2.0).round().to_numpy()


def test_energy_outputs_reveal_no_load_of_fewer_than_eleven_households(outputs):
    import pandapower as pp

    from twin.sim.energy import prepare_grid

    root, _ = outputs
    # the raw loads of the sample do rest on small groups: the gate had work to do
    raw = prepare_grid(sample_project()).net.load
    assert (_residential_households(raw) < THRESHOLD).sum() > 100
    grid = pp.from_json(str(root / "energy" / "grid.json"))
    assert (_residential_households(grid.load) >= THRESHOLD).all()
    assert grid.load.p_mw.sum() == pytest.approx(raw.p_mw.sum())  # pooled, not dropped
    packages = [p for p in root.rglob("*.gpkg") if p.name != "buildings_raw.gpkg"]
    scanned = 0
    for path in packages:
        for table, _kind in pyogrio.list_layers(path):
            frame = pyogrio.read_dataframe(path, layer=table, read_geometry=False)
            if not {"p_mw", "kind"} <= set(frame.columns):
                continue
            scanned += 1
            assert (_residential_households(frame) >= THRESHOLD).all(), (path.name, table)
            names = frame["name"].astype(str)
            assert not names.str.contains(r"\d+ at bus").any(), (path.name, table)
    assert scanned >= 1  # energy.gpkg's grid_loads


def _served_by_cutting(net) -> dict[tuple[str, int], float]:
    """Households beyond each line and transformer that splits the grid when removed (the
    part without the external grid), counted by brute force: remove the element, look at
    the pieces. Elements inside a mesh are left out (nothing to count simply)."""
    import networkx as nx
    import pandapower.topology as topology

    households = dict.fromkeys(net.bus.index, 0.0)
    residential = net.load[(net.load["type"] == "residential") & net.load.in_service]
    for bus, count in zip(residential.bus, _residential_households(residential), strict=True):
        households[bus] += count
    graph = topology.create_nxgraph(net, include_out_of_service=False, multi=True)
    sources = set(net.ext_grid.bus)
    served = {}
    for u, v, key in list(graph.edges(keys=True)):
        element = str(key[0])
        if element not in ("line", "trafo") or int(graph.number_of_edges(u, v)) > 1:
            continue
        graph.remove_edge(u, v, key)
        if not nx.has_path(graph, u, v):
            far = nx.node_connected_component(graph, v)
            if far & sources:
                far = nx.node_connected_component(graph, u)
            served[(element, int(key[1]))] = sum(households[b] for b in far)
        graph.add_edge(u, v, key)
    return served


def test_energy_results_of_elements_serving_few_households_are_masked(outputs):
    """Loadings of LV lines and transformers serving 1 to 10 households (counted here by
    cutting the sample's grid) are null with masked true in every GeoPackage written, and
    the others are published."""
    from twin.sim.energy import prepare_grid

    root, _ = outputs
    served = _served_by_cutting(prepare_grid(sample_project()).net)
    small = {key for key, count in served.items() if 0 < count < THRESHOLD}
    large = {key for key, count in served.items() if count >= THRESHOLD}
    assert small, "the sample has lines or transformers serving few households"
    checked = 0
    for path in root.rglob("*.gpkg"):
        for table, _kind in pyogrio.list_layers(path):
            columns = set(pyogrio.read_info(path, layer=table)["fields"])
            for element, id_column in (("line", "line_id"), ("trafo", "trafo_id")):
                if not {id_column, "loading_percent"} <= columns:
                    continue
                frame = pyogrio.read_dataframe(path, layer=table, read_geometry=False)
                ids = frame[id_column].astype(int)
                hidden = ids.map(lambda i, e=element: (e, i) in small).to_numpy()
                shown = ids.map(lambda i, e=element: (e, i) in large).to_numpy()
                assert frame.loc[hidden, "loading_percent"].isna().all(), (path.name, table)
                assert frame.loc[hidden, "masked"].astype(bool).all(), (path.name, table)
                assert not frame.loc[shown, "masked"].astype(bool).any(), (path.name, table)
                checked += int(hidden.any())
    assert checked >= 2  # energy.gpkg's grid_lines/grid_transformers at least
    summary = json.loads((root / "energy" / "energy.json").read_text())
    for violation in summary["violations"]:
        if (violation["element"], violation["id"]) in small:
            assert violation["value"] is None and violation["masked"] is True
