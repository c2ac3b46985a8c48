"""Start the desktop application: ``twin`` / ``python main.py [PATH]``."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

import twin

STYLESHEET = Path(__file__).with_name("style.qss")


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (existing or new) with twin's name, organisation and look."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("twin")
    app.setApplicationDisplayName("twin")
    app.setOrganizationName("twin")
    app.setApplicationVersion(twin.__version__)
    if STYLESHEET.exists():
        app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))
    return app


def show_main_window(path: str | None = None):
    """Build and show the main window, opening ``path`` (a project or data file) or the
    bundled sample territory; returns the window.
    """
    from twin.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    target = Path(path) if path else twin.sample_project_path()
    if target.exists():
        window.open_path(target)
    elif path:
        _tell(window, f"{target} does not exist.", "Open a project with File > Open project.")
    else:
        _tell(
            window,
            f"The bundled sample territory is missing ({target}).",
            "Open a project or a data file with File > Open project, "
            "or reinstall twin to get the sample back.",
        )
    return window


def _tell(window, text: str, detail: str) -> None:
    window.statusBar().showMessage(text)
    box = QMessageBox(QMessageBox.Icon.Information, "twin", text, parent=window)
    box.setInformativeText(detail)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def run_app(path: str | None = None) -> int:
    """Run the application until its window closes; returns the exit code (0 = normal)."""
    from twin.ui.workers import cancel_all_jobs

    app = create_application()
    window = show_main_window(path)  # noqa: F841 - kept alive while the loop runs
    code = app.exec()
    cancel_all_jobs()
    return code
