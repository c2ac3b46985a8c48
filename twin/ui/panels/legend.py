"""The legend: one group per visible layer, one swatch and label per style entry."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from twin.i18n import tr, tr_label
from twin.layers.base import Layer
from twin.layers.style import LegendEntry
from twin.project import Project
from twin.ui.panels.swatches import SWATCH_SIZE, swatch_icon
from twin.ui.project.watcher import ProjectWatcher

_LINE_CODE = re.compile(r"[0-9A-Za-z]{1,4}")


def _natural_key(entry: LegendEntry) -> tuple[int, int, str]:
    label = entry.label
    return (0, int(label), "") if label.isdigit() else (1, 0, label)


class LegendPanel(QWidget):
    """Legend of the map, built from each visible layer's ``legend_entries()``, top layer
    first; rebuilt when a layer's style, name or visibility changes or layers move.

    A single-colour layer shows its swatch beside its name; a categorised, graduated or
    raster layer shows its name, then one row per class (raster ramps with their unit).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.watcher = ProjectWatcher(parent=self)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(14)
        self.tree.setIconSize(SWATCH_SIZE)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        self.watcher.layers_changed.connect(self.rebuild)
        self.watcher.layer_changed.connect(self._on_layer_changed)

    def set_project(self, project: Project | None) -> None:
        """Show the legend of ``project``."""
        self.watcher.set_project(project)
        self.rebuild()

    def rebuild(self) -> None:
        """Rebuild every row from the current styles."""
        self.tree.clear()
        project = self.watcher.project
        if project is None:
            return
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for layer in project.layers:
            if not layer.visible:
                continue
            self.tree.addTopLevelItem(self._layer_item(layer, bold))
        self.tree.expandAll()

    @staticmethod
    def _layer_item(layer: Layer, bold: QFont) -> QTreeWidgetItem:
        item = QTreeWidgetItem([tr_label(layer.name)])
        item.setFont(0, bold)
        item.setToolTip(0, layer.provenance.summary())
        entries = layer.legend_entries()
        if len(entries) == 1 and not entries[0].label:
            item.setIcon(0, swatch_icon(entries[0], point_symbol=layer.style.point_symbol))
            return item
        if all(_LINE_CODE.fullmatch(entry.label) for entry in entries):
            entries = sorted(entries, key=_natural_key)  # line codes: 2 before 10, then A
        for entry in entries:
            child = QTreeWidgetItem([tr_label(entry.label) or tr("(no label)")])
            child.setIcon(0, swatch_icon(entry, point_symbol=layer.style.point_symbol))
            child.setToolTip(0, entry.label)
            item.addChild(child)
        return item

    def _on_layer_changed(self, _layer: Layer, what: str) -> None:
        if what in ("name", "visible", "style"):
            self.rebuild()
