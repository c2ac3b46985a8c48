"""Reading the visible layers before Qt loads (twin/ui/project/early.py): the same project
as the ordinary read, nothing imported by the reading thread that the main thread did not
import first, and data warnings raised before the window exists reach its log."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import twin
from twin.errors import DataWarning
from twin.ui.project import early
from twin.ui.project.loading import open_visible_first, read_visible_layers

REPOSITORY = Path(__file__).resolve().parent.parent


def test_the_early_read_gives_the_project_the_opening_job_would_read(tmp_path):
    sample = twin.sample_project_path()
    started = early.start_early_read(sample)
    assert started is not None
    try:
        preview = open_visible_first(sample, early=started)
    finally:
        early.take_held_data_warnings()
    project, unread = read_visible_layers(sample)
    assert [layer.id for layer in preview.project.layers] == [layer.id for layer in project.layers]
    assert preview.unread == unread and preview.pending
    assert [record["id"] for record in unread] == [
        "fiber_nodes",
        "grid_transformers",
        "grid_buses",
        "ducts",
        "population_grid",
    ]
    # not a project file: nothing is started (the window opens it the ordinary way)
    data = tmp_path / "points.csv"
    data.write_text("x,y\n1,2\n", encoding="utf-8")
    assert early.start_early_read(data) is None


def test_the_reading_thread_imports_nothing_the_main_thread_did_not_import_first():
    code = (
        "import importlib, sys\n"
        "from twin.cli.environment import preload_data_stack\n"
        "preload_data_stack()\n"
        "import twin\n"
        "from twin.ui.project.early import READ_MODULES\n"
        "for name in READ_MODULES: importlib.import_module(name)\n"
        "before = set(sys.modules)\n"
        "from twin.ui.project.loading import read_visible_layers\n"
        "read_visible_layers(twin.sample_project_path())\n"
        "print('NEW', sorted(set(sys.modules) - before))\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "NEW []"


def test_data_warnings_raised_before_the_window_reach_its_log(qtbot):
    from twin.ui.project.data_warnings import DataWarningLog

    early.hold_data_warnings()
    try:
        thread = threading.Thread(
            target=lambda: warnings.warn("layer 'x' listed twice", DataWarning, stacklevel=1)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            thread.start()
            thread.join()
        log = DataWarningLog()
        assert log.messages == ["layer 'x' listed twice"]
        assert early.take_held_data_warnings() == []  # handed over once
    finally:
        early.take_held_data_warnings()
        log.uninstall()
