"""Undo commands of the story dock: every edit of a project's stories.

Stories are lists of immutable :class:`~twin.story.StoryStep`, so a command keeps the whole
stories mapping before and after the edit; undo and redo put one of the two back exactly.
The commands go on the scenario editor's undo stack, so Ctrl+Z undoes story and scenario
edits in the order they were made.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from twin.errors import DataError
from twin.i18n import tr
from twin.project import Project
from twin.story import StoryStep

Stories = dict[str, tuple[StoryStep, ...]]


def stories_of(project: Project) -> Stories:
    """A frozen copy of ``project.stories`` (name -> steps), in the project's order."""
    return {name: tuple(steps) for name, steps in project.stories.items()}


def put_stories(project: Project, stories: Stories) -> None:
    """Make ``project.stories`` exactly ``stories`` and announce it once."""
    project.stories.clear()
    project.stories.update({name: list(steps) for name, steps in stories.items()})
    project.events.stories_changed.emit()


class StoryCommand(QUndoCommand):
    """Swap a project's stories between the state before and after one edit.

    ``on_applied(story_name, step_index)`` runs after redo and undo so the dock can select
    what the edit touched (``step_index`` may be None)."""

    def __init__(
        self,
        project: Project,
        text: str,
        after: Stories,
        focus: tuple[str | None, int | None] = (None, None),
        on_applied: Callable[[str | None, int | None], None] | None = None,
    ) -> None:
        super().__init__(text)
        self.project = project
        self.before = stories_of(project)
        self.after = after
        self.focus_after = focus
        self.on_applied = on_applied
        self.focus_before: tuple[str | None, int | None] = focus

    def redo(self) -> None:
        """Apply the edit."""
        put_stories(self.project, self.after)
        if self.on_applied is not None:
            self.on_applied(*self.focus_after)

    def undo(self) -> None:
        """Put the stories as they were before the edit."""
        put_stories(self.project, self.before)
        if self.on_applied is not None:
            self.on_applied(*self.focus_before)


def _steps(stories: Stories, name: str) -> list[StoryStep]:
    if name not in stories:
        raise DataError(tr("no story named {name!r}").format(name=name))
    return list(stories[name])


def with_new_story(stories: Stories, name: str) -> Stories:
    """``stories`` plus an empty story ``name`` (DataError if blank or taken)."""
    name = name.strip()
    if not name:
        raise DataError(tr("a story needs a name"))
    if name in stories:
        raise DataError(tr("a story named {name!r} already exists").format(name=name))
    return {**stories, name: ()}


def with_renamed_story(stories: Stories, name: str, new_name: str) -> Stories:
    """``stories`` with story ``name`` called ``new_name``, at the same place."""
    new_name = new_name.strip()
    if not new_name:
        raise DataError(tr("a story needs a name"))
    if new_name != name and new_name in stories:
        raise DataError(tr("a story named {new_name!r} already exists").format(new_name=new_name))
    _steps(stories, name)
    return {(new_name if key == name else key): steps for key, steps in stories.items()}


def without_story(stories: Stories, name: str) -> Stories:
    """``stories`` without story ``name``."""
    _steps(stories, name)
    return {key: steps for key, steps in stories.items() if key != name}


def with_steps(stories: Stories, name: str, steps: list[StoryStep]) -> Stories:
    """``stories`` with story ``name``'s steps replaced by ``steps``."""
    _steps(stories, name)
    return {key: (tuple(steps) if key == name else value) for key, value in stories.items()}


def steps_of(stories: Stories, name: str) -> list[StoryStep]:
    """Story ``name``'s steps (a new list); DataError if there is no such story."""
    return _steps(stories, name)
