"""Opening a project with stored results draws its baseline coverage at once, from the
file, without waiting for the live engine's cold computation (issue 12: the gaps show on
opening)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

import twin
from twin.ui.live.radio import LiveRadio
from twin.ui.main_window import MainWindow

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")

LEVEL_LAYER = "Baseline: 4G+5G coverage level"


def _blue_pixels(window: MainWindow) -> int:
    """Pixels of the map where blue dominates (the "good"/"very good" coverage colours)."""
    image = window.canvas.grab().toImage()
    image = image.convertToFormat(image.Format.Format_RGB32)
    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    bgra = pixels.reshape(height, image.bytesPerLine() // 4, 4)[:, :width].astype(int)
    return int(((bgra[..., 0] - bgra[..., 2]) > 60).sum())


def test_the_stored_baseline_coverage_shows_although_the_engine_never_answers(qtbot, monkeypatch):
    monkeypatch.setattr(LiveRadio, "request", lambda self, *args, **kwargs: None)
    window = MainWindow(twin.open_project())  # the sample holds its baseline results
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    model = window.layer_panel.model

    def first_row() -> str:
        return model.data(model.index(0), Qt.ItemDataRole.DisplayRole) or ""

    try:
        qtbot.waitUntil(lambda: first_row() == LEVEL_LAYER, timeout=60_000)
        qtbot.wait(300)  # the map repaints with it
        shown = _blue_pixels(window)
        unchecked = Qt.CheckState.Unchecked.value
        model.setData(model.index(0), unchecked, Qt.ItemDataRole.CheckStateRole)
        qtbot.wait(300)
        hidden = _blue_pixels(window)
        map_pixels = window.canvas.width() * window.canvas.height()
        assert shown - hidden > 0.05 * map_pixels  # the territory turned blue where covered
    finally:
        window.scenario.controller.shutdown()
        window.set_modified(False)
