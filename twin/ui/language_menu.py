"""View > Language: the user's choice of French or English, kept in QSettings.

The choice applies at the next start (menus, docks and tables are built in one language);
``twin --lang`` and ``TWIN_LANG`` override it for one run, and without any choice the
locale decides (:func:`twin.i18n.language_from_environment`).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from twin.i18n import LANGUAGE_NAMES, LANGUAGES, language, normalise_language, set_language, tr

SETTINGS_KEY = "language"


def settings() -> QSettings:
    """twin's user settings (organisation and application "twin")."""
    return QSettings("twin", "twin")


def saved_language() -> str | None:
    """The language chosen in View > Language ("fr", "en"), or None if never chosen."""
    value = settings().value(SETTINGS_KEY)
    return normalise_language(str(value)) if value else None


def save_language(code: str) -> None:
    """Remember ``code`` as the language of the next start."""
    store = settings()
    store.setValue(SETTINGS_KEY, code)
    store.sync()


def apply_saved_language() -> str:
    """At start-up: use the saved language unless ``--lang``/``TWIN_LANG`` chose one for
    this run; returns the language in use."""
    chosen = saved_language()
    if "TWIN_LANG" not in os.environ and chosen is not None:
        return set_language(chosen)
    return language()


class LanguageMenu(QMenu):
    """One checkable action per language; choosing one saves it and says that it applies
    at the next start (``language_chosen`` carries the code)."""

    language_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("&Language"), parent)
        self.setObjectName("language_menu")
        group = QActionGroup(self)
        group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        current = saved_language() or language()
        for code in LANGUAGES:
            action = QAction(LANGUAGE_NAMES[code], self)  # each name in its own language
            action.setCheckable(True)
            action.setChecked(code == current)
            action.triggered.connect(lambda _checked=False, c=code: self._choose(c))
            group.addAction(action)
            self.addAction(action)
            self.language_actions[code] = action

    def _choose(self, code: str) -> None:
        save_language(code)
        self.language_chosen.emit(code)

    @staticmethod
    def restart_message(code: str) -> str:
        """What the status bar says after choosing ``code``: in that language and in the
        current one when they differ."""
        now = tr("The language changes at the next start of twin.")
        if code == language():
            return now
        previous = language()
        set_language(code)
        try:
            then = tr("The language changes at the next start of twin.")
        finally:
            set_language(previous)
        return f"{now} / {then}" if then != now else now
