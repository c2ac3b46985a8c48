"""The rollout timeline: a slider over the plan's phases ("Rollout <year>" scenarios).

Moving the slider (mouse, arrow keys) makes the phase's scenario current, so the map, the
KPI dock and the compare view show the territory at the end of that year; position 0 is
today (the baseline). The phases come from the "Plan rollout…" button (planned in the
background), ``twin plan --save-scenarios`` or any scenario named "Rollout <year>".
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from twin.i18n import tr

PHASE_NAME = re.compile(r"^Rollout (\d{4})$")


class PlanTimeline(QWidget):
    """A slider from "today" through each rollout year; bind it to a ScenarioController."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.controller = None
        self._phases: list[tuple[int, str]] = []
        self._updating = False
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self._on_moved)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.years = QLabel()
        self.plan_button = QPushButton(tr("Plan rollout…"))
        self.plan_button.setToolTip(
            tr("Choose sites under yearly budgets and add the phases as scenarios")
        )
        self.plan_button.clicked.connect(self.open_plan_dialog)
        self.dialog = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        layout.addLayout(row)
        layout.addWidget(self.years)
        layout.addWidget(self.label)
        layout.addWidget(self.plan_button)
        layout.addStretch(1)  # the steps stay together at the top of a tall dock

    def bind(self, controller) -> None:
        """Follow ``controller``'s scenarios and drive its current scenario."""
        self.controller = controller
        controller.scenarios_changed.connect(self.refresh)
        controller.current_changed.connect(lambda _name: self._show_current())
        self.refresh()

    def open_plan_dialog(self) -> None:
        """Open the Plan rollout dialog (planning runs in the background; its phases then
        appear on this timeline)."""
        from twin.ui.panels.rollout_dialog import open_rollout_dialog

        if self.controller is not None and self.controller.project is not None:
            self.dialog = open_rollout_dialog(self.controller, self.window())

    def phases(self) -> list[tuple[int, str]]:
        """(year, scenario name) of every rollout phase, by year."""
        return list(self._phases)

    def refresh(self) -> None:
        """Rebuild the steps from the controller's scenarios."""
        names = self.controller.scenario_names() if self.controller else []
        found = [(int(m.group(1)), n) for n in names if (m := PHASE_NAME.match(n))]
        self._phases = sorted(found)
        self._updating = True
        self.slider.setRange(0, len(self._phases))
        self.slider.setEnabled(bool(self._phases))
        self._updating = False
        steps = [tr("today"), *(str(year) for year, _ in self._phases)]
        self.years.setText("  →  ".join(steps) if self._phases else "")
        self._show_current()

    def _show_current(self) -> None:
        current = self.controller.current_name() if self.controller else None
        position = next((k + 1 for k, (_y, name) in enumerate(self._phases) if name == current), 0)
        self._updating = True
        self.slider.setValue(position)
        self._updating = False
        if not self._phases:
            self.label.setText(
                tr(
                    "No rollout plan: press Plan rollout… below "
                    "(or run 'twin plan --save-scenarios')."
                )
            )
        elif position == 0:
            self.label.setText(tr("Today: the territory as it is (baseline)."))
        else:
            year, name = self._phases[position - 1]
            description = self.controller.scenario(name).description
            self.label.setText(
                tr("End of {year}: {description}").format(year=year, description=description)
            )

    def _on_moved(self, position: int) -> None:
        if self._updating or self.controller is None:
            return
        name = None if position == 0 else self._phases[position - 1][1]
        self.controller.select(name)
