"""Start the desktop application: ``twin`` / ``python main.py [PATH]``.

Start-up is ordered so that the map appears first:

1. the data libraries are imported before Qt (``twin.cli.environment.preload_data_stack``);
2. a thread starts reading the project's visible layers at once, while Qt and the window's
   modules load (:mod:`twin.ui.project.early`); a worker job takes that result and prepares
   it for the map while the window is built and shown (the status bar says what is being
   opened, with progress and Cancel);
3. the map draws them, with the numpy and QPainter drawing code (numba's kernels load in a
   worker after this first frame: :mod:`twin.ui.map.jit`); the KPI dock shows the baseline
   figures stored in the ``.twin`` at the same time (a lookup, no engine);
4. after that paint the hidden layers are read, then the engines start (radio what-if, slow
   domains) and their figures replace the stored ones; saving and scenario tools are
   enabled then.

``twin --startup-time`` prints when each step happened, in seconds since the process
started, and exits at the first map frame.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

import twin
from twin.cli import startup_clock
from twin.cli.environment import missing_qt_library, skip_cloud_sdk
from twin.i18n import tr
from twin.ui.map.paint import FirstFrameWatcher

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
    install_qt_translations(app)
    return app


_QT_LOCALES = {"en": "en_GB", "fr": "fr_FR"}  # the Qt locale of each language (as twin.i18n)


def install_qt_translations(app: QApplication) -> bool:
    """Qt's own texts (standard buttons Save/Cancel, file dialogs, context menus) in the
    current language, from the ``qtbase_<lang>.qm`` shipped with Qt, and Qt's number
    formatting (spin boxes, sliders' values) per that language; False when English or Qt
    has no translation."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    from twin.i18n import language

    previous = getattr(app, "_twin_qt_translator", None)
    if previous is not None:
        app.removeTranslator(previous)
        app._twin_qt_translator = None
    code = language()
    QLocale.setDefault(QLocale(_QT_LOCALES[code]))  # spin boxes: "12,00 px" in French
    if code == "en":
        return False
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(QLocale(code), "qtbase", "_", folder):
        return False
    app.installTranslator(translator)
    app._twin_qt_translator = translator  # kept alive, removed on the next call
    return True


def show_main_window(path: str | None = None, early=None):
    """Build and show the main window, opening ``path`` (a project or data file) or the
    bundled sample territory; returns the window. ``early``: the read of its visible
    layers already started (:func:`twin.ui.project.early.start_early_read`).
    """
    from twin.ui.project.files import start_opening

    target = Path(path) if path else twin.sample_project_path()
    opening = start_opening(target, early)  # reads while the window is built
    from twin.ui.main_window import MainWindow

    window = MainWindow()
    startup_clock.mark("main window built")
    window.showMaximized()  # on the available screen; docks fit its width (dock_layout.py)
    if target.exists():
        window.files.open_path(target, started=opening)
    elif path:
        _tell(
            window,
            tr("{target} does not exist.").format(target=target),
            tr("Open a project with File > Open project."),
        )
    else:
        _tell(
            window,
            tr("The bundled sample territory is missing ({target}).").format(target=target),
            tr(
                "Open a project or a data file with File > Open project, "
                "or reinstall twin to get the sample back."
            ),
        )
    return window


def _tell(window, text: str, detail: str) -> None:
    window.statusBar().showMessage(text)
    box = QMessageBox(QMessageBox.Icon.Information, "twin", text, parent=window)
    box.setInformativeText(detail)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


class StartupTimer(QObject):
    """``twin --startup-time``: prints when the map was first drawn (and, if asked, when
    the KPI dock showed the baseline figures), in seconds since the process started, then
    quits."""

    GIVE_UP_S = 300.0  # seconds without a map frame: report that and quit

    def __init__(self, window, kpi_wait_s: float = 0.0) -> None:
        super().__init__(window)
        self.window = window
        self.kpi_wait_s = max(0.0, kpi_wait_s)
        self.first_frame_s: float | None = None
        self.kpis_s: float | None = None
        self.exit_code = 0
        self.watcher = FirstFrameWatcher(window)
        self.watcher.drawn.connect(self._on_first_frame)
        kpi_dock = window.scenario.kpi  # the figures as the KPI dock shows them
        shown = kpi_dock.figures_shown if kpi_dock is not None else None
        (shown or window.scenario.controller.figures_changed).connect(self._on_figures)
        for job in list(window.files.jobs):
            job.failed.connect(self._on_open_failed)
        QTimer.singleShot(round(self.GIVE_UP_S * 1000), self._give_up)

    def _on_open_failed(self, error: BaseException) -> None:
        print(
            tr("twin --startup-time: the project could not be opened: {error}").format(error=error),
            file=sys.stderr,
        )
        self.exit_code = 2
        self._finish()

    def _give_up(self) -> None:
        if self.first_frame_s is None:
            print(
                tr("twin --startup-time: no map frame within {GIVE_UP_S:g} s").format(
                    GIVE_UP_S=self.GIVE_UP_S
                ),
                file=sys.stderr,
            )
            self.exit_code = 1
            self._finish()

    def _on_first_frame(self) -> None:
        self.first_frame_s = startup_clock.mark("first map frame drawn")
        if self.kpi_wait_s <= 0 or self.kpis_s is not None:
            self._finish()
        else:
            QTimer.singleShot(round(self.kpi_wait_s * 1000), self._finish)

    def _on_figures(self, figures: list) -> None:
        if figures and self.kpis_s is None:
            self.kpis_s = startup_clock.mark("baseline KPIs shown")
            if self.first_frame_s is not None:
                self._finish()

    def _finish(self) -> None:
        if getattr(self, "_finished", False):
            return
        self._finished = True
        print(startup_clock.report(), file=sys.stdout)
        if self.first_frame_s is not None:
            print(f"startup time (process start to first map frame): {self.first_frame_s:.3f} s")
        if self.kpi_wait_s > 0:
            if self.kpis_s is not None:
                print(f"baseline KPIs shown: {self.kpis_s:.3f} s")
            else:
                print(f"baseline KPIs not shown within {self.kpi_wait_s:g} s of the first frame")
        if not startup_clock.KERNEL_CLOCK:
            print("(no /proc: times start when twin.cli was imported, not at process start)")
        sys.stdout.flush()
        self.window.modified = False
        QApplication.instance().exit(self.exit_code)


def import_pyqtgraph_lazily() -> None:
    """Import pyqtgraph without materialising every Qt class (0.1-0.25 s of CPU saved).

    pyqtgraph's ``pyqtgraph.Qt`` mirrors QtCore, QtGui and QtWidgets by reading every name
    of ``dir()`` of each (``_copy_attrs``); PySide6 creates its classes and their enums on
    first access, so that loop builds all ~720 of them at start-up. Here the mirrors are
    modules that fetch a name from PySide6 on first use (and keep it), and ``dir()`` of the
    three PySide6 modules is empty while pyqtgraph is imported, so the loop copies nothing.
    pyqtgraph sees the same classes; only when they are created changes. Does nothing when
    pyqtgraph is already imported.
    """
    if "pyqtgraph" in sys.modules:
        return
    import PySide6
    import PySide6.QtCore
    import PySide6.QtGui
    import PySide6.QtWidgets

    sources = [getattr(PySide6, name) for name in ("QtCore", "QtGui", "QtWidgets")]
    listings = [source.__dict__.get("__dir__") for source in sources]
    for source in sources:
        mirror = types.ModuleType(f"pyqtgraph.Qt.{source.__name__.rsplit('.', 1)[1]}")

        def fetch(name: str, source=source, mirror=mirror):
            value = getattr(source, name)  # AttributeError when PySide6 has no such name
            setattr(mirror, name, value)
            return value

        mirror.__getattr__ = fetch
        sys.modules[mirror.__name__] = mirror
        source.__dir__ = list  # dir(source) == [] while pyqtgraph copies
    try:
        from twin.ui.app_pyqtgraph import import_canvas_pyqtgraph

        import_canvas_pyqtgraph()  # the map's items now, the rest of pyqtgraph on first use
    finally:
        for source, listing in zip(sources, listings, strict=True):
            if listing is None:
                source.__dict__.pop("__dir__", None)
            else:
                source.__dir__ = listing


#: Milliseconds after a project was opened (its hidden layers too) when numba loads even
#: if no map was drawn (a project without layers). Counted from then rather than from the
#: start, so that on a busy machine it never comes before the first frame.
DRAWING_KERNELS_AT_LATEST_MS = 5000


def _load_drawing_kernels() -> None:
    """Load numba's drawing kernels in a worker, once (the map uses them when ready)."""
    import twin.ui.map.views.scanfill  # noqa: F401 (it and linedraw register their kernels)
    from twin.ui.map import jit
    from twin.ui.workers import run_job

    if not getattr(_load_drawing_kernels, "started", False):
        _load_drawing_kernels.started = True
        run_job(
            lambda _feedback: jit.load(), title=tr("Loading the map renderer"), show_progress=False
        )


def run_app(
    path: str | None = None, startup_time: bool = False, kpi_wait_s: float = 0.0, early=None
) -> int:
    """Run the application until its window closes; returns the exit code (0 = normal).

    ``startup_time``: print the time from process start to the first drawn map frame (and
    the baseline KPIs within ``kpi_wait_s`` seconds) and exit. ``early``: the read of the
    project's visible layers, started before Qt (:mod:`twin.ui.project.early`).
    """
    problem = missing_qt_library()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    target = Path(path) if path else twin.sample_project_path()
    if startup_time and not target.exists():
        print(
            tr("twin --startup-time: {target} does not exist").format(target=target),
            file=sys.stderr,
        )
        return 2
    skip_cloud_sdk()
    from twin.ui.map import jit

    jit.defer_loading()  # the first frames draw without numba; it loads after them
    import_pyqtgraph_lazily()
    app = create_application()
    startup_clock.mark("QApplication created")
    from twin.ui.language_menu import apply_saved_language

    apply_saved_language()  # View > Language, unless --lang or TWIN_LANG chose
    install_qt_translations(app)
    window = show_main_window(path, early)
    timer = StartupTimer(window, kpi_wait_s) if startup_time else None  # noqa: F841
    if not (startup_time and kpi_wait_s <= 0):  # (it would exit before they are used)
        watcher = FirstFrameWatcher(window)
        watcher.drawn.connect(_load_drawing_kernels)
        window.files.project_opened.connect(
            lambda _project: QTimer.singleShot(DRAWING_KERNELS_AT_LATEST_MS, _load_drawing_kernels)
        )
    code = app.exec()
    from twin.ui.workers import cancel_all_jobs

    window.close()
    cancel_all_jobs()
    return code
