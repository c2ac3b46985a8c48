"""The scenario panel: the baseline and the named scenarios, and the current scenario's
interventions in words. Every button is an undoable edit of the :class:`ScenarioController`.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from twin.errors import TwinError
from twin.i18n import N_, tr
from twin.scenario import AddTransitLine
from twin.ui.panels.buttons import push_button

BASELINE_TEXT = N_("Baseline (the territory today)")
NAME_ROLE = Qt.ItemDataRole.UserRole


class ScenarioPanel(QWidget):
    """Lists the scenarios (select one to see it on the map) and the current one's
    interventions; new/duplicate/rename/delete/reorder scenarios, remove/reorder
    interventions, change a transit line's headway."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = None
        self._updating = False
        self.scenario_list = QListWidget()
        self.scenario_list.setObjectName("scenario_list")
        self.scenario_list.currentItemChanged.connect(self._on_scenario_selected)
        self.scenario_list.setMaximumHeight(120)
        self.intervention_list = QListWidget()
        self.intervention_list.setObjectName("intervention_list")
        self.intervention_list.setWordWrap(True)
        self.intervention_list.currentRowChanged.connect(self._update_buttons)
        self.intervention_list.itemDoubleClicked.connect(lambda _item: self.edit_headway())
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.new_button = push_button(
            tr("New"), tr("Create an empty scenario"), lambda: self.new_scenario()
        )
        self.duplicate_button = push_button(
            tr("Duplicate"), tr("Copy the selected scenario"), self.duplicate
        )
        self.rename_button = push_button(
            tr("Rename…"), tr("Rename the selected scenario"), self.rename
        )
        self.delete_button = push_button(
            tr("Delete"), tr("Delete the selected scenario"), self.delete
        )
        self.up_button = push_button(
            "▲", tr("Move the scenario up"), lambda: self._move_scenario(-1)
        )
        self.down_button = push_button(
            "▼", tr("Move the scenario down"), lambda: self._move_scenario(1)
        )
        self.remove_button = push_button(
            tr("Remove"), tr("Remove the selected intervention"), self.remove
        )
        self.earlier_button = push_button("▲", tr("Apply it earlier"), lambda: self._move_item(-1))
        self.later_button = push_button("▼", tr("Apply it later"), lambda: self._move_item(1))
        self.headway_button = push_button(
            tr("Headway…"), tr("Change the line's headway"), self.edit_headway
        )
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{tr('Scenarios')}</b>"))
        layout.addWidget(self.scenario_list)
        # two rows: one row of six buttons made the dock too wide for a laptop's map (and
        # French labels are longer)
        layout.addLayout(self._row(self.new_button, self.duplicate_button, self.rename_button))
        layout.addLayout(self._row(self.delete_button, self.up_button, self.down_button))
        self.interventions_title = QLabel(f"<b>{tr('Interventions')}</b>")
        self.interventions_title.setWordWrap(True)  # its hint must not widen the dock
        layout.addWidget(self.interventions_title)
        layout.addWidget(self.intervention_list, 1)
        layout.addLayout(
            self._row(
                self.remove_button, self.earlier_button, self.later_button, self.headway_button
            )
        )
        layout.addWidget(self.status_label)
        for button in (self.up_button, self.down_button, self.earlier_button, self.later_button):
            button.setFixedWidth(34)
        self._refresh()

    @staticmethod
    def _row(*buttons: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(4)
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        return row

    # --- binding ---------------------------------------------------------------------------
    def bind(self, controller) -> None:
        """Show and edit ``controller``'s scenarios."""
        self.controller = controller
        controller.scenarios_changed.connect(self._refresh)
        controller.current_changed.connect(lambda _name: self._refresh())
        controller.busy_changed.connect(self._on_busy)
        controller.message.connect(self.status_label.setText)
        self._refresh()

    def _on_busy(self, busy: bool) -> None:
        self.status_label.setText(tr("Computing the scenario…") if busy else "")

    # --- display ------------------------------------------------------------------------------
    def _refresh(self) -> None:
        self._updating = True
        try:
            self.scenario_list.clear()
            self.intervention_list.clear()
            controller = self.controller
            current = controller.current_name() if controller is not None else None
            names = [None, *controller.scenario_names()] if controller is not None else [None]
            for name in names:
                item = QListWidgetItem(tr(BASELINE_TEXT) if name is None else name)
                item.setData(NAME_ROLE, name)
                if name is None:
                    font = item.font()
                    font.setItalic(True)
                    item.setFont(font)
                self.scenario_list.addItem(item)
                if name == current:
                    self.scenario_list.setCurrentItem(item)
            scenario = controller.current_scenario() if controller is not None else None
            if scenario is None:
                self.interventions_title.setText(
                    f"<b>{tr('Interventions')}</b> — "
                    + tr("the baseline is never edited: a map tool starts a new scenario")
                )
            else:
                self.interventions_title.setText(
                    tr("<b>Interventions of '{0}'</b>").format(scenario.name)
                )
                for number, item in enumerate(scenario.interventions, start=1):
                    self.intervention_list.addItem(f"{number}. {item.describe()}")
        finally:
            self._updating = False
        self._update_buttons()

    def intervention_texts(self) -> list[str]:
        """The interventions as listed (for tests and screenshots)."""
        return [
            self.intervention_list.item(i).text() for i in range(self.intervention_list.count())
        ]

    def _update_buttons(self, *_args) -> None:
        controller = self.controller
        on_scenario = controller is not None and controller.current_name() is not None
        for button in (
            self.duplicate_button,
            self.rename_button,
            self.delete_button,
            self.up_button,
            self.down_button,
        ):
            button.setEnabled(on_scenario)
        self.new_button.setEnabled(controller is not None and controller.project is not None)
        row = self.intervention_list.currentRow()
        has_item = on_scenario and row >= 0
        for button in (self.remove_button, self.earlier_button, self.later_button):
            button.setEnabled(has_item)
        self.headway_button.setEnabled(
            has_item and isinstance(self._selected_item(), AddTransitLine)
        )

    def _selected_item(self):
        scenario = self.controller.current_scenario() if self.controller is not None else None
        row = self.intervention_list.currentRow()
        if scenario is None or not 0 <= row < len(scenario.interventions):
            return None
        return scenario.interventions[row]

    # --- actions ---------------------------------------------------------------------------
    def _on_scenario_selected(self, item, _previous) -> None:
        if self._updating or item is None or self.controller is None:
            return
        self.controller.select(item.data(NAME_ROLE))

    def _guard(self, action) -> None:
        try:
            action()
        except TwinError as error:
            self.status_label.setText(str(error))

    def new_scenario(self, name: str | None = None) -> None:
        """Create an empty scenario and make it current."""
        self._guard(lambda: self.controller.new_scenario(name))

    def duplicate(self) -> None:
        """Copy the current scenario."""
        name = self.controller.current_name()
        if name is not None:
            self._guard(lambda: self.controller.duplicate_scenario(name))

    def rename(self, new_name: str | None = None) -> None:
        """Rename the current scenario (asks for the name unless given)."""
        name = self.controller.current_name()
        if name is None:
            return
        if new_name is None:
            new_name, ok = QInputDialog.getText(
                self, tr("Rename scenario"), tr("New name:"), text=name
            )
            if not ok:
                return
        self._guard(lambda: self.controller.rename_scenario(name, new_name.strip()))

    def delete(self) -> None:
        """Delete the current scenario (Ctrl+Z brings it back)."""
        name = self.controller.current_name()
        if name is not None:
            self._guard(lambda: self.controller.delete_scenario(name))

    def _move_scenario(self, step: int) -> None:
        name = self.controller.current_name()
        if name is not None:
            index = self.controller.scenario_names().index(name)
            self._guard(lambda: self.controller.move_scenario(name, max(0, index + step)))

    def remove(self) -> None:
        """Remove the selected intervention."""
        row = self.intervention_list.currentRow()
        if row >= 0:
            self._guard(lambda: self.controller.remove_intervention(row))

    def _move_item(self, step: int) -> None:
        row = self.intervention_list.currentRow()
        count = self.intervention_list.count()
        if row >= 0 and 0 <= row + step < count:
            self._guard(lambda: self.controller.move_intervention(row, row + step))
            self.intervention_list.setCurrentRow(row + step)

    def edit_headway(self, minutes: float | None = None) -> None:
        """Change the selected transit line's headway (minutes between departures)."""
        item = self._selected_item()
        if not isinstance(item, AddTransitLine):
            return
        if minutes is None:
            minutes, ok = QInputDialog.getDouble(
                self,
                tr("Headway"),
                tr("Minutes between departures on '{0}':").format(item.name),
                item.headway_min,
                1.0,
                120.0,
                1,
            )
            if not ok:
                return
        row = self.intervention_list.currentRow()
        self._guard(
            lambda: self.controller.modify_intervention(
                row, replace(item, headway_min=float(minutes))
            )
        )
