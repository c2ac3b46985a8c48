"""Recovery of a project that was never saved (the model of :mod:`twin.recovery`): where
its recovery file goes (the user's data folder, :func:`user_recovery_folder`), which of its
layers can be read again from a data file (:func:`readable_layers`), which recovery files
crashed sessions left (:func:`read_unsaved_recoveries`) and how such a project is rebuilt
(:func:`rebuild_layers`, :func:`rebuild_unsaved_project`). Qt-free."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from twin.errors import ProjectError
from twin.i18n import tr
from twin.project_checks import process_alive
from twin.recovery_file import SUFFIX, RecoverySnapshot, apply_recovery, read_recovery_file

UNSAVED_PREFIX = "untitled-"


def user_recovery_folder() -> Path:
    """Where the recovery files of projects never saved go: ``$XDG_DATA_HOME/twin/recovery``
    (default ``~/.local/share/twin/recovery``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "twin" / "recovery"


def unsaved_recovery_path(pid: int | None = None) -> Path:
    """The recovery file of this session's (or process ``pid``'s) unsaved project."""
    return user_recovery_folder() / f"{UNSAVED_PREFIX}{pid or os.getpid()}{SUFFIX}"


def readable_layers(project) -> list[dict[str, Any]]:
    """The layers of an unsaved ``project`` that can be read again from a data file (top
    first): source file, table, name, style, visibility and opacity. Computed layers
    (engine results) are left out: they are computed again."""
    records = []
    for layer in project.layers:
        source = str(getattr(layer.provenance, "source", "") or "")
        if not source or source.startswith("engine:") or not Path(source).is_file():
            continue
        records.append(
            {
                "source": source,
                "source_layer": (layer.provenance.parameters or {}).get("layer"),
                "name": layer.name,
                "style": layer.style.to_dict(),
                "visible": bool(layer.visible),
                "opacity": float(layer.opacity),
            }
        )
    return records


def rebuild_layers(records: list[dict[str, Any]], crs_wkt: str | None, title: str, feedback=None):
    """A new project (CRS ``crs_wkt``, metadata title ``title``) holding the layers of
    ``records`` (:func:`readable_layers`) read again from their data files, in order, with
    their names, styles, visibility and opacity. :class:`ProjectError` (one line) when a
    data file is gone or a record is damaged."""
    from pyproj import CRS

    from twin.layers.io import read_layers
    from twin.layers.style import Style
    from twin.project import Project
    from twin.project_checks import check_style

    try:
        crs = CRS.from_wkt(crs_wkt)
    except Exception as error:  # pyproj raises CRSError for any bad text
        raise ProjectError(
            tr("the recovery file has a damaged CRS ({error})").format(error=error)
        ) from None
    read: dict[str, list] = {}
    layers = []
    for record in records:
        source = Path(str(record["source"]))
        if str(source) not in read:
            if not source.is_file():
                raise ProjectError(
                    tr("cannot recover '{title}': its data file {source} is gone").format(
                        title=title, source=source
                    )
                )
            read[str(source)] = list(read_layers(source, crs=crs, feedback=feedback))
        candidates = read[str(source)]
        wanted = record.get("source_layer")
        match = next(
            (
                layer
                for layer in candidates
                if (layer.provenance.parameters or {}).get("layer") == wanted
            ),
            candidates[0] if candidates else None,
        )
        if match is None:
            raise ProjectError(
                tr("cannot recover '{title}': {source_name} has no layers").format(
                    title=title, source_name=source.name
                )
            )
        candidates.remove(match)
        try:
            name = str(record.get("name") or match.name)
            style = Style.from_dict(record["style"]) if "style" in record else match.style
            check_style(style, source, name)
            match.name, match.style = name, style
            match.visible = bool(record.get("visible", True))
            match.opacity = float(record.get("opacity", 1.0))
        except (TypeError, ValueError, KeyError) as error:
            raise ProjectError(
                tr("the recovery file is damaged ({error})").format(error=error)
            ) from error
        layers.append(match)
    project = Project(crs=crs)
    project.metadata["title"] = title
    for layer in layers:
        project.add_layer(layer, index=len(project.layers))
    return project


def read_unsaved_recoveries() -> list[RecoverySnapshot]:
    """The recovery files of never-saved projects left in :func:`user_recovery_folder` by
    sessions no longer running (a crash or a kill), newest first. Damaged ones are left
    in place and skipped."""
    folder = user_recovery_folder()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"{UNSAVED_PREFIX}*{SUFFIX}"):
        pid_text = path.name[len(UNSAVED_PREFIX) : -len(SUFFIX)]
        if not pid_text.isdigit() or process_alive(int(pid_text)):
            continue  # a running twin's own autosave
        try:
            snapshot = read_recovery_file(path)
        except ProjectError:
            continue
        if snapshot is not None and snapshot.unsaved:
            found.append(snapshot)
    return sorted(found, key=lambda s: s.saved_at, reverse=True)


def rebuild_unsaved_project(snapshot: RecoverySnapshot, feedback=None):
    """The never-saved project of ``snapshot`` rebuilt: its layers read again from their
    data files (:func:`rebuild_layers`), then its scenarios and
    stories put back. :class:`ProjectError` (one line) when a data file is gone or the
    snapshot is damaged; nothing is half-built then."""
    if not snapshot.unsaved:
        raise ProjectError(tr("this recovery file belongs to a saved project: open that project"))
    project = rebuild_layers(snapshot.layers, snapshot.crs, snapshot.project, feedback)
    apply_recovery(project, snapshot)
    return project
