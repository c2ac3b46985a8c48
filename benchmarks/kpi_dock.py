"""Time of one live KPI dock update (KpiDock.set_figures + repaint), as while a site is
dragged: 39 figures (persons/premises per coverage level for 4G, 5G and 4G+5G; persons per
PTAL band) changing on every call. Prints median, 95th percentile and longest (ms).

    python benchmarks/kpi_dock.py
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from twin.kpi import Figure

LEVELS = ("none", "limited", "good", "very_good", "good_or_better")
BANDS = ("0", "1a", "1b", "2", "3", "4", "5", "6a", "6b")
UPDATES = 200


def figures(step: int) -> list[Figure]:
    """Figures whose values move with ``step`` (persons, premises)."""
    out = []
    for tech in ("4g", "5g", "4g_5g"):
        for what in ("persons", "premises"):
            for index, level in enumerate(LEVELS):
                base = 10_000.0 * (index + 1)
                out.append(
                    Figure(
                        f"radio.{tech}.{what}.{level}",
                        f"{tech} {what}: {level}",
                        base + 37 * step,
                        what,
                        "radio",
                        base,
                    )
                )
    for band in BANDS:
        out.append(
            Figure(
                f"transit.persons.ptal_{band}",
                f"Persons in PTAL band {band}",
                5_000.0 + 11 * step,
                "persons",
                "transit",
                5_000.0,
            )
        )
    return out


def main() -> None:
    """Run the updates and print the figures."""
    app = QApplication.instance() or QApplication([])
    from twin.ui.panels.kpi import KpiDock

    dock = KpiDock()
    dock.resize(420, 900)
    dock.show()
    dock.set_figures(figures(0))
    app.processEvents()
    times = []
    for step in range(1, UPDATES + 1):
        start = time.perf_counter()
        dock.set_figures(figures(step))
        app.processEvents()
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    p95 = times[int(0.95 * len(times)) - 1]
    print(
        f"KpiDock live update ({len(figures(0))} figures, {UPDATES} updates): "
        f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
