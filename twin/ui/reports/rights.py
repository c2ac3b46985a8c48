"""The data subject's rights in the window (GDPR art. 15 to 17): show everything held about
a pseudonym, save it as JSON, erase it everywhere (the project file, the autosave recovery
file and the undo history). The model is :mod:`twin.layers.reports_gdpr`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from twin.errors import TwinError
from twin.i18n import tr
from twin.layers.reports_gdpr import RECTIFIABLE, erase_subject, subject_access
from twin.recovery_erasure import erase_from_recovery


class ReportRightsDialog(QDialog):
    """Subject access and erasure for one pseudonym.

    ``undo_stack``: the window's undo stack (its commands forget an erased person);
    ``save``: how the window saves the project after an erasure (default: in place when the
    project has a file), so that the erased data leaves the file at once. Emits
    ``erased`` after an erasure."""

    erased = Signal()

    def __init__(
        self,
        project,
        undo_stack=None,
        save: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Citizen reports: access and erasure"))
        self.project = project
        self.undo_stack = undo_stack
        self._save = save
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.pseudonym_edit = QLineEdit()
        self.pseudonym_edit.setPlaceholderText(tr("20 hexadecimal digits"))
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setPlaceholderText(tr("only to read kept contact data"))
        form.addRow(tr("Pseudonym"), self.pseudonym_edit)
        form.addRow(tr("Passphrase"), self.passphrase_edit)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.show_button = QPushButton(tr("Show what is held"))
        self.save_button = QPushButton(tr("Save as JSON…"))
        self.erase_button = QPushButton(tr("Erase everywhere…"))
        for button in (self.show_button, self.save_button, self.erase_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        rectify = QHBoxLayout()
        self.report_edit = QLineEdit()
        self.report_edit.setPlaceholderText(tr("report id"))
        self.field_box = QComboBox()
        for field in (*RECTIFIABLE, "x", "y"):
            self.field_box.addItem(tr(field), field)
        self.value_edit = QLineEdit()
        self.value_edit.setPlaceholderText(tr("corrected value"))
        self.rectify_button = QPushButton(tr("Rectify"))
        for widget in (self.report_edit, self.field_box, self.value_edit, self.rectify_button):
            rectify.addWidget(widget)
        layout.addLayout(rectify)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        layout.addWidget(self.output)
        self.show_button.clicked.connect(self.show_held)
        self.save_button.clicked.connect(self._ask_save)
        self.erase_button.clicked.connect(self._ask_erase)
        self.rectify_button.clicked.connect(self.rectify)
        self.resize(640, 480)

    def _pseudonym(self) -> str:
        return self.pseudonym_edit.text().strip().lower()

    def held(self) -> dict | None:
        """Everything held about the pseudonym typed, or None (the reason is shown)."""
        try:
            return subject_access(
                self.project, self._pseudonym(), self.passphrase_edit.text() or None
            )
        except TwinError as error:
            self.message.setText(str(error))
            return None

    def show_held(self) -> None:
        """Show everything held about the pseudonym, as JSON."""
        record = self.held()
        if record is None:
            self.output.clear()
            return
        self.output.setPlainText(json.dumps(record, ensure_ascii=False, indent=2))
        self.message.setText(
            tr("{n} reports held about this pseudonym").format(n=len(record["reports"]))
        )

    def save_json(self, path: str | Path) -> Path | None:
        """Write everything held about the pseudonym to ``path`` (JSON)."""
        record = self.held()
        if record is None:
            return None
        path = Path(path)
        try:
            path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        except OSError as error:
            self.message.setText(
                tr("Could not write {path}: {error}").format(
                    path=path, error=error.strerror or error
                )
            )
            return None
        self.message.setText(tr("Saved {path}").format(path=path))
        return path

    def rectify(self) -> bool:
        """Correct one field of one report (undoable on the window's undo stack)."""
        from twin.ui.reports.commands import RectifyReportCommand

        field = self.field_box.currentData()
        value: object = self.value_edit.text()
        try:
            if field in ("x", "y"):
                try:
                    value = float(str(value).replace(",", "."))
                except ValueError:
                    self.message.setText(tr("{field} is a number of metres").format(field=field))
                    return False
            command = RectifyReportCommand(
                self.project, self.report_edit.text().strip(), {field: value}
            )
            if self.undo_stack is not None:
                self.undo_stack.push(command)
            else:
                command.redo()
        except TwinError as error:
            self.message.setText(str(error))
            return False
        self.message.setText(tr("Report rectified"))
        if self._pseudonym():
            self.show_held()
        return True

    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Save subject access"), "subject.json", "JSON (*.json)"
        )
        if path:
            self.save_json(path)

    def _ask_erase(self) -> None:
        answer = QMessageBox.question(
            self,
            tr("Erase everywhere"),
            tr(
                "Erase every report and the contact data of this pseudonym from the project, "
                "its autosave and the undo history, and save the project? This cannot be "
                "undone."
            ),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.erase()

    def erase(self) -> bool:
        """Erase the pseudonym everywhere and save the project; True when done."""
        pseudonym = self._pseudonym()
        try:
            erased = erase_subject(self.project, pseudonym)
            if self.undo_stack is not None:
                from twin.ui.scenario.undo import forget_subject

                forget_subject(self.undo_stack, pseudonym)
            if self.project.path is not None:
                erase_from_recovery(self.project.path, pseudonym)
            if self._save is not None:
                self._save()
            elif self.project.path is not None:
                self.project.save(self.project.path)
        except TwinError as error:
            self.message.setText(str(error))
            return False
        self.output.clear()
        self.erased.emit()
        self.message.setText(
            tr("Erased {n} reports{contact}; the project is saved").format(
                n=erased.reports, contact=tr(" and the contact data") if erased.contact else ""
            )
        )
        return True
