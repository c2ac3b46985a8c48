"""Citizen reports in the main window: a "Citizen reports" dock (heat map filters), and a
Reports menu to import a file and to exercise a person's rights. Created by the main
window in one line (``self.reports = ReportsWorkbench(self)``)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog

from twin.i18n import tr
from twin.ui.reports.panel import ReportsPanel
from twin.ui.reports.rights import ReportRightsDialog


class ReportsWorkbench(QObject):
    """The reports dock and menu of ``window`` (the twin main window)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.panel = ReportsPanel()
        self.dock = QDockWidget(tr("Citizen reports"), window)
        self.dock.setObjectName("citizen_reports_dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        menu = window.menuBar().addMenu(tr("&Reports"))
        self.import_action = menu.addAction(tr("&Import citizen reports…"), self.ask_import)
        self.rights_action = menu.addAction(tr("&Access and erasure (GDPR)…"), self.open_rights)
        menu.addAction(self.dock.toggleViewAction())
        self.rights: ReportRightsDialog | None = None

    def set_project(self, project) -> None:
        """Follow the window's project."""
        self.panel.set_project(project)

    def import_file(self, path: str):
        """Import the reports of ``path`` into the open project (contact data dropped): read
        in a worker thread (progress and cancel in the status bar), added on the UI thread.
        Returns the job's handle (None without a project)."""
        from twin.layers.reports_gdpr import project_secret
        from twin.layers.reports_io import prepare_import
        from twin.ui.workers import run_job

        project = self.window.project
        if project is None:
            return None
        project_secret(project)  # made here: the worker only reads the project
        return run_job(
            lambda feedback: prepare_import(project, path, feedback=feedback),
            title=tr("Importing citizen reports"),
            parent=self.window,
            on_result=lambda prepared: self._add(project, prepared),
            on_error=lambda error: self.window.statusBar().showMessage(str(error), 12000),
        )

    def _add(self, project, prepared) -> None:
        from twin.layers.reports_io import apply_import

        if project is not self.window.project:
            return  # another project was opened meanwhile
        result = apply_import(project, prepared)
        self.panel.set_project(project)
        self.panel.redraw()
        self.dock.show()
        self.window.statusBar().showMessage(
            tr("Imported {n} citizen reports ({skipped} skipped); contact data dropped").format(
                n=result.imported, skipped=result.skipped
            ),
            12000,
        )

    def ask_import(self) -> None:
        """Ask for a reports file and import it."""
        path, _ = QFileDialog.getOpenFileName(
            self.window,
            tr("Import citizen reports"),
            "",
            tr("Reports (*.json *.geojson *.csv)"),
        )
        if path:
            self.import_file(path)

    def open_rights(self) -> ReportRightsDialog | None:
        """Open the access and erasure dialog for the open project."""
        project = self.window.project
        if project is None:
            return None
        stack = self.window.scenario.controller.undo_stack
        self.rights = ReportRightsDialog(
            project, stack, save=self.window.files.save, parent=self.window
        )
        self.rights.erased.connect(lambda: self.panel.set_project(project))
        self.rights.show()
        return self.rights
