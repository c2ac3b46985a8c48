"""Autosave and crash recovery: the Qt-free recovery file (twin.recovery) and the window's
offer to restore after a crash (twin.ui.project.recovery, driven as a user would)."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtCore import Qt
from ui_helpers import make_buildings, make_project, make_roads

from twin.errors import ProjectError
from twin.layers.io import read_layers, write_layer
from twin.project import Project
from twin.project_save import save_project
from twin.recovery import discard_recovery, read_recovery, recovery_path, write_recovery
from twin.recovery_file import apply_recovery
from twin.recovery_unsaved import read_unsaved_recoveries, rebuild_unsaved_project
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
# the plan of a never-saved project read from town-data.gpkg (buildings and roads only)
SKETCH_PLAN = {
    "name": "Plan B",
    "description": "",
    "interventions": [
        {"type": "add_mobile_site", "site_id": "n1", "name": "North", "x": 351_100.0,
         "y": 6_789_050.0},
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


# --- a project never saved: recovery file in the user's data folder ---------------------------
@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """The user's data folder of this test (XDG_DATA_HOME)."""
    home = tmp_path / "data-home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture
def data_file(tmp_path):
    """A GeoPackage with the test town's buildings and roads (two tables)."""
    path = tmp_path / "town-data.gpkg"
    write_layer(make_buildings(), path, raw=True)
    write_layer(make_roads(), path, raw=True)
    return path


CRASHED_UNSAVED = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from ui_helpers import make_buildings, make_project, make_roads
from twin.project import Project
from twin.layers.io import read_layers
from twin.recovery import write_recovery

project = Project(crs="EPSG:2154")
project.metadata["title"] = "Sketch"
for layer in read_layers({data!r}, crs="EPSG:2154"):
    project.add_layer(layer, index=len(project.layers))
roads = next(layer for layer in project.layers if layer.name == "roads")
roads.style = roads.style.with_changes(stroke_color="#FF0000")
roads.name = "Main roads"
project.scenarios = [{plan!r}]
write_recovery(project)
os.kill(os.getpid(), signal.SIGKILL)  # the session dies with its edits unsaved
"""


def _crash_with_unsaved_project(data_file, data_home) -> None:
    import subprocess
    import sys
    from pathlib import Path

    script = CRASHED_UNSAVED.format(
        tests=str(Path(__file__).parent), data=str(data_file), plan=SKETCH_PLAN
    )
    env = dict(os.environ, XDG_DATA_HOME=str(data_home), PYTHONPATH=os.getcwd())
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True)
    assert result.returncode == -9, result.stderr.decode()[-2000:]


def test_unsaved_project_recovery_goes_to_the_user_data_folder(data_home, data_file):
    project = Project(crs="EPSG:2154")
    for layer in read_layers(data_file, crs="EPSG:2154"):
        project.add_layer(layer, index=len(project.layers))
    project.scenarios = [PLAN]
    path = write_recovery(project)
    assert path == data_home / "twin" / "recovery" / f"untitled-{os.getpid()}.twin-recovery.json"
    data = json.loads(path.read_text())
    assert [r["source_layer"] for r in data["layers"]] == ["buildings", "roads"]
    assert read_unsaved_recoveries() == []  # this session is alive: not offered to itself
    discard_recovery(None)
    assert not path.exists()


def test_a_killed_unsaved_session_is_rebuilt_from_its_data_files(data_home, data_file):
    _crash_with_unsaved_project(data_file, data_home)
    (snapshot,) = read_unsaved_recoveries()
    assert snapshot.summary()[1:] == [
        "Project 'Sketch' (never saved): 2 layers from town-data.gpkg",
        "Scenario 'Plan B': 1 intervention",
    ]
    project = rebuild_unsaved_project(snapshot)
    assert project.path is None and project.metadata["title"] == "Sketch"
    assert [layer.name for layer in project.layers] == ["buildings", "Main roads"]
    assert project.layers[1].style.stroke_color == "#FF0000"
    assert project.scenarios == [SKETCH_PLAN]
    data_file.unlink()  # the data moved away: one line, nothing half-built
    with pytest.raises(ProjectError, match=r"its data file .*town-data.gpkg is gone"):
        rebuild_unsaved_project(snapshot)


def test_next_start_offers_the_unsaved_project_and_restores_it(qtbot, data_home, data_file):
    _crash_with_unsaved_project(data_file, data_home)
    (left,) = (data_home / "twin" / "recovery").glob("untitled-*")
    window = MainWindow()
    qtbot.addWidget(window, before_close_func=lambda w: w.set_modified(False))
    window.show()
    qtbot.waitUntil(lambda: window.recovery.unsaved_dialog is not None, timeout=10_000)
    dialog = window.recovery.unsaved_dialog
    assert dialog.isVisible() and not dialog.isModal()
    assert "without saving a new project" in dialog.message.text()
    shown = [dialog.items.item(i).text() for i in range(dialog.items.count())]
    assert shown[1] == "Project 'Sketch' (never saved): 2 layers from town-data.gpkg"
    with qtbot.waitSignal(window.recovery.restored, timeout=30_000):
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert [layer.name for layer in window.project.layers] == ["buildings", "Main roads"]
    panel = window.scenario.panel
    listed = [panel.scenario_list.item(i).text() for i in range(panel.scenario_list.count())]
    assert "Plan B" in listed
    assert window.isWindowModified() and window.project.path is None
    assert not left.exists()  # taken over by this session's own autosave
    # this session autosaves the recovered, still unsaved, project in its own file
    window.recovery.timer.setInterval(10)
    with qtbot.waitSignal(window.recovery.autosaved, timeout=10_000) as saved:
        pass
    assert saved.args[0].name == f"untitled-{os.getpid()}.twin-recovery.json"
    window.set_modified(False)
    window.close()  # a clean close discards it
    assert not saved.args[0].exists()


def test_discard_deletes_the_unsaved_project_recovery(qtbot, data_home, data_file):
    _crash_with_unsaved_project(data_file, data_home)
    window = MainWindow()
    qtbot.addWidget(window, before_close_func=lambda w: w.set_modified(False))
    qtbot.waitUntil(lambda: window.recovery.unsaved_dialog is not None, timeout=10_000)
    qtbot.mouseClick(window.recovery.unsaved_dialog.discard_button, Qt.MouseButton.LeftButton)
    assert list((data_home / "twin" / "recovery").glob("untitled-*")) == []
    assert window.project is None


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
