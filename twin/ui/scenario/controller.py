"""The scenario editor's state: the scenarios of a project, the current one, undo, results.

Every edit goes through a :class:`~twin.ui.scenario.undo.ScenarioCommand` on :attr:`undo_stack`, and
the scenarios are written back to ``project.scenarios`` (dicts, saved in the ``.twin``) after
each change. The baseline layers are never modified: engines get the baseline plus the
current scenario's interventions. Radio results come from :class:`LiveRadio` (incremental,
in its child process or thread, live while a site is dragged); fiber, transit and energy
come from :class:`~twin.ui.scenario.slow.SlowResults` (cached by content, else one worker
job at a time, progress on :attr:`message`, no dialog). Nothing is computed on the UI
thread.

The controller holds the state, signals and reading methods; its other parts are mixed in
from beside it: :mod:`~twin.ui.scenario.editing` (undoable edits of scenarios and
interventions), :mod:`~twin.ui.scenario.dragging` (sites and dragging) and
:mod:`~twin.ui.scenario.refresh` (asking the engines, their results, busy state).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from twin.errors import DataWarning
from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.base import Layer
from twin.scenario import (
    Intervention,
    Scenario,
    usable_scenarios,
)
from twin.sim.whatif.result import DomainResult, WhatIfOptions
from twin.sim.whatif.runner import cost_figures
from twin.ui.live.radio import LiveRadio
from twin.ui.scenario.compute import SlowEngines
from twin.ui.scenario.dragging import SiteDragging
from twin.ui.scenario.editing import ScenarioEditing
from twin.ui.scenario.layers import ScenarioLayers
from twin.ui.scenario.refresh import ResultRefresh
from twin.ui.scenario.sites import SiteBook
from twin.ui.scenario.slow import SlowResults


class ScenarioController(ScenarioEditing, SiteDragging, ResultRefresh, QObject):
    """Scenarios of a project with undoable edits and live what-if results.

    Signals: ``scenarios_changed()``, ``current_changed(name or None)``,
    ``figures_changed(list[Figure])`` (current scenario vs baseline),
    ``result_layers_changed(list[Layer])``, ``busy_changed(bool)``, ``message(str)`` (a
    one-line status or error for the status bar, e.g. the slow engines' progress),
    ``live_updated(float)`` (milliseconds from a drag request to its figures, for the
    benchmark), ``slow_running_changed(bool)`` (a fiber/transit/energy job runs: Cancel).
    """

    scenarios_changed = Signal()
    current_changed = Signal(object)
    figures_changed = Signal(list)
    result_layers_changed = Signal(list)
    busy_changed = Signal(bool)
    message = Signal(str)
    live_updated = Signal(float)
    slow_running_changed = Signal(bool)

    def __init__(
        self,
        project=None,
        options: WhatIfOptions | None = None,
        parent=None,
        in_process: bool = False,
    ) -> None:
        super().__init__(parent)
        self.options = options or WhatIfOptions()
        self.in_process = in_process  # radio engine in a thread (small projects, tests)
        self.undo_stack = QUndoStack(self)
        self.project = None
        self.live: LiveRadio | None = None
        self.slow: SlowEngines | None = None
        self.sites = SiteBook()
        self.layers = ScenarioLayers()
        self._scenarios: tuple[Scenario, ...] = ()
        self._set_aside: list[tuple[dict, str]] = []  # unusable stored scenarios, kept
        self.refusal = ""  # why the last edit was refused (one line), "" when none
        self._current: str | None = None
        self._radio_figures: list[Figure] = []
        self._radio_capex = 0.0
        self._levels: dict = {}  # 4G+5G level grids of the live radio engine (reports figure)
        self.slow_results = SlowResults(self.current_scenario, self)
        self.slow_results.changed.connect(lambda: self._emit_results(slow_changed=True))
        self.slow_results.running_changed.connect(self._on_slow_running)
        self.slow_results.message.connect(self.message)
        self._radio_ready = False  # the first radio result arrived
        self._recompute_pending = False  # engines to be asked when the event loop is back
        self._drag: tuple[str, tuple[Intervention, ...]] | None = None
        self._busy = False
        self.set_project(project)

    # --- project ------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Edit the scenarios of ``project`` (None: nothing); the baseline becomes current."""
        if self.live is not None:
            self.live.shutdown()
            self.live = None
        self.slow_results.stop()
        self.project = project
        self.undo_stack.clear()
        usable, self._set_aside = usable_scenarios(
            list(project.scenarios) if project else [], project.extent if project else None
        )
        self._scenarios = tuple(usable)
        for _data, reason in self._set_aside:  # shown in the status bar and Data warnings
            text = tr("Scenario set aside (kept in the file, not used): {0}").format(reason)
            self.message.emit(text)
            warnings.warn(text, DataWarning, stacklevel=2)
        self._current = None
        self._radio_figures, self._drag, self._radio_ready = [], None, False
        self._levels = {}
        self.slow = None
        self.layers.set_slow_layers([])
        self.sites.set_project(project)
        self.layers.set_territory(project)
        if project is not None:
            self.live = LiveRadio(project, self.options, self, in_process=self.in_process)
            self.live.updated.connect(self._on_radio_update)
            self.live.failed.connect(self._on_radio_failed)
            self.slow = SlowEngines(project, self.options)
            self._read_sites_in_background()
            self._show_stored_baseline(project)
            self._show_stored_coverage(project)
        self.slow_results.set_engines(self.slow)
        self.scenarios_changed.emit()
        self.current_changed.emit(None)
        self._recompute()
        if self._radio_figures:  # the stored baseline: shown now, not after the engine
            self._emit_results()

    def _show_stored_baseline(self, project) -> None:
        """The baseline's radio figures from the results stored in the project, at once; the
        live engine computes them again in its process and its answer replaces these. A
        lookup only (``hash_layers=False``: nothing is hashed or computed on this thread)."""
        from twin.errors import TwinError
        from twin.sim.whatif.figures import paired_figures
        from twin.sim.whatif.runner import stored_summary

        try:  # figures only: decoding the coverage rasters too took 0.2-0.6 s on this thread
            stored = stored_summary(project, "radio", (), self.options, hash_layers=False)
        except (TwinError, ValueError, TypeError, KeyError):
            return  # a damaged stored result: the live engine computes the figures
        if stored is not None and stored.figures:
            self._radio_figures, self._radio_capex = paired_figures(stored, stored), 0.0

    def _show_stored_coverage(self, project) -> None:
        """The baseline's 4G+5G coverage level stored in the project, decoded in a worker
        (0.2 s on the sample) and shown as soon as it is read, so that the gaps are on the
        map within a second of opening; the live engine's own level (seconds later, after
        its cold computation) replaces its pixels. Nothing is shown when the engine has
        answered first or another project was opened meanwhile."""
        from twin.ui.workers import run_job

        options = self.options

        def read(_feedback):
            from twin.errors import TwinError
            from twin.sim.whatif.runner import stored_result

            try:
                stored = stored_result(project, "radio", (), options, hash_layers=False)
            except (TwinError, ValueError, TypeError, KeyError):
                return None  # a damaged stored result: the live engine computes the level
            return stored.layers[-1] if stored is not None and stored.layers else None

        def show(level_layer) -> None:
            if level_layer is None or self.project is not project or self._current is not None:
                return  # nothing stored, another project, or a scenario is shown
            if "baseline" in self._levels:
                return  # the engine answered first: its level is on the map
            stored = SimpleNamespace(
                level=level_layer.array, transform=level_layer.transform, crs=level_layer.crs
            )
            self.layers.set_coverage(stored, level_layer.style)
            self.result_layers_changed.emit(self.layers.current())

        run_job(
            read,
            title=tr("Reading the stored coverage"),
            on_result=show,
            on_error=lambda error: None,  # the live engine computes it and says what is wrong
            show_progress=False,
        )

    def show_stored_figures(self, stored: DomainResult | None) -> None:
        """Before :meth:`set_project` (the project's hidden layers are still being read):
        show the baseline's stored radio figures ``stored`` (None: none) on
        ``figures_changed``; :meth:`set_project` replaces them."""
        from twin.sim.whatif.figures import paired_figures

        if self.project is not None:
            return  # the engines run: their figures are the ones shown
        figures = paired_figures(stored, stored) if stored is not None else []
        self._radio_figures, self._radio_capex = figures, 0.0
        self.figures_changed.emit(self.figures())

    def _read_sites_in_background(self) -> None:
        """Read the baseline sites (0.1-0.2 s on the sample) in a worker, so that the first
        click of the Add site or Move site tool does not wait for them."""
        from twin.ui.workers import run_job

        sites = self.sites
        run_job(
            lambda _feedback: sites.baseline(),
            title=tr("Reading mobile sites"),
            on_error=lambda error: None,  # the tools read them again and say what is wrong
            show_progress=False,
        )

    def shutdown(self) -> None:
        """Stop the engine thread and any running job (the window is closing)."""
        self.slow_results.stop()
        if self.live is not None:
            self.live.shutdown()

    # --- reading ----------------------------------------------------------------------------------
    def state(self) -> tuple[tuple[Scenario, ...], str | None]:
        """(scenarios, current name): what the undo commands swap."""
        return self._scenarios, self._current

    def scenario_names(self) -> list[str]:
        """Names of the scenarios, in panel order (the baseline is not one)."""
        return [s.name for s in self._scenarios]

    def scenario(self, name: str) -> Scenario:
        """The scenario called ``name``; KeyError if none."""
        for scenario in self._scenarios:
            if scenario.name == name:
                return scenario
        raise KeyError(name)

    def current_name(self) -> str | None:
        """Name of the current scenario (None: the baseline)."""
        return self._current

    def current_scenario(self) -> Scenario | None:
        """The current scenario (None: the baseline)."""
        return self.scenario(self._current) if self._current is not None else None

    def figures(self) -> list[Figure]:
        """KPI figures of the current scenario with the baseline: radio, the slow domains,
        then capex and cost per person/premise gained (the runner's cost_figures, so the
        numbers are those of ``twin simulate``)."""
        if not self._radio_figures and not self.slow_results.results:
            return []
        figures = list(self._radio_figures) + self._mobile_report_figures()
        results = {"radio": DomainResult("radio", capex_eur=self._radio_capex)}
        for result in self.slow_results.results:
            figures.extend(result.figures)
            results[result.domain] = DomainResult(result.domain, capex_eur=result.capex_eur)
        return figures + cost_figures(results, {f.key: f for f in figures})

    def _mobile_report_figures(self) -> list[Figure]:
        """Mobile citizen reports where the live 4G+5G level rises over the baseline's (as
        ``twin simulate``); none before the engine gave both grids."""
        from twin.sim.reports_scenario import mobile_report_figures

        if "baseline" not in self._levels or "current" not in self._levels:
            return []
        (before, _), (after, transform) = self._levels["baseline"], self._levels["current"]
        return mobile_report_figures(self.project, before, after, transform)

    def lineage(self, key: str) -> dict:
        """Where the current figure ``key`` comes from ("why this number",
        :func:`twin.sim.whatif.lineage.figure_lineage`), built when asked rather than on
        every live update; KeyError if absent."""
        from twin.sim.whatif.lineage import figure_lineage

        results: dict[str, DomainResult] = {}
        for layer in self.layers.current():
            domain = layer.provenance.parameters.get("engine", "")
            results.setdefault(domain, DomainResult(domain)).layers.append(layer)
        scenario = self.current_scenario()
        return figure_lineage(self.figure(key), self.project, scenario, results, self.options)

    def figure(self, key: str) -> Figure:
        """The current figure with ``key``; KeyError if absent."""
        for figure in self.figures():
            if figure.key == key:
                return figure
        raise KeyError(key)

    def result_layers(self, name: str | None = None) -> list[Layer]:
        """Result layers of scenario ``name`` (default: the current one). For another
        scenario this computes them and blocks until done: call it from a worker."""
        if name is None or name == self._current:
            return self.layers.current()
        scenario = self.scenario(name)
        if self.live is None:
            return []

        coverage = self.live.level_layers(scenario.interventions, name)
        runs = self.slow.run(scenario) if self.slow is not None else []
        sites = self.layers.sites_layer_for(scenario, self.sites)
        return [sites, *[layer for run in runs for layer in run.layers], *coverage]
