"""Translation of user-visible text and locale formatting of numbers.

Every string a person reads (menus, dialogs, legend titles, CLI messages) goes through
:func:`tr`, so the French catalogue can translate it. Qt-free: the CLI and the model use
it too. Until the catalogues land, :func:`tr` returns its argument unchanged.
"""

from __future__ import annotations


def tr(text: str) -> str:
    """Return ``text`` in the current language (English source strings are the keys)."""
    return text
