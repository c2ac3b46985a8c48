"""Autosave and crash recovery in the window (the model is :mod:`twin.recovery`).

:class:`RecoveryKeeper` is created by the main window in one line
(``self.recovery = RecoveryKeeper(self)``, after the scenario workbench exists) and calls
``self.recovery.discard()`` when a close is accepted. It then:

- every ``interval_ms`` (default 2 minutes) and whenever an engine run starts, writes the
  recovery file of the open project if it has unsaved edits;
- deletes the recovery file after each successful save;
- when a project is opened and a recovery file is left beside it (a crash or a kill with
  unsaved edits), shows a non-blocking :class:`RecoveryDialog` that lists what would be
  recovered, with Restore and Discard. Until the person chooses, autosave does not touch
  the old recovery file;
- autosaves a project that was never saved too, into the user's data folder
  (:func:`twin.recovery_unsaved.user_recovery_folder`), and when the window starts, offers the
  newest such file left by a session that is no longer running (:meth:`offer_unsaved`):
  Restore reads its layers again from their data files in a worker and shows the project,
  unsaved.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from twin.errors import TwinError
from twin.i18n import tr
from twin.recovery import discard_recovery, read_recovery, write_recovery
from twin.recovery_file import RecoverySnapshot, apply_recovery, discard_recovery_file
from twin.recovery_unsaved import read_unsaved_recoveries, rebuild_unsaved_project

#: Autosave period (milliseconds).
AUTOSAVE_INTERVAL_MS = 120_000


class RecoveryDialog(QDialog):
    """Non-modal offer to restore unsaved edits: what they are, Restore or Discard."""

    def __init__(self, lines: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Recover unsaved edits?"))
        self.setModal(False)
        layout = QVBoxLayout(self)
        self.message = QLabel(
            tr("twin closed without saving this project. These edits can be recovered:")
        )
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.items = QListWidget()
        self.items.addItems(lines)
        layout.addWidget(self.items)
        self.buttons = QDialogButtonBox()
        self.restore_button = self.buttons.addButton(
            tr("Restore"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.discard_button = self.buttons.addButton(
            tr("Discard"), QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.restore_button.clicked.connect(self.accept)
        self.discard_button.clicked.connect(self._on_discard_clicked)
        layout.addWidget(self.buttons)

    def _on_discard_clicked(self) -> None:
        self.done(2)


class RecoveryKeeper(QObject):
    """Autosaves the window's project and offers to restore after a crash.

    ``window`` must have ``project``, ``modified``, ``files`` (with ``project_opened`` and
    ``saved`` signals), ``scenario.controller`` (``busy_changed``), ``set_project``,
    ``set_modified`` and ``statusBar()``: the twin main window.
    Signals: ``offered(RecoverySnapshot)``, ``restored()``, ``autosaved(path)``.
    """

    offered = Signal(object)
    restored = Signal()
    autosaved = Signal(object)

    def __init__(
        self, window, interval_ms: int = AUTOSAVE_INTERVAL_MS, offer_unsaved: bool = True
    ) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: RecoveryDialog | None = None
        self.unsaved_dialog: RecoveryDialog | None = None
        self._unsaved: RecoverySnapshot | None = None
        self._pending: RecoverySnapshot | None = None
        self._checked = None  # the project path whose old recovery file was looked for
        self.timer = QTimer(self)
        self.timer.setInterval(int(interval_ms))
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        window.files.project_opened.connect(self._on_project_opened)
        window.files.saved.connect(self._on_saved)
        controller = getattr(getattr(window, "scenario", None), "controller", None)
        if controller is not None:
            controller.busy_changed.connect(self._on_busy_changed)
        if offer_unsaved:  # once the window is up: a crashed session's untitled project
            QTimer.singleShot(0, self, self.offer_unsaved)

    # --- autosave ---------------------------------------------------------------------------
    def autosave(self) -> bool:
        """Write the recovery file now if the project has unsaved edits; True if written."""
        project = self.window.project
        if project is None or not self.window.modified:
            return False
        if self._pending is not None:  # the old edits are still on offer
            return False
        if project.path is not None and self._checked != project.path:
            # not yet looked for a crashed session's edits (a project given directly)
            self._on_project_opened(project)
            return False
        try:
            path = write_recovery(project)
        except TwinError as error:
            self.window.statusBar().showMessage(
                tr("Autosave failed: {error}").format(error=error), 8000
            )
            return False
        self.autosaved.emit(path)
        return True

    def discard(self) -> None:
        """Delete the recovery file of the open project (clean close or save)."""
        project = self.window.project
        self._close_dialog()
        if project is None:
            return
        try:
            discard_recovery(project.path)
            if project.path is not None:
                discard_recovery(None)  # the autosave from before its first save
        except TwinError as error:
            self.window.statusBar().showMessage(str(error), 8000)

    def _on_busy_changed(self, busy: bool) -> None:
        # each frame of a drag makes the engines busy, but the edit is made at the drop
        controller = getattr(getattr(self.window, "scenario", None), "controller", None)
        if busy and not getattr(controller, "dragging", False):
            self.autosave()

    def _on_saved(self, path) -> None:
        self._pending = None
        self.discard()
        self._checked = self.window.project.path if self.window.project is not None else path

    # --- recovery -----------------------------------------------------------------------------
    def _on_project_opened(self, project) -> None:
        self._close_dialog()
        self._pending = None
        if project is None or project.path is None:
            return
        try:
            snapshot = read_recovery(project.path)
        except TwinError as error:
            self.window.statusBar().showMessage(
                tr("Recovery file not usable: {error}").format(error=error), 12000
            )
            return  # autosave stays off: it would overwrite the file a person may need
        self._checked = project.path
        if snapshot is None:
            return
        self._pending = snapshot
        self.dialog = RecoveryDialog(snapshot.summary(project), self.window)
        self.dialog.finished.connect(self._on_dialog_finished)
        self.dialog.show()
        self.offered.emit(snapshot)

    def _on_dialog_finished(self, result: int) -> None:
        snapshot, self._pending = self._pending, None
        self.dialog = None
        project = self.window.project
        if snapshot is None or project is None:
            return
        if result == QDialog.DialogCode.Accepted:
            self.restore(snapshot)
        elif result == 2:
            self.discard()
        else:  # closed without choosing: keep the file, offer again next time
            self._pending = None

    def restore(self, snapshot: RecoverySnapshot) -> None:
        """Apply ``snapshot`` to the open project; it is then marked as modified."""
        project = self.window.project
        try:
            apply_recovery(project, snapshot)
        except TwinError as error:
            self.window.statusBar().showMessage(
                tr("Could not recover: {error}").format(error=error), 12000
            )
            return
        self.window.set_project(project)
        self.window.set_modified(True)
        self.window.statusBar().showMessage(tr("Recovered the unsaved edits"), 8000)
        self.restored.emit()

    # --- a project never saved, after a crash -------------------------------------------------
    def offer_unsaved(self) -> RecoverySnapshot | None:
        """Offer the newest recovery file of a never-saved project left by a session that
        is no longer running (non-modal dialog: Restore or Discard); returns it, or None."""
        if self.unsaved_dialog is not None:
            return self._unsaved
        snapshots = read_unsaved_recoveries()
        if not snapshots:
            return None
        snapshot = self._unsaved = snapshots[0]
        self.unsaved_dialog = RecoveryDialog(snapshot.summary(), self.window)
        self.unsaved_dialog.message.setText(
            tr("twin closed without saving a new project. It can be recovered:")
        )
        self.unsaved_dialog.finished.connect(self._on_unsaved_finished)
        self.unsaved_dialog.show()
        self.offered.emit(snapshot)
        return snapshot

    def _on_unsaved_finished(self, result: int) -> None:
        snapshot, self._unsaved = self._unsaved, None
        self.unsaved_dialog = None
        if snapshot is None:
            return
        if result == QDialog.DialogCode.Accepted:
            self.restore_unsaved(snapshot)
        elif result == 2 and snapshot.path is not None:
            try:
                discard_recovery_file(snapshot.path)
            except TwinError as error:
                self.window.statusBar().showMessage(str(error), 8000)

    def restore_unsaved(self, snapshot: RecoverySnapshot):
        """Rebuild the never-saved project of ``snapshot`` in a worker (its layers read
        again from their data files), then show it, unsaved; returns the job."""
        from twin.ui.project.loading import prepare_for_drawing
        from twin.ui.workers import run_job

        def rebuild(feedback):
            project = rebuild_unsaved_project(snapshot, feedback)
            prepare_for_drawing(project.layers, feedback)
            return project

        def show(project) -> None:
            self.window.set_project(project)
            self.window.set_modified(True)
            if snapshot.path is not None:
                try:
                    discard_recovery_file(snapshot.path)  # this session autosaves it anew
                except TwinError as error:
                    self.window.statusBar().showMessage(str(error), 8000)
            self.window.statusBar().showMessage(
                tr("Recovered the unsaved project '{0}'").format(snapshot.project), 8000
            )
            self.restored.emit()

        def failed(error) -> None:
            self.window.statusBar().showMessage(tr("Could not recover: {0}").format(error), 12000)

        return run_job(
            rebuild,
            title=tr("Recovering '{0}'").format(snapshot.project),
            parent=self.window,
            on_result=show,
            on_error=failed,
        )

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            dialog.finished.disconnect(self._on_dialog_finished)
            dialog.close()
            dialog.deleteLater()
