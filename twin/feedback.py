"""Progress and cancel for long jobs, Qt-free (the QGIS ``QgsFeedback`` idea)."""

from __future__ import annotations

from collections.abc import Callable

from twin.errors import CancelledError
from twin.i18n import tr


class Feedback:
    """Carries progress (0-100 %) out of a long job and a cancel request into it.

    Engines call :meth:`set_progress` and :meth:`check`; a worker thread in the UI forwards
    progress to a progress bar and sets :meth:`cancel` from its button.
    """

    def __init__(self, on_progress: Callable[[float, str], None] | None = None) -> None:
        self._on_progress = on_progress
        self._cancelled = False
        self.progress = 0.0
        self.message = ""

    def set_progress(self, percent: float, message: str = "") -> None:
        """Report progress in percent (0-100) with an optional message; raises if cancelled."""
        self.progress = float(percent)
        if message:
            self.message = message
        if self._on_progress is not None:
            self._on_progress(self.progress, self.message)
        self.check()

    def cancel(self) -> None:
        """Ask the job to stop at its next :meth:`check`."""
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancelled

    def check(self) -> None:
        """Raise :class:`CancelledError` if the job was cancelled."""
        if self._cancelled:
            raise CancelledError(tr("Cancelled by the user"))


def ensure_feedback(feedback: Feedback | None) -> Feedback:
    """Return ``feedback`` or a silent one, so engines never test for None."""
    return feedback if feedback is not None else Feedback()
