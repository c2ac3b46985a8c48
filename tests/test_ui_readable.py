"""Issue 12's small traps in the window: selecting a scenario is not an edit, the title
shows the file name, Save As never proposes the bundled sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from ui_scenario_project import OPTIONS, make_project

import twin
from twin.ui.main_window import MainWindow
from twin.ui.project.files import save_as_proposal

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


def test_selecting_a_scenario_is_not_an_edit_and_the_title_shows_the_file(qtbot, tmp_path):
    project = make_project()
    project.scenarios = [
        {
            "name": "North mast",
            "interventions": [
                {
                    "type": "add_mobile_site",
                    "site_id": "N1",
                    "name": "North mast",
                    "x": 352_000.0,
                    "y": 6_789_000.0,
                }
            ],
        }
    ]
    path = project.save(tmp_path / "my town.twin")
    project = twin.open_project(path)
    window = MainWindow()
    qtbot.addWidget(window)
    controller = window.scenario.controller
    controller.options = OPTIONS  # coarse grid for a fast test
    controller.in_process = True
    window.set_project(project)
    window.show()
    try:
        _select_and_check(qtbot, window, controller)
    finally:
        controller.shutdown()
        window.set_modified(False)


def _select_and_check(qtbot, window, controller) -> None:
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    assert window.windowTitle() == "my town.twin[*] — twin"
    assert not window.isWindowModified()
    controller.select("North mast")  # as the scenario panel does on a click
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    assert controller.current_name() == "North mast"
    assert any("North mast" in layer.name for layer in window.project.layers)  # results shown
    assert not window.isWindowModified()
    controller.select(None)
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    assert not window.isWindowModified()
    window.project.layers[-1].visible = False  # a real edit still counts
    assert window.isWindowModified()


def test_save_as_proposes_a_new_file_in_the_users_folder_not_the_sample(
    qtbot, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Documents").mkdir()
    sample = twin.open_project(twin.sample_project_path())
    proposal = save_as_proposal(sample)
    assert proposal == tmp_path / "Documents" / "rennes.twin"
    proposal.write_bytes(b"")  # taken: the next free name
    assert save_as_proposal(sample) == tmp_path / "Documents" / "rennes-2.twin"
    own = make_project()
    own_path = own.save(tmp_path / "mine.twin")
    assert save_as_proposal(twin.open_project(own_path)) == own_path
    # The dialog the user sees starts there.
    window = MainWindow()
    qtbot.addWidget(window)
    window.project = sample
    seen: list[str] = []

    def fake_dialog(_parent, _caption, start, _filter):
        seen.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    assert window.files.save_as() is None
    assert Path(seen[0]).parent == tmp_path / "Documents"
    assert Path(seen[0]).resolve() != twin.sample_project_path().resolve()
