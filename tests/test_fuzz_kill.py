"""kill -9 during a save and during an autosave (issue 10): a child process saves over and
over; it is killed at a random moment; the file then opens as one complete state (old or
new, never a mix) and no temporary file survives the next open."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from ui_helpers import make_project

from twin.project import Project
from twin.project_save import save_project
from twin.recovery import read_recovery, write_recovery

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")

ROOT = Path(__file__).parent.parent
TRIALS = 4

SAVER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from ui_helpers import make_project
    from twin.project_save import save_project
    project = make_project()
    buildings = project.layer("Buildings")
    state = 0
    print("ready", flush=True)
    while True:
        state += 1
        frame = buildings.frame.copy()
        frame["state"] = state
        buildings.set_frame(frame)
        project.metadata["state"] = state
        save_project(project, sys.argv[1])
    """
)

AUTOSAVER = textwrap.dedent(
    """
    import sys
    from twin.project import Project
    from twin.recovery import write_recovery
    project = Project.open(sys.argv[1])
    state = 0
    print("ready", flush=True)
    while True:
        state += 1
        project.scenarios = [
            {"name": f"s{state}", "description": str(state), "interventions": []}
            for _ in range(50)
        ]
        write_recovery(project)
    """
)


def _kill_after_random_time(script: str, args: list[str], rng: random.Random) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert child.stdout.readline().strip() == b"ready", child.stderr.read().decode()
        time.sleep(rng.uniform(0.05, 1.5))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stderr.close()


def _hidden_files(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_kill_during_save_leaves_a_whole_project_and_no_temporary_file(tmp_path):
    rng = random.Random(10)
    target = tmp_path / "town.twin"
    project = make_project()
    frame = project.layer("Buildings").frame.copy()
    frame["state"] = 0
    project.layer("Buildings").set_frame(frame)
    project.metadata["state"] = 0
    save_project(project, target)
    states = []
    for _ in range(TRIALS):
        _kill_after_random_time(SAVER, [str(target), str(Path(__file__).parent)], rng)
        reopened = Project.open(target)
        state = reopened.metadata["state"]
        # the table and the metadata come from the same save: one state, not a mix
        assert set(reopened.layer("Buildings").frame["state"]) == {state}
        assert [layer.name for layer in reopened.layers] == [
            "Sites",
            "Roads",
            "Buildings",
            "Terrain",
        ]
        assert _hidden_files(tmp_path, {"town.twin"}) == []
        states.append(state)
    assert all(isinstance(state, int) and state >= 0 for state in states)


def test_kill_during_autosave_leaves_a_whole_recovery_file(tmp_path):
    rng = random.Random(11)
    target = save_project(make_project(), tmp_path / "town.twin")
    project = Project.open(target)
    project.scenarios = [{"name": "s0", "description": "0", "interventions": []}]
    write_recovery(project)
    for _ in range(TRIALS):
        _kill_after_random_time(AUTOSAVER, [str(target)], rng)
        snapshot = read_recovery(target)
        assert snapshot is not None
        names = {data["name"] for data in snapshot.scenarios}
        assert len(names) == 1  # all scenarios from the same autosave
        assert {data["description"] for data in snapshot.scenarios} == {names.pop()[1:]}
        assert _hidden_files(tmp_path, {"town.twin", ".town.twin.twin-recovery.json"}) == []
