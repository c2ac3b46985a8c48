"""The recovery file itself (the format of :mod:`twin.recovery`): what it holds
(:class:`RecoverySnapshot`), how it is written (atomically: temporary file, fsync, rename;
:func:`write_atomically`), read back and checked like a project file
(:func:`read_recovery_file`), put back into a project (:func:`apply_recovery`) and deleted
with the temporaries of interrupted writes (:func:`discard_recovery_file`). It is plain
JSON: nothing in it is ever executed. Qt-free."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twin.errors import ProjectError
from twin.i18n import tr
from twin.project_checks import fsync, process_alive

FORMAT_NAME = "twin-recovery"
FORMAT_VERSION = 1
#: Largest recovery file read back (bytes): scenarios and styles are small.
MAX_RECOVERY_BYTES = 50_000_000
#: Ending of every recovery file's name.
SUFFIX = ".twin-recovery.json"


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


def read_recovery_file(target: Path) -> RecoverySnapshot | None:
    """The snapshot in the recovery file ``target``, or None when there is none. Deletes
    temporaries of interrupted writes first; a damaged file raises :class:`ProjectError`
    (one line) and is left in place for a person to look at."""
    clean_temporaries(target)
    if not target.is_file():
        return None
    if target.stat().st_size > MAX_RECOVERY_BYTES:
        raise ProjectError(
            tr("{target_name} is too big to be a twin recovery file").format(
                target_name=target.name
            )
        )
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except RecursionError:
        raise ProjectError(
            tr("{target_name} is nested too deeply to be a recovery file").format(
                target_name=target.name
            )
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProjectError(
            tr("{target_name} is not a readable recovery file ({error})").format(
                target_name=target.name, error=error
            )
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise ProjectError(
            tr("{target_name} is not a twin recovery file").format(target_name=target.name)
        )
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
        raise ProjectError(
            tr("{target_name} is a damaged recovery file").format(target_name=target.name)
        )
    mtime = data.get("project_mtime")
    crs, layers = data.get("crs"), data.get("layers", [])
    if crs is not None and not (
        isinstance(crs, str)
        and isinstance(layers, list)
        and all(isinstance(r, dict) and isinstance(r.get("source"), str) for r in layers)
    ):
        raise ProjectError(
            tr("{target_name} is a damaged recovery file").format(target_name=target.name)
        )
    reports = data.get("reports", [])
    if not (isinstance(reports, list) and all(isinstance(r, dict) for r in reports)):
        raise ProjectError(
            tr("{target_name} is a damaged recovery file").format(target_name=target.name)
        )
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
        raise ProjectError(
            tr("the recovery file of {name} is damaged ({error})").format(name=name, error=error)
        ) from error
    except ProjectError:
        raise
    except Exception as error:  # DataError from a scenario
        raise ProjectError(
            tr("the recovery file of {name}: {error}").format(name=name, error=error)
        ) from error
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
            raise ProjectError(
                tr("the recovery file of {name} is damaged ({error})").format(
                    name=name, error=error
                )
            ) from error


def write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` so that a kill leaves the old file or the new one, never
    half of one. OSError becomes :class:`ProjectError` with one line."""
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
            tr("could not write the recovery file {target}: {value}").format(
                target=target, value=error.strerror or error
            )
        ) from error
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


def discard_recovery_file(target: Path) -> None:
    """Delete the recovery file ``target`` and the temporaries of its interrupted writes."""
    try:
        target.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        raise ProjectError(
            tr("could not delete {target}: {value}").format(
                target=target, value=error.strerror or error
            )
        ) from error
    clean_temporaries(target)


def clean_temporaries(target: Path) -> None:
    """Delete the temporary files that killed processes left while writing ``target``."""
    import glob

    for candidate in target.parent.glob(f"{glob.escape(target.name)}.*-*.tmp"):
        pid_text = candidate.name[len(target.name) + 1 :].split("-", 1)[0]
        if pid_text.isdigit() and not process_alive(int(pid_text)):
            try:
                candidate.unlink()
            except OSError:
                continue


def json_default(value: Any) -> Any:
    """``json.dumps`` fallback for the numpy scalars, sets and tuples a snapshot may hold."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a recovery file")
