"""Undo commands of the scenario editor: every edit of a scenario or of the scenario list.

Scenarios are immutable (:class:`twin.scenario.Scenario`), so each command keeps the list of
scenarios and the current scenario name before and after the edit; undo and redo put one of
the two states back exactly. The commands never touch the baseline layers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from PySide6.QtGui import QUndoCommand, QUndoStack

from twin.errors import DataError
from twin.i18n import tr
from twin.scenario import Intervention, Scenario

State = tuple[tuple[Scenario, ...], str | None]


class ScenarioStates(Protocol):
    """What the commands need of the scenario editor (the ScenarioController): read the
    (scenarios, current name) state and put one back. The commands do not import the
    controller, so the controller can import them."""

    def state(self) -> State:
        """The scenarios and the current scenario's name (None: the baseline)."""
        ...

    def set_state(self, state: State) -> None:
        """Put ``state`` in place (and recompute what it changes)."""
        ...


class ScenarioCommand(QUndoCommand):
    """Swap between the state before and after an edit (scenario list + current name)."""

    def __init__(self, controller: ScenarioStates, text: str, after: State) -> None:
        super().__init__(text)
        self.controller = controller
        self.before: State = controller.state()
        self.after: State = after

    def redo(self) -> None:
        """Apply the edit."""
        self.controller.set_state(self.after)

    def undo(self) -> None:
        """Put the state before the edit back."""
        self.controller.set_state(self.before)


def _names(scenarios: tuple[Scenario, ...]) -> list[str]:
    return [s.name for s in scenarios]


def _index_of(scenarios: tuple[Scenario, ...], name: str) -> int:
    names = _names(scenarios)
    if name not in names:
        raise DataError(tr("no scenario named {name!r}").format(name=name))
    return names.index(name)


def _replace_scenario(
    scenarios: tuple[Scenario, ...], name: str, scenario: Scenario
) -> tuple[Scenario, ...]:
    items = list(scenarios)
    items[_index_of(scenarios, name)] = scenario
    return tuple(items)


class NewScenarioCommand(ScenarioCommand):
    """Create an empty scenario ``name`` (appended) and make it current."""

    def __init__(self, controller: ScenarioStates, name: str) -> None:
        scenarios, _ = controller.state()
        if not name.strip():
            raise DataError(tr("a scenario needs a name"))
        if name in _names(scenarios):
            raise DataError(tr("a scenario named {name!r} already exists").format(name=name))
        super().__init__(
            controller,
            tr("New scenario '{name}'").format(name=name),
            ((*scenarios, Scenario(name)), name),
        )


class DuplicateScenarioCommand(ScenarioCommand):
    """Copy scenario ``name`` as ``new_name`` (just after it) and make the copy current."""

    def __init__(self, controller: ScenarioStates, name: str, new_name: str) -> None:
        scenarios, _ = controller.state()
        if new_name in _names(scenarios):
            raise DataError(
                tr("a scenario named {new_name!r} already exists").format(new_name=new_name)
            )
        index = _index_of(scenarios, name)
        items = list(scenarios)
        items.insert(index + 1, replace(scenarios[index], name=new_name))
        super().__init__(
            controller,
            tr("Duplicate scenario '{name}'").format(name=name),
            (tuple(items), new_name),
        )


class RenameScenarioCommand(ScenarioCommand):
    """Rename scenario ``name`` to ``new_name`` (the current name follows)."""

    def __init__(self, controller: ScenarioStates, name: str, new_name: str) -> None:
        scenarios, current = controller.state()
        if not new_name.strip():
            raise DataError(tr("a scenario needs a name"))
        if new_name != name and new_name in _names(scenarios):
            raise DataError(
                tr("a scenario named {new_name!r} already exists").format(new_name=new_name)
            )
        index = _index_of(scenarios, name)
        renamed = _replace_scenario(scenarios, name, replace(scenarios[index], name=new_name))
        current = new_name if current == name else current
        super().__init__(
            controller,
            tr("Rename scenario '{name}' to '{new_name}'").format(name=name, new_name=new_name),
            (renamed, current),
        )


class DeleteScenarioCommand(ScenarioCommand):
    """Delete scenario ``name``; the baseline becomes current if it was."""

    def __init__(self, controller: ScenarioStates, name: str) -> None:
        scenarios, current = controller.state()
        index = _index_of(scenarios, name)
        remaining = scenarios[:index] + scenarios[index + 1 :]
        super().__init__(
            controller,
            tr("Delete scenario '{name}'").format(name=name),
            (remaining, None if current == name else current),
        )


class MoveScenarioCommand(ScenarioCommand):
    """Move scenario ``name`` to position ``new_index`` in the list."""

    def __init__(self, controller: ScenarioStates, name: str, new_index: int) -> None:
        scenarios, current = controller.state()
        items = list(scenarios)
        scenario = items.pop(_index_of(scenarios, name))
        items.insert(max(0, min(new_index, len(items))), scenario)
        super().__init__(
            controller, tr("Move scenario '{name}'").format(name=name), (tuple(items), current)
        )


class AddInterventionCommand(ScenarioCommand):
    """Append (or insert at ``index``) ``intervention`` to scenario ``name``."""

    def __init__(
        self,
        controller: ScenarioStates,
        name: str,
        intervention: Intervention,
        index: int | None = None,
    ) -> None:
        scenarios, current = controller.state()
        scenario = scenarios[_index_of(scenarios, name)]
        after = _replace_scenario(scenarios, name, scenario.with_intervention(intervention, index))
        super().__init__(controller, intervention.describe(), (after, current))


class RemoveInterventionCommand(ScenarioCommand):
    """Remove the intervention at ``index`` of scenario ``name``."""

    def __init__(self, controller: ScenarioStates, name: str, index: int) -> None:
        scenarios, current = controller.state()
        scenario = scenarios[_index_of(scenarios, name)]
        if not 0 <= index < len(scenario.interventions):
            raise DataError(
                tr("scenario {name!r} has no intervention {index}").format(
                    name=name, index=index + 1
                )
            )
        text = tr("Remove: {0}").format(scenario.interventions[index].describe())
        after = _replace_scenario(scenarios, name, scenario.without(index))
        super().__init__(controller, text, (after, current))


class ModifyInterventionCommand(ScenarioCommand):
    """Replace the intervention at ``index`` of scenario ``name`` by ``intervention``."""

    def __init__(
        self, controller: ScenarioStates, name: str, index: int, intervention: Intervention
    ) -> None:
        scenarios, current = controller.state()
        scenario = scenarios[_index_of(scenarios, name)]
        items = list(scenario.interventions)
        items[index] = intervention
        after = _replace_scenario(scenarios, name, replace(scenario, interventions=tuple(items)))
        super().__init__(controller, intervention.describe(), (after, current))


class MoveInterventionCommand(ScenarioCommand):
    """Move the intervention at ``index`` of scenario ``name`` to ``new_index``."""

    def __init__(self, controller: ScenarioStates, name: str, index: int, new_index: int) -> None:
        scenarios, current = controller.state()
        scenario = scenarios[_index_of(scenarios, name)]
        items = list(scenario.interventions)
        item = items.pop(index)
        items.insert(max(0, min(new_index, len(items))), item)
        after = _replace_scenario(scenarios, name, replace(scenario, interventions=tuple(items)))
        super().__init__(controller, tr("Reorder: {0}").format(item.describe()), (after, current))


def forget_subject(stack: QUndoStack, pseudonym: str) -> int:
    """GDPR erasure in the undo history: every command on ``stack`` (macro children too)
    that holds data about the citizen report pseudonym ``pseudonym`` forgets it and becomes
    a no-op (commands that may hold such data have ``mentions(pseudonym)`` and
    ``forget(pseudonym)``, e.g. :class:`twin.ui.reports.commands.RectifyReportCommand`).
    Qt's stack cannot drop one command, so the command stays, emptied. Returns how many
    commands forgot something."""
    forgotten = 0

    def visit(command: QUndoCommand) -> None:
        nonlocal forgotten
        mentions = getattr(command, "mentions", None)
        if mentions is not None and mentions(pseudonym):
            command.forget(pseudonym)  # type: ignore[attr-defined]
            forgotten += 1
        for index in range(command.childCount()):
            visit(command.child(index))  # type: ignore[arg-type]

    for index in range(stack.count()):
        visit(stack.command(index))  # type: ignore[arg-type]
    return forgotten
