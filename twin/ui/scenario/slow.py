"""The fiber, transit and energy results of the current scenario, computed off the UI thread.

One job at a time runs in a worker thread (:func:`twin.ui.workers.run_job`, no dialog):
the current scenario's results when the cache of :class:`~twin.ui.scenario.compute.SlowEngines`
does not hold them, otherwise, once the radio baseline is up, the preparation of the
baselines (an empty scenario) so that the first edit finds them ready. An edit that
supersedes the running job cancels it; the next job starts when it stops. Progress goes to
:attr:`SlowResults.message` (the status bar), Cancel to :meth:`SlowResults.cancel`.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Signal

from twin.i18n import N_, tr
from twin.scenario import Scenario
from twin.ui.scenario.compute import DomainFigures, SlowEngines

BASELINES_TITLE = N_("Preparing fiber, transit and energy")
ENGINES_TITLE = N_("Preparing the fiber, transit and energy engines")  # tr() where shown
PREPARING = Scenario("(preparing the engines)")  # the job for: what scenarios reuse


class SlowResults(QObject):
    """Results (:attr:`results`, one :class:`DomainFigures` per domain) of the scenario
    that ``current()`` returns. Signals: ``changed()`` when :attr:`results` were replaced,
    ``running_changed(bool)`` when a job starts or the last one ends, ``message(str)``
    (progress, warnings, errors: one line each)."""

    changed = Signal()
    running_changed = Signal(bool)
    message = Signal(str)

    def __init__(self, current: Callable[[], Scenario | None], parent=None) -> None:
        super().__init__(parent)
        self._current = current
        self.engines: SlowEngines | None = None
        self.results: list[DomainFigures] = []
        self._job = None  # the running JobHandle, if any
        self._job_for: Scenario | None = None  # its scenario (None: the baselines)
        self._wanted: Scenario | None = None  # whose results are still needed
        self._prepare = False  # the baselines may be prepared (the radio baseline is up)
        self._prepared = False  # the baselines' job was started
        self._engines_prepared = False  # the engines' preparation job was started
        self._announced = False  # the last running_changed said running
        self._warned: set[str] = set()

    @property
    def running(self) -> bool:
        """True while a job runs in a worker thread (not counting the preparation of the
        engines, which nobody waits for)."""
        if self._job is None or self._job.done:
            return False
        return self._job_for is not PREPARING or self._wanted is not None  # (it yields)

    @property
    def preparing(self) -> bool:
        """True while the engines are prepared in a worker (after the baselines): what the
        first edit and a comparison of scenarios will reuse."""
        return self._job is not None and not self._job.done and self._job_for is PREPARING

    def set_engines(self, engines: SlowEngines | None) -> None:
        """Work with the engines (and cache) of a new project; the old job is dropped."""
        self.stop()
        self.engines = engines
        self.results = []
        self._prepare = self._prepared = self._engines_prepared = False

    def clear(self) -> None:
        """Forget the shown results (another scenario's), without a signal."""
        self.results = []

    def want(self, scenario: Scenario | None) -> None:
        """The current scenario is now ``scenario``: show its results from the cache or
        compute them in a worker (none for the baseline)."""
        if self.engines is None or not self.engines.domains_of(scenario):
            self._wanted = None
            if self.results:
                self.results = []
                self.changed.emit()
        else:
            self._wanted = scenario
        self._next()

    def prepare_baselines(self) -> None:
        """Allow the background preparation of the baselines (after the radio's)."""
        self._prepare = True
        self._next()

    def cancel(self) -> None:
        """Stop the running job (the user's Cancel); the last results stay."""
        if self.running:
            self._wanted = None
            self._job.cancel()
            self.message.emit(tr("Simulation cancelled."))

    def stop(self) -> None:
        """Cancel the running job and forget it (a new project, the window closing)."""
        if self._job is not None and not self._job.done:
            self._job.cancel()
        self._job, self._job_for, self._wanted = None, None, None
        self._announce()

    # --- jobs ------------------------------------------------------------------------------
    def _next(self) -> None:
        if self.engines is None:
            return
        if self._job is not None:
            if self._job_for is PREPARING:
                superseded = self._wanted is not None  # an edit goes first
            else:
                superseded = self._job_for is not None and self._job_for != self._wanted
            if superseded:
                self._job.cancel()  # superseded by an edit: the next starts after it
            self._announce()
            return
        wanted = self._wanted
        if wanted is not None:
            cached = self.engines.cached(wanted)
            if cached is not None:
                self._wanted = None
                self._show(cached)
            else:
                self._start(wanted, tr("Simulating '{name}'").format(name=wanted.name))
        elif self._prepare and not self._prepared:
            self._prepared = True
            self._start(None, tr(BASELINES_TITLE))
        elif self._prepared and not self._engines_prepared:
            # then what scenarios reuse (the baselines may have come from the file, which
            # builds nothing): an edit or a comparison then finds it ready; an edit
            # arriving meanwhile cancels this job (its own run builds what it needs)
            self._engines_prepared = True
            self._start(PREPARING, tr(ENGINES_TITLE))

    def _start(self, scenario: Scenario | None, title: str) -> None:
        from twin.ui.workers import run_job

        engines = self.engines
        target = scenario if scenario is not None else Scenario("baseline")
        # The job may end after this object is gone (the window closed meanwhile): every
        # callback checks that it still exists (Qt cannot disconnect plain functions).
        alive = self._alive
        if scenario is PREPARING:
            work, title = engines.prepare, tr(title)
        else:
            work = lambda feedback: engines.run(target, feedback)  # noqa: E731
        job = run_job(
            work,
            title=title,
            on_result=lambda results: alive() and self._on_done(engines, scenario, results),
            on_error=lambda error: alive() and self._on_failed(engines, scenario, error),
            show_progress=False,
        )
        if scenario is not PREPARING:
            # the engines' preparation is silent but for a failure: nobody waits for it, and
            # its progress would replace what the user was just told (a refused site, say)
            job.progress_changed.connect(
                lambda percent, text: (
                    alive()
                    and self.message.emit(
                        tr("{title}: {text} ({percent:.0f} %)").format(
                            title=title, text=text, percent=percent
                        )
                    )
                )
            )
        job.finished.connect(lambda: alive() and self._on_finished(job))
        self._job, self._job_for = job, scenario
        self._announce()

    def _alive(self) -> bool:
        """False once Qt has deleted this object (its signals can no longer be emitted)."""
        return shiboken6.isValid(self)

    def _on_done(self, engines, scenario: Scenario | None, results) -> None:
        if scenario is PREPARING:
            return
        if engines is not self.engines or scenario is None or scenario != self._current():
            return  # the baselines (now cached), or a scenario that is no longer current
        if scenario == self._wanted:
            self._wanted = None
        self._show(results)

    def _show(self, results: list[DomainFigures]) -> None:
        self.results = results
        for result in results:
            for warning in result.warnings[:1]:
                if warning not in self._warned:
                    self._warned.add(warning)
                    self.message.emit(warning)
        self.changed.emit()

    def _on_failed(self, engines, scenario: Scenario | None, error: BaseException) -> None:
        if engines is not self.engines:
            return
        if scenario is None or scenario is PREPARING:
            title = BASELINES_TITLE if scenario is None else ENGINES_TITLE
            self.message.emit(tr("{title} failed: {error}").format(title=tr(title), error=error))
            return
        if scenario == self._wanted:
            self._wanted = None  # not tried again until the next edit
        if scenario == self._current():
            self.results = []
            self.message.emit(tr("Simulation failed: {error}").format(error=error))
            self.changed.emit()

    def _on_finished(self, job) -> None:
        if job is self._job:
            self._job, self._job_for = None, None
            self._next()
            self._announce()

    def _announce(self) -> None:
        """Emit ``running_changed`` when :attr:`running` differs from what was last said."""
        running = self.running
        if running != self._announced:
            self._announced = running
            self.running_changed.emit(running)
