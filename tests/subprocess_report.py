"""Run a Python snippet in a fresh interpreter and read what it reports: what a start-up
path imports can only be seen there (an import happens once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def fresh_interpreter_report(script: str, timeout: float = 300) -> dict:
    """Run ``script`` with ``python -c`` from the repository (headless Qt) and return the
    JSON it printed on a line starting with ``REPORT ``; fails the test with its stderr if
    it exits with an error."""
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPOSITORY,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("REPORT "))
    return json.loads(line[len("REPORT ") :])
