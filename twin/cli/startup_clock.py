"""Seconds since the process started, for ``twin --startup-time`` (Qt-free, stdlib only).

The kernel records when each process started (``/proc/self/stat``, field 22, in clock ticks
of 10 ms since boot). Reading it once and adding ``time.perf_counter()`` deltas gives the
process age at any later moment, Python's own start-up included, to within one tick. Where
``/proc`` is missing (not Linux) the clock starts when this module is imported.
"""

from __future__ import annotations

import os
import time

_MARKS: list[tuple[str, float, float]] = []


def _process_age_now() -> float | None:
    """Seconds since this process started according to the kernel, or None if unknown."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of stat; fields[0] is field 3 (state)
        started = ticks / os.sysconf("SC_CLK_TCK")
        now = time.clock_gettime(time.CLOCK_BOOTTIME)
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    age = now - started
    return age if 0.0 <= age < 3600.0 else None


_REFERENCE = time.perf_counter()
_AGE_AT_REFERENCE = _process_age_now()
KERNEL_CLOCK = _AGE_AT_REFERENCE is not None


def process_age() -> float:
    """Seconds since the process started (or since this module was imported without /proc)."""
    return (_AGE_AT_REFERENCE or 0.0) + time.perf_counter() - _REFERENCE


def mark(event: str) -> float:
    """Record that ``event`` happened now; returns the process age in seconds."""
    age = process_age()
    _MARKS.append((event, age, time.process_time()))
    return age


def marks() -> list[tuple[str, float, float]]:
    """The recorded events, in order: (event, seconds since the process started, CPU
    seconds the process used by then, all threads)."""
    return list(_MARKS)


def report(events: list[tuple[str, float, float]] | None = None) -> str:
    """The marks as lines ``  1.234 s  (cpu 0.987 s)  event``: wall seconds since the
    process started, and CPU seconds used by then (less sensitive to other load)."""
    lines = []
    for event, age, cpu in _MARKS if events is None else events:
        lines.append(f"{age:8.3f} s  (cpu {cpu:6.3f} s)  {event}")
    return "\n".join(lines)
