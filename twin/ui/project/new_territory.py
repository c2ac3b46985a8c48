"""File > New territory…: build a project for French communes from a folder of open data.

The dialog asks for a name, INSEE commune codes, the folder holding the downloaded
datasets (ANFR, Arcep, INSEE, BD TOPO, Enedis, GTFS) and the project file to write; the
build (:func:`twin.layers.opendata.builder.build_and_save`) runs in a worker with progress
and cancel, the report (found / assumed / missing) is shown in the dialog, and "Open"
emits :attr:`NewTerritoryDialog.project_ready` with the written file. Bad input is a line
in the dialog, never a traceback; the dialog keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from twin.i18n import tr
from twin.ui.dialogs import error_message
from twin.ui.workers import JobHandle, run_job


class NewTerritoryDialog(QDialog):
    """Name, communes, data folder and output file; Build runs the builder in a worker."""

    project_ready = Signal(object)  # Path of the written .twin

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("New territory from open data"))
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(tr("e.g. Pays de Bécherel"))
        self.communes_edit = QLineEdit()
        self.communes_edit.setPlaceholderText(tr("INSEE codes, e.g. 35022,35196"))
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(tr("folder with ANFR, Arcep, INSEE, BD TOPO, Enedis…"))
        self.out_edit = QLineEdit()
        self.out_edit.setPlaceholderText(tr("territory.twin"))
        form = QFormLayout()
        form.addRow(tr("&Name"), self.name_edit)
        form.addRow(tr("&Communes"), self.communes_edit)
        form.addRow(tr("Data &folder"), self._with_button(self.folder_edit, self._choose_folder))
        form.addRow(tr("&Project file"), self._with_button(self.out_edit, self._choose_out))
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #D55E00;")
        self.error_label.hide()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setFormat(tr("%p%"))  # French: "%p %"
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        self.cancel_button = QPushButton(tr("&Cancel the build"))
        self.cancel_button.clicked.connect(self.cancel)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_box = QWidget()
        progress_layout = QVBoxLayout(self.progress_box)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addLayout(progress_row)
        progress_layout.addWidget(self.progress_label)
        self.progress_box.hide()
        self.report_view = QPlainTextEdit()
        self.report_view.setReadOnly(True)
        self.report_view.setPlaceholderText(
            tr("What was found, assumed and missing appears here after the build.")
        )
        self.buttons = QDialogButtonBox()
        self.build_button = self.buttons.addButton(
            tr("&Build"), QDialogButtonBox.ButtonRole.ApplyRole
        )
        self.open_button = self.buttons.addButton(
            tr("&Open"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.open_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.build_button.clicked.connect(self.build)
        self.open_button.clicked.connect(self._open)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.progress_box)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 520)
        self.job: JobHandle | None = None
        self.written: Path | None = None

    def _with_button(self, edit: QLineEdit, slot: Callable[[], None]) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit, 1)
        button = QPushButton(tr("Browse…"))
        button.clicked.connect(slot)
        layout.addWidget(button)
        return row

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Folder of open data"))
        if folder:
            self.folder_edit.setText(folder)

    def _choose_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Project file"), "", tr("twin project (*.twin)")
        )
        if path:
            self.out_edit.setText(path if path.endswith(".twin") else path + ".twin")

    def show_error(self, text: str) -> None:
        """Show ``text`` under the form (one line for the planner)."""
        self.error_label.setText(text)
        self.error_label.show()

    def build(self) -> JobHandle | None:
        """Check the form and start the build in a worker; returns its handle (None when
        the form is incomplete, with the reason shown)."""
        from twin.errors import TwinError
        from twin.layers.opendata.builder import build_and_save, parse_communes

        self.error_label.hide()
        name, folder, out = (
            self.name_edit.text().strip(),
            self.folder_edit.text().strip(),
            self.out_edit.text().strip(),
        )
        try:
            codes = parse_communes(self.communes_edit.text())
        except TwinError as error:
            self.show_error(self._in_form_words(str(error)))
            return None
        missing = [
            label
            for label, value in (
                (tr("a name"), name),
                (tr("a data folder"), folder),
                (tr("a project file"), out),
            )
            if not value
        ]
        if missing:
            self.show_error(tr("Give {0}.").format(", ".join(missing)))
            return None
        self.build_button.setEnabled(False)
        self.open_button.setEnabled(False)
        self.report_view.setPlainText(tr("Building…"))
        self.progress_bar.setValue(0)
        self.progress_label.setText(tr("Building…"))
        self.cancel_button.setEnabled(True)
        self.progress_box.show()
        self.job = run_job(
            lambda feedback: build_and_save(name, codes, folder, out, feedback),
            title=tr("Building {name}").format(name=name),
            parent=self,
            on_result=self._on_built,
            on_error=self._on_failed,
        )
        self.job.progress_changed.connect(self._on_progress)
        self.job.cancelled.connect(self._on_cancelled)
        self.job.finished.connect(self._on_finished)
        return self.job

    def cancel(self) -> None:
        """Stop the running build at its next step; nothing is written."""
        if self.job is not None and not self.job.done:
            self.cancel_button.setEnabled(False)
            self.progress_label.setText(tr("Cancelling…"))
            self.job.cancel()

    def _on_progress(self, percent: float, message: str) -> None:
        self.progress_bar.setValue(round(percent))
        if message and self.cancel_button.isEnabled():
            self.progress_label.setText(tr(message))

    def _on_cancelled(self) -> None:
        self.report_view.setPlainText(tr("Build cancelled: no project file was written."))

    def _on_finished(self) -> None:
        self.progress_box.hide()
        self.build_button.setEnabled(True)

    def reject(self) -> None:
        """Close the dialog, cancelling a build still running."""
        self.cancel()
        super().reject()

    def _on_built(self, result) -> None:
        path, report = result
        self.written = Path(path)
        self.report_view.setPlainText(
            tr("Written to {path}\n\n{0}").format(report.text(), path=path)
        )
        self.open_button.setEnabled(True)

    def _on_failed(self, error: BaseException) -> None:
        self.report_view.clear()
        self.show_error(self._in_form_words(error_message(error)))

    @staticmethod
    def _in_form_words(text: str) -> str:
        """A builder message in the form's words: its command-line option ("--from") is
        replaced by the field's label ("Data folder")."""
        for option, label in (
            ("--name", tr("Name")),
            ("--communes", tr("Communes")),
            ("--from", tr("Data folder")),
            ("--out", tr("Project file")),
        ):
            if text.startswith(option + " ") or text.startswith(option + ":"):
                return label + text[len(option) :]
        return text

    def _open(self) -> None:
        if self.written is not None:
            self.project_ready.emit(self.written)
            self.accept()


def new_territory_action(window: QMainWindow) -> QAction:
    """The File > New territory… action of a :class:`~twin.ui.main_window.MainWindow`: shows
    the dialog; the project it writes is opened with ``window.files.open_path`` once the
    unsaved-changes question (when the window's project is modified) agrees."""
    action = QAction(tr("&New territory from open data…"), window)
    action.setStatusTip(
        tr(
            "Build a project for French communes from ANFR, Arcep, INSEE, IGN, Enedis "
            "and GTFS files"
        )
    )

    def open_written(path: Path) -> None:
        if not window.modified or window.files.confirm_discard(tr("open the new territory")):
            window.files.open_path(path)

    def show() -> None:
        dialog = NewTerritoryDialog(window)
        dialog.project_ready.connect(open_written)
        window.new_territory_dialog = dialog  # kept alive while open; tests reach it here
        dialog.show()

    action.triggered.connect(show)
    return action
