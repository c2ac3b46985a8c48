"""File > Export map…: the current view as a page layout (title, subtitle, legend, scale bar,
north arrow, attribution) written to PNG, JPEG, PDF or SVG."""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

from PySide6 import QtGui, QtWidgets

from twin.errors import DataError
from twin.i18n import N_, format_date, tr
from twin.layout import Page, build_layout, headline_figures
from twin.ui.export.painter import check_export_path, render_map_image, write_page
from twin.ui.workers import JobHandle, run_job

# the main window (not imported: it imports this module); a QMainWindow with .canvas,
# .project, .scenario and .statusBar()
MainWindow = QtWidgets.QMainWindow

FILE_FILTER = N_("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg);;JPEG image (*.jpg)")


class ExportMapDialog(QtWidgets.QDialog):
    """Asks for the title, subtitle, page size (pixels and dpi) and file of an exported map;
    :meth:`export` writes it. Errors are shown as one line in the dialog, never a
    traceback."""

    def __init__(self, title: str, subtitle: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Export map"))
        self.title_edit = QtWidgets.QLineEdit(title)
        self.subtitle_edit = QtWidgets.QLineEdit(subtitle)
        self.width_box = self._spin(100, 8192, 1600, " px")
        self.height_box = self._spin(100, 8192, 1000, " px")
        self.dpi_box = self._spin(36, 1200, 150, " dpi")
        self.kpi_check = QtWidgets.QCheckBox(tr("Show the scenario's headline figures as cards"))
        self.path_edit = QtWidgets.QLineEdit(str(Path.home() / "map.png"))
        browse = QtWidgets.QPushButton(tr("Browse…"))
        browse.clicked.connect(self._browse)
        path_row = QtWidgets.QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.error_label = QtWidgets.QLabel("")
        self.error_label.setStyleSheet("color: #B00020")
        self.error_label.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow(tr("&Title"), self.title_edit)
        form.addRow(tr("&Subtitle"), self.subtitle_edit)
        form.addRow(tr("&Width"), self.width_box)
        form.addRow(tr("&Height"), self.height_box)
        form.addRow(tr("&Resolution"), self.dpi_box)
        form.addRow(tr("&KPI cards"), self.kpi_check)
        file_label = QtWidgets.QLabel(tr("&File (.png .pdf .svg .jpg)"))
        file_label.setBuddy(self.path_edit)  # else the "&" shows: a row of a layout has none
        form.addRow(file_label, path_row)
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Save
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    @staticmethod
    def _spin(low: int, high: int, value: int, suffix: str) -> QtWidgets.QSpinBox:
        box = QtWidgets.QSpinBox()
        box.setRange(low, high)
        box.setValue(value)
        box.setSuffix(suffix)
        return box

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, tr("Export map"), self.path_edit.text(), tr(FILE_FILTER)
        )
        if path:
            self.path_edit.setText(path)

    def page(self) -> Page:
        """The page chosen: width x height pixels at the chosen dpi."""
        return Page(self.width_box.value(), self.height_box.value(), float(self.dpi_box.value()))

    def show_error(self, text: str) -> None:
        """Show one line of error under the form (the dialog stays open, nothing is lost)."""
        self.error_label.setText(text)


def export_current_view(window: MainWindow, dialog: ExportMapDialog) -> JobHandle | None:
    """Start writing the window's current view with the dialog's choices: the map is drawn
    on the UI thread (the canvas code needs it), the page is painted and written in a
    worker with progress and Cancel in the status bar. The dialog closes when the file is
    written; errors show as one line in the dialog. None when nothing was started."""
    project = window.canvas.project
    if project is None:
        dialog.show_error(tr("Open a project first: there is no map to export."))
        return None
    try:
        path = check_export_path(dialog.path_edit.text().strip())
    except DataError as error:
        dialog.show_error(str(error))
        return None
    layout = build_layout(
        project,
        dialog.title_edit.text().strip(),
        dialog.subtitle_edit.text().strip(),
        extent=window.canvas.view_bbox(),
        page=dialog.page(),
        figures=_explained(window, headline_figures(_figures(window)))
        if dialog.kpi_check.isChecked()
        else (),
    )
    started = time.perf_counter()
    try:
        map_image, shown = render_map_image(layout, project)
    except Exception as error:  # never a traceback: one line in the dialog
        dialog.show_error(
            tr("could not draw the map: {0}: {error}").format(type(error).__name__, error=error)
        )
        return None
    dialog.buttons.setEnabled(False)
    dialog.show_error("")

    def job(feedback):
        feedback.set_progress(10, "painting the page")
        return write_page(layout, map_image, shown, path)

    def done(written: Path) -> None:
        window.statusBar().showMessage(
            tr("Exported the map to {written} ({0:.1f} s)").format(
                time.perf_counter() - started, written=written
            ),
            8000,
        )
        dialog.accept()

    def failed(error: BaseException) -> None:
        dialog.buttons.setEnabled(True)
        text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        dialog.show_error(text.splitlines()[0] if text else type(error).__name__)

    handle = run_job(job, title=tr("Exporting map"), parent=window, on_result=done, on_error=failed)
    handle.cancelled.connect(lambda: dialog.buttons.setEnabled(True))
    return handle


def export_map_action(window: MainWindow) -> QtGui.QAction:
    """The File > Export map… action (Ctrl+E) of a main window: the dialog, then the file."""
    action = QtGui.QAction(tr("&Export map…"), window)
    action.setShortcut(QtGui.QKeySequence("Ctrl+E"))
    action.setStatusTip(tr("Write the current view with title, legend and credits (PNG, PDF, SVG)"))
    action.triggered.connect(lambda: show_export_dialog(window))
    return action


def show_export_dialog(window: MainWindow) -> ExportMapDialog:
    """Open the Export map dialog of ``window`` (a main window); saving writes the file."""
    scenario = _scenario_name(window)
    subtitle = f"{scenario or tr('Baseline')} · {format_date(_dt.date.today())}"
    dialog = ExportMapDialog(_project_title(window), subtitle, window)
    dialog.kpi_check.setEnabled(bool(_figures(window)))
    dialog.kpi_check.setChecked(bool(scenario and _figures(window)))

    def save() -> None:
        export_current_view(window, dialog)

    dialog.buttons.accepted.connect(save)
    dialog.open()
    window._export_dialog = dialog  # keep it alive while open (tests find it here too)
    return dialog


def _scenario_name(window: MainWindow) -> str:
    controller = getattr(getattr(window, "scenario", None), "controller", None)
    current = getattr(controller, "current_name", None)
    try:
        return (current() if callable(current) else current) or ""
    except Exception:
        return ""


def _project_title(window: MainWindow) -> str:
    project = window.canvas.project
    path = getattr(project, "path", None)
    return Path(path).stem.replace("_", " ").capitalize() if path else "Map"


def _figures(window: MainWindow) -> list:
    """The KPI figures of the window's current scenario (empty for the baseline)."""
    controller = getattr(getattr(window, "scenario", None), "controller", None)
    if controller is None or not _scenario_name(window):
        return []
    try:
        return list(controller.figures())
    except Exception:
        return []


def _explained(window: MainWindow, figures: list) -> list:
    """``figures`` each with its lineage (the controller builds it when asked), so the page
    prints how each was computed; a figure whose lineage cannot be built is kept as is."""
    import contextlib
    from dataclasses import replace

    controller = getattr(getattr(window, "scenario", None), "controller", None)
    explain = getattr(controller, "lineage", None)
    out = []
    for figure in figures:
        if figure.lineage is None and explain is not None:
            # a figure gone meanwhile is printed without its method
            with contextlib.suppress(Exception):
                figure = replace(figure, lineage=explain(figure.key))
        out.append(figure)
    return out
