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
from twin.ui.live.travel import BAND_COLORS, LiveTravel, reach_text
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


def _distance(color: QColor, hex_color: str) -> int:
    want = QColor(hex_color)
    return sum(abs(a - b) for a, b in zip(color.getRgb()[:3], want.getRgb()[:3], strict=True))


def _tinted(canvas, where: QPoint, before: QColor) -> bool:
    """The pixel moved well towards the nearest band's colour (the bands are drawn at 65 %
    opacity over the map)."""
    now = canvas.grab().toImage().pixelColor(where)
    return _distance(now, BAND_COLORS[0]) < _distance(before, BAND_COLORS[0]) - 60


def test_a_click_draws_the_bands_computed_off_the_ui_thread(scene, qtbot, monkeypatch):
    project, canvas, live, updates = scene
    threads = []
    original = ProjectTravel.bands_from_point

    def recording(self, *args, **kwargs):
        threads.append(threading.current_thread())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ProjectTravel, "bands_from_point", recording)
    origin = (X0 - 100.0, Y0 - 100.0)  # a street crossing
    where = _point(canvas, *origin)
    before = canvas.grab().toImage().pixelColor(where)
    assert not _tinted(canvas, where, before)
    qtbot.mouseClick(canvas.map_viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: len(updates) >= 1 and not live.busy, timeout=60_000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert project.layers[0].name == "Travel time from a point"
    qtbot.waitUntil(lambda: _tinted(canvas, where, before))
    assert "160\xa0people within 30 min" in reach_text(updates[-1])
    assert updates[-1].reach["30"]["persons"] == {"value": 160, "masked": False}


def test_dragging_moves_the_origin_and_the_last_answer_is_the_drop(scene, qtbot):
    _project, canvas, live, updates = scene
    viewport = canvas.map_viewport()
    start, end = (X0 - 200.0, Y0 - 200.0), (X0 + 100.0, Y0 + 100.0)
    where = _point(canvas, *end)
    before = canvas.grab().toImage().pixelColor(where)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=_point(canvas, *start))
    for k in range(1, 6):
        x = start[0] + (end[0] - start[0]) * k / 5
        y = start[1] + (end[1] - start[1]) * k / 5
        qtbot.mouseMove(viewport, pos=_point(canvas, x, y))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=_point(canvas, *end))
    # the answers arrive through queued signals: wait for the one of the drop (within a
    # screen pixel, 1.1 m/px); positions passed over meanwhile are dropped, not queued
    qtbot.waitUntil(
        lambda: not live.busy and updates and updates[-1].origin == pytest.approx(end, abs=2.0),
        timeout=60_000,
    )
    assert len(updates) < 7  # 7 requests: press, 5 moves, release
    qtbot.waitUntil(lambda: _tinted(canvas, where, before))
    live.shutdown()
    assert all(layer.name != "Travel time from a point" for layer in _project.layers)
