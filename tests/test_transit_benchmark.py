"""benchmarks/transit.py runs small and finds twin's catchments identical to networkx's and
scipy's (the check the speed figures rest on)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_transit_benchmark_small_run_checks_identical_catchments():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "transit.py"), "--size", "60", "--repeat", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "numba, whole graph" in done.stdout  # the compiled searches, not the fallback
    assert "same catchments as networkx" in done.stdout
    assert "same catchments as scipy: identical, bit for bit" in done.stdout
