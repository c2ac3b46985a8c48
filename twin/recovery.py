"""Crash recovery: the unsaved edits of a project, kept in a small file beside it.

While a project has unsaved edits, the app writes its scenarios, layer styles and stories
(``metadata["stories"]`` when present) and citizen reports (:mod:`twin.layers.reports`;
pseudonymised, never contact data) every few minutes and on each engine run to
``.<name>.twin-recovery.json`` beside the project (:func:`write_recovery`). Saving the
project or closing it cleanly deletes that file (:func:`discard_recovery`). If it is still
there when the project is next opened, the app crashed or was killed with unsaved edits:
:func:`read_recovery` returns a :class:`~twin.recovery_file.RecoverySnapshot` that says what
it holds (its ``summary``) and :func:`twin.recovery_file.apply_recovery` puts it back.

A project that was never saved has no folder of its own: its recovery file goes to the
user's data folder (:func:`twin.recovery_unsaved.user_recovery_folder`,
``$XDG_DATA_HOME/twin/recovery``, by default ``~/.local/share/twin/recovery``) as
``untitled-<pid>.twin-recovery.json``, and also records the data files its layers were
read from (with each layer's name, style and visibility) so that the project can be
rebuilt. At the next start the app lists those left by sessions that are no longer running
(:func:`twin.recovery_unsaved.read_unsaved_recoveries`) and offers them.

The recovery file is written atomically (temporary file, fsync, rename), so a kill during
an autosave leaves either the previous recovery file or the new one, never half of one;
temporary files of a killed autosave are deleted by the next read. It is plain JSON checked
like a project file: nothing in it is ever executed (:mod:`twin.recovery_file`). A citizen
report erased under the GDPR is removed from it too (:mod:`twin.recovery_erasure`). Qt-free.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

from twin.recovery_file import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SUFFIX,
    RecoverySnapshot,
    discard_recovery_file,
    json_default,
    read_recovery_file,
    write_atomically,
)
from twin.recovery_unsaved import readable_layers, unsaved_recovery_path

__all__ = [
    "discard_recovery",
    "read_recovery",
    "recovery_path",
    "recovery_target",
    "snapshot_of",
    "write_recovery",
]


def recovery_path(project_path: str | os.PathLike) -> Path:
    """The recovery file of the project at ``project_path`` (hidden, beside it)."""
    path = Path(project_path)
    return path.with_name(f".{path.name}{SUFFIX}")


def recovery_target(project) -> Path:
    """The recovery file of ``project``: beside its file, or in the user's data folder
    when it was never saved."""
    return recovery_path(project.path) if project.path is not None else unsaved_recovery_path()


def snapshot_of(project, stories: list[Any] | None = None) -> RecoverySnapshot:
    """The recoverable state of ``project``: scenarios, styles, stories, and for a project
    never saved its CRS and the data files of its layers (Qt-free)."""
    mtime = None
    if project.path is not None:
        with contextlib.suppress(OSError):
            mtime = Path(project.path).stat().st_mtime
    if stories is None:
        stories = list(project.metadata.get("stories", []) or [])
    from twin.layers.reports import reports_records

    unsaved = project.path is None
    title = project.metadata.get("title") or project.metadata.get("name") or "Untitled"
    return RecoverySnapshot(
        project=str(title) if unsaved else str(Path(project.path).name),
        saved_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        scenarios=[dict(s) for s in project.scenarios],
        styles={} if unsaved else {layer.id: layer.style.to_dict() for layer in project.layers},
        stories=stories,
        project_mtime=mtime,
        crs=project.crs.to_wkt() if unsaved else None,
        layers=readable_layers(project) if unsaved else [],
        reports=reports_records(project),
    )


def write_recovery(project, stories: list[Any] | None = None) -> Path:
    """Write the recovery file of ``project`` atomically (beside it, or in
    :func:`twin.recovery_unsaved.user_recovery_folder` when it was never saved); returns its
    path. OSError (disk full, read-only folder) becomes :class:`ProjectError` with one line."""
    snapshot = snapshot_of(project, stories)
    target = recovery_target(project)
    record = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "project": snapshot.project,
        "saved_at": snapshot.saved_at,
        "project_mtime": snapshot.project_mtime,
        "scenarios": snapshot.scenarios,
        "styles": snapshot.styles,
        "stories": snapshot.stories,
        "reports": snapshot.reports,
    }
    if snapshot.unsaved:
        record.update(crs=snapshot.crs, layers=snapshot.layers, pid=os.getpid())
    text = json.dumps(
        record,
        ensure_ascii=False,
        allow_nan=False,
        default=json_default,
    )
    write_atomically(target, text)
    return target


def read_recovery(project_path: str | os.PathLike) -> RecoverySnapshot | None:
    """The recovery snapshot left beside ``project_path``, or None when there is none.

    Deletes temporary files of interrupted autosaves. A damaged recovery file raises
    :class:`ProjectError` (one line) and is left in place for a person to look at.
    """
    return read_recovery_file(recovery_path(project_path))


def discard_recovery(project_path: str | os.PathLike | None) -> None:
    """Delete the recovery file of ``project_path`` (after a save or a clean close); None:
    this session's recovery file of a project never saved."""
    target = recovery_path(project_path) if project_path is not None else unsaved_recovery_path()
    discard_recovery_file(target)
