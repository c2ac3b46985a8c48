"""Compare two scenarios: side-by-side synchronised maps, a swipe map, a difference layer
and the KPI table of the two. :func:`open_compare` is the entry point of the main window."""

from __future__ import annotations

from PySide6.QtCore import Qt

from twin.i18n import tr
from twin.ui.compare.side_by_side import SideBySideView
from twin.ui.compare.swipe import SwipeView
from twin.ui.compare.table import CompareTable
from twin.ui.compare.window import CompareWindow, ScenarioData

__all__ = [
    "CompareTable",
    "CompareWindow",
    "ScenarioData",
    "SideBySideView",
    "SwipeView",
    "open_compare",
    "scenario_data",
    "with_missing_themes",
]


def scenario_data(
    controller, name: str | None, pooled: dict | None = None, feedback=None
) -> ScenarioData:
    """Result layers and figures of scenario ``name`` (None = baseline) from a
    ScenarioController; may block for the engines (call it in a worker). ``pooled``: the
    domains sent to the engine processes (:func:`twin.sim.whatif.pool.submit`);
    ``feedback``: progress and cancel of the engines.

    The current scenario's layers and figures are the controller's own (the numbers the KPI
    dock shows); another scenario's layers come from ``controller.result_layers(name)`` and
    its figures from the what-if runner (same options); the baseline's, when it is not
    current, from the runner too."""
    current = getattr(controller, "current_name", lambda: None)()
    options = getattr(controller, "options", None)
    simulation = None

    def simulated():
        nonlocal simulation
        if simulation is None:
            from twin.sim.whatif import simulate

            scenario = controller.scenario(name) if name is not None else None
            simulation = simulate(
                controller.project, scenario, options=options, pooled=pooled, feedback=feedback
            )
        return simulation

    if name is None and current is not None:
        layers = list(simulated().layers)
    else:
        layers = list(controller.result_layers(name))
        if options is not None:
            # the live layers (sites, combined level) answer at once; the what-if run adds
            # every other theme (coverage per technology, PTAL, line loading, fiber), so
            # each theme of one scenario can be compared with the other's
            layers = with_missing_themes(layers, simulated().layers)
    figures_for = getattr(controller, "figures_for", None)
    if name == current:
        figures = list(controller.figures())
    elif figures_for is not None:
        figures = list(figures_for(name))
    else:
        figures = list(simulated().figures)
    return ScenarioData(name, layers, figures)


def with_missing_themes(layers: list, extra: list) -> list:
    """``layers`` followed by the layers of ``extra`` whose theme (name without scenario
    prefix) ``layers`` lacks."""
    from twin.layers.difference import base_name

    have = {base_name(layer.name) for layer in layers}
    return [*layers, *(layer for layer in extra if base_name(layer.name) not in have)]


def open_compare(
    parent, controller, name_a: str | None, name_b: str | None, mode: str = "side-by-side"
) -> CompareWindow:
    """Open a compare window of scenarios ``name_a`` and ``name_b`` (None = baseline) in
    ``mode`` ("side-by-side" or "swipe"); their results are computed in a worker with
    progress and cancel, then shown. Returns the (already shown) window."""
    from twin.ui.workers import run_job

    window = CompareWindow(controller.project, mode, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def job(feedback):
        pooled = _send_to_engine_processes(controller, (name_a, name_b))
        try:
            first = scenario_data(controller, name_a, pooled=pooled, feedback=_half(feedback, 0))
            feedback.set_progress(50.0, f"{name_b or 'Baseline'}: results")
            second = scenario_data(controller, name_b, pooled=pooled, feedback=_half(feedback, 1))
        finally:
            from twin.sim.whatif import pool

            pool.close(pooled)
        return first, second

    def on_result(pair) -> None:
        window.set_scenarios(*pair)

    window.job = run_job(job, title=tr("Comparing scenarios"), parent=window, on_result=on_result)
    window.show()
    return window


def _send_to_engine_processes(controller, names) -> dict:
    """The heavy domains of the compared scenarios sent to the engine processes started
    with the app (:mod:`twin.sim.whatif.pool`); they run while this worker computes the
    others. Empty when no process runs (tests, a project not saved yet)."""
    from twin.sim.whatif import pool

    if not pool.running() or not hasattr(controller, "scenario"):
        return {}
    scenarios = []
    for name in names:
        if name is not None:
            try:
                scenarios.append(controller.scenario(name))
            except KeyError:
                continue
    return pool.submit(controller.project, scenarios, options=getattr(controller, "options", None))


def _half(feedback, which: int):
    """A feedback whose 0-100 % is the first (``which`` 0) or second half of ``feedback``
    and which stops when it is cancelled."""
    from twin.feedback import Feedback

    class Half(Feedback):
        def check(self) -> None:
            feedback.check()

    return Half(
        lambda percent, message: feedback.set_progress(50.0 * which + percent / 2.0, message)
    )
