"""Reading the project's visible layers before Qt is even imported (Qt-free).

``twin PROJECT`` spends its first second importing libraries on the main thread: the data
stack, then PySide6, pyqtgraph and the window's modules. :func:`start_early_read` starts
reading the ``.twin`` file's visible layers in a plain thread as soon as the data stack is
imported, so that GDAL and SQLite (which release the interpreter lock) read while Qt
loads; the window's opening job then takes the result (:meth:`EarlyRead.result`) instead
of reading again, and prepares it for the map.

Two things keep this safe: every module the read needs is imported on the calling thread
before the thread starts (two threads importing the same modules at once can see a
half-initialised module), and :class:`twin.errors.DataWarning`s raised before the window
exists are held (:func:`hold_data_warnings`) and handed to the window's warning log when it
is installed (:func:`take_held_data_warnings`), so none is lost to stderr alone.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from twin.errors import DataWarning
from twin.feedback import Feedback, ensure_feedback

if TYPE_CHECKING:
    from twin.project import Project

#: What reading a project's layers imports beyond the data stack (checked by a test).
READ_MODULES = (
    "concurrent.futures",
    "numpy.rec",
    "pyarrow.pandas_compat",
    "pyarrow.vendored.version",
    "rasterio.warp",
    "resource",
    "sqlite3",
    "twin.fingerprint",
    "twin.layers.io_raster",
    "twin.layers.lazy",
    "twin.layers.privacy",
    "twin.layers.validate",
    "twin.project",
    "twin.project_checks",
    "twin.project_file",
    "twin.project_results",
    "twin.story",
    "twin.ui.project.loading",
)
_HELD: list[str] = []
_HOLDING = False


def hold_data_warnings() -> None:
    """Keep the text of each DataWarning raised from now on (any thread) until
    :func:`take_held_data_warnings`; they are still printed as usual."""
    global _HOLDING
    if _HOLDING:
        return
    _HOLDING = True
    warnings.filterwarnings("always", category=DataWarning)
    previous = warnings.showwarning

    def keep(message, category, filename, lineno, file=None, line=None) -> None:
        if _HOLDING and isinstance(category, type) and issubclass(category, DataWarning):
            _HELD.append(str(message))
        previous(message, category, filename, lineno, file, line)

    warnings.showwarning = keep


def take_held_data_warnings() -> list[str]:
    """The DataWarnings held so far, in order; holding stops (the caller shows them)."""
    global _HOLDING
    _HOLDING = False
    held = list(_HELD)
    _HELD.clear()
    return held


class EarlyRead:
    """The visible layers of the ``.twin`` at ``path``, read in a thread of its own:
    :meth:`result` waits for them (``(project, unread records)``) or raises what the read
    raised."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._done = threading.Event()
        self._value: tuple[Project, tuple[dict, ...]] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="twin-early-read", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from twin.ui.project.loading import read_visible_layers

        try:
            self._value = read_visible_layers(self.path)
        except BaseException as error:  # handed to the job that takes the result
            self._error = error
        finally:
            self._done.set()

    def result(self, feedback: Feedback | None = None) -> tuple[Project, tuple[dict, ...]]:
        """Wait for the read (checking ``feedback`` for a cancel every 50 ms); the project
        with its visible layers and the file's records of its hidden ones."""
        feedback = ensure_feedback(feedback)
        while not self._done.wait(0.05):
            feedback.check()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def start_early_read(path: str | Path) -> EarlyRead | None:
    """Start reading the visible layers of the ``.twin`` project at ``path`` (None when it
    is not one: it is then opened the ordinary way). Call it on the main thread once the
    data libraries are imported."""
    from twin.project_kind import is_project_file

    path = Path(path)
    if not (path.is_file() and is_project_file(path)):
        return None
    for module in READ_MODULES:  # imported here first (see the module docstring)
        importlib.import_module(module)
    hold_data_warnings()
    return EarlyRead(path)
