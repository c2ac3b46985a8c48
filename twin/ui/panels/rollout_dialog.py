"""Plan rollout… from the app: the plan's settings in a dialog, the planning in a worker
thread (progress and Cancel in the status bar), its phases added as "Rollout <year>"
scenarios (one undo step) for the timeline, the KPI dock and the compare view.

The same planner and settings as ``twin plan`` (:func:`twin.sim.optimise.study.
plan_project`); the files (plan.json, CSV, curve) stay the CLI's.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from twin.errors import DataError
from twin.i18n import language, tr
from twin.ui.workers import JobHandle, run_job

GAP_GRID = ""  # the candidates combo's data for the grid over the coverage gaps


class RolloutPlanDialog(QDialog):
    """The settings of a rollout plan: phases (YEAR:EUR,...), candidate places (a point or
    polygon layer, or a grid over the gaps with its spacing in metres), objective, local
    search and an optional target share (%) of persons in good coverage by a year."""

    def __init__(self, project, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Plan rollout"))
        year = dt.date.today().year
        self.phases = QLineEdit(f"{year}:2e6,{year + 1}:3e6")
        self.phases.setToolTip(tr("YEAR:EUR,... e.g. 2026:2e6,2027:3e6"))
        self.candidates = QComboBox()
        self.candidates.addItem(tr("grid over the coverage gaps"), GAP_GRID)
        for layer in getattr(project, "layers", []):
            frame = getattr(layer, "frame", None)
            if frame is not None and len(frame) and layer.id not in ("buildings",):
                self.candidates.addItem(layer.name, layer.id)
        self.spacing = QDoubleSpinBox()
        self.spacing.setRange(100.0, 10_000.0)
        self.spacing.setValue(1000.0)
        self.spacing.setSuffix(" m")
        self.objective = QComboBox()
        self.objective.addItem(tr("persons"), "persons")
        self.objective.addItem(tr("premises"), "premises")
        self.refine = QCheckBox(tr("local search after greedy"))
        self.target = QDoubleSpinBox()
        self.target.setRange(0.0, 100.0)
        self.target.setDecimals(1)
        self.target.setSuffix(" %")
        self.target.setSpecialValueText(tr("none"))
        self.target_year = QSpinBox()
        self.target_year.setRange(2000, 2100)
        self.target_year.setValue(year + 2)
        self.spacing.setDecimals(0)
        for spin in (self.spacing, self.target):  # decimal mark of the user's language
            spin.setLocale(QLocale(QLocale.Language.French if language() == "fr" else "C"))
        self.error = QLabel()
        self.error.setStyleSheet("color: #B00020")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Phases (YEAR:EUR)"), self.phases)
        form.addRow(tr("Candidate places"), self.candidates)
        form.addRow(tr("Gap grid spacing"), self.spacing)
        form.addRow(tr("Choose sites for"), self.objective)
        form.addRow("", self.refine)
        form.addRow(tr("Target: persons in good coverage"), self.target)
        form.addRow(tr("Target year"), self.target_year)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Plan"))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def settings(self) -> dict:
        """The plan's arguments (:func:`plan_project` keywords); DataError (one line) for
        bad phases."""
        from twin.sim.optimise.plan import parse_phases

        phases = parse_phases(self.phases.text())
        target = self.target.value()
        return {
            "phases": phases,
            "candidate_layer": self.candidates.currentData() or None,
            "spacing_m": self.spacing.value(),
            "targets": {self.target_year.value(): target / 100.0} if target > 0 else None,
            "refine": self.refine.isChecked(),
            "objective": self.objective.currentData(),
        }


def plan_in_background(controller, settings: dict, parent=None, on_done=None) -> JobHandle:
    """Plan ``controller``'s project in a worker thread (progress and Cancel in the status
    bar); on success replace its "Rollout <year>" scenarios by the plan's phases (one undo
    step: Ctrl+Z takes them back) and call ``on_done(study)``; errors in one line."""
    from twin.sim.optimise.report import ROLLOUT_PREFIX, phase_scenarios
    from twin.sim.optimise.study import plan_project
    from twin.ui.scenario.undo import ScenarioCommand

    project, options = controller.project, controller.options

    def job(feedback):
        # one engine at a time in this process (the KPI dock's what-if shares the radio
        # engine's prepared inputs)
        from twin.sim.whatif.runner import _ENGINE_LOCK

        with _ENGINE_LOCK:
            return plan_project(project, options=options, feedback=feedback, **settings)

    def done(study) -> None:
        scenarios, _current = controller.state()
        kept = tuple(s for s in scenarios if not s.name.startswith(ROLLOUT_PREFIX))
        after = (kept + tuple(phase_scenarios(study)), None)
        controller.undo_stack.push(ScenarioCommand(controller, tr("Plan rollout"), after))
        if on_done is not None:
            on_done(study)

    return run_job(job, title=tr("Planning the rollout"), parent=parent, on_result=done)


def open_rollout_dialog(controller, parent=None, on_done=None) -> RolloutPlanDialog:
    """Show the dialog (non-modal); Plan checks the settings (a bad one stays in the dialog,
    in red, one line) and starts :func:`plan_in_background`."""
    dialog = RolloutPlanDialog(controller.project, parent)
    dialog.handle = None

    def start() -> None:
        try:
            settings = dialog.settings()
        except DataError as error:
            dialog.error.setText(str(error))
            return
        dialog.handle = plan_in_background(controller, settings, parent, on_done)
        dialog.accept()

    dialog.buttons.accepted.connect(start)
    dialog.show()
    return dialog
