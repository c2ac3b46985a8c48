"""Travel time tool: click or drag on the map, the isochrone bands appear off the UI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from test_transit_cli import _tiny_project
from test_transit_support import X0, Y0

import twin
from twin.sim.transit.travel_project import ProjectTravel
from twin.ui.live_travel import BAND_COLORS, LiveTravel, reach_text
from twin.ui.map.canvas import MapCanvas
from twin.ui.map.tools.travel_time import TravelTimeTool


@pytest.fixture
def scene(qtbot, tmp_path):
    project = twin.open_project(_tiny_project(tmp_path))
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_project(project)
    canvas.zoom_to_bbox((X0 - 220, Y0 - 220, X0 + 220, Y0 + 220))
    live = LiveTravel(project, cell_m=20.0)
    updates = []
    live.updated.connect(updates.append)
    canvas.set_tool(TravelTimeTool(live.request))
    yield project, canvas, live, updates
    live.shutdown()


def _point(canvas, x, y) -> QPoint:
    point = canvas.map_to_widget(x, y)
    return QPoint(int(point.x()), int(point.y()))


def _close(color: QColor, hex_color: str, tolerance: int = 12) -> bool:
    want = QColor(hex_color)
    return all(
        abs(a - b) <= tolerance
        for a, b in zip(color.getRgb()[:3], want.getRgb()[:3], strict=True)
    )


def test_a_click_draws_the_bands_computed_off_the_ui_thread(scene, qtbot, monkeypatch):
    project, canvas, live, updates = scene
    threads = []
    original = ProjectTravel.bands_from_point

    def recording(self, *args, **kwargs):
        threads.append(threading.current_thread())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ProjectTravel, "bands_from_point", recording)
    origin = (X0 - 100.0, Y0 - 100.0)  # a street crossing
    before = canvas.grab().toImage()
    where = _point(canvas, *origin)
    assert _close(before.pixelColor(where), BAND_COLORS[0]) is False
    qtbot.mouseClick(canvas.map_viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: len(updates) >= 1 and not live.busy, timeout=60_000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert project.layers[0].name == "Travel time from a point"
    qtbot.waitUntil(lambda: _close(canvas.grab().toImage().pixelColor(where), BAND_COLORS[0]))
    assert "persons within 30 min" in reach_text(updates[-1])
    assert updates[-1].reach["30"]["persons"] == {"value": 160, "masked": False}


def test_dragging_moves_the_origin_and_the_last_answer_is_the_drop(scene, qtbot):
    _project, canvas, live, updates = scene
    viewport = canvas.map_viewport()
    start, end = (X0 - 200.0, Y0 - 200.0), (X0 + 100.0, Y0 + 100.0)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=_point(canvas, *start))
    for k in range(1, 6):
        x = start[0] + (end[0] - start[0]) * k / 5
        y = start[1] + (end[1] - start[1]) * k / 5
        qtbot.mouseMove(viewport, pos=_point(canvas, x, y))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=_point(canvas, *end))
    qtbot.waitUntil(lambda: not live.busy and len(updates) >= 1, timeout=60_000)
    last = updates[-1].origin
    assert last == pytest.approx(end, abs=2.0)  # within a screen pixel (1.1 m/px)
    where = _point(canvas, *end)
    qtbot.waitUntil(lambda: _close(canvas.grab().toImage().pixelColor(where), BAND_COLORS[0]))
    live.shutdown()
    assert all(layer.name != "Travel time from a point" for layer in _project.layers)
