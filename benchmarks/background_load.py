"""``--load`` for the benchmarks: one CPU-bound process beside the measurement.

The process spins on one core (a pure-Python busy loop, no I/O) for as long as the
``with`` block lasts, so the figures say what a user sees while another program keeps one
core busy. It is started and stopped by its own process id only.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator

BUSY_LOOP = "while True:\n    pass\n"


@contextlib.contextmanager
def cpu_load(enabled: bool = True) -> Iterator[subprocess.Popen | None]:
    """Run one busy process (one core) while the block runs; yields it (None if disabled)."""
    if not enabled:
        yield None
        return
    process = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    time.sleep(0.2)  # let it reach the loop
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def machine_line(load: bool) -> str:
    """One line describing the conditions: cores, load averages, whether --load is on."""
    try:
        one, five, _ = os.getloadavg()
        averages = f"load average {one:.2f} (1 min), {five:.2f} (5 min)"
    except OSError:
        averages = "load average unknown"
    extra = "with --load (one busy process beside it)" if load else "without --load"
    return f"{os.cpu_count()} cores, {averages} at start, {extra}"
