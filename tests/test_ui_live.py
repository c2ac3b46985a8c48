"""The live what-if never makes the user wait: during an add-site, a drag and a scenario
switch no modal dialog shows, and every engine call runs off the UI thread (the radio
engine in its thread or child process, fiber/transit/energy in a worker). A switch does
not recompute any baseline. These tests say where the work runs, not how long it takes
(that is benchmarks/interactive.py's job)."""

from __future__ import annotations

import os
import threading
import time

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from ui_scenario_fixtures import PERSONS_5G, make_bench
from ui_scenario_project import OPTIONS, X0, Y0, make_project

import twin.sim.whatif.energy as energy_adapter
import twin.sim.whatif.fiber as fiber_adapter
import twin.sim.whatif.transit as transit_adapter
from twin.kpi import Figure
from twin.scenario import AddMobileSite, CellSpec, ExtendFiber, Scenario
from twin.sim.radio.model import CoverageModel
from twin.sim.whatif.radio import RadioWhatIf
from twin.sim.whatif.result import DomainResult
from twin.ui.map.tools.add_site import AddSiteTool
from twin.ui.map.tools.move_site import MoveSiteTool

NEW_SITE = (X0 + 3000.0, Y0 + 2000.0)


class EngineCalls:
    """Wraps engine entry points and records, for each call, its name, its first list
    argument (the interventions of an adapter's ``run``) and whether it ran on the UI
    thread (Python's main thread or the application's QThread)."""

    def __init__(self, monkeypatch) -> None:
        self.monkeypatch = monkeypatch
        self.calls: list[tuple[str, object, bool]] = []
        self._lock = threading.Lock()

    def wrap(self, owner, attribute: str, label: str) -> None:
        original = getattr(owner, attribute)

        def recorded(*args, **kwargs):
            on_ui = threading.current_thread() is threading.main_thread() or (
                QThread.currentThread() is QApplication.instance().thread()
            )
            lists = [a for a in args if isinstance(a, list | tuple)]
            with self._lock:
                self.calls.append((label, lists[0] if lists else None, on_ui))
            return original(*args, **kwargs)

        self.monkeypatch.setattr(owner, attribute, recorded)

    def wrap_engines(self) -> None:
        """The radio engine (what-if and coverage model) and the slow adapters."""
        for name in ("__init__", "apply", "levels", "figures", "layers"):
            self.wrap(RadioWhatIf, name, f"RadioWhatIf.{name}")
        for name in ("compute", "add_site", "update_site", "remove_site", "recombine"):
            self.wrap(CoverageModel, name, f"CoverageModel.{name}")
        for module in (fiber_adapter, transit_adapter, energy_adapter):
            self.wrap(module, "run", f"{module.__name__.rsplit('.', 1)[-1]}.run")

    def since(self, start: int) -> list[tuple[str, object, bool]]:
        with self._lock:
            return list(self.calls[start:])

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)


class ModalWatch:
    """Polls every 5 ms of the event loop for a modal widget or a visible dialog."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.polls = 0
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._poll)

    def _poll(self) -> None:
        self.polls += 1
        modal = QApplication.activeModalWidget()
        if modal is not None:
            self.seen.append(f"modal {type(modal).__name__} {modal.windowTitle()!r}")
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                self.seen.append(f"dialog {type(widget).__name__} {widget.windowTitle()!r}")

    def __enter__(self) -> ModalWatch:
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._poll()
        self.timer.stop()


def on_ui(calls) -> list[str]:
    return [label for label, _args, ui in calls if ui]


@pytest.fixture
def engines(monkeypatch):
    recorder = EngineCalls(monkeypatch)
    recorder.wrap_engines()
    return recorder


@pytest.fixture
def bench(qtbot, engines):
    bench = make_bench(qtbot)
    yield bench
    bench.controller.shutdown()


def test_add_site_runs_every_engine_off_the_ui_thread_without_a_dialog(bench, engines):
    start = engines.mark()
    bench.tool(AddSiteTool(bench.controller))
    with ModalWatch() as watch:
        bench.click(*NEW_SITE)
        bench.wait_idle()
    calls = engines.since(start)
    labels = {label for label, _args, _ui in calls}
    assert "RadioWhatIf.apply" in labels and "CoverageModel.add_site" in labels
    assert on_ui(calls) == []
    assert watch.polls > 0 and watch.seen == []
    assert bench.figure(PERSONS_5G) > 0  # the figures came back to the UI


def test_drag_runs_the_radio_engine_off_the_ui_thread_without_a_dialog(bench, engines):
    bench.tool(AddSiteTool(bench.controller))
    bench.click(*NEW_SITE)
    bench.wait_idle()
    bench.tool(MoveSiteTool(bench.controller))
    start = engines.mark()
    with ModalWatch() as watch:
        bench.press(*NEW_SITE)
        for step in range(1, 6):
            with bench.qtbot.waitSignal(bench.controller.figures_changed, timeout=10_000):
                bench.move(NEW_SITE[0] - 250 * step, NEW_SITE[1])
        bench.release(NEW_SITE[0] - 1250, NEW_SITE[1])
        bench.wait_idle()
    calls = engines.since(start)
    labels = [label for label, _args, _ui in calls]
    assert labels.count("RadioWhatIf.apply") >= 2
    assert "CoverageModel.update_site" in labels  # only the dragged site is recomputed
    assert "CoverageModel.compute" not in labels and "RadioWhatIf.__init__" not in labels
    assert on_ui(calls) == []
    assert watch.seen == []


def fake_fiber_run(project, interventions, feedback=None, options=None, name="scenario"):
    """Stands in for the fiber adapter (the test town has no fiber network): premises
    eligible grow by 100 per fiber area; 20 000 EUR per area. It works for 0.6 s, as a
    slow engine does, so that a progress dialog would have time to show."""
    time.sleep(0.6)
    value = 1000.0 + 100.0 * len(interventions)
    figure = Figure("fiber.premises_eligible", "Premises eligible", value, "premises", "fiber")
    return DomainResult("fiber", figures=[figure], capex_eur=20_000.0 * len(interventions))


def test_scenario_switch_reuses_the_baselines_and_runs_off_the_ui_thread(
    qtbot, engines, monkeypatch
):
    monkeypatch.setattr(fiber_adapter, "run", fake_fiber_run)
    engines.wrap(fiber_adapter, "run", "fiber.run")
    project = make_project()
    area = ((X0 + 1000, Y0 + 1000), (X0 + 2000, Y0 + 1000), (X0 + 2000, Y0 + 2000))
    site = AddMobileSite(
        "new-1", "New site 1", *NEW_SITE, 30.0, "3gpp-uma", (CellSpec(0.0, band_mhz=3500),)
    )
    project.scenarios = [
        Scenario("Fiber", (ExtendFiber("Fiber area 1", area),)).to_dict(),
        Scenario("Sites", (site,)).to_dict(),
    ]
    bench = make_bench_for(qtbot, project)
    try:
        start = engines.mark()
        messages = []
        bench.controller.message.connect(messages.append)
        with ModalWatch() as watch:
            for name in ("Fiber", "Sites", None, "Fiber"):
                bench.panel_select(name)
                bench.wait_idle()
        calls = engines.since(start)
        labels = [label for label, _args, _ui in calls]
        assert labels.count("RadioWhatIf.apply") >= 3
        assert "fiber.run" in labels  # the fiber area's plan, in a worker
        assert on_ui(calls) == []
        assert watch.seen == []
        # the progress went to the status line instead of a dialog
        assert any(m.startswith("Simulating 'Fiber': ") and "%" in m for m in messages)
        # no baseline was computed again: neither the radio one nor a slow domain's
        assert "RadioWhatIf.__init__" not in labels and "CoverageModel.compute" not in labels
        assert [c for c in calls if c[0].endswith(".run") and not c[1]] == []
        # switching back to a scenario seen before computes nothing slow again
        assert labels.count("fiber.run") == 1
        assert bench.controller.current_name() == "Fiber"
        assert bench.figure("fiber.premises_eligible") == 1100.0
        assert bench.controller.figure("fiber.premises_eligible").baseline == 1000.0
    finally:
        bench.controller.shutdown()


def make_bench_for(qtbot, project):
    """The shared bench on ``project`` (scenarios already in it), with a helper that
    clicks a scenario's row in the scenario panel (None: the baseline row)."""
    import ui_scenario_fixtures

    original = ui_scenario_fixtures.make_project
    ui_scenario_fixtures.make_project = lambda: project
    try:
        bench = make_bench(qtbot)
    finally:
        ui_scenario_fixtures.make_project = original
    panel_list = bench.panel.scenario_list

    def panel_select(name):
        from PySide6.QtCore import Qt

        for row in range(panel_list.count()):
            item = panel_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                rect = panel_list.visualItemRect(item)
                qtbot.mouseClick(
                    panel_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
                )
                break
        qtbot.waitUntil(lambda: bench.controller.current_name() == name, timeout=5_000)

    bench.panel_select = panel_select
    bench.panel.show()
    qtbot.waitExposed(bench.panel)
    return bench


def test_main_window_first_add_site_uses_the_child_process_and_shows_no_dialog(
    qtbot, engines, monkeypatch
):
    """The first edit comes while fiber, transit and energy are still being prepared."""
    from twin.sim.whatif.runner import forget
    from twin.ui.main_window import MainWindow

    forget()  # results are shared by input: earlier tests' baselines would be reused

    monkeypatch.setattr(fiber_adapter, "run", fake_fiber_run)
    engines.wrap(fiber_adapter, "run", "fiber.run")

    project = make_project()
    window = MainWindow(project)
    qtbot.addWidget(window)
    controller = window.scenario.controller
    controller.options = OPTIONS  # coarse grid for a fast test
    window.scenario.set_project(project)
    window.show()
    qtbot.waitExposed(window)
    try:
        qtbot.waitUntil(lambda: bool(controller.figures()), timeout=60_000)  # radio is up
        assert controller.slow_running  # the slow baselines are being prepared
        updates = []
        controller.live.updated.connect(updates.append)
        start = engines.mark()
        window.scenario.tool_actions["add_site"].trigger()
        point = window.canvas.map_to_widget(*NEW_SITE).toPoint()
        with ModalWatch() as watch:
            qtbot.mouseClick(window.canvas.map_viewport(), _left(), pos=point)
            qtbot.waitUntil(lambda: not controller.busy, timeout=60_000)
        assert watch.seen == []
        assert updates and all(u.engine_pid not in (0, os.getpid()) for u in updates)
        assert controller.figure("fiber.premises_eligible").value == 1000.0
        calls = engines.since(start)
        # the radio engine ran in the child process: nothing of it in this process
        assert [c for c in calls if c[0].startswith(("RadioWhatIf", "CoverageModel"))] == []
        assert on_ui(calls) == []
    finally:
        controller.shutdown()
        window.set_modified(False)


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
