"""Crash recovery: the unsaved edits of a project, kept in a small file beside it.

While a project has unsaved edits, the app writes its scenarios, layer styles and stories
(``metadata["stories"]`` when present) and citizen reports (:mod:`twin.layers.reports`;
pseudonymised, never contact data) every few minutes and on each engine run to
``.<name>.twin-recovery.json`` beside the project (:func:`write_recovery`). Saving the
project or closing it cleanly deletes that file (:func:`discard_recovery`). If it is still
there when the project is next opened, the app crashed or was killed with unsaved edits:
:func:`read_recovery` returns a :class:`RecoverySnapshot` that says what it holds
(:meth:`RecoverySnapshot.summary`) and :func:`apply_recovery` puts it back.

A project that was never saved has no folder of its own: its recovery file goes to the
user's data folder (:func:`user_recovery_folder`, ``$XDG_DATA_HOME/twin/recovery``, by
default ``~/.local/share/twin/recovery``) as ``untitled-<pid>.twin-recovery.json``, and also
records the data files its layers were read from (with each layer's name, style and
visibility) so that the project can be rebuilt. At the next start the app lists those left
by sessions that are no longer running (:func:`read_unsaved_recoveries`) and offers them.

The recovery file is written atomically (temporary file, fsync, rename), so a kill during
an autosave leaves either the previous recovery file or the new one, never half of one;
temporary files of a killed autosave are deleted by the next read. It is plain JSON checked
like a project file: nothing in it is ever executed. Qt-free.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twin.errors import ProjectError
from twin.project_checks import fsync
from twin.recovery_unsaved import (
    SUFFIX,
    UNSAVED_PREFIX,
    readable_layers,
    rebuild_layers,
    unsaved_recovery_path,
    user_recovery_folder,
)

__all__ = [
    "RecoverySnapshot",
    "apply_recovery",
    "discard_recovery",
    "discard_recovery_file",
    "read_recovery",
    "read_unsaved_recoveries",
    "readable_layers",
    "rebuild_unsaved_project",
    "recovery_path",
    "recovery_target",
    "snapshot_of",
    "unsaved_recovery_path",
    "user_recovery_folder",
    "write_recovery",
]

FORMAT_NAME = "twin-recovery"
FORMAT_VERSION = 1
#: Largest recovery file read back (bytes): scenarios and styles are small.
MAX_RECOVERY_BYTES = 50_000_000


@dataclass
class RecoverySnapshot:
    """What a recovery file holds: the project's scenarios (JSON dicts as in the project
    file), layer styles by layer id, stories, when it was written (UTC) and the project
    file's modification time then (seconds since the epoch)."""

    project: str
    saved_at: str
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    styles: dict[str, dict[str, Any]] = field(default_factory=dict)
    stories: list[Any] = field(default_factory=list)
    project_mtime: float | None = None
    path: Path | None = None
    #: Citizen reports (records of :func:`twin.layers.reports.reports_records`).
    reports: list[dict[str, Any]] = field(default_factory=list)
    crs: str | None = None
    layers: list[dict[str, Any]] = field(default_factory=list)
    """For a project never saved: its CRS (WKT) and its layers that can be read again, top
    first, each ``{"source": file, "source_layer": table or None, "name", "style",
    "visible", "opacity"}``."""

    @property
    def unsaved(self) -> bool:
        """True for the recovery of a project that was never saved (rebuilt from its data
        files, see :attr:`layers`)."""
        return self.crs is not None

    def summary(self, project=None) -> list[str]:
        """Lines saying what would be recovered, for the restore banner or dialog."""
        lines = [f"Unsaved edits from {self.saved_at.replace('T', ' ')[:19]} UTC"]
        if self.unsaved:
            files = sorted({Path(str(record.get("source", ""))).name for record in self.layers})
            count = len(self.layers)
            lines.append(
                f"Project '{self.project}' (never saved): {count} "
                f"{'layer' if count == 1 else 'layers'} from {', '.join(files) or 'no file'}"
            )
        for data in self.scenarios:
            count = len(data.get("interventions", []))
            word = "intervention" if count == 1 else "interventions"
            lines.append(f"Scenario '{data.get('name')}': {count} {word}")
        changed = self.changed_styles(project)
        if changed:
            lines.append(f"Styles of {len(changed)} layers: {', '.join(changed)}")
        if self.stories:
            lines.append(f"{len(self.stories)} stories")
        if self.reports:
            lines.append(f"{len(self.reports)} citizen reports")
        if project is not None and self.project_changed_since(project):
            lines.append("Note: the project file was saved after these edits")
        return lines

    def changed_styles(self, project=None) -> list[str]:
        """Names of the layers whose style the snapshot changes (all styles it holds when
        no project is given), sorted."""
        if project is None:
            return sorted(self.styles)
        layers = {layer.id: layer for layer in project.layers}
        return sorted(
            layers[layer_id].name
            for layer_id, style in self.styles.items()
            if layer_id in layers and layers[layer_id].style.to_dict() != style
        )

    def project_changed_since(self, project) -> bool:
        """True when the project file was modified after this snapshot was written."""
        if project is None or project.path is None or self.project_mtime is None:
            return False
        try:
            return Path(project.path).stat().st_mtime > self.project_mtime + 1e-6
        except OSError:
            return False


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
    :func:`user_recovery_folder` when it was never saved); returns its path. OSError (disk
    full, read-only folder) becomes :class:`ProjectError` with one line."""
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
        default=_json_default,
    )
    _write_atomically(target, text)
    return target


def read_recovery(project_path: str | os.PathLike) -> RecoverySnapshot | None:
    """The recovery snapshot left beside ``project_path``, or None when there is none.

    Deletes temporary files of interrupted autosaves. A damaged recovery file raises
    :class:`ProjectError` (one line) and is left in place for a person to look at.
    """
    return _read_recovery_file(recovery_path(project_path))


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
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue  # a running twin's own autosave
        try:
            snapshot = _read_recovery_file(path)
        except ProjectError:
            continue
        if snapshot is not None and snapshot.unsaved:
            found.append(snapshot)
    return sorted(found, key=lambda s: s.saved_at, reverse=True)


def _read_recovery_file(target: Path) -> RecoverySnapshot | None:
    _clean_temporaries(target)
    if not target.is_file():
        return None
    if target.stat().st_size > MAX_RECOVERY_BYTES:
        raise ProjectError(f"{target.name} is too big to be a twin recovery file")
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except RecursionError:
        raise ProjectError(f"{target.name} is nested too deeply to be a recovery file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProjectError(f"{target.name} is not a readable recovery file ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise ProjectError(f"{target.name} is not a twin recovery file")
    scenarios, styles, stories = (
        data.get("scenarios", []),
        data.get("styles", {}),
        data.get("stories", []),
    )
    if not (
        isinstance(scenarios, list)
        and all(isinstance(s, dict) for s in scenarios)
        and isinstance(styles, dict)
        and all(isinstance(s, dict) for s in styles.values())
        and isinstance(stories, list)
    ):
        raise ProjectError(f"{target.name} is a damaged recovery file")
    mtime = data.get("project_mtime")
    crs, layers = data.get("crs"), data.get("layers", [])
    if crs is not None and not (
        isinstance(crs, str)
        and isinstance(layers, list)
        and all(isinstance(r, dict) and isinstance(r.get("source"), str) for r in layers)
    ):
        raise ProjectError(f"{target.name} is a damaged recovery file")
    reports = data.get("reports", [])
    if not (isinstance(reports, list) and all(isinstance(r, dict) for r in reports)):
        raise ProjectError(f"{target.name} is a damaged recovery file")
    return RecoverySnapshot(
        project=str(data.get("project", "")),
        saved_at=str(data.get("saved_at", "")),
        scenarios=scenarios,
        styles={str(k): v for k, v in styles.items()},
        stories=stories,
        project_mtime=float(mtime) if isinstance(mtime, (int, float)) else None,
        path=target,
        crs=crs,
        layers=layers if crs is not None else [],
        reports=reports,
    )


def apply_recovery(project, snapshot: RecoverySnapshot) -> None:
    """Put the snapshot's scenarios, styles and stories back into ``project``.

    Everything is checked before anything changes (scenarios rebuilt, styles parsed and
    checked like a project file's), so a bad snapshot raises and leaves ``project`` as it
    was.
    """
    from twin.layers.style import Style
    from twin.project_checks import check_style
    from twin.scenario import Scenario

    name = Path(project.path).name if project.path is not None else "project"
    try:
        for data in snapshot.scenarios:
            Scenario.from_dict(data)
        styles = {}
        by_id = {layer.id: layer for layer in project.layers}
        for layer_id, data in snapshot.styles.items():
            if layer_id in by_id:
                style = Style.from_dict(data)
                check_style(style, Path(name), by_id[layer_id].name)
                styles[layer_id] = style
    except (TypeError, ValueError, KeyError) as error:
        raise ProjectError(f"the recovery file of {name} is damaged ({error})") from error
    except ProjectError:
        raise
    except Exception as error:  # DataError from a scenario
        raise ProjectError(f"the recovery file of {name}: {error}") from error
    project.scenarios = [dict(s) for s in snapshot.scenarios]
    for layer_id, style in styles.items():
        if by_id[layer_id].style != style:
            by_id[layer_id].style = style
    if snapshot.stories:
        project.metadata["stories"] = list(snapshot.stories)
    if snapshot.reports:
        from twin.layers.reports import restore_reports

        try:
            restore_reports(project, snapshot.reports)
        except (TypeError, ValueError, KeyError) as error:
            raise ProjectError(f"the recovery file of {name} is damaged ({error})") from error


def erase_from_recovery(project_path: str | os.PathLike, pseudonym: str) -> int:
    """Remove every trace of a citizen report pseudonym from the recovery file of
    ``project_path`` (GDPR erasure): report records holding it are dropped and any other
    text holding it is blanked; the file is rewritten atomically. Returns how many records
    were dropped (0 when there is no recovery file)."""
    target = recovery_path(project_path)
    if not target.is_file() or not pseudonym:
        return 0
    text = target.read_text(encoding="utf-8")
    if pseudonym not in text:
        return 0
    data = json.loads(text)
    dropped = [0]

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            kept = []
            for item in value:
                if isinstance(item, dict) and pseudonym in item.values():
                    dropped[0] += 1
                    continue
                kept.append(scrub(item))
            return kept
        if isinstance(value, str) and pseudonym in value:
            return value.replace(pseudonym, "")
        return value

    _write_atomically(target, json.dumps(scrub(data), ensure_ascii=False, allow_nan=False))
    return dropped[0]


def _write_atomically(target: Path, text: str) -> None:
    temporary = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f"{target.name}.{os.getpid()}-", suffix=".tmp", dir=target.parent
        )
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
        temporary = None
        fsync(target.parent)
    except OSError as error:
        raise ProjectError(
            f"could not write the recovery file {target}: {error.strerror or error}"
        ) from error
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


def discard_recovery(project_path: str | os.PathLike | None) -> None:
    """Delete the recovery file of ``project_path`` (after a save or a clean close); None:
    this session's recovery file of a project never saved."""
    target = recovery_path(project_path) if project_path is not None else unsaved_recovery_path()
    discard_recovery_file(target)


def discard_recovery_file(target: Path) -> None:
    """Delete the recovery file ``target`` and the temporaries of its interrupted writes."""
    try:
        target.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        raise ProjectError(f"could not delete {target}: {error.strerror or error}") from error
    _clean_temporaries(target)


def _clean_temporaries(target: Path) -> None:
    import glob

    for candidate in target.parent.glob(f"{glob.escape(target.name)}.*-*.tmp"):
        pid_text = candidate.name[len(target.name) + 1 :].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            try:
                candidate.unlink()
            except OSError:
                continue


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a recovery file")


def rebuild_unsaved_project(snapshot: RecoverySnapshot, feedback=None):
    """The never-saved project of ``snapshot`` rebuilt: its layers read again from their
    data files (:func:`twin.recovery_unsaved.rebuild_layers`), then its scenarios and
    stories put back. :class:`ProjectError` (one line) when a data file is gone or the
    snapshot is damaged; nothing is half-built then."""
    if not snapshot.unsaved:
        raise ProjectError("this recovery file belongs to a saved project: open that project")
    project = rebuild_layers(snapshot.layers, snapshot.crs, snapshot.project, feedback)
    apply_recovery(project, snapshot)
    return project
