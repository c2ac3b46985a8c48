"""Rollout plans: phases within budget, the scenario file reproduces the plan's figures,
targets, and the ROI worked by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from ui_scenario_project import OPTIONS, X0, Y0, make_project

from twin.errors import DataError
from twin.scenario import Scenario
from twin.sim.optimise.candidates import Candidates
from twin.sim.optimise.plan import CostModel, Phase, parse_phases, plan_rollout
from twin.sim.optimise.report import plan_json, write_plan
from twin.sim.optimise.roi import PhaseCash, net_present_value
from twin.sim.optimise.selection import CoverageInstance, budgeted_greedy, exact_optimum
from twin.sim.optimise.study import plan_project
from twin.sim.whatif.runner import simulate


@pytest.fixture(scope="module")
def town():
    return make_project()


def test_the_plans_scenario_file_gives_the_plans_figures(town, tmp_path):
    phases = [Phase(2026, 400_000.0), Phase(2027, 400_000.0)]
    study = plan_project(town, phases, spacing_m=500.0, targets={2027: 0.99}, options=OPTIONS)
    plan = study.plan
    assert plan.totals["sites"] >= 2
    for phase in plan.phases:  # a phase never spends more than its budget
        assert 0 < phase.figures["capex_eur"] <= phase.phase.budget_eur
    write_plan(study, tmp_path)
    scenario = Scenario.from_dict(json.loads((tmp_path / "scenario.json").read_text()))
    result = simulate(town, scenario, domains=("radio",), options=OPTIONS)
    gained = result.figure("radio.4g_5g.persons.good_or_better").delta
    assert gained == pytest.approx(plan.totals["persons_gained"], abs=1e-2)
    premises = result.figure("radio.4g_5g.premises.good_or_better").delta
    assert premises == pytest.approx(plan.totals["premises_gained"], abs=1e-2)
    # the sites the file names are the plan's, built in the plan's order
    chosen = study.candidates.frame["candidate_id"].iloc[plan.chosen].tolist()
    assert [i.site_id for i in scenario.interventions] == chosen
    data = plan_json(study)
    assert data["targets"][0]["year"] == 2027
    assert data["targets"][0]["met"] == (data["persons_good_share"] >= 0.99)
    assert (tmp_path / "phases.csv").read_text().count("\n") == 3


def test_greedy_on_real_candidate_coverage_is_close_to_the_optimum(town):
    study = plan_project(town, [Phase(2026, 1.0)], spacing_m=1000.0, options=OPTIONS)
    instance = study.candidates.instance
    keep = np.argsort([-len(s) for s in instance.sets])[:12]
    small = CoverageInstance(
        [instance.sets[i] for i in keep], instance.weights, instance.costs[keep]
    )
    budget = float(np.sort(small.costs)[:3].sum())
    optimum = exact_optimum(small, budget)
    greedy = budgeted_greedy(small, budget)
    assert optimum.gain > 0
    assert greedy.gain / optimum.gain >= 0.9  # measured 1.0 here; the bound is 0.316


def _toy_candidates() -> Candidates:
    sets = [np.array([0, 1]), np.array([1, 2]), np.array([3]), np.array([4, 5, 6])]
    costs = np.array([100.0, 100.0, 50.0, 300.0])
    frame = pd.DataFrame(
        {
            "candidate_id": ["a", "b", "c", "d"],
            "x": 0.0,
            "y": 0.0,
            "site_eur": costs,
            "backhaul_eur": 0.0,
            "grid_eur": 0.0,
            "cost_eur": costs,
        }
    )
    weights = np.array([10.0, 10.0, 10.0, 30.0, 5.0, 5.0, 5.0])
    return Candidates(
        frame, CoverageInstance(sets, weights, costs), CoverageInstance(sets, weights, costs)
    )


def test_phases_take_what_earlier_phases_left():
    plan = plan_rollout(
        _toy_candidates(), [Phase(2026, 150.0), Phase(2027, 150.0)], 100.0, 100.0, 20.0, 20.0
    )
    first, second = plan.phases
    # 2026: c (30 for 50 EUR) then a (20 for 100); 2027: b adds only element 2 (10)
    assert first.figures["site_ids"] == ["c", "a"] and first.figures["persons_gained"] == 50.0
    assert second.figures["site_ids"] == ["b"] and second.figures["persons_gained"] == 10.0
    assert plan.totals["persons_gained"] == 60.0 and plan.totals["capex_eur"] == 250.0
    assert second.figures["persons_good_share"] == pytest.approx(0.8)
    assert plan.curve == [(0.0, 0.0), (50.0, 30.0), (150.0, 50.0), (250.0, 60.0)]


def test_net_present_value_by_hand():
    costs = CostModel(
        opex_eur_per_site_year=1000.0,
        revenue_eur_per_person_year=10.0,
        fibre_take_up=0.0,
        discount_rate=0.1,
        horizon_years=3,
    )
    # 2026: 5 000 capex; 2027 and 2028: 200 persons x 10 - 1 site x 1 000 = +1 000 each
    roi = net_present_value([PhaseCash(2026, 5000.0, 1, 200.0)], costs)
    expected = -5000.0 + 1000.0 / 1.1 + 1000.0 / 1.1**2
    assert roi["npv_eur"] == pytest.approx(expected, abs=0.01)
    assert roi["payback_year"] is None  # still negative after 3 years
    longer = net_present_value([PhaseCash(2026, 1500.0, 1, 200.0)], costs)
    assert longer["payback_year"] == 2028  # -1500 + 909.09 + 826.45 >= 0 in 2028


def test_net_present_value_with_fibre_revenue_and_opex_by_hand():
    costs = CostModel(
        opex_eur_per_site_year=2_000.0,
        opex_eur_per_fibre_km_year=500.0,
        revenue_eur_per_person_year=0.0,
        fibre_take_up=0.5,
        fibre_revenue_eur_per_subscriber_year=120.0,
        discount_rate=0.05,
        horizon_years=4,
    )
    phases = [
        PhaseCash(2026, 100_000.0, sites=1, premises_passed=400.0, fibre_km=2.0),
        PhaseCash(2027, 50_000.0, sites=0, premises_passed=200.0, fibre_km=1.0),
    ]
    roi = net_present_value(phases, costs)
    # 2026: -100 000
    # 2027: -50 000 - 2 000 (site) - 1 000 (2 km) + 0.5 x 400 x 120 (24 000) = -29 000
    # 2028 and 2029: -2 000 - 1 500 (3 km) + 0.5 x 600 x 120 (36 000) = +32 500
    cash = [-100_000.0, -29_000.0, 32_500.0, 32_500.0]
    assert [f["cash_eur"] for f in roi["cash_flows"]] == cash
    expected = sum(c / 1.05**k for k, c in enumerate(cash))
    assert roi["npv_eur"] == pytest.approx(expected, abs=0.01)
    assert roi["npv_eur"] == pytest.approx(-70_065.87, abs=0.01)
    assert roi["payback_year"] is None
    longer = net_present_value(phases, CostModel(**{**costs.__dict__, "horizon_years": 8}))
    # cumulative: -100 000, -127 619.05, -98 140.59, -70 065.87, -43 328.04, -17 863.44,
    # +6 388.56 in 2032
    assert longer["payback_year"] == 2032


def test_cost_model_file_is_checked(tmp_path):
    path = tmp_path / "costs.json"
    path.write_text('{"fibre_take_up": 1.5}')
    with pytest.raises(DataError, match="take-up"):
        CostModel.load(path)
    path.write_text('{"fibre_take_up": 0.4, "discount_rate": 0.03}')
    model = CostModel.load(path)
    assert model.fibre_take_up == 0.4 and model.discount_rate == 0.03
    assert model.opex_eur_per_site_year == CostModel.load().opex_eur_per_site_year
    path.write_text("not json")
    with pytest.raises(DataError, match="cost model"):
        CostModel.load(path)


def test_bad_phases_are_refused():
    with pytest.raises(DataError, match="YEAR:EUR"):
        parse_phases("2026-2e6")
    with pytest.raises(DataError, match="positive"):
        parse_phases("2026:-5")
    with pytest.raises(DataError, match="increasing"):
        parse_phases("2027:1e6,2026:1e6")
    assert parse_phases("2026:2e6, 2027:3e6") == [Phase(2026, 2e6), Phase(2027, 3e6)]


def test_cli_writes_every_file_and_refuses_bad_input(town, tmp_path, capsys):
    from PySide6.QtGui import QImage

    from twin.cli import main

    path = town.save(tmp_path / "town.twin")
    out = tmp_path / "out"
    assert (
        main(["plan", str(path), "--budget", "400000", "--spacing", "500", "--out", str(out)]) == 0
    )
    # progress lines on stderr while it plans ("--quiet": none)
    assert "candidate costs: 100 %" in capsys.readouterr().err.splitlines()
    assert {p.name for p in out.iterdir()} >= {
        "scenario.json",
        "plan.json",
        "phases.csv",
        "candidates.gpkg",
        "marginal_curve.png",
    }
    plan = json.loads((out / "plan.json").read_text())
    assert plan["capex_eur"] <= 400000 and plan["persons_gained"] > 0
    image = QImage(str(out / "marginal_curve.png"))
    assert image.width() == 1200 and image.height() == 700
    colours = {  # every row: the curve's 3 px horizontal steps cannot fall between samples
        image.pixelColor(x, y).name() for x in range(120, 1150, 7) for y in range(60, 610)
    }
    assert "#0072b2" in colours  # the curve is drawn
    for arguments, message in (
        (["--budget", "-1"], "positive amount"),
        (["--budget", "1e6", "--phases", "2026:1e6"], "not both"),
        (["--phases", "2026"], "YEAR:EUR"),
        ([], "give a budget"),
    ):
        assert main(["plan", str(path), *arguments, "--out", str(out)]) == 2
        error = capsys.readouterr().err.strip()
        assert message in error and "\n" not in error


def test_timeline_steps_through_the_phases(town, tmp_path, qtbot):
    from PySide6.QtCore import Qt

    from twin.cli import main
    from twin.project import Project
    from twin.ui.panels.timeline import PlanTimeline
    from twin.ui.scenario.controller import ScenarioController

    path = town.save(tmp_path / "town.twin")
    saved = tmp_path / "planned.twin"
    command = ["plan", str(path), "--phases", "2026:300000,2027:300000", "--spacing", "500"]
    targets = tmp_path / "targets.json"
    targets.write_text('{"persons_good_share": {"2027": 0.99}}')
    command += ["--targets", str(targets)]
    assert main([*command, "--save-scenarios", str(saved), "--out", str(tmp_path / "o")]) == 0
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    project = Project.open(saved)
    controller = ScenarioController(project, OPTIONS, in_process=True)
    timeline = PlanTimeline()
    qtbot.addWidget(timeline)
    timeline.bind(controller)
    timeline.show()
    assert [year for year, _ in timeline.phases()] == [2026, 2027]
    assert timeline.years.text() == "today  →  2026  →  2027"
    assert timeline.label.text().startswith("Today")
    timeline.slider.setFocus()
    qtbot.keyClick(timeline.slider, Qt.Key.Key_Right)
    assert controller.current_name() == "Rollout 2026"
    assert timeline.label.text().startswith("End of 2026:")
    assert timeline.label.text().count("2026") == 1  # the year is not said twice
    # the progress against the user's target, as the council reads it
    share = plan["phases"][0]["persons_good_share"]
    progress = f"progress: persons in good 4G+5G coverage {100 * share:.1f}% (target 99.0% by 2027)"
    assert timeline.label.text().endswith(progress)
    qtbot.keyClick(timeline.slider, Qt.Key.Key_Right)
    assert controller.current_name() == "Rollout 2027"
    # the 2027 scenario holds the 2026 sites and more (cumulative)
    first = controller.scenario("Rollout 2026").interventions
    second = controller.scenario("Rollout 2027").interventions
    assert second[: len(first)] == first and len(second) > len(first)
    qtbot.keyClick(timeline.slider, Qt.Key.Key_Home)
    assert controller.current_name() is None
    controller.shutdown()


def test_candidate_coverage_is_the_engines_computed_once_and_cancellable(town, monkeypatch):
    from twin.errors import CancelledError
    from twin.feedback import Feedback
    from twin.sim.optimise.candidates import (
        _COVERAGE_CACHE,
        build_candidates,
        candidate_intervention,
    )
    from twin.sim.whatif.radio import new_site, radio_context

    radio = radio_context(town, OPTIONS)
    xy = np.array([[X0 + 1500.0 + 400.0 * k, Y0 + 2000.0] for k in range(6)])
    ids = [f"c{k}" for k in range(6)]
    cancelled = Feedback()
    cancelled.cancel()
    with pytest.raises(CancelledError):
        build_candidates(town, radio, ids, xy, cancelled)
    first = build_candidates(town, radio, ids, xy)
    assert sum(len(s) for s in first.instance.sets) > 0
    model = radio.models["5G"]
    good = float(radio.params.thresholds_dbm[1])
    level = np.maximum(radio.models["4G"].level, model.level).reshape(-1)
    cols = radio.grid.shape[1]
    for k, members in enumerate(first.instance.sets):  # the engine's own answer, site by site
        (r0, _r1, c0, _c1), best = model.site_best_rsrp(
            new_site(candidate_intervention("s", *xy[k]))
        )
        rows, columns = np.nonzero(best >= good)
        flat = (rows + r0) * cols + columns + c0
        expected = flat[(level[flat] < 2) & (first.instance.weights[flat] > 0)]
        assert np.array_equal(np.sort(members), np.sort(expected))
    _COVERAGE_CACHE.clear()
    threaded = build_candidates(town, radio, ids, xy, threads=3)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(first.instance.sets, threaded.instance.sets, strict=True)
    )
    monkeypatch.setattr(type(model), "site_best_rsrp", lambda *a: pytest.fail("recomputed"))
    again = build_candidates(town, radio, ids, xy)  # a second plan reuses the coverage
    assert all(
        np.array_equal(a, b) for a, b in zip(first.instance.sets, again.instance.sets, strict=True)
    )


def test_refinement_counts_beyond_earlier_phases_and_never_rebuilds_a_site():
    # 2026 builds c and a; in 2027 local search must not "add" c again (already built)
    # nor value b's pixels 0-1 that a already covers
    plan = plan_rollout(
        _toy_candidates(),
        [Phase(2026, 150.0), Phase(2027, 150.0)],
        100.0,
        100.0,
        20.0,
        20.0,
        refine=True,
    )
    first, second = plan.phases
    assert first.figures["site_ids"] == ["c", "a"]
    assert second.figures["site_ids"] == ["b"] and second.figures["persons_gained"] == 10.0
    assert plan.totals["sites"] == 3 and len(set(plan.chosen)) == 3


def _premises_candidates() -> Candidates:
    """Two candidates of equal cost: "homes" brings more persons, "offices" more premises."""
    sets = [np.array([0]), np.array([1])]
    costs = np.array([100.0, 100.0])
    frame = pd.DataFrame(
        {
            "candidate_id": ["homes", "offices"],
            "x": 0.0,
            "y": 0.0,
            "site_eur": costs,
            "backhaul_eur": 0.0,
            "grid_eur": 0.0,
            "cost_eur": costs,
        }
    )
    persons = CoverageInstance(sets, np.array([50.0, 5.0]), costs)
    premises = CoverageInstance(sets, np.array([20.0, 80.0]), costs)
    return Candidates(frame, persons, premises)


def test_the_objective_chooses_for_persons_or_premises():
    phases = [Phase(2026, 100.0)]
    by_persons = plan_rollout(_premises_candidates(), phases, 100.0, 200.0, 0.0, 0.0)
    assert by_persons.phases[0].figures["site_ids"] == ["homes"]
    assert by_persons.curve == [(0.0, 0.0), (100.0, 50.0)]
    by_premises = plan_rollout(
        _premises_candidates(), phases, 100.0, 200.0, 0.0, 0.0, objective="premises"
    )
    figures = by_premises.phases[0].figures
    assert figures["site_ids"] == ["offices"]
    assert figures["premises_gained"] == 80.0 and figures["persons_gained"] == 5.0
    assert by_premises.curve == [(0.0, 0.0), (100.0, 80.0)]  # the curve counts premises
    with pytest.raises(DataError, match="persons or premises"):
        plan_rollout(_premises_candidates(), phases, 1.0, 1.0, 0.0, 0.0, objective="homes")


def test_cli_objective_premises_and_a_missing_candidate_layer(town, tmp_path, capsys):
    from PySide6.QtGui import QImage

    from twin.cli import main

    path = town.save(tmp_path / "town.twin")
    out = tmp_path / "out"
    command = ["plan", str(path), "--budget", "400000", "--spacing", "500", "--out", str(out)]
    assert main([*command, "--objective", "premises", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    plan = json.loads((out / "plan.json").read_text())
    assert plan["objective"] == "premises"
    curve = plan["marginal_curve"]
    assert curve[-1]["premises_gained"] == pytest.approx(plan["premises_gained"], abs=1e-2)
    # the curve's axis runs to the whole budget: the part not spent is drawn dotted up to
    # the plot's right edge (x 1150 of 1200)
    image = QImage(str(out / "marginal_curve.png"))
    right = {image.pixelColor(x, y).name() for x in range(1120, 1148) for y in range(60, 610)}
    assert "#0072b2" in right or plan["capex_eur"] > 0.95 * 400000
    assert main([*command, "--candidates", "no_such_layer"]) == 2
    error = capsys.readouterr().err.strip()
    assert "no layer 'no_such_layer' of candidate sites" in error and "\n" not in error


def test_the_timeline_and_the_curve_speak_french(town, tmp_path, qtbot):
    from PySide6.QtGui import QImage

    from twin.cli.plan_chart import write_marginal_curve
    from twin.i18n import set_language
    from twin.project import Project
    from twin.scenario import Scenario
    from twin.ui.panels.timeline import PlanTimeline
    from twin.ui.scenario.controller import ScenarioController

    set_language("fr")
    project = Project.open(town.save(tmp_path / "town.twin"))
    project.scenarios = [Scenario("Rollout 2026", ()).to_dict()]
    controller = ScenarioController(project, OPTIONS, in_process=True)
    timeline = PlanTimeline()
    qtbot.addWidget(timeline)
    timeline.bind(controller)
    timeline.show()
    assert timeline.years.text() == "aujourd'hui  →  2026"
    assert timeline.label.text().startswith("Aujourd'hui")
    controller.shutdown()
    path = tmp_path / "curve.png"
    write_marginal_curve([(0.0, 0.0), (150_000.0, 900.0)], path, [], "persons", 1e6)
    assert QImage(str(path)).width() == 1200


def test_people_figures_of_the_outputs_pass_the_privacy_gate(tmp_path):
    from twin.sim.optimise.study import PlanStudy

    candidates = _toy_candidates()
    # households of the 7 pixels: c's pixel 3 holds 12; a's pixels 0-1 hold 8; b adds 4
    candidates.households = np.array([4.0, 4.0, 4.0, 12.0, 2.0, 2.0, 2.0])
    candidates.frame["persons_gain"] = [20.0, 20.0, 30.0, 15.0]
    plan = plan_rollout(
        candidates, [Phase(2026, 150.0), Phase(2027, 150.0)], 100.0, 100.0, 20.0, 20.0
    )
    study = PlanStudy(candidates, plan, 100.0, 100.0, 20.0, "EPSG:2154")
    data = plan_json(study)
    first, second = data["phases"]
    assert first["persons_gained"] == 50.0  # c and a: 20 households
    masked = {"value": None, "masked": True}
    # 2027's b brings pixel 2 alone: 10 persons of 4 households, never published, nor the
    # cumulative figures that differ from 2026's by it
    for key in ("persons_gained", "persons_good_cumulative", "persons_good_share"):
        assert second[key] == masked
    assert data["persons_gained"] == 60.0  # the plan's total rests on 24 households
    # a (8 households) is merged with b into one step of the curve
    assert [(p["capex_eur"], p["persons_gained"]) for p in data["marginal_curve"]] == [
        (0.0, 0.0),
        (50.0, 30.0),
        (250.0, 60.0),
    ]
    write_plan(study, tmp_path)
    rows = (tmp_path / "phases.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert rows[2].split(",")[header.index("persons_gained")] == ""
    import geopandas as gpd

    frame = gpd.read_file(tmp_path / "candidates.gpkg", layer="candidates")
    gains = dict(zip(frame["candidate_id"], frame["persons_gain"], strict=True))
    assert gains["c"] == 30.0 and all(np.isnan(gains[k]) for k in "abd")
    assert frame["masked"].tolist() == [True, True, False, True]


def test_twin_simulate_on_the_plans_files_gives_plan_json_figures(town, tmp_path, capsys):
    from twin.cli import main

    path = town.save(tmp_path / "town.twin")
    out, saved = tmp_path / "out", tmp_path / "planned.twin"
    command = ["plan", str(path), "--phases", "2026:300000,2027:300000", "--spacing", "500"]
    assert main([*command, "--save-scenarios", str(saved), "--out", str(out), "--quiet"]) == 0
    plan = json.loads((out / "plan.json").read_text())

    def simulated(*source: str) -> dict:
        folder = tmp_path / f"sim{len(list(tmp_path.iterdir()))}"
        arguments = ["simulate", *source, "--domains", "radio", "--quiet", "--out", str(folder)]
        assert main(arguments) == 0
        figures = json.loads((folder / "kpis.json").read_text())["figures"]
        return {f["key"]: f["delta"] for f in figures}

    persons, premises = (f"radio.4g_5g.{what}.good_or_better" for what in ("persons", "premises"))
    assert all(phase["persons_gained"] > 0 for phase in plan["phases"])
    whole = simulated(str(path), "--scenario-file", str(out / "scenario.json"))
    assert whole[persons] == pytest.approx(plan["persons_gained"], abs=1e-2)
    assert whole[premises] == pytest.approx(plan["premises_gained"], abs=1e-2)
    # the sites' capex in the scenario is the plan's: site, fibre backhaul, grid connection
    radio = plan["capex_by_domain_eur"]["radio"]
    assert whole["capex.radio"] == pytest.approx(radio, abs=0.05)
    gained = spent = 0.0
    for phase in plan["phases"]:  # each phase's scenario: the plan to the end of its year
        gained += phase["persons_gained"]
        spent += phase["capex_by_domain_eur"]["radio"]
        by_phase = simulated(str(saved), "--scenario", f"Rollout {phase['year']}")
        assert by_phase[persons] == pytest.approx(gained, abs=1e-2)
        assert by_phase["capex.radio"] == pytest.approx(spent, abs=0.05)
    capsys.readouterr()


def test_a_planned_sites_capex_in_a_scenario_includes_its_connection():
    from twin.scenario import intervention_from_dict
    from twin.sim.whatif.radio_sites import apply_site_interventions

    candidates = _toy_candidates()
    candidates.frame["backhaul_eur"] = [1_000.0, 0.0, 0.0, 0.0]
    candidates.frame["grid_eur"] = [500.0, 0.0, 0.0, 0.0]
    first, second = candidates.interventions([0, 1])
    assert first.connection_eur == 1_500.0 and second.connection_eur == 0.0
    # written only when set: a site without one reads and hashes as before
    assert first.to_dict()["connection_eur"] == 1_500.0 and "connection_eur" not in second.to_dict()
    assert intervention_from_dict(first.to_dict()) == first
    _sites, capex = apply_site_interventions({}, [first, second])
    assert capex == 2 * 150_000.0 + 1_500.0  # two standard sites (defaults.json) + connection
    with pytest.raises(DataError, match="connection_eur"):
        intervention_from_dict({**first.to_dict(), "connection_eur": -1.0})


@pytest.mark.parametrize("seed", range(12))
def test_no_phase_ever_spends_more_than_its_budget(seed):
    rng = np.random.default_rng(seed)
    count, elements = 14, 80
    sets = [
        rng.choice(elements, size=int(rng.integers(1, 20)), replace=False) for _ in range(count)
    ]
    costs = rng.choice([90_000.0, 150_000.0, 240_000.0, 410_000.0], size=count)
    persons = CoverageInstance(sets, rng.integers(0, 50, elements).astype(float), costs)
    premises = CoverageInstance(sets, rng.integers(0, 20, elements).astype(float), costs)
    frame = pd.DataFrame(
        {
            "candidate_id": [f"c{i}" for i in range(count)],
            "x": 0.0,
            "y": 0.0,
            "site_eur": costs,
            "backhaul_eur": 0.0,
            "grid_eur": 0.0,
            "cost_eur": costs,
        }
    )
    phases = [Phase(2026 + k, float(b)) for k, b in enumerate(rng.integers(1, 6, 3) * 100_000)]
    for refine in (False, True):
        for objective in ("persons", "premises"):
            plan = plan_rollout(
                Candidates(frame, persons, premises), phases, 1e4, 1e4, 0.0, 0.0,
                refine=refine, objective=objective,
            )  # fmt: skip
            for phase in plan.phases:
                assert phase.figures["capex_eur"] <= phase.phase.budget_eur + 1e-6
            assert len(set(plan.chosen)) == len(plan.chosen)  # no site built twice
