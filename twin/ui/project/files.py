"""File > Open, Add layer, Save, Save as and the unsaved-changes question, for the window.

Every read and write runs in a worker (:mod:`twin.ui.workers`) with progress and cancel;
saving goes through ``project.save`` (temporary file + rename), so a crash or a cancel never
leaves a half-written project.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

import twin
from twin.cli import startup_clock
from twin.i18n import tr
from twin.project_kind import is_project_file
from twin.ui.dialogs import show_error
from twin.ui.project.loading import (
    DATA_FILE_FILTER,
    PROJECT_FILE_FILTER,
    open_any,
    open_visible_first,
    read_hidden_layers,
    read_layers_into,
)
from twin.ui.workers import JobHandle, run_job

if TYPE_CHECKING:
    from twin.project import Project
    from twin.ui.project.early import EarlyRead


def project_title(project: Project | None) -> str:
    """The name shown in the title bar: the file name (``rennes.twin``) when the project has
    a file, else its metadata title, else Untitled."""
    if project is None:
        return tr("Untitled")
    if project.path:
        return Path(project.path).name
    title = project.metadata.get("title") or project.metadata.get("name")
    return str(title) if title else tr("Untitled")


def save_as_proposal(project: Project) -> Path:
    """The file Save As proposes: the project's own file, unless it is the bundled sample
    (or has none), then a new file in the user's Documents folder (else home) that does
    not exist yet: ``rennes.twin``, ``rennes-2.twin``..."""
    path = Path(project.path) if project.path else None
    sample = twin.sample_project_path()
    if path is not None and path.resolve() != sample.resolve():
        return path
    stem = path.stem if path is not None else _file_stem(project)
    documents = Path.home() / "Documents"
    folder = documents if documents.is_dir() else Path.home()
    proposal = folder / f"{stem}.twin"
    number = 2
    while proposal.exists():
        proposal = folder / f"{stem}-{number}.twin"
        number += 1
    return proposal


def _file_stem(project: Project) -> str:
    title = project.metadata.get("title") or project.metadata.get("name") or "territory"
    stem = "".join(c if c.isalnum() or c in "-_ " else " " for c in str(title))
    return "-".join(stem.split()) or "territory"


def start_opening(path: str | Path, early: EarlyRead | None = None) -> JobHandle | None:
    """Start reading the visible layers of the ``.twin`` project at ``path`` in a worker
    before any window exists; hand the job to :meth:`ProjectFiles.open_path`. None when
    ``path`` is not a project file (it is then opened the ordinary way). ``early``: that
    read, started before Qt was imported (:mod:`twin.ui.project.early`); the job takes
    its result and prepares it for the map."""
    path = Path(path)
    if not (path.exists() and is_project_file(path)):
        return None
    return run_job(
        lambda fb: open_visible_first(path, fb, early),
        title=tr("Opening {name}").format(name=path.name),
        on_error=lambda _error: None,  # reported by the ProjectFiles that adopts the job
    )


class ProjectFiles(QObject):
    """Opens, reads and saves in workers on behalf of ``window``; results come back as
    ``project_opened(project)``, ``layers_read(list[Layer])`` and ``saved(path)``.
    ``project()`` returns the window's current project.

    A ``.twin`` project opens in two steps so that the map shows early:
    ``project_previewed(project)`` with its visible layers, then
    ``layers_pending(project, records)`` with the file's records of its hidden layers
    (what a stored result's key needs of them), then its hidden layers are added to that
    same project and ``project_opened(project)`` follows.
    """

    project_previewed = Signal(object)
    layers_pending = Signal(object, object)
    project_opened = Signal(object)
    layers_read = Signal(object)
    saved = Signal(object)

    def __init__(self, window: QWidget, project: Callable[[], Project | None]) -> None:
        super().__init__(window)
        self.window = window
        self.project = project
        self.jobs: set[JobHandle] = set()

    # --- open and read ----------------------------------------------------------------
    def open_path(self, path: str | Path, started: JobHandle | None = None) -> JobHandle:
        """Open a project or a data file (a new project); emits ``project_opened`` (and,
        for a ``.twin`` project, ``project_previewed`` first). ``started``: the job of
        :func:`start_opening` already reading ``path`` (the app starts it before the window
        exists, so that reading overlaps building the window)."""
        path = Path(path)
        if started is not None or (path.exists() and is_project_file(path)):
            return self._start(
                lambda fb: open_visible_first(path, fb),
                f"Opening {path.name}",
                lambda opened: self._on_previewed(path, *opened),
                started,
            )
        return self._start(
            lambda fb: open_any(path, fb), f"Opening {path.name}", self.project_opened.emit
        )

    def _on_previewed(
        self, path: Path, project: Project, pending: bool, unread: tuple = ()
    ) -> None:
        startup_clock.mark("visible layers read (worker)")
        self.project_previewed.emit(project)
        startup_clock.mark("visible layers shown")
        self.layers_pending.emit(project, tuple(unread))
        if not pending:
            self.project_opened.emit(project)
            return

        def read_hidden() -> None:
            if self.project() is not project:
                return  # another project was opened meanwhile
            self._start(
                lambda fb: read_hidden_layers(path, fb),
                tr("Reading the hidden layers of {name}").format(name=path.name),
                lambda indexed: self._on_hidden_layers_read(project, indexed),
            )

        after_paint = getattr(self.window, "after_next_map_paint", None)
        if after_paint is not None:
            after_paint(read_hidden)  # the first frame first, then the rest
        else:
            read_hidden()

    def _on_hidden_layers_read(self, project: Project, indexed: list) -> None:
        if self.project() is not project:
            return  # another project was opened meanwhile
        modified = getattr(self.window, "modified", False)
        for index, layer in sorted(indexed, key=lambda pair: pair[0]):
            project.add_layer(layer, index=index)  # in file order: lands where it was saved
        if hasattr(self.window, "set_modified"):
            self.window.set_modified(modified)  # the file's own layers are not an edit
        startup_clock.mark("hidden layers added")
        self.project_opened.emit(project)

    def add_layers_from(self, path: str | Path) -> JobHandle:
        """Read a data file's layers in the project CRS; emits ``layers_read``
        (without a project, opens the file as a new project instead).
        """
        project = self.project()
        if project is None:
            return self.open_path(path)
        path, crs = Path(path), project.crs
        return self._start(
            lambda fb: read_layers_into(path, crs, fb),
            f"Reading {path.name}",
            self.layers_read.emit,
        )

    def choose_project(self, modified: bool) -> None:
        """File > Open: ask for a file (after the unsaved-changes question) and open it."""
        if modified and not self.confirm_discard(tr("open another project")):
            return
        path, _ = QFileDialog.getOpenFileName(
            self.window,
            tr("Open project or data file"),
            "",
            f"{tr(PROJECT_FILE_FILTER)};;{tr(DATA_FILE_FILTER)}",
        )
        if path:
            self.open_path(path)

    def choose_data_file(self) -> None:
        """File > Add layer from file: ask for a data file and read its layers."""
        path, _ = QFileDialog.getOpenFileName(
            self.window, tr("Add layers from a data file"), "", tr(DATA_FILE_FILTER)
        )
        if path:
            self.add_layers_from(path)

    # --- save ---------------------------------------------------------------------------
    def save(self) -> JobHandle | None:
        """Save to the project's file; asks for a name if it has none or is the sample."""
        project = self.project()
        if project is None:
            return None
        path = project.path
        if path is None or Path(path).resolve() == twin.sample_project_path().resolve():
            return self.save_as()
        return self.save_to(path)

    def save_to(self, path: str | Path) -> JobHandle | None:
        """Save the project to ``path`` atomically; emits ``saved(path)``."""
        project = self.project()
        if project is None:
            return None
        path = Path(path)
        # the worker writes a copy taken now: the user's edits meanwhile (and result layers
        # arriving) go into the next save, never half into this one
        copy = project.saving_copy()

        def saved(written: Path) -> None:
            project.path = written
            self.saved.emit(written)

        return self._start(
            lambda fb: copy.save(path), tr("Saving {name}").format(name=path.name), saved
        )

    def save_as(self) -> JobHandle | None:
        """Ask for a file name, then save there (None if the user gave none)."""
        project = self.project()
        if project is None:
            return None
        start = str(save_as_proposal(project))
        path, _ = QFileDialog.getSaveFileName(
            self.window, tr("Save project as"), start, tr(PROJECT_FILE_FILTER)
        )
        return self.save_to(path) if path else None

    def confirm_discard(self, doing: str) -> bool | JobHandle:
        """Ask whether to save unsaved changes before ``doing`` (e.g. "quit").

        Returns True for Discard, False for Cancel (or a Save the user abandoned), and the
        save job's handle for Save (the caller goes on once it succeeds).
        """
        buttons = QMessageBox.StandardButton
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Unsaved changes"),
            tr("{0} has unsaved changes.").format(project_title(self.project())),
            parent=self.window,
        )
        box.setInformativeText(tr("Save them before you {doing}?").format(doing=doing))
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.setDefaultButton(buttons.Save)
        answer = box.exec()
        if answer == buttons.Discard:
            return True
        if answer == buttons.Save:
            handle = self.save()
            return handle if handle is not None else False
        return False

    def cancel_jobs(self) -> None:
        """Cancel every read or save still running (the window is closing)."""
        for handle in list(self.jobs):
            handle.cancel()

    def _start(self, job, title: str, on_result, started: JobHandle | None = None) -> JobHandle:
        if started is None:
            handle = run_job(job, title=title, parent=self.window, on_result=on_result)
        else:  # started before this object existed: follow it, or take its outcome
            handle = started
            report_error = lambda error: show_error(self.window, error)  # noqa: E731
            if handle.outcome is None:
                handle.succeeded.connect(on_result)
                handle.failed.connect(report_error)
            elif handle.outcome[0] == "succeeded":
                on_result(handle.outcome[1])
            else:
                report_error(handle.outcome[1])
        if not handle.done:
            self.jobs.add(handle)
            handle.finished.connect(lambda: self.jobs.discard(handle))
        return handle
