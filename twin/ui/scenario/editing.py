"""The scenario editor's undoable edits, mixed into
:class:`~twin.ui.scenario.controller.ScenarioController`: the scenario list (new, duplicate,
rename, delete, move) and the current scenario's interventions (add, remove, modify,
move), each a :class:`~twin.ui.scenario.undo.ScenarioCommand` on ``undo_stack``; the
commands put their state back with :meth:`ScenarioEditing.set_state`."""

from __future__ import annotations

from twin.errors import DataError
from twin.i18n import tr
from twin.scenario import Intervention, Scenario
from twin.ui.scenario import undo


class ScenarioEditing:
    """Undoable edits of a :class:`~twin.ui.scenario.controller.ScenarioController` (it
    holds the state, signals and engines these methods use)."""

    # --- scenario list edits (undoable) ---------------------------------------------------
    def select(self, name: str | None) -> None:
        """Make scenario ``name`` (None: the baseline) current (not an edit)."""
        if name is not None:
            self.scenario(name)
        if name != self._current:
            self._current = name
            self.current_changed.emit(name)
            self._recompute()

    def new_scenario(self, name: str | None = None) -> str:
        """Create an empty scenario (default name "Scenario N") and make it current."""
        name = name or self._free_name("Scenario")
        self.undo_stack.push(undo.NewScenarioCommand(self, name))
        return name

    def duplicate_scenario(self, name: str, new_name: str | None = None) -> str:
        """Copy scenario ``name`` (default copy name "<name> (copy)")."""
        new_name = new_name or self._free_name(f"{name} (copy)")
        self.undo_stack.push(undo.DuplicateScenarioCommand(self, name, new_name))
        return new_name

    def rename_scenario(self, name: str, new_name: str) -> None:
        """Rename a scenario."""
        if new_name != name:
            self.undo_stack.push(undo.RenameScenarioCommand(self, name, new_name))

    def delete_scenario(self, name: str) -> None:
        """Delete a scenario (undoable)."""
        self.undo_stack.push(undo.DeleteScenarioCommand(self, name))

    def move_scenario(self, name: str, new_index: int) -> None:
        """Move a scenario in the list."""
        self.undo_stack.push(undo.MoveScenarioCommand(self, name, new_index))

    def _free_name(self, stem: str) -> str:
        names = set(self.scenario_names())
        if stem not in names and not stem.startswith("Scenario"):
            return stem
        number = 1
        while f"{stem} {number}" in names:
            number += 1
        return f"{stem} {number}"

    # --- intervention edits (undoable) ------------------------------------------------------
    def _editable(self) -> str:
        """The current scenario's name; on the baseline, a new scenario is made first (inside
        the caller's undo macro) so that the baseline is never edited."""
        if self._current is None:
            self.new_scenario()
        return self._current  # type: ignore[return-value]

    def _outside_extent(self, intervention: Intervention) -> bool:
        """True (and the reason on ``message``) when ``intervention`` places a point outside
        the project extent, as ``twin simulate`` refuses it; the edit is then not made."""
        if self.project is None:
            return False
        try:
            name = self._current or tr("new scenario")
            Scenario(name, (intervention,)).check_extent(self.project.extent)
        except DataError as error:
            self.refusal = str(error)
            self.message.emit(self.refusal)
            if self.live is not None:
                self._recompute_radio()  # a dragged site goes back where it was
            return True
        return False

    def add_intervention(self, intervention: Intervention) -> bool:
        """Append ``intervention`` to the current scenario (one undo step); True when done.
        Refused (False, the reason on ``message`` and in :attr:`refusal`) when it places a
        point outside the project extent."""
        if self._outside_extent(intervention):
            return False
        self.undo_stack.beginMacro(intervention.describe())
        self.undo_stack.push(undo.AddInterventionCommand(self, self._editable(), intervention))
        self.undo_stack.endMacro()
        return True

    def remove_intervention(self, index: int) -> None:
        """Remove the current scenario's intervention at ``index``."""
        if self._current is not None:
            self.undo_stack.push(undo.RemoveInterventionCommand(self, self._current, index))

    def modify_intervention(self, index: int, intervention: Intervention) -> None:
        """Replace the current scenario's intervention at ``index`` (refused like
        :meth:`add_intervention` outside the project extent)."""
        if self._current is not None and not self._outside_extent(intervention):
            self.undo_stack.push(
                undo.ModifyInterventionCommand(self, self._current, index, intervention)
            )

    def move_intervention(self, index: int, new_index: int) -> None:
        """Reorder the current scenario's interventions."""
        if self._current is not None and index != new_index:
            self.undo_stack.push(
                undo.MoveInterventionCommand(self, self._current, index, new_index)
            )

    def set_state(self, state) -> None:
        """Called by the undo commands only: put a (scenarios, current) state in place."""
        scenarios, current = state
        current_changed = current != self._current
        self._scenarios, self._current = tuple(scenarios), current
        if self.project is not None:
            self.project.scenarios = [s.to_dict() for s in self._scenarios] + [
                data
                for data, _reason in self._set_aside  # never lost by an edit
            ]
        self.scenarios_changed.emit()
        if current_changed:
            self.current_changed.emit(current)
        self._recompute()
