"""Knowing when the map has been painted: the first frame (``twin --startup-time``) and
"after the next frame" (work that may wait for what the user sees first)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

PAINT_WAIT_LIMIT_MS = 1000  # run "after the next map paint" work then even if none came
#: Milliseconds after which work waiting for the first map frame runs anyway (a window
#: without a project, or a project slow to read); later work waits again.
FIRST_FRAME_WAIT_LIMIT_MS = 3000


class PaintWaiter(QObject):
    """Runs callbacks once the map has finished its next paint (or after
    :data:`PAINT_WAIT_LIMIT_MS` if the map is not painted, e.g. a hidden window)."""

    def __init__(self, viewport) -> None:
        super().__init__(viewport)
        self._viewport = viewport
        self._callbacks: list = []

    def add(self, callback: Callable[[], None]) -> None:
        """Run ``callback()`` after the next paint (or the time limit)."""
        if not self._callbacks:
            self._viewport.installEventFilter(self)
            QTimer.singleShot(PAINT_WAIT_LIMIT_MS, self._run)
        self._callbacks.append(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On a paint while callbacks wait, run them once the paint has finished."""
        if event.type() == QEvent.Type.Paint and self._callbacks:
            QTimer.singleShot(0, self._run)  # after this paint has finished
        return False

    def _run(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        if callbacks:
            self._viewport.removeEventFilter(self)
        for callback in callbacks:
            callback()


class FirstFrameWatcher(QObject):
    """Emits ``drawn()`` once, just after the map canvas of ``window`` first painted a
    project with layers (the moment ``twin --startup-time`` reports)."""

    drawn = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self._done = False
        self.done = False  # True once drawn() was emitted
        self._viewport = window.canvas.map_viewport()
        self._viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On a paint of the map with layers, report once the paint has finished."""
        if not self._done and event.type() == QEvent.Type.Paint:
            project = self._window.canvas.project
            if project is not None and project.layers:
                self._done = True
                self._viewport.removeEventFilter(self)
                QTimer.singleShot(0, self._emit)  # runs after this paint completes
        return False

    def _emit(self) -> None:
        self.done = True
        self.drawn.emit()


class AfterFirstFrame(QObject):
    """Runs callbacks once the map of ``window`` has first drawn a project's layers
    (:class:`FirstFrameWatcher`), or :data:`FIRST_FRAME_WAIT_LIMIT_MS` after the first one
    waited if it has not by then; after that frame, at once."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._waiting: list = []
        self._watcher = FirstFrameWatcher(window)
        self._watcher.drawn.connect(self._run)

    def add(self, callback: Callable[[], None]) -> None:
        """Run ``callback()`` after the first map frame (now if it was drawn)."""
        if self._watcher.done:
            callback()
            return
        if not self._waiting:
            QTimer.singleShot(FIRST_FRAME_WAIT_LIMIT_MS, self._run)
        self._waiting.append(callback)

    def _run(self) -> None:
        callbacks, self._waiting = self._waiting, []
        for callback in callbacks:
            callback()
