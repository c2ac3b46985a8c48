"""Error dialogs: a planner sees a clear message, never a traceback."""

from __future__ import annotations

import traceback

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from twin.errors import CancelledError, TwinError
from twin.i18n import tr


def error_message(error: BaseException) -> str:
    """The one-paragraph message shown to the user for ``error``."""
    if isinstance(error, TwinError):
        return str(error) or type(error).__name__
    summary = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = tr("Something unexpected went wrong ({0})").format(type(error).__name__)
    return f"{text}: {summary}" if summary else f"{text}."


def show_error(
    parent: QWidget | None, error: BaseException, title: str = "twin"
) -> QMessageBox | None:
    """Show ``error`` in a non-blocking message box and return it.

    :class:`~twin.errors.DataError` and :class:`~twin.errors.ProjectError` show their message
    only; unexpected exceptions show a short message with the traceback hidden behind
    "Show Details...". A :class:`~twin.errors.CancelledError` shows nothing (returns None).
    """
    if isinstance(error, CancelledError):
        return None
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setText(error_message(error))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if isinstance(error, TwinError):
        box.setIcon(QMessageBox.Icon.Warning)
    else:
        box.setIcon(QMessageBox.Icon.Critical)
        box.setInformativeText(
            tr(
                "Your project has not been changed. Details are below if you "
                "need to report the problem."
            )
        )
        details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
