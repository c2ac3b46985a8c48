"""Shared pieces of the hardening tests: run the CLI in-process, check the one-line
contract, a small saved project, and edits of its twin_meta record."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ui_helpers import make_project

from twin.cli import main
from twin.project_save import save_project


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``twin ARGV`` run in this process."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status: int, err: str, *words: str) -> None:
    """The contract: exit 2 and one stderr line (no traceback) containing ``words``."""
    assert status == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


def saved_project(tmp_path: Path) -> Path:
    """A small saved project (4 layers) in its own folder."""
    return save_project(make_project(), tmp_path / "town.twin")


def edit_meta(path: Path, change) -> None:
    connection = sqlite3.connect(path)
    meta = json.loads(connection.execute("SELECT value FROM twin_meta").fetchone()[0])
    change(meta)
    connection.execute("UPDATE twin_meta SET value = ?", (json.dumps(meta),))
    connection.commit()
    connection.close()
