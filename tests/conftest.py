"""Test configuration: Qt runs offscreen, data files come from tests/data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Recovery files of never-saved projects go to the user's data folder: keep the tests' own
# (8 engineers share this machine's home) in a folder of this run.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="twin-tests-data-")

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """Folder of the test data files (with their licences)."""
    return DATA
