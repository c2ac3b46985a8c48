"""Asking the engines after an edit and showing their answers, mixed into
:class:`~twin.ui.scenario.controller.ScenarioController`: the live radio engine's updates,
the slow domains' jobs (fiber, transit, energy; Cancel), the figures and layers emitted and
the busy state. Nothing is computed on the UI thread."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from twin.i18n import tr
from twin.ui.live.radio import RadioUpdate


class ResultRefresh:
    """Engine requests and results of a
    :class:`~twin.ui.scenario.controller.ScenarioController`."""

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
