"""The Story dock as a user drives it: add steps from the map's view, edit captions and KPI
cards, reorder, rename and delete, every change undone with Ctrl+Z (issue 11)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication
from ui_helpers import X0, Y0, make_project

from twin.kpi import Figure
from twin.story import StoryStep
from twin.ui.main_window import MainWindow
from twin.ui.panels.story import StoryPanel

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


def _titles(project, story: str) -> list[str]:
    return [step.title for step in project.stories[story]]


def _click_row(qtbot, panel: StoryPanel, row: int, double: bool = False) -> None:
    view = panel.step_list
    rect = view.visualItemRect(view.item(row))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    if double:  # a real double-click is a press, a release, then the double-click
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _type_title(qtbot, panel: StoryPanel, title: str) -> None:
    panel.title_edit.setFocus()
    panel.title_edit.selectAll()
    qtbot.keyClicks(panel.title_edit, title)
    qtbot.keyClick(panel.title_edit, Qt.Key.Key_Return)


@pytest.fixture
def window(qtbot):
    """The main window on the synthetic town; closed without the unsaved-changes question."""
    window = MainWindow(make_project())
    yield window
    window.set_modified(False)  # (qtbot would close it before this line runs)
    window.close()
    window.deleteLater()


def test_add_steps_from_the_view_move_them_and_undo(qtbot, window):
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    window.story.dock.show()
    window.story.dock.raise_()
    panel = window.story.panel
    window.project.layer("Roads").visible = False
    window.set_modified(False)
    window.canvas.zoom_to_bbox((X0, Y0, X0 + 100, Y0 + 100))
    first_view = window.canvas.view_bbox()
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert list(window.project.stories) == ["Story 1"]
    step = window.project.stories["Story 1"][0]
    assert step.extent == pytest.approx(first_view)
    assert set(step.visible_layers) == {"Sites", "Buildings", "Terrain"}
    assert step.show == "baseline" and step.scenario is None
    assert window.isWindowModified()
    _type_title(qtbot, panel, "Town hall")
    assert _titles(window.project, "Story 1") == ["Town hall"]
    window.canvas.zoom_to_bbox((X0 + 300, Y0, X0 + 400, Y0 + 100))
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    _type_title(qtbot, panel, "Gymnasium")
    assert _titles(window.project, "Story 1") == ["Town hall", "Gymnasium"]
    assert panel.step_list.item(1).text().startswith("2. Gymnasium")
    # move the gymnasium first, then Ctrl+Z puts the order back
    _click_row(qtbot, panel, 1)
    qtbot.mouseClick(panel.up_button, Qt.MouseButton.LeftButton)
    assert _titles(window.project, "Story 1") == ["Gymnasium", "Town hall"]
    assert panel.step_list.currentRow() == 0
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _titles(window.project, "Story 1") == ["Town hall", "Gymnasium"]
    assert [panel.step_list.item(r).text()[:4] for r in range(2)] == ["1. T", "2. G"]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _titles(window.project, "Story 1") == ["Town hall", "Step 2"]
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert _titles(window.project, "Story 1") == ["Town hall", "Gymnasium"]
    # double-click the town hall: the map goes back to it
    _click_row(qtbot, panel, 0, double=True)
    shown = window.canvas.view_bbox()
    assert shown[0] <= first_view[0] + 1 and shown[2] >= first_view[2] - 1
    assert shown[2] - shown[0] == pytest.approx(first_view[2] - first_view[0], rel=1e-6)


def _figures() -> list[Figure]:
    return [
        Figure(f"radio.k{i}", f"Figure {i}", float(i), "persons", baseline=0.0, domain="radio")
        for i in range(5)
    ]


def _panel(qtbot, steps=None):
    project = make_project()
    if steps is not None:
        project.set_story("Tour", steps)
    stack = QUndoStack()
    panel = StoryPanel()
    qtbot.addWidget(panel)
    counter = iter(range(100))

    def capture(title):
        n = next(counter)
        return StoryStep(title, extent=(X0 + n, Y0, X0 + n + 10, Y0 + 10))

    panel.bind(stack, capture, _figures)
    panel.set_project(project)
    panel.show()
    return panel, project, stack


def _check(qtbot, panel: StoryPanel, row: int) -> None:
    view = panel.kpi_list
    rect = view.visualItemRect(view.item(row))
    # the check box sits at the left of the row
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 10, rect.center().y())
    )


def test_kpi_cards_are_chosen_from_the_dock_figures_at_most_four(qtbot):
    panel, project, stack = _panel(qtbot, [StoryStep("One")])
    assert panel.kpi_list.count() == 5
    for row in range(4):
        _check(qtbot, panel, row)
    assert project.stories["Tour"][0].kpis == ("radio.k0", "radio.k1", "radio.k2", "radio.k3")
    _check(qtbot, panel, 4)  # a fifth card is refused, with a word why
    assert len(project.stories["Tour"][0].kpis) == 4
    assert panel.kpi_list.item(4).checkState() == Qt.CheckState.Unchecked
    assert "At most 4" in panel.message_label.text()
    _check(qtbot, panel, 1)  # unchecking removes the card
    assert project.stories["Tour"][0].kpis == ("radio.k0", "radio.k2", "radio.k3")
    stack.undo()
    assert project.stories["Tour"][0].kpis == ("radio.k0", "radio.k1", "radio.k2", "radio.k3")
    assert panel.kpi_list.item(1).checkState() == Qt.CheckState.Checked


def test_rename_delete_and_dragged_steps_are_undoable(qtbot):
    steps = [StoryStep("A"), StoryStep("B"), StoryStep("C")]
    panel, project, stack = _panel(qtbot, steps)
    panel.rename_story("Council, March")
    assert list(project.stories) == ["Council, March"]
    assert panel.story_box.currentText() == "Council, March"
    panel.rename_story("")  # refused: one line in the panel, nothing changes
    assert (
        list(project.stories) == ["Council, March"] and "needs a name" in panel.message_label.text()
    )
    # a step dragged from the last place to the first
    assert panel.step_list.model().moveRow(
        panel.step_list.rootIndex(), 2, panel.step_list.rootIndex(), 0
    )
    assert _titles(project, "Council, March") == ["C", "A", "B"]
    _click_row(qtbot, panel, 1)
    qtbot.mouseClick(panel.delete_step_button, Qt.MouseButton.LeftButton)
    assert _titles(project, "Council, March") == ["C", "B"]
    qtbot.mouseClick(panel.delete_story_button, Qt.MouseButton.LeftButton)
    assert project.stories == {} and panel.add_button.isEnabled()
    for _ in range(4):
        stack.undo()
    assert list(project.stories) == ["Tour"]
    assert _titles(project, "Tour") == ["A", "B", "C"]
    assert panel.story_box.currentText() == "Tour"
    # a second story, chosen from the box
    panel.new_story("Short")
    assert list(project.stories) == ["Tour", "Short"] and panel.steps() == []
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert _titles(project, "Short") == ["Step 1"]
    panel.story_box.setCurrentText("Tour")
    assert [panel.step_list.item(r).text()[:4] for r in range(3)] == ["1. A", "2. B", "3. C"]


def test_present_on_the_chosen_screen_the_second_one_by_default(qtbot, monkeypatch):
    """The panel's "Present on" box picks the screen; without a choice the presentation
    goes to the second screen when there is one (the projector), else the primary."""
    from twin.ui.presentation import window as presentation_window

    panel, _project, _stack = _panel(qtbot, [StoryStep("One"), StoryStep("Two")])
    assert panel.screen_box.count() == len(QApplication.screens())
    with qtbot.waitSignal(panel.present, timeout=2000) as signal:
        qtbot.mouseClick(panel.present_button, Qt.MouseButton.LeftButton)
    assert signal.args == ["Tour", 0, panel.screen_box.currentIndex()]
    real = QApplication.primaryScreen()
    laptop, projector = object(), object()
    screens = presentation_window.QGuiApplication
    monkeypatch.setattr(screens, "screens", staticmethod(lambda: [laptop, projector]))
    assert presentation_window.presentation_screen(None) is projector
    assert presentation_window.presentation_screen(0) is laptop
    assert presentation_window.presentation_screen(5) is projector  # gone: the default
    monkeypatch.setattr(screens, "screens", staticmethod(lambda: [laptop]))
    monkeypatch.setattr(screens, "primaryScreen", staticmethod(lambda: laptop))
    assert presentation_window.presentation_screen(None) is laptop
    # with two screens, the box offers the second
    monkeypatch.setattr(
        "twin.ui.panels.story.QGuiApplication.screens",
        staticmethod(lambda: [real, real]),
    )
    panel3 = StoryPanel()
    qtbot.addWidget(panel3)
    assert panel3.screen_box.count() == 2 and panel3.screen_box.currentIndex() == 1
    assert panel3.screen_box.currentText().startswith("2: ")
