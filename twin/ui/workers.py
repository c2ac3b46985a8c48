"""Run long jobs off the UI thread with progress and cancel (worker threads + Feedback).

Progress and Cancel live in the status bar (:class:`JobBoard`, drawn by
:class:`twin.ui.status_bar.JobProgress`), never in a dialog: a window-modal progress dialog
left the window unusable, and unpainted while the interpreter was busy.

A job is a plain callable ``job(feedback) -> result`` (Qt-free, like the engines): it reports
progress through ``feedback.set_progress(percent, message)``, which raises
:class:`~twin.errors.CancelledError` once the user pressed Cancel. The result or the error
is delivered on the UI thread through queued Qt signals.

The threads are Python's (:class:`concurrent.futures.ThreadPoolExecutor`), not
``QThreadPool``'s: with ``QThreadPool`` (PySide6 6.11), pyproj crashed with a segmentation
fault in ``CRS.from_user_input`` when a later job read and reprojected data in a reused pool
thread (reproducible: save a project in one job, then read a GeoPackage in the next),
probably because PySide gives the foreign thread a new Python thread state per runnable.
Python-owned threads did not crash.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from twin.errors import CancelledError
from twin.feedback import Feedback

Job = Callable[[Feedback], Any]

WORKER_THREADS = 2  # the machine's cores; more loads at once would only share them
_EXECUTOR = concurrent.futures.ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="twin-job")
# Handles of running jobs, kept alive until they finish (their signals must outlive the
# thread that emits them), with the future of each.
_RUNNING: dict[JobHandle, concurrent.futures.Future] = {}


class _WorkerSignals(QObject):
    """Signals emitted from the worker thread, received on the UI thread (queued)."""

    progress = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class _Worker:
    """Runs one job in a worker thread and reports through :class:`_WorkerSignals`."""

    def __init__(self, job: Job, feedback: Feedback, signals: _WorkerSignals) -> None:
        self._job = job
        self._feedback = feedback
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._job(self._feedback)
        except CancelledError:
            self._signals.cancelled.emit()
        except BaseException as error:
            self._signals.failed.emit(error)
        else:
            if self._feedback.cancelled:
                self._signals.cancelled.emit()
            else:
                self._signals.succeeded.emit(result)


class JobBoard(QObject):
    """The jobs shown to the user: each job started with ``show_progress`` joins the board
    once it has run ``dialog_delay_ms`` (short jobs never flash) and leaves it when it
    ends. The status bar (:class:`twin.ui.status_bar.JobProgress`) draws the board: no
    dialog, nothing modal, the map stays usable.

    Signals: ``job_shown(JobHandle)``, ``job_changed(JobHandle)`` (progress or message),
    ``job_ended(JobHandle)``.
    """

    job_shown = Signal(object)
    job_changed = Signal(object)
    job_ended = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[JobHandle] = []

    def show(self, handle: JobHandle) -> None:
        """Put ``handle`` on the board (newest last), unless it already ended."""
        if handle.done or handle in self.shown:
            return
        self.shown.append(handle)
        self.job_shown.emit(handle)

    def changed(self, handle: JobHandle) -> None:
        """``handle`` reported progress."""
        if handle in self.shown:
            self.job_changed.emit(handle)

    def ended(self, handle: JobHandle) -> None:
        """``handle`` finished, failed or was cancelled."""
        if handle in self.shown:
            self.shown.remove(handle)
            self.job_ended.emit(handle)


_BOARD: JobBoard | None = None


def job_board() -> JobBoard:
    """The application's job board (created on first use, on the UI thread)."""
    global _BOARD
    if _BOARD is None:
        _BOARD = JobBoard()
    return _BOARD


class JobHandle(QObject):
    """A running job: its feedback, its latest progress and UI-thread signals.

        ``progress_changed(percent, message)``; then exactly one of ``succeeded(result)``,
        ``failed(exception)`` or ``cancelled()``; then ``finished()``. ``percent`` (0-100) and
        ``message`` hold the latest report, ``cancel_requested`` whether Cancel was pressed,
    ``outcome`` how it ended (``("succeeded", result)`` or ``("failed", error)``).
        ``parent`` is accepted for compatibility; progress shows in the status bar, not in a
        dialog.
    """

    progress_changed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, title: str, parent: QWidget | None, show_progress: bool) -> None:
        super().__init__()
        self.title = title
        self.show_progress = show_progress
        self.percent = 0.0
        self.message = ""
        self.cancel_requested = False
        self._signals = _WorkerSignals()
        self.feedback = Feedback(on_progress=self._forward_progress)
        self.done = False
        self.outcome: tuple[str, object] | None = None  # ("succeeded", result) or ("failed", error)
        self._signals.progress.connect(self._on_progress)
        self._signals.succeeded.connect(self._on_succeeded)
        self._signals.failed.connect(self._on_failed)
        self._signals.cancelled.connect(self._on_cancelled)

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report."""
        self.cancel_requested = True
        self.feedback.cancel()
        job_board().changed(self)

    def _forward_progress(self, percent: float, message: str) -> None:
        """Called in the worker thread; the signal queues it to the UI thread."""
        try:
            self._signals.progress.emit(percent, message)
        except RuntimeError:  # the application is closing: stop the job
            self.feedback.cancel()

    def _show_on_board(self) -> None:
        if self.show_progress and not self.done:
            job_board().show(self)

    def _on_progress(self, percent: float, message: str) -> None:
        self.percent = max(0.0, min(100.0, float(percent)))
        if message:
            self.message = message
        job_board().changed(self)
        self.progress_changed.emit(percent, message)

    def _finish(self) -> None:
        self.done = True
        job_board().ended(self)
        self.finished.emit()
        _RUNNING.pop(self, None)

    def _on_succeeded(self, result: object) -> None:
        self.outcome = ("succeeded", result)
        self.succeeded.emit(result)
        self._finish()

    def _on_failed(self, error: object) -> None:
        self.outcome = ("failed", error)
        self.failed.emit(error)
        self._finish()

    def _on_cancelled(self) -> None:
        self.cancelled.emit()
        self._finish()


def cancel_all_jobs(wait_ms: int = 10_000) -> None:
    """Cancel every running job and wait up to ``wait_ms`` milliseconds for the threads
    (called when the application quits, so no thread outlives the window).
    """
    for handle in list(_RUNNING):
        handle.cancel()
    concurrent.futures.wait(list(_RUNNING.values()), timeout=wait_ms / 1000)


def run_job(
    job: Job,
    *,
    title: str,
    parent: QWidget | None = None,
    on_result: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    show_progress: bool = True,
    dialog_delay_ms: int = 300,
) -> JobHandle:
    """Start ``job(feedback)`` in a worker thread and return its :class:`JobHandle`.

    ``on_result(result)`` runs on the UI thread when the job succeeds; ``on_error(error)``
    when it fails (default: :func:`twin.ui.dialogs.show_error`, a message, never a crash).
    A cancelled job calls neither. With ``show_progress`` the job's title, progress and a
    Cancel button appear in the status bar (:class:`JobBoard`) once it has run
    ``dialog_delay_ms`` milliseconds, so that short jobs do not flash; no dialog opens
    and the window stays usable. ``parent`` is the widget errors are shown over.
    """
    from twin.ui.dialogs import show_error

    handle = JobHandle(title, parent, show_progress)
    job_board()  # created here, on the UI thread
    if on_result is not None:
        handle.succeeded.connect(on_result)
    handle.failed.connect(on_error if on_error is not None else lambda e: show_error(parent, e))
    if show_progress:
        QTimer.singleShot(max(0, dialog_delay_ms), handle._show_on_board)
    worker = _Worker(job, handle.feedback, handle._signals)
    _RUNNING[handle] = _EXECUTOR.submit(worker.run)
    return handle
