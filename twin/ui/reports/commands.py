"""Undoable edits of citizen reports (rectification, GDPR art. 16).

A :class:`RectifyReportCommand` keeps the report's values before and after the change so
Ctrl+Z works; because those values are about a person, it can :meth:`forget` them when the
person's data is erased (:func:`twin.ui.scenario.undo.forget_subject`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.reports import reports_layer
from twin.layers.reports_gdpr import checked_changes, rectify_report


class RectifyReportCommand(QUndoCommand):
    """Change some fields of one report (category, status, date, description, x, y)."""

    def __init__(self, project, report_id: str, changes: dict[str, Any]) -> None:
        super().__init__(tr("Rectify a citizen report"))
        layer = reports_layer(project)
        if layer is None:
            raise DataError(tr("this project has no citizen reports"))
        rows = layer.frame[layer.frame["report_id"].astype(str) == str(report_id)]
        if len(rows) == 0:
            raise DataError(tr("no report {id!r} in this project").format(id=report_id))
        self.project = project
        self.report_id = str(report_id)
        self.pseudonym = str(rows["pseudonym"].iloc[0] or "")
        self.after: dict[str, Any] = checked_changes(changes)  # errors before the push
        self.before: dict[str, Any] = {}

    def redo(self) -> None:
        """Apply the change (remembering the values before it)."""
        if self.after:
            self.before = rectify_report(self.project, self.report_id, self.after)

    def undo(self) -> None:
        """Put the values before the change back."""
        if self.before:
            moved = "x" in self.after or "y" in self.after
            restore = {
                k: v
                for k, v in self.before.items()
                if k in self.after or (moved and k in ("x", "y"))
            }
            rectify_report(self.project, self.report_id, restore)

    def mentions(self, pseudonym: str) -> bool:
        """True when this command holds data about ``pseudonym``."""
        return bool(pseudonym) and self.pseudonym == pseudonym

    def forget(self, pseudonym: str) -> None:
        """Drop everything held about ``pseudonym``: the command becomes a no-op."""
        if self.mentions(pseudonym):
            self.before, self.after = {}, {}
            self.report_id = self.pseudonym = ""
            self.setObsolete(True)

    def held_text(self) -> str:
        """All the text this command holds (what an erasure test scans)."""
        return repr((self.report_id, self.pseudonym, self.before, self.after, self.text()))
