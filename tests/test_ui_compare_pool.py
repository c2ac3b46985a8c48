"""The compare window with the app's engine processes running: the energy and transit
results of both scenarios come from them (no engine of those domains runs in the app's
process, none on the UI thread) and the table shows their figures."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject
from test_whatif_pool import OPTIONS, A, B
from whatif_helpers import copy_sample_project

import twin
from twin.kpi import format_value
from twin.sim.whatif import pool, runner
from twin.ui.compare import open_compare


class SampleController(QObject):
    """The part of ScenarioController that open_compare uses, on a copy of the sample."""

    def __init__(self, project) -> None:
        super().__init__()
        self.project, self.options = project, OPTIONS

    def current_name(self):
        return None

    def scenario(self, name):
        return {"A": A, "B": B}[name]

    def result_layers(self, name):
        return []


@pytest.fixture
def controller(tmp_path):
    copied = copy_sample_project(tmp_path)
    runner.forget()
    yield SampleController(twin.open_project(copied))
    pool.stop()
    runner.forget()


def test_compare_takes_energy_and_transit_from_the_engine_processes(qtbot, controller, monkeypatch):
    assert pool.start()
    threads = []
    original = runner.domain_result

    def recording(project, domain, *args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return original(project, domain, *args, **kwargs)

    monkeypatch.setattr(runner, "domain_result", recording)
    before = dict(runner.ENGINE_RUNS)
    window = open_compare(None, controller, "A", "B")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.b is not None, timeout=600_000)
    assert threads and not any(threads)  # every domain asked from the worker thread
    assert runner.ENGINE_RUNS["energy"] == before["energy"]  # computed by the lanes
    assert runner.ENGINE_RUNS["transit"] == before["transit"]
    # 20 chargers of 22 kW in A, none in B
    row = window.table.table.row_texts("energy.ev_added")
    assert row[1:3] == [format_value(440.0, "kW"), format_value(0.0, "kW")]
