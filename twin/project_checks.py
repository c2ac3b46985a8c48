"""Checks that keep a ``.twin`` file safe to open and save (see :mod:`twin.project_file`).

Saving: the real target of a symbolic link, temporary files named with the saving process
id (so the next open deletes those an interrupted save left), fsync before and after the
rename. Opening: a layer listed twice, a ``visible`` flag that is not true/false and a GTFS
path outside the project's folder are reported, never silently accepted.
"""

from __future__ import annotations

import glob
import math
import os
import re
import warnings
from pathlib import Path
from typing import Any

from twin.errors import DataWarning, ProjectError
from twin.i18n import tr

# --- safe saving: symlinks, temporary files, fsync ---------------------------------------------
#: Files SQLite may create beside a database while writing it.
SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")
_TEMPORARY_MARK = ".twin-save-"


def save_target(path: Path) -> Path:
    """The file a save to ``path`` really replaces: the target of a symbolic link (so the
    link survives), else ``path`` itself."""
    path = Path(path)
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def temporary_prefix(target: Path) -> str:
    """Prefix of the temporary file a save of ``target`` writes: hidden, named after the
    project and carrying the saving process id, so a later open can tell an abandoned
    temporary file (its process is gone) from one being written."""
    return f".{target.stem}{_TEMPORARY_MARK}{os.getpid()}-"


def clean_stale_temporaries(path: Path) -> list[Path]:
    """Delete temporary files that an interrupted save of ``path`` left beside it (the
    process that wrote them no longer runs); returns the deleted paths."""
    target = save_target(Path(path))
    removed: list[Path] = []
    try:
        candidates = list(target.parent.glob(f".{glob.escape(target.stem)}{_TEMPORARY_MARK}*"))
    except OSError:
        return removed
    for candidate in candidates:
        rest = candidate.name[len(target.stem) + 1 + len(_TEMPORARY_MARK) :]
        pid_text = rest.split("-", 1)[0]
        if not pid_text.isdigit() or process_alive(int(pid_text)):
            continue
        try:
            candidate.unlink()
            removed.append(candidate)
        except OSError:
            continue
    return removed


def process_alive(pid: int) -> bool:
    """True when process ``pid`` is running (this process always is; one we may not signal
    counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def fsync(path: str | Path) -> None:
    """Flush ``path`` (a file or a folder) to disk; folders that cannot be opened are
    skipped (not every file system allows it)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def os_text(error: OSError) -> str:
    """A one-line reason for a file-system error, with the file it concerns."""
    what = error.strerror or str(error)
    return f"{what} ({error.filename})" if error.filename else what


def check_unique_layer_ids(project, path: Path) -> None:
    """Refuse to save a project in which two layers share an id (one table each)."""
    seen: set[str] = set()
    for layer in project.layers:
        if layer.id in seen:
            raise ProjectError(
                tr(
                    "Could not save the project to {path}: two layers have the id "
                    "{layer_id!r}; rename or remove one"
                ).format(path=path, layer_id=layer.id)
            )
        seen.add(layer.id)


# --- checks of what a project file says (untrusted JSON) ----------------------------------------
_TRUE_WORDS = {"true", "yes", "1", "on"}
_FALSE_WORDS = {"false", "no", "0", "off"}


def check_meta_shapes(path: Path, meta: dict[str, Any]) -> None:
    """Refuse a ``twin_meta`` record whose parts have the wrong JSON shape (scenarios that
    are not a list of objects, views not a list, metadata not an object...)."""
    shapes = (
        ("layers", list, dict),
        ("views", list, dict),
        ("scenarios", list, dict),
        ("metadata", dict, None),
    )
    for key, container, item in shapes:
        if key not in meta:
            continue
        value = meta[key]
        wrong = not isinstance(value, container) or (
            item is not None and not all(isinstance(v, item) for v in value)
        )
        if wrong:
            expected = "an object" if container is dict else "a list of objects"
            raise ProjectError(
                tr("{path_name} has a damaged twin_meta table ({key} is not {expected})").format(
                    path_name=path.name, key=key, expected=expected
                )
            )


def parse_visible(value: Any, path: Path, record: dict[str, Any]) -> bool:
    """A layer's ``visible`` flag: JSON true/false; the words yes/no, on/off, 1/0 are read
    with a :class:`DataWarning`; anything else is a :class:`ProjectError`."""
    if isinstance(value, bool):
        return value
    name = record.get("name", record.get("id"))
    word = str(value).strip().lower() if isinstance(value, (str, int, float)) else None
    if word in _TRUE_WORDS or word in _FALSE_WORDS:
        result = word in _TRUE_WORDS
        warnings.warn(
            tr(
                "{path_name}: layer {name!r} has visible = {value!r}, read as {state} "
                "(should be true or false)"
            ).format(
                path_name=path.name,
                name=name,
                value=value,
                state=tr("visible") if result else tr("hidden"),
            ),
            DataWarning,
            stacklevel=2,
        )
        return result
    raise ProjectError(
        tr("{path_name}: layer {name!r} has visible = {value!r}; it must be true or false").format(
            path_name=path.name, name=name, value=value
        )
    )


def unique_layer_records(path: Path, records: Any, warn: bool = True) -> list[dict[str, Any]]:
    """The layer records of ``twin_meta`` with each layer id once: a repeated id keeps its
    first record and is reported with a :class:`DataWarning` (it could never be saved;
    ``warn=False`` when a first read of the same file already said so)."""
    if not isinstance(records, list):
        raise ProjectError(
            tr("{path_name} has a damaged twin_meta table (layers is not a list)").format(
                path_name=path.name
            )
        )
    seen: set[str] = set()
    kept: list[dict[str, Any]] = []
    for record in records:
        if not isinstance(record, dict):
            raise ProjectError(
                tr("{path_name} has a damaged twin_meta table (a layer record)").format(
                    path_name=path.name
                )
            )
        layer_id = str(record["id"])
        if layer_id in seen:
            if not warn:
                continue
            warnings.warn(
                tr(
                    "{path_name} lists layer {layer_id!r} more than once; the repeat is left out"
                ).format(path_name=path.name, layer_id=layer_id),
                DataWarning,
                stacklevel=2,
            )
            continue
        seen.add(layer_id)
        kept.append(record)
    return kept


def check_gtfs_path(path: Path, metadata: dict[str, Any]) -> None:
    """Refuse a project whose GTFS feed (``metadata["gtfs"]``) is not a relative path to a
    file inside the project's folder (a project must not point twin at any file)."""
    value = metadata.get("gtfs")
    if value in (None, ""):
        return
    if not isinstance(value, str):
        raise ProjectError(
            tr("{path_name}: the GTFS path {value!r} is not text").format(
                path_name=path.name, value=value
            )
        )
    folder = Path(os.path.realpath(Path(path).absolute().parent))
    feed = Path(os.path.realpath(folder / value))
    if Path(value).is_absolute() or not feed.is_relative_to(folder):
        raise ProjectError(
            tr(
                "{path_name}: the GTFS feed {value!r} is outside the project's folder; "
                "put the feed beside the project and name it relative to it"
            ).format(path_name=path.name, value=value)
        )


_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")


def check_style(style: Any, path: Path, layer_name: str) -> None:
    """Refuse a layer style a map could not draw: colours that are not ``#RRGGBB[AA]``, an
    unknown colour map, sizes or opacities that are not finite numbers in range (pixels,
    0-1). Checked on open so a bad file fails with one line, not while drawing."""
    from twin.layers.colors import COLORMAPS

    where = f"{path.name}: layer {layer_name!r}, style"
    colours = [("fill_color", style.fill_color), ("stroke_color", style.stroke_color)]
    colours += [(f"category {c.value!r} color", c.color) for c in style.categories]
    colours += [(f"class {c.lower}-{c.upper} color", c.color) for c in style.classes]
    for field, colour in colours:
        if not isinstance(colour, str) or not _HEX_COLOUR.match(colour):
            raise ProjectError(
                tr("{where} {field} = {colour!r} is not a colour like #RRGGBB").format(
                    where=where, field=field, colour=colour
                )
            )
    if style.kind in ("raster",) and style.colormap not in COLORMAPS:
        raise ProjectError(
            tr("{where} colormap = {colormap!r} is unknown; known: {colormaps}").format(
                where=where, colormap=style.colormap, colormaps=", ".join(COLORMAPS)
            )
        )
    for field, low, high in (
        ("fill_opacity", 0.0, 1.0),
        ("stroke_width", 0.0, 1000.0),
        ("point_size", 0.0, 1000.0),
    ):
        value = getattr(style, field)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise ProjectError(
                tr("{where} {field} = {value!r} must be a number from {low} to {high}").format(
                    where=where, field=field, value=value, low=low, high=high
                )
            )
    for field in ("value_min", "value_max"):
        value = getattr(style, field)
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise ProjectError(
                tr("{where} {field} = {value!r} must be a finite number or null").format(
                    where=where, field=field, value=value
                )
            )
