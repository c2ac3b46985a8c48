"""Opening a project with stored results shows its baseline figures at once; the live
engine's own computation, when it arrives, gives the same numbers."""

from __future__ import annotations

import twin
from twin.ui.scenario.controller import ScenarioController

KEY = "radio.4g_5g.persons.good_or_better"


def test_stored_baseline_figures_show_before_the_engine_answers(qtbot):
    project = twin.open_project()  # the sample holds its four baseline results
    controller = ScenarioController(project, in_process=True)
    try:
        first = controller.figure(KEY)  # no event processed yet: the engine has not answered
        assert first.value == first.baseline == 414913.1
        assert len(controller.figures()) >= 30
        with qtbot.waitSignal(controller.live.updated, timeout=120_000):
            pass
        qtbot.waitUntil(lambda: not controller.busy, timeout=120_000)
        assert controller.figure(KEY).value == first.value  # computed == stored
    finally:
        controller.shutdown()
