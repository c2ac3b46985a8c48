"""Whether a path names a twin project: a ``.twin`` file, or a GeoPackage holding a twin
project record (saved as ``.gpkg``). Light on purpose (sqlite3 only): the app asks it
before the data libraries are imported."""

from __future__ import annotations

import sqlite3
from pathlib import Path

PROJECT_SUFFIXES = (".twin",)


def is_twin_geopackage(path: str | Path) -> bool:
    """True for a ``.gpkg`` file that holds a twin project record (table ``twin_meta``)."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg" or not path.is_file():  # a pipe would block SQLite
        return False
    from twin.layers.io_common import sqlite_uri

    try:
        connection = sqlite3.connect(sqlite_uri(path), uri=True)
        try:
            row = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='twin_meta'"
            ).fetchone()
        finally:
            connection.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError):
        return False
    return row is not None


def is_project_file(path: str | Path) -> bool:
    """True for a ``.twin`` project (or a GeoPackage that holds one)."""
    path = Path(path)
    return path.suffix.lower() in PROJECT_SUFFIXES or is_twin_geopackage(path)
