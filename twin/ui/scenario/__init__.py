"""The scenario editor: the scenarios of a project, undoable edits, the slow engines' runs
and the result layers on the map."""
