"""A rollout plan in the app: the timeline steps through the phases ("Rollout <year>"
scenarios from ``twin plan --save-scenarios``); the map, the KPI dock and the compare view
take a phase like any scenario and show the plan's figures for the end of that year."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from ui_scenario_fixtures import PERSONS_ALL
from ui_scenario_project import OPTIONS, make_project

from twin.kpi import format_value
from twin.project import Project


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """The test town planned over two phases: (saved project, plan.json)."""
    from twin.cli import main

    folder = tmp_path_factory.mktemp("rollout")
    path = make_project().save(folder / "town.twin")
    saved = folder / "planned.twin"
    command = ["plan", str(path), "--phases", "2026:300000,2027:300000", "--spacing", "500"]
    assert main([*command, "--save-scenarios", str(saved), "--out", str(folder / "out")]) == 0
    return saved, json.loads((folder / "out" / "plan.json").read_text())


def _map_pixels(window) -> np.ndarray:
    image = window.canvas.grab().toImage()
    width, height = image.width(), image.height()
    return np.array(
        [[image.pixel(x, y) for x in range(0, width, 4)] for y in range(0, height, 4)],
        dtype=np.uint32,
    )


def test_choosing_a_phase_shows_its_territory_and_figures(qtbot, planned):
    from twin.ui.main_window import MainWindow

    saved, plan = planned
    project = Project.open(saved)
    window = MainWindow(project)
    qtbot.addWidget(window)
    window.scenario.controller.options = OPTIONS  # coarse grid for a fast test
    window.scenario.set_project(project)
    window.show()
    qtbot.waitExposed(window)
    controller = window.scenario.controller
    qtbot.waitUntil(lambda: not controller.busy, timeout=60_000)
    timeline = window.scenario.timeline
    dock = window.scenario.kpi
    window.timeline_dock.raise_()
    assert timeline.years.text() == "today  →  2026  →  2027"
    today = _map_pixels(window)
    shown = {}
    for year, phase in zip((2026, 2027), plan["phases"], strict=True):
        timeline.slider.setFocus()
        qtbot.keyClick(timeline.slider, Qt.Key.Key_Right)
        assert controller.current_name() == f"Rollout {year}"
        qtbot.waitUntil(lambda: not controller.busy, timeout=60_000)
        qtbot.waitUntil(lambda y=year: f"Rollout {y}" in dock.title_label.text(), timeout=5_000)
        figure = next(f for f in controller.figures() if f.key == PERSONS_ALL)
        # the figures are the plan's for the end of that year (cumulative)
        gained = sum(p["persons_gained"] for p in plan["phases"] if p["year"] <= year)
        assert figure.delta == pytest.approx(gained, abs=1e-2)
        assert figure.value == pytest.approx(phase["persons_good_cumulative"], abs=1e-2)
        expected = format_value(figure.value, "persons")
        qtbot.waitUntil(lambda e=expected: dock.table.row_texts(PERSONS_ALL)[2] == e)
        assert timeline.label.text().startswith(f"End of {year}:")
        radio = phase["capex_by_domain_eur"]["radio"]
        assert f"radio {radio:,.0f}, fibre 0, grid 0" in timeline.label.text()
        qtbot.wait(50)
        shown[year] = _map_pixels(window)
    # the map shows each phase's territory: the sites of 2026 change it from today, those
    # of 2027 change it again
    assert (shown[2026] != today).mean() > 0.001
    assert (shown[2027] != shown[2026]).mean() > 0.001
    qtbot.keyClick(timeline.slider, Qt.Key.Key_Home)
    assert controller.current_name() is None
    qtbot.waitUntil(lambda: "Baseline" in dock.title_label.text(), timeout=5_000)
    controller.shutdown()
    window.set_modified(False)


def test_the_compare_view_takes_two_phases(qtbot, planned):
    from twin.ui.compare import open_compare
    from twin.ui.scenario.controller import ScenarioController

    saved, plan = planned
    controller = ScenarioController(Project.open(saved), OPTIONS, in_process=True)
    window = open_compare(None, controller, "Rollout 2026", "Rollout 2027")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.b is not None, timeout=60_000)
    row = window.table.table.row_texts(PERSONS_ALL)
    first, second = (p["persons_good_cumulative"] for p in plan["phases"])
    assert row[1:3] == [format_value(first, "persons"), format_value(second, "persons")]
    controller.shutdown()


def _planning_window(qtbot):
    """A window with the timeline and the status bar's job progress, on the test town."""
    from PySide6.QtWidgets import QMainWindow

    from twin.ui.panels.timeline import PlanTimeline
    from twin.ui.scenario.controller import ScenarioController
    from twin.ui.status_bar import JobProgress

    controller = ScenarioController(make_project(), OPTIONS, in_process=True)
    window = QMainWindow()
    timeline = PlanTimeline()
    timeline.bind(controller)
    window.setCentralWidget(timeline)
    progress = JobProgress()
    window.statusBar().addPermanentWidget(progress)
    qtbot.addWidget(window)
    window.resize(900, 400)
    window.show()
    qtbot.waitExposed(window)
    return window, timeline, controller, progress


def _fill_dialog(qtbot, timeline, phases: str):
    from PySide6.QtWidgets import QDialogButtonBox

    qtbot.mouseClick(timeline.plan_button, Qt.MouseButton.LeftButton)
    dialog = timeline.dialog
    qtbot.waitExposed(dialog)
    dialog.phases.selectAll()
    qtbot.keyClicks(dialog.phases, phases)
    dialog.spacing.setValue(500.0)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Plan"
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    return dialog


def test_planning_from_the_timeline_runs_in_the_background_and_adds_the_phases(qtbot):
    _window, timeline, controller, _progress = _planning_window(qtbot)
    assert timeline.years.text() == "" and not timeline.slider.isEnabled()
    dialog = _fill_dialog(qtbot, timeline, "2026-300000")  # a bad phase: said in the dialog
    assert dialog.isVisible() and "give YEAR:EUR" in dialog.error.text()
    assert "\n" not in dialog.error.text()
    dialog.phases.selectAll()
    qtbot.keyClicks(dialog.phases, "2026:300000,2027:300000")
    from PySide6.QtWidgets import QDialogButtonBox

    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: timeline.years.text() == "today  →  2026  →  2027", timeout=60_000)
    timeline.slider.setFocus()
    qtbot.keyClick(timeline.slider, Qt.Key.Key_Right)
    assert controller.current_name() == "Rollout 2026"
    assert timeline.label.text().startswith("End of 2026:")
    # one undo step takes the plan back
    controller.undo_stack.undo()
    assert timeline.years.text() == "" and controller.scenario_names() == []
    controller.shutdown()


def test_cancelling_a_plan_adds_nothing(qtbot, monkeypatch):
    import threading

    import twin.sim.optimise.study as study

    _window, timeline, controller, progress = _planning_window(qtbot)
    release = threading.Event()
    real = study.build_candidates

    def held(project, radio, ids, xy, feedback=None, threads=None):
        feedback.set_progress(40.0, "candidate coverage")
        release.wait(10)  # hold until the test has pressed Cancel
        return real(project, radio, ids, xy, feedback, threads)

    monkeypatch.setattr(study, "build_candidates", held)
    dialog = _fill_dialog(qtbot, timeline, "2026:300000")
    qtbot.waitUntil(lambda: progress.isVisible() and progress.cancel_button.isVisible())
    assert progress.message_label.text().startswith("Planning the rollout")
    with qtbot.waitSignal(dialog.handle.cancelled, timeout=20_000):
        qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
        release.set()
    assert controller.scenario_names() == [] and timeline.years.text() == ""
    controller.shutdown()


def test_the_plan_dialog_speaks_french(qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    from twin.i18n import set_language

    set_language("fr")
    _window, timeline, controller, _progress = _planning_window(qtbot)
    assert timeline.plan_button.text() == "Planifier le déploiement…"
    assert timeline.label.text().startswith("Pas de plan de déploiement")
    qtbot.mouseClick(timeline.plan_button, Qt.MouseButton.LeftButton)
    dialog = timeline.dialog
    dialog.target.setValue(99.0)
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "Planifier"
    assert dialog.candidates.currentText() == "grille sur les manques de couverture"
    assert dialog.spacing.text() == "1000 m"
    assert dialog.target.text() == "99,0 %"
    dialog.reject()
    controller.shutdown()
