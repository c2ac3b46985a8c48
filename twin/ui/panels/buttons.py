"""Small widget helpers the dock panels share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton


def push_button(text: str, tip: str, slot: Callable[[], object]) -> QPushButton:
    """A push button showing ``text`` with the tooltip ``tip`` that calls ``slot`` when
    clicked."""
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button
