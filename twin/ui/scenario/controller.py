"""The scenario editor's state: the scenarios of a project, the current one, undo, results.

Every edit goes through a :class:`~twin.ui.scenario.undo.ScenarioCommand` on :attr:`undo_stack`, and
the scenarios are written back to ``project.scenarios`` (dicts, saved in the ``.twin``) after
each change. The baseline layers are never modified: engines get the baseline plus the
current scenario's interventions. Radio results come from :class:`LiveRadio` (incremental,
in its child process or thread, live while a site is dragged); fiber, transit and energy
come from :class:`~twin.ui.scenario.slow.SlowResults` (cached by content, else one worker
job at a time, progress on :attr:`message`, no dialog). Nothing is computed on the UI
thread.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from twin.errors import DataError, DataWarning
from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.base import Layer
from twin.scenario import (
    AddMobileSite,
    Intervention,
    MoveMobileSite,
    Scenario,
    usable_scenarios,
)
from twin.sim.whatif.result import DomainResult, WhatIfOptions
from twin.sim.whatif.runner import cost_figures
from twin.ui.live.radio import LiveRadio, RadioUpdate
from twin.ui.scenario import undo
from twin.ui.scenario.compute import SlowEngines
from twin.ui.scenario.layers import ScenarioLayers
from twin.ui.scenario.sites import SiteBook
from twin.ui.scenario.slow import SlowResults


class ScenarioController(QObject):
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

    # --- scenario list edits (undoable) ---------------------------------------------------
    def select(self, name: str | None) -> None:
        """Make scenario ``name`` (None: the baseline) current (not an edit)."""
        if name is not None:
            self.scenario(name)
        if name != self._current:
            self._current = name
            self.current_changed.emit(name)
            self._recompute()

    def new_scenario(self, name: str | None = None) -> str:
        """Create an empty scenario (default name "Scenario N") and make it current."""
        name = name or self._free_name("Scenario")
        self.undo_stack.push(undo.NewScenarioCommand(self, name))
        return name

    def duplicate_scenario(self, name: str, new_name: str | None = None) -> str:
        """Copy scenario ``name`` (default copy name "<name> (copy)")."""
        new_name = new_name or self._free_name(f"{name} (copy)")
        self.undo_stack.push(undo.DuplicateScenarioCommand(self, name, new_name))
        return new_name

    def rename_scenario(self, name: str, new_name: str) -> None:
        """Rename a scenario."""
        if new_name != name:
            self.undo_stack.push(undo.RenameScenarioCommand(self, name, new_name))

    def delete_scenario(self, name: str) -> None:
        """Delete a scenario (undoable)."""
        self.undo_stack.push(undo.DeleteScenarioCommand(self, name))

    def move_scenario(self, name: str, new_index: int) -> None:
        """Move a scenario in the list."""
        self.undo_stack.push(undo.MoveScenarioCommand(self, name, new_index))

    def _free_name(self, stem: str) -> str:
        names = set(self.scenario_names())
        if stem not in names and not stem.startswith("Scenario"):
            return stem
        number = 1
        while f"{stem} {number}" in names:
            number += 1
        return f"{stem} {number}"

    # --- intervention edits (undoable) ------------------------------------------------------
    def _editable(self) -> str:
        """The current scenario's name; on the baseline, a new scenario is made first (inside
        the caller's undo macro) so that the baseline is never edited."""
        if self._current is None:
            self.new_scenario()
        return self._current  # type: ignore[return-value]

    def _outside_extent(self, intervention: Intervention) -> bool:
        """True (and the reason on ``message``) when ``intervention`` places a point outside
        the project extent, as ``twin simulate`` refuses it; the edit is then not made."""
        if self.project is None:
            return False
        try:
            name = self._current or tr("new scenario")
            Scenario(name, (intervention,)).check_extent(self.project.extent)
        except DataError as error:
            self.refusal = str(error)
            self.message.emit(self.refusal)
            if self.live is not None:
                self._recompute_radio()  # a dragged site goes back where it was
            return True
        return False

    def add_intervention(self, intervention: Intervention) -> bool:
        """Append ``intervention`` to the current scenario (one undo step); True when done.
        Refused (False, the reason on ``message`` and in :attr:`refusal`) when it places a
        point outside the project extent."""
        if self._outside_extent(intervention):
            return False
        self.undo_stack.beginMacro(intervention.describe())
        self.undo_stack.push(undo.AddInterventionCommand(self, self._editable(), intervention))
        self.undo_stack.endMacro()
        return True

    def remove_intervention(self, index: int) -> None:
        """Remove the current scenario's intervention at ``index``."""
        if self._current is not None:
            self.undo_stack.push(undo.RemoveInterventionCommand(self, self._current, index))

    def modify_intervention(self, index: int, intervention: Intervention) -> None:
        """Replace the current scenario's intervention at ``index`` (refused like
        :meth:`add_intervention` outside the project extent)."""
        if self._current is not None and not self._outside_extent(intervention):
            self.undo_stack.push(
                undo.ModifyInterventionCommand(self, self._current, index, intervention)
            )

    def move_intervention(self, index: int, new_index: int) -> None:
        """Reorder the current scenario's interventions."""
        if self._current is not None and index != new_index:
            self.undo_stack.push(
                undo.MoveInterventionCommand(self, self._current, index, new_index)
            )

    def set_state(self, state) -> None:
        """Called by the undo commands only: put a (scenarios, current) state in place."""
        scenarios, current = state
        current_changed = current != self._current
        self._scenarios, self._current = tuple(scenarios), current
        if self.project is not None:
            self.project.scenarios = [s.to_dict() for s in self._scenarios] + [
                data
                for data, _reason in self._set_aside  # never lost by an edit
            ]
        self.scenarios_changed.emit()
        if current_changed:
            self.current_changed.emit(current)
        self._recompute()

    # --- sites and dragging ---------------------------------------------------------------
    def current_interventions(self) -> tuple[Intervention, ...]:
        """Interventions of the current scenario (empty for the baseline)."""
        scenario = self.current_scenario()
        return scenario.interventions if scenario is not None else ()

    def site_positions(self) -> dict[str, tuple[float, float]]:
        """site_id -> (x, y) metres of every site in the current scenario."""
        return self.sites.positions(self.current_interventions())

    def begin_drag(self, site_id: str) -> None:
        """Start moving ``site_id``: later :meth:`drag_to` calls update the results live."""
        self._drag = (site_id, self.current_interventions())

    def drag_to(self, x: float, y: float) -> None:
        """The dragged site is now at (x, y) metres: ask the live engine (coalesced)."""
        if self._drag is None or self.live is None:
            return
        site_id, interventions = self._drag
        self.live.request(self.sites.moved(interventions, site_id, x, y), "drag")
        self._set_busy(True)

    def end_drag(self, x: float, y: float) -> None:
        """Drop the dragged site at (x, y): one undoable edit, then the full recompute."""
        if self._drag is None:
            return
        site_id = self._drag[0]
        self._drag = None
        scenario = self.current_scenario()
        if scenario is not None:
            for index, item in enumerate(scenario.interventions):
                if isinstance(item, AddMobileSite | MoveMobileSite) and item.site_id == site_id:
                    self.modify_intervention(index, replace(item, x=float(x), y=float(y)))
                    return
        self.add_intervention(MoveMobileSite(site_id, float(x), float(y)))

    def cancel_drag(self) -> None:
        """Abandon the drag (Esc): the site goes back, the figures with it."""
        if self._drag is not None:
            self._drag = None
            self._recompute_radio()

    @property
    def dragging(self) -> bool:
        """True between :meth:`begin_drag` and the drop or cancel."""
        return self._drag is not None

    # --- results ------------------------------------------------------------------------------
    def _recompute(self) -> None:
        """After an edit or a switch: the radio engine recomputes only the sites that
        changed (in its process or thread), the slow domains come from their cache or a
        worker job; nothing is computed here on the UI thread."""
        scenario = self.current_scenario()
        shown = self.layers.scenario
        if scenario is None or shown is None or scenario.name != shown.name:
            self.slow_results.clear()  # another scenario's: never shown with this one
        self.layers.set_scenario(scenario, self.sites)
        # the engines are asked once the event loop is back: the edits of one user action
        # (e.g. "new scenario" + "add site" when editing the baseline) make one request
        self._set_busy(True)
        if not self._recompute_pending:
            self._recompute_pending = True
            QTimer.singleShot(0, self._flush_recompute)

    def _flush_recompute(self) -> None:
        if not self._recompute_pending:
            return
        self._recompute_pending = False
        self._recompute_radio()
        self.slow_results.want(self.current_scenario())
        self._update_busy()

    def _recompute_radio(self) -> None:
        if self.live is None:
            return
        self.live.request(self.current_interventions(), "edit")
        self._set_busy(True)

    def _on_radio_update(self, update: RadioUpdate) -> None:
        if update.tag == "drag" and self._drag is None:
            self._update_busy()
            return  # a late drag frame after the drop or Esc: the edit result follows
        if update.tag == "edit" and update.interventions != self.current_interventions():
            self._update_busy()
            return  # superseded by a newer edit
        self._radio_figures, self._radio_capex = update.figures, update.capex_eur
        level = (update.level, update.transform)
        if not update.interventions:
            self._levels["baseline"] = level
        base = self._levels.get("baseline")
        if base is not None and base[0].shape == update.level.shape:  # not a coarse preview
            self._levels["current"] = level
        if not self._radio_ready:  # the radio baseline is up: prepare the slow ones
            self._radio_ready = True
            self.slow_results.prepare_baselines()
        self.layers.set_coverage(update, self.live.level_style if self.live else None)
        self._emit_results()
        if update.tag == "drag":
            self.live_updated.emit(1000.0 * (time.perf_counter() - update.requested_at))
        self._update_busy()

    def _on_radio_failed(self, error: Exception) -> None:
        self.message.emit(tr("Radio what-if unavailable: {error}").format(error=error))
        if not self._radio_ready:  # no radio (e.g. no mobile_cells): prepare the others
            self._radio_ready = True
            self.slow_results.prepare_baselines()
        self._update_busy()

    def _on_slow_running(self, running: bool) -> None:
        self.slow_running_changed.emit(running)
        self._update_busy()

    def cancel_slow(self) -> None:
        """Stop the running fiber/transit/energy job (the Cancel of the KPI dock); the
        radio figures stay, the slow domains keep their last results."""
        self.slow_results.cancel()

    @property
    def slow_running(self) -> bool:
        """True while a fiber/transit/energy job runs in a worker thread."""
        return self.slow_results.running

    def _emit_results(self, slow_changed: bool = False) -> None:
        if slow_changed:
            results = self.slow_results.results
            self.layers.set_slow_layers([layer for r in results for layer in r.layers])
        self.result_layers_changed.emit(self.layers.current())
        self.figures_changed.emit(self.figures())

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    def _update_busy(self) -> None:
        radio_busy = self.live is not None and self.live.busy
        self._set_busy(bool(radio_busy or self.slow_running or self._recompute_pending))

    @property
    def busy(self) -> bool:
        """True while an engine is computing."""
        return self._busy
