"""The story dock's list of KPI cards: the figures the KPI dock shows, the step's cards
checked, at most :data:`~twin.story.MAX_KPI_CARDS` of them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from twin.i18n import tr
from twin.kpi import Figure
from twin.story import MAX_KPI_CARDS

KEY_ROLE = Qt.ItemDataRole.UserRole  # an item's KPI key


class KpiChooser(QListWidget):
    """Checkable KPI keys (label and unit shown, key in the tooltip).

    ``chosen(keys)`` when the user checks or unchecks one (keys in card order: the cards
    kept first, a new one last); ``refused(message)`` when a fifth card is checked (the
    check is taken back)."""

    chosen = Signal(tuple)
    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpi_list")
        self.keys: tuple[str, ...] = ()
        self._filling = False
        self.itemChanged.connect(self._on_item_changed)

    def set_choices(self, figures: list[Figure], keys: tuple[str, ...]) -> None:
        """Offer ``figures``' keys (and any of ``keys`` missing from them), ``keys`` checked."""
        self._filling = True
        try:
            self.keys = tuple(keys)
            self.clear()
            labels = {f.key: f"{f.label} ({f.unit})" if f.unit else f.label for f in figures}
            for key in keys:
                labels.setdefault(key, key)
            for key, label in labels.items():
                item = QListWidgetItem(label)
                item.setData(KEY_ROLE, key)
                item.setToolTip(key)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = Qt.CheckState.Checked if key in keys else Qt.CheckState.Unchecked
                item.setCheckState(checked)
                self.addItem(item)
        finally:
            self._filling = False

    def checked_keys(self) -> list[str]:
        """The checked keys, in list order."""
        items = (self.item(row) for row in range(self.count()))
        return [i.data(KEY_ROLE) for i in items if i.checkState() == Qt.CheckState.Checked]

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        checked = self.checked_keys()
        ordered = [k for k in self.keys if k in checked] + [
            k for k in checked if k not in self.keys
        ]
        if len(ordered) > MAX_KPI_CARDS:
            self._filling = True
            item.setCheckState(Qt.CheckState.Unchecked)
            self._filling = False
            self.refused.emit(tr("At most {count} KPI cards per step.").format(count=MAX_KPI_CARDS))
            return
        self.keys = tuple(ordered)
        self.chosen.emit(self.keys)
