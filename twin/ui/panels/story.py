"""The story dock: a project's stories for council presentations (issue 11).

Pick, create, rename or delete a story; add a step from what the map shows now, move,
edit (title, text, up to four KPI cards from the figures the KPI dock shows) and delete
steps; double-click a step to show it on the map; Present (F5) starts the full-screen
presentation. Every change is an undoable command on the scenario editor's undo stack
(:mod:`twin.ui.presentation.commands`) and is announced by :attr:`StoryPanel.edited`.
The step list and the step editor are in :mod:`twin.ui.panels.story_steps`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from twin.errors import TwinError
from twin.i18n import tr
from twin.kpi import Figure
from twin.project import Project
from twin.story import StoryStep
from twin.ui.panels.buttons import push_button
from twin.ui.panels.story_steps import StoryStepEditor, StoryStepList
from twin.ui.presentation import commands


class StoryPanel(QWidget):
    """Edits ``project.stories`` with undo (see the module docstring).

    Signals: ``edited()`` after every change (and its undo/redo), ``show_step(step)`` on a
    double-click, ``present(story_name, step_index, screen_index)`` from Present."""

    edited = Signal()
    show_step = Signal(object)
    present = Signal(str, int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.undo_stack: QUndoStack | None = None
        self.capture: Callable[[str], StoryStep] | None = None
        self.figures: Callable[[], list[Figure]] = list
        self.story_name: str | None = None
        self._refreshing = False
        self.story_box = QComboBox()
        self.story_box.setObjectName("story_box")
        self.story_box.currentTextChanged.connect(self._on_story_chosen)
        self.new_button = push_button(tr("New…"), tr("Create an empty story"), self.new_story)
        self.rename_button = push_button(tr("Rename…"), tr("Rename the story"), self.rename_story)
        self.delete_story_button = push_button(
            tr("Delete"), tr("Delete the story"), self.delete_story
        )
        self.step_list = StoryStepList()
        self.step_list.currentRowChanged.connect(self._on_step_selected)
        self.step_list.step_activated.connect(self._on_step_activated)
        self.step_list.reordered.connect(self._on_steps_reordered)
        self.add_button = push_button(
            tr("Add step from current view"),
            tr("A new step showing the map's extent, layers and scenario as they are now"),
            self.add_step_from_view,
        )
        self.up_button = push_button("▲", tr("Move the step earlier"), lambda: self.move_step(-1))
        self.down_button = push_button("▼", tr("Move the step later"), lambda: self.move_step(1))
        self.delete_step_button = push_button(
            tr("Delete step"), tr("Delete the step"), self.delete_step
        )
        self.step_editor = StoryStepEditor()
        self.step_editor.caption_edited.connect(self._on_caption_edited)
        self.step_editor.kpis_chosen.connect(self._on_kpis_chosen)
        self.title_edit = self.step_editor.title_edit
        self.text_edit = self.step_editor.text_edit
        self.kpi_list = self.step_editor.kpi_list
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.step_editor.refused.connect(self.message_label.setText)
        self.screen_box = QComboBox()
        self.screen_box.setToolTip(tr("The screen the presentation fills (the projector)"))
        self.present_button = push_button(
            tr("Present (F5)"), tr("Show the story full screen"), self.request_present
        )
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Story:")))
        row.addWidget(self.story_box, 1)
        layout.addLayout(row)
        layout.addLayout(self._row(self.new_button, self.rename_button, self.delete_story_button))
        layout.addWidget(self.step_list, 1)
        layout.addWidget(self.add_button)
        layout.addLayout(self._row(self.up_button, self.down_button, self.delete_step_button))
        layout.addWidget(self.step_editor)
        layout.addWidget(self.message_label)
        layout.addLayout(self._row(QLabel(tr("Present on:")), self.screen_box))
        layout.addWidget(self.present_button)
        self._fill_screens()
        self._refresh()

    @staticmethod
    def _row(*widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        for widget in widgets:
            row.addWidget(widget)
        return row

    # --- binding -----------------------------------------------------------------------
    def bind(
        self,
        undo_stack: QUndoStack,
        capture: Callable[[str], StoryStep],
        figures: Callable[[], list[Figure]],
    ) -> None:
        """Push edits on ``undo_stack``; ``capture(title)`` makes a step of the current
        view; ``figures()`` gives the KPI dock's figures (the keys offered as cards)."""
        self.undo_stack, self.capture, self.figures = undo_stack, capture, figures

    def set_project(self, project: Project | None) -> None:
        """Edit ``project``'s stories (None: nothing); its first story is chosen."""
        if self.project is not None:
            self.project.events.stories_changed.disconnect(self._refresh)
        self.project = project
        self.story_name = next(iter(project.stories), None) if project is not None else None
        if project is not None:
            project.events.stories_changed.connect(self._refresh)
        self._refresh()

    def _fill_screens(self) -> None:
        screens = QGuiApplication.screens()
        for index, screen in enumerate(screens):
            self.screen_box.addItem(f"{index + 1}: {screen.name()}")
        self.screen_box.setCurrentIndex(1 if len(screens) > 1 else 0)

    # --- reading -----------------------------------------------------------------------
    def steps(self) -> list[StoryStep]:
        """The chosen story's steps (empty without a story)."""
        if self.project is None or self.story_name not in self.project.stories:
            return []
        return list(self.project.stories[self.story_name])

    def current_index(self) -> int | None:
        """The selected step's index (None when none is selected)."""
        row = self.step_list.currentRow()
        return row if 0 <= row < len(self.steps()) else None

    # --- commands ----------------------------------------------------------------------
    def _push(self, text: str, after: commands.Stories, story: str | None, index: int | None):
        if self.project is None or self.undo_stack is None:
            return
        command = commands.StoryCommand(
            self.project, text, after, (story, index), on_applied=self._focus
        )
        command.focus_before = (self.story_name, self.current_index())
        self.undo_stack.push(command)

    def _focus(self, story: str | None, index: int | None) -> None:
        """After an edit, its undo or redo: choose ``story`` and select step ``index``."""
        if story is not None and self.project is not None and story in self.project.stories:
            self.story_name = story
        elif self.project is not None and self.story_name not in self.project.stories:
            self.story_name = next(iter(self.project.stories), None)
        self._refresh(index)
        self.edited.emit()

    def _stories(self) -> commands.Stories:
        return commands.stories_of(self.project) if self.project is not None else {}

    def _try(self, action: Callable[[], None]) -> None:
        try:
            action()
        except TwinError as error:  # e.g. a name already taken: one line, no dialog
            self.message_label.setText(str(error))

    def new_story(self, name: str | None = None) -> None:
        """Create an empty story (asks its name unless given) and choose it."""
        if self.project is None:
            return
        if name is None:
            name, ok = QInputDialog.getText(self, tr("New story"), tr("Name:"))
            if not ok:
                return
        self._try(
            lambda: self._push(
                tr("New story"),
                commands.with_new_story(self._stories(), name),
                name.strip(),
                None,
            )
        )

    def rename_story(self, new_name: str | None = None) -> None:
        """Rename the chosen story (asks the new name unless given)."""
        old = self.story_name
        if old is None:
            return
        if new_name is None:
            new_name, ok = QInputDialog.getText(self, tr("Rename story"), tr("Name:"), text=old)
            if not ok:
                return
        self._try(
            lambda: self._push(
                tr("Rename story"),
                commands.with_renamed_story(self._stories(), old, new_name),
                new_name.strip(),
                self.current_index(),
            )
        )

    def delete_story(self) -> None:
        """Delete the chosen story (Ctrl+Z brings it back)."""
        if self.story_name is not None:
            after = commands.without_story(self._stories(), self.story_name)
            self._push(tr("Delete story"), after, next(iter(after), None), None)

    def _set_steps(self, text: str, steps: list[StoryStep], index: int | None) -> None:
        if self.story_name is None:
            return
        after = commands.with_steps(self._stories(), self.story_name, steps)
        self._push(text, after, self.story_name, index)

    def add_step_from_view(self) -> None:
        """Add a step after the selected one (or at the end) from what the map shows."""
        if self.project is None or self.capture is None:
            return
        if self.story_name is None:
            self._try(lambda: self.new_story(self._free_story_name()))
        steps = self.steps()
        step = self.capture(tr("Step {number}").format(number=len(steps) + 1))
        selected = self.current_index()
        index = len(steps) if selected is None else selected + 1
        steps.insert(index, step)
        self._set_steps(tr("Add story step"), steps, index)

    def _free_story_name(self) -> str:
        stories = self.project.stories if self.project is not None else {}
        number = 1
        while tr("Story {number}").format(number=number) in stories:
            number += 1
        return tr("Story {number}").format(number=number)

    def move_step(self, offset: int) -> None:
        """Move the selected step ``offset`` places (-1 earlier, +1 later)."""
        index = self.current_index()
        steps = self.steps()
        if index is None or not 0 <= index + offset < len(steps):
            return
        steps.insert(index + offset, steps.pop(index))
        self._set_steps(tr("Move story step"), steps, index + offset)

    def delete_step(self) -> None:
        """Delete the selected step."""
        index = self.current_index()
        if index is None:
            return
        steps = self.steps()
        steps.pop(index)
        self._set_steps(
            tr("Delete story step"), steps, min(index, len(steps) - 1) if steps else None
        )

    def edit_step(self, index: int, **changes) -> None:
        """Change step ``index``'s fields (title, text, kpis, ...) as one undoable edit."""
        steps = self.steps()
        if not 0 <= index < len(steps):
            return
        try:
            changed = steps[index].with_changes(**changes)
        except TwinError as error:
            self.message_label.setText(str(error))
            self._refresh(index)
            return
        if changed == steps[index]:
            return
        steps[index] = changed
        self._set_steps(tr("Edit story step"), steps, index)

    def request_present(self) -> None:
        """Ask to present the chosen story from the selected step (or the first)."""
        if self.story_name is not None and self.steps():
            self.present.emit(
                self.story_name, self.current_index() or 0, self.screen_box.currentIndex()
            )

    # --- user events ---------------------------------------------------------------------
    def _on_story_chosen(self, name: str) -> None:
        if not self._refreshing and name:
            self.story_name = name
            self._refresh(0 if self.steps() else None)

    def _on_step_selected(self, _row: int) -> None:
        if not self._refreshing:
            self._show_editor()

    def _on_step_activated(self, index: int) -> None:
        steps = self.steps()
        if 0 <= index < len(steps):
            self.show_step.emit(steps[index])

    def _on_steps_reordered(self, order: list) -> None:
        """A step dragged to a new place in the list: one undoable move."""
        if self._refreshing:
            return
        steps = self.steps()
        if sorted(order) != list(range(len(steps))) or order == list(range(len(steps))):
            return
        moved = self.step_list.currentRow()
        self._set_steps(tr("Move story step"), [steps[i] for i in order], moved)

    def _on_caption_edited(self, title: str, text: str) -> None:
        index = self.current_index()
        if index is not None and not self._refreshing:
            title = title.strip() or self.steps()[index].title
            self.edit_step(index, title=title, text=text)

    def _on_kpis_chosen(self, keys: tuple) -> None:
        index = self.current_index()
        if index is not None and not self._refreshing:
            self.message_label.setText("")
            self.edit_step(index, kpis=tuple(keys))

    # --- view --------------------------------------------------------------------------
    def _refresh(self, index: int | None = None) -> None:
        """Show the stories, the chosen story's steps and the selected step's editor."""
        self._refreshing = True
        try:
            names = list(self.project.stories) if self.project is not None else []
            if self.story_name not in names:
                self.story_name = names[0] if names else None
            self.story_box.clear()
            self.story_box.addItems(names)
            if self.story_name is not None:
                self.story_box.setCurrentText(self.story_name)
            if index is None:
                index = self.step_list.currentRow()
            self.step_list.show_steps(self.steps(), index)
        finally:
            self._refreshing = False
        self._show_editor()

    def _show_editor(self) -> None:
        index = self.current_index()
        step = self.steps()[index] if index is not None else None
        has_project, has_story = self.project is not None, self.story_name is not None
        for widget in (self.new_button, self.add_button):
            widget.setEnabled(has_project)
        for widget in (self.rename_button, self.delete_story_button, self.present_button):
            widget.setEnabled(
                has_story and (widget is not self.present_button or bool(self.steps()))
            )
        for widget in (self.up_button, self.down_button, self.delete_step_button):
            widget.setEnabled(step is not None)
        self._refreshing = True
        try:
            self.step_editor.show_step(step, self.figures())
        finally:
            self._refreshing = False
