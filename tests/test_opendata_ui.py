"""File > New territory…: the dialog a planner fills in, driven as a user would."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

import twin
from twin.ui.project.new_territory import NewTerritoryDialog

TERRITORY = Path(__file__).parent / "data" / "opendata" / "becherel"
pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


def fill(qtbot, dialog: NewTerritoryDialog, name: str, communes: str, folder, out) -> None:
    for edit, text in (
        (dialog.name_edit, name),
        (dialog.communes_edit, communes),
        (dialog.folder_edit, str(folder)),
        (dialog.out_edit, str(out)),
    ):
        edit.clear()
        qtbot.keyClicks(edit, text)


def test_dialog_builds_shows_the_report_and_opens(qtbot, tmp_path):
    dialog = NewTerritoryDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    out = tmp_path / "becherel.twin"
    fill(qtbot, dialog, "Becherel", "35022", TERRITORY, out)
    assert not dialog.open_button.isEnabled()
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Missing:" in dialog.report_view.toPlainText(), timeout=120_000)
    text = dialog.report_view.toPlainText()
    assert f"Written to {out}" in text and "ANFR (anfr): 3 sites" in text
    assert dialog.error_label.isHidden()
    assert {layer.id for layer in twin.open_project(out).layers} >= {"mobile_cells", "buildings"}
    with qtbot.waitSignal(dialog.project_ready) as signal:
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert signal.args == [out]


def test_dialog_says_what_is_wrong_and_keeps_the_form(qtbot, tmp_path):
    dialog = NewTerritoryDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    fill(qtbot, dialog, "X", "Rennes", TERRITORY, tmp_path / "x.twin")
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.isVisible()
    assert "give INSEE commune codes" in dialog.error_label.text()
    assert dialog.communes_edit.text() == "Rennes"
    # an error found in the worker (no such folder) comes back as a line, not a traceback
    fill(qtbot, dialog, "X", "35022", tmp_path / "nowhere", tmp_path / "x.twin")
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "no such folder" in dialog.error_label.text(), timeout=60_000)
    assert dialog.error_label.isVisible() and "Traceback" not in dialog.error_label.text()
    assert dialog.build_button.isEnabled() and not (tmp_path / "x.twin").exists()


def test_file_menu_offers_new_territory(qtbot):
    from ui_helpers import make_project

    from twin.ui.main_window import MainWindow

    window = MainWindow(make_project())
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [action.text() for action in file_menu.actions()]
    assert "&New territory from open data…" in texts
    window.new_territory_action.trigger()
    assert window.new_territory_dialog.isVisible()
    assert window.new_territory_dialog.windowTitle() == "New territory from open data"


def test_cancel_in_the_dialog_stops_the_build_and_writes_nothing(qtbot, tmp_path, monkeypatch):
    from twin.layers.opendata import builder

    def slow_build(name, codes, folder, out, feedback):
        """Stands for a build on a whole département: reports progress for up to a minute."""
        for step in range(6000):
            feedback.set_progress(step / 60, "Reading the population (INSEE)")
            time.sleep(0.01)
        Path(out).write_text("built")  # reached only if Cancel did not stop the build

    monkeypatch.setattr(builder, "build_and_save", slow_build)
    dialog = NewTerritoryDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    out = tmp_path / "big.twin"
    fill(qtbot, dialog, "Ille-et-Vilaine", "35022", TERRITORY, out)
    assert not dialog.cancel_button.isVisible()
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Reading the population" in dialog.progress_label.text())
    assert dialog.progress_bar.isVisible() and dialog.cancel_button.isVisible()
    assert not dialog.build_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Build cancelled" in dialog.report_view.toPlainText(), timeout=10_000)
    assert not dialog.progress_bar.isVisible() and dialog.build_button.isEnabled()
    assert not out.exists() and not dialog.open_button.isEnabled()


def test_dialog_speaks_french(qtbot, tmp_path):
    from twin.i18n import set_language

    set_language("fr")
    dialog = NewTerritoryDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Nouveau territoire à partir de données ouvertes"
    fill(qtbot, dialog, "Becherel", "35022", "", "")  # keyClicks types ASCII only
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Indiquez un dossier de données, un fichier de projet."
    fill(qtbot, dialog, "Becherel", "Rennes", TERRITORY, tmp_path / "b.twin")
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == (
        "Communes : RENNES : indiquez des codes commune INSEE comme 35022,35238"
    )
    fill(qtbot, dialog, "Becherel", "35022", tmp_path / "nowhere", tmp_path / "b.twin")
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "introuvable" in dialog.error_label.text(), timeout=60_000)
    assert dialog.error_label.text().startswith("Dossier de données ")
    folder = tmp_path / "data"  # ANFR only: a short build
    shutil.copytree(TERRITORY / "anfr", folder / "anfr")
    fill(qtbot, dialog, "Becherel", "35022", folder, tmp_path / "b.twin")
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Manquant :" in dialog.report_view.toPlainText(), timeout=120_000)
    text = dialog.report_view.toPlainText()
    assert "Trouvé :" in text and "Supposé :" in text
    assert "ANFR (anfr) : 3 sites, 11 cellules 4G/5G ; écartés" in text
    assert "Flux GTFS : pas de flux GTFS : twin transit demande --gtfs FICHIER" in text
