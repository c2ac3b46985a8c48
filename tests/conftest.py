"""Test configuration: Qt runs offscreen, data files come from tests/data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["TWIN_LANG"] = "en"  # tests read English texts whatever the machine's locale
# Recovery files of never-saved projects go to the user's data folder: keep the tests' own
# (8 engineers share this machine's home) in a folder of this run.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="twin-tests-data-")

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """Folder of the test data files (with their licences)."""
    return DATA


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A test that switches to French (``--lang fr``, ``set_language``) leaves English."""
    yield
    if os.environ.get("TWIN_LANG") != "en" or _current_language() != "en":
        os.environ["TWIN_LANG"] = "en"
        from twin.i18n import set_language

        set_language("en")


def _current_language() -> str:
    from twin.i18n import language

    return language()
