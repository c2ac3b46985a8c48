"""Data warnings in the window: what readers could use only in part, told to the user.

Readers raise :class:`twin.errors.DataWarning` (a shapefile without its .dbf, ``"visible":
"no"`` read as hidden, a layer listed twice...) where the CLI prints one ``warning:`` line.
In the app they would be lost on stderr, so :class:`DataWarningLog` catches every
DataWarning raised while the window lives (in any thread: readers run in workers) and
shows it in the status bar, and :class:`DataWarningsButton` (a permanent status-bar button,
"⚠ 2 data warnings") opens :class:`DataWarningsDialog`, the list of them all.

The main window creates both in one line each (``DataWarningLog(self)`` and
``DataWarningsButton(log)`` in its status bar).
"""

from __future__ import annotations

import contextlib
import warnings

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from twin.errors import DataWarning
from twin.i18n import tr

STATUS_MESSAGE_MS = 15_000  # how long the newest warning stays in the status bar


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class DataWarningLog(QObject):
    """Every :class:`DataWarning` raised while it is installed, in order, without
    duplicates next to each other. ``added(message)`` is emitted on the UI thread for each
    new one; the window's status bar shows it (when ``window`` has ``statusBar()``)."""

    added = Signal(str)
    cleared = Signal()
    _raised = Signal(str)  # from any thread; queued to this object's (the UI) thread

    def __init__(self, window: QWidget | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.messages: list[str] = []
        self._previous = None
        self._raised.connect(self._on_raised)
        self.install()

    def install(self) -> None:
        """Route DataWarnings to this log (every time, not once per place in the code)."""
        warnings.filterwarnings("always", category=DataWarning)
        self._previous = warnings.showwarning
        warnings.showwarning = self._show
        from twin.ui.project.early import take_held_data_warnings

        for message in take_held_data_warnings():  # raised before the window existed
            self._raised.emit(_one_line(message))

    def uninstall(self) -> None:
        """Stop catching warnings (the window closes)."""
        if warnings.showwarning == self._show and self._previous is not None:
            warnings.showwarning = self._previous
        self._previous = None

    def _show(self, message, category, filename, lineno, file=None, line=None) -> None:
        previous = self._previous or warnings._showwarning_orig  # type: ignore[attr-defined]
        if isinstance(category, type) and issubclass(category, DataWarning):
            with contextlib.suppress(RuntimeError):  # the window is gone: stderr only
                self._raised.emit(_one_line(str(message)))
        previous(message, category, filename, lineno, file, line)

    def _on_raised(self, message: str) -> None:
        if self.messages and self.messages[-1] == message:
            return
        self.messages.append(message)
        status_bar = getattr(self.window, "statusBar", None)
        if status_bar is not None:
            status_bar().showMessage(tr("Data warning: {0}").format(message), STATUS_MESSAGE_MS)
        self.added.emit(message)

    def clear(self) -> None:
        """Forget the warnings shown so far."""
        self.messages.clear()
        self.cleared.emit()


class DataWarningsDialog(QDialog):
    """The list of data warnings, newest last, with Clear and Close."""

    def __init__(self, log: DataWarningLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log = log
        self.setWindowTitle(tr("Data warnings"))
        self.setModal(False)
        layout = QVBoxLayout(self)
        self.message = QLabel(
            tr("These files could be used only in part. Check them before you rely on them:")
        )
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.items = QListWidget()
        self.items.setWordWrap(True)
        layout.addWidget(self.items)
        self.buttons = QDialogButtonBox()
        self.clear_button = self.buttons.addButton(
            tr("Clear"), QDialogButtonBox.ButtonRole.ResetRole
        )
        self.close_button = self.buttons.addButton(
            tr("Close"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.clear_button.clicked.connect(log.clear)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(640, 320)
        log.added.connect(self._refresh)
        log.cleared.connect(self._refresh)
        self._refresh()

    def _refresh(self, *_args) -> None:
        self.items.clear()
        self.items.addItems(self.log.messages)


class DataWarningsButton(QToolButton):
    """Status-bar button "⚠ N data warnings" (hidden when there is none); its tooltip is the
    newest warning and a click opens :class:`DataWarningsDialog`."""

    def __init__(self, log: DataWarningLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log = log
        self.dialog: DataWarningsDialog | None = None
        self.setAutoRaise(True)
        self.clicked.connect(self.open_list)
        log.added.connect(self._refresh)
        log.cleared.connect(self._refresh)
        self._refresh()

    def open_list(self) -> DataWarningsDialog:
        """Show the list of warnings (one dialog, raised if already open)."""
        if self.dialog is None:
            self.dialog = DataWarningsDialog(self.log, self.window())
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def _refresh(self, *_args) -> None:
        count = len(self.log.messages)
        self.setVisible(count > 0)
        if count == 0:
            return
        text = tr("⚠ 1 data warning") if count == 1 else tr("⚠ {0} data warnings").format(count)
        self.setText(text)
        self.setToolTip(self.log.messages[-1] + "\n" + tr("Click to see them all"))
