""" "Why this number": every KPI figure carries a lineage (engine, model, standard,
parameters, input layers with provenance, interventions, privacy masking), in simulate()'s
figures and in ``twin simulate``'s kpis.json, for the bundled sample's stored results."""

from __future__ import annotations

import json
import re

import pytest

import twin
from twin.cli import main
from twin.kpi import Figure
from twin.scenario import find_scenario
from twin.sim.whatif import runner, simulate
from twin.sim.whatif.lineage import figure_lineage, lineage_text

SCENARIO = "Plan du conseil 2027"  # saved in the sample: a site, a fiber extension, PV
ENGINE_WORDS = {
    "radio": "3GPP TR 38.901",
    "fiber": "Steiner",
    "transit": "PTAL",
    "energy": "Newton-Raphson",
    "cost": "capex",
}


@pytest.fixture(scope="module")
def sample():
    return twin.open_project(None)


def _check_lineage(row_key: str, domain: str, lineage: dict, layer_names: set[str]) -> None:
    assert lineage["figure"] == row_key
    assert ENGINE_WORDS[domain] in lineage["model"] + lineage["standard"], row_key
    assert lineage["engine"] and lineage["validity"], row_key
    assert lineage["inputs"], row_key
    for item in lineage["inputs"]:
        assert item["source"], (row_key, item)
    assert {item["name"] for item in lineage["inputs"]} & layer_names, row_key
    assert lineage["privacy"]["rule"].startswith("no people figure from fewer than 11")


@pytest.mark.parametrize("scenario_name", [None, SCENARIO])
def test_every_figure_of_the_stored_sample_has_a_lineage(sample, scenario_name):
    scenario = find_scenario(sample.scenarios, scenario_name) if scenario_name else None
    runs = dict(runner.ENGINE_RUNS)
    result = simulate(sample, scenario)
    assert runs == runner.ENGINE_RUNS  # the sample's stored results: no engine ran
    names = {layer.name for layer in sample.layers}
    assert len(result.figures) > 40
    for figure in result.figures:
        _check_lineage(figure.key, figure.domain, figure.lineage, names)
    radio = result.figure("radio.4g.persons.good_or_better").lineage
    assert radio["parameters"]["thresholds_dbm"] == [-115.0, -105.0, -95.0]
    assert "Mobile cells" in {i["name"] for i in radio["inputs"]}
    licence = {i["name"]: i["licence"] for i in radio["inputs"]}["Communes"]
    assert "Licence Ouverte" in licence
    fiber = result.figure("fiber.premises_eligible").lineage
    assert fiber["parameters"]["cost_model.fiber"]["pbo_eur"] > 0
    assert result.figure("transit.persons.ptal_3_or_better").lineage["inputs"][-1]["id"] == "gtfs"
    if scenario is None:
        assert all(not f.lineage["interventions"] for f in result.figures)
    else:
        types = {i["type"] for i in radio["interventions"]}
        assert types == {"add_mobile_site"}
        assert [i["type"] for i in fiber["interventions"]] == ["extend_fiber"]
        capex = result.figure("capex.energy").lineage
        assert {i["domain"] for i in capex["interventions"]} == {"energy"}
        assert {i["domain"] for i in result.figure("capex.total").lineage["interventions"]} == {
            "radio",
            "fiber",
            "energy",
        }


def test_kpis_json_has_a_lineage_per_figure(sample, tmp_path, monkeypatch):
    monkeypatch.setattr(twin, "open_project", lambda path=None: sample)
    names = {layer.name for layer in sample.layers}
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"name": "baseline", "interventions": []}))
    for scenario_args in (["--scenario-file", str(baseline)], ["--scenario", SCENARIO]):
        out = tmp_path / scenario_args[0].strip("-")
        assert main(["simulate", "--out", str(out), "--quiet", *scenario_args]) == 0
        report = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
        assert len(report["figures"]) > 40
        for row in report["figures"]:
            _check_lineage(row["key"], row["domain"], row["lineage"], names)
            assert row["lineage"]["privacy"]["masked"] == row["masked"]
        if scenario_args[0] == "--scenario":
            row = next(r for r in report["figures"] if r["key"] == "fiber.premises_passed")
            assert row["lineage"]["interventions"][0]["name"] == "Langan"


def test_masking_gives_a_band_never_the_small_number(sample):
    figure = Figure("x.persons", "People served", 7.0, "persons", "radio", 0.0, "up", 7.0, 0.0)
    lineage = figure_lineage(figure, sample)
    privacy = lineage["privacy"]
    assert privacy["masked"] == ["value", "delta"]
    assert privacy["households"] == "< 11" and privacy["baseline_households"] == "< 11"
    text = json.dumps(lineage, ensure_ascii=False) + lineage_text(lineage)
    assert not re.search(r"(?<![\d.])7(\.0)?(?![\d.])", text)  # the 7 households
    big = Figure("x.persons", "People served", 500.0, "persons", "radio", 400.0, "up", 300.0)
    assert figure_lineage(big, sample)["privacy"]["households"] == "≥ 11"
    euros = Figure("capex.radio", "Capex radio", 1.0, "EUR", "cost", 0.0, "down")
    assert figure_lineage(euros, sample)["privacy"]["people_figure"] is False


def test_layout_kpi_cards_name_the_engine_and_standard(sample):
    from twin.layout import Layout, build_layout

    result = simulate(sample, find_scenario(sample.scenarios, SCENARIO))
    figures = [result.figure("radio.4g_5g.persons.good_or_better"), result.figure("capex.total")]
    layout = build_layout(sample, "Plan", figures=figures, scenario=SCENARIO)
    radio, capex = layout.kpis
    assert "twin radio engine" in radio.method and "3GPP TR 38.901" in radio.method
    assert "twin what-if costs" in capex.method
    assert Layout.from_json(layout.to_json()).kpis == layout.kpis  # kept in the layout JSON


def test_every_figure_label_and_engine_of_the_sample_reads_in_french(sample):
    """A French council page prints no English label: every figure of the stored sample's
    scenario (PTAL bands, travel times from a town hall, costs) and its engine line."""
    from twin.i18n import set_language, tr_label
    from twin.layout_method import how_computed

    result = simulate(sample, find_scenario(sample.scenarios, SCENARIO))
    set_language("fr")
    try:
        english = [f.label for f in result.figures if tr_label(f.label) == f.label]
        engines = {how_computed({"engine": f.lineage["engine"]}) for f in result.figures}
        travel = tr_label(result.figure("transit.persons_within_5min").label)
    finally:
        set_language("en")
    assert english == []
    assert not [line for line in engines if "engine" in line or "planner" in line]
    assert travel == "Habitants à moins de 5 min à pied d'un arrêt"
