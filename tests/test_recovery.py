"""Autosave and crash recovery: the Qt-free recovery file (twin.recovery) and the window's
offer to restore after a crash (twin.ui.project.recovery, driven as a user would)."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtCore import Qt
from ui_helpers import make_project

from twin.errors import ProjectError
from twin.project import Project
from twin.project_file import save_project
from twin.recovery import (
    apply_recovery,
    discard_recovery,
    read_recovery,
    recovery_path,
    write_recovery,
)
from twin.ui.main_window import MainWindow
from twin.ui.project.recovery import RecoveryDialog

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")

PLAN = {
    "name": "Plan B",
    "description": "",
    "interventions": [
        {"type": "add_mobile_site", "site_id": "n1", "name": "North", "x": 351_100.0,
         "y": 6_789_300.0},
        {"type": "remove_mobile_site", "site_id": "A"},
    ],
}  # fmt: skip


@pytest.fixture
def saved(tmp_path):
    """A small project saved to disk (the state before the crashed session)."""
    return save_project(make_project(), tmp_path / "town.twin")


def _crashed_session(path) -> None:
    """What a session killed with unsaved edits leaves: a recovery file with a new scenario
    and the roads drawn in red."""
    project = Project.open(path)
    project.scenarios = [PLAN]
    roads = project.layer("Roads")
    roads.style = roads.style.with_changes(stroke_color="#FF0000")
    write_recovery(project)


def test_recovery_file_round_trip_and_summary(saved):
    _crashed_session(saved)
    assert recovery_path(saved).name == ".town.twin.twin-recovery.json"
    project = Project.open(saved)
    snapshot = read_recovery(saved)
    lines = snapshot.summary(project)
    assert lines[1:] == ["Scenario 'Plan B': 2 interventions", "Styles of 1 layers: Roads"]
    assert lines[0].startswith("Unsaved edits from ") and lines[0].endswith(" UTC")
    apply_recovery(project, snapshot)
    assert project.scenarios == [PLAN]
    assert project.layer("Roads").style.stroke_color == "#FF0000"
    discard_recovery(saved)
    assert read_recovery(saved) is None
    assert sorted(os.listdir(saved.parent)) == ["town.twin"]


def test_damaged_recovery_file_is_one_line_and_changes_nothing(saved):
    recovery_path(saved).write_text('{"format": "twin-recovery", "scenarios": {"a": 1}}')
    with pytest.raises(ProjectError, match="damaged recovery file"):
        read_recovery(saved)
    recovery_path(saved).write_text("[" * 100_000)
    with pytest.raises(ProjectError, match="nested too deeply"):
        read_recovery(saved)
    _crashed_session(saved)
    snapshot = read_recovery(saved)
    project = Project.open(saved)
    roads = project.layer("Roads").id
    snapshot.styles[roads] = {**snapshot.styles[roads], "stroke_color": "red"}
    with pytest.raises(ProjectError, match="stroke_color = 'red' is not a colour"):
        apply_recovery(project, snapshot)
    assert project.scenarios == [] and project.layer("Roads").style.stroke_color != "#FF0000"


def test_recovery_notes_a_project_saved_after_the_edits(saved):
    _crashed_session(saved)
    stamp = os.stat(saved).st_mtime + 60
    os.utime(saved, (stamp, stamp))
    project = Project.open(saved)
    assert read_recovery(saved).summary(project)[-1] == (
        "Note: the project file was saved after these edits"
    )


def test_unsaved_project_has_no_recovery_file():
    with pytest.raises(ProjectError, match="never saved"):
        write_recovery(make_project())


def _open(window: MainWindow, qtbot, path) -> None:
    with qtbot.waitSignal(window.files.project_opened, timeout=30_000):
        window.open_path(path)


def test_window_offers_to_restore_after_a_crash_and_restores(qtbot, saved):
    _crashed_session(saved)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    _open(window, qtbot, saved)
    dialog = window.recovery.dialog
    assert isinstance(dialog, RecoveryDialog) and dialog.isVisible()
    assert not dialog.isModal()  # the window stays usable meanwhile
    shown = [dialog.items.item(i).text() for i in range(dialog.items.count())]
    assert shown[1:] == ["Scenario 'Plan B': 2 interventions", "Styles of 1 layers: Roads"]
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    panel = window.scenario.panel
    listed = [panel.scenario_list.item(i).text() for i in range(panel.scenario_list.count())]
    assert "Plan B" in listed
    assert window.project.layer("Roads").style.stroke_color == "#FF0000"
    assert window.isWindowModified()  # the recovered edits are still unsaved
    # Saving writes them into the project and removes the recovery file.
    handle = window.files.save()
    with qtbot.waitSignal(handle.finished, timeout=30_000):
        pass
    assert not recovery_path(saved).exists()
    assert Project.open(saved).scenarios[0]["name"] == "Plan B"


def test_window_discard_removes_the_recovery_file(qtbot, saved):
    _crashed_session(saved)
    window = MainWindow()
    qtbot.addWidget(window)
    _open(window, qtbot, saved)
    qtbot.mouseClick(window.recovery.dialog.discard_button, Qt.MouseButton.LeftButton)
    assert not recovery_path(saved).exists()
    assert window.project.scenarios == [] and not window.isWindowModified()


def test_window_autosaves_unsaved_edits_and_a_clean_close_discards(qtbot, saved):
    window = MainWindow()
    qtbot.addWidget(window)
    _open(window, qtbot, saved)
    assert window.recovery.dialog is None  # nothing to recover
    window.project.layer("Roads").visible = False  # an unsaved edit
    window.recovery.timer.setInterval(10)
    with qtbot.waitSignal(window.recovery.autosaved, timeout=10_000):
        pass
    data = json.loads(recovery_path(saved).read_text())
    assert data["project"] == "town.twin" and data["format"] == "twin-recovery"
    assert set(data["styles"]) == {layer.id for layer in window.project.layers}
    window.set_modified(False)  # as after "Discard" in the quit question
    window.close()
    assert not recovery_path(saved).exists()


def test_project_given_to_the_window_directly_is_checked_before_autosaving(qtbot, saved):
    _crashed_session(saved)
    window = MainWindow(Project.open(saved))
    qtbot.addWidget(window)
    window.project.layer("Roads").visible = False  # an edit in the new session
    assert window.recovery.autosave() is False  # looks first: the old edits are on offer
    assert window.recovery.dialog is not None
    assert read_recovery(saved).scenarios == [PLAN]  # not overwritten
    window.set_modified(False)  # closing must not ask about the edit
