"""Panning and zooming the map canvas with the mouse, the wheel and the keyboard; map tools
receive plain MapEvents in map coordinates."""

from __future__ import annotations

import pytest
from map_helpers import RED, X0, Y0, box_layer, project_of, show_canvas
from PySide6 import QtCore, QtGui

from twin.ui.map.tools.base import MapEvent, MapTool
from twin.ui.map.tools.pan import PanTool

Qt = QtCore.Qt


@pytest.fixture
def canvas(qtbot):
    """A 400 x 300 canvas at 1 m per pixel over (X0, Y0)..(X0 + 400, Y0 + 300)."""
    return show_canvas(qtbot, project_of(box_layer("b", [(0, 0, 1000, 1000)], RED)))


def drag(qtbot, widget, start: QtCore.QPoint, end: QtCore.QPoint) -> None:
    """Press the left button at ``start``, move in two steps to ``end``, release."""
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    middle = QtCore.QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    qtbot.mouseMove(widget, middle)
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def test_drag_moves_the_map_by_the_dragged_distance(qtbot, canvas):
    grabbed = canvas.widget_to_map(QtCore.QPointF(200, 150))
    drag(qtbot, canvas.map_viewport(), QtCore.QPoint(200, 150), QtCore.QPoint(250, 180))
    # the map point under the press is now under the release, at 1 m per pixel: the view
    # moved 50 m west and 30 m north
    after = canvas.widget_to_map(QtCore.QPointF(250, 180))
    assert after == pytest.approx(grabbed, abs=0.01)
    assert canvas.view_bbox() == pytest.approx((X0 - 50, Y0 + 30, X0 + 350, Y0 + 330), abs=0.01)


def send_wheel(widget, position: QtCore.QPointF, notches: int) -> None:
    """Send a wheel event of ``notches`` steps (positive: away from the user, zoom in)."""
    event = QtGui.QWheelEvent(
        position,
        widget.mapToGlobal(position),
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtCore.QCoreApplication.sendEvent(widget, event)


def test_wheel_zooms_around_the_cursor(canvas):
    cursor = QtCore.QPointF(100, 100)
    under_cursor = canvas.widget_to_map(cursor)
    send_wheel(canvas.map_viewport(), cursor, 2)
    minx, _, maxx, _ = canvas.view_bbox()
    assert maxx - minx == pytest.approx(400 / 2.0, rel=1e-6)  # two notches of sqrt(2)
    assert canvas.widget_to_map(cursor) == pytest.approx(under_cursor, abs=0.01)
    send_wheel(canvas.map_viewport(), cursor, -2)
    assert canvas.view_bbox()[2] - canvas.view_bbox()[0] == pytest.approx(400, rel=1e-6)


def test_keys_pan_zoom_and_show_the_full_extent(qtbot, canvas):
    qtbot.keyClick(canvas, Qt.Key.Key_Left)
    assert canvas.view_bbox() == pytest.approx((X0 - 100, Y0, X0 + 300, Y0 + 300))
    qtbot.keyClick(canvas, Qt.Key.Key_Up)
    assert canvas.view_bbox() == pytest.approx((X0 - 100, Y0 + 75, X0 + 300, Y0 + 375))
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.view_bbox() == pytest.approx((X0, Y0 + 150, X0 + 200, Y0 + 300))
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.view_bbox() == pytest.approx((X0 - 100, Y0 + 75, X0 + 300, Y0 + 375))
    qtbot.keyClick(canvas, Qt.Key.Key_Home)
    # the extent (1000 m square) plus 2 % margins, widened to the 4:3 widget
    minx, miny, maxx, maxy = canvas.view_bbox()
    assert (miny, maxy) == pytest.approx((Y0 - 20, Y0 + 1020))
    assert (minx + maxx) / 2 == pytest.approx(X0 + 500)


def test_cursor_moved_emits_project_coordinates(qtbot, canvas):
    with qtbot.waitSignal(canvas.cursor_moved) as blocker:
        qtbot.mouseMove(canvas.map_viewport(), QtCore.QPoint(120, 200))
    # widget (120, 200) at 1 m per pixel: x = X0 + 120 (+0.5 pixel centre), y = Y0 + 300 - 200
    assert blocker.args[0] == pytest.approx(X0 + 120, abs=1.0)
    assert blocker.args[1] == pytest.approx(Y0 + 100, abs=1.0)


class RecordingTool(MapTool):
    """Consumes presses and records every event."""

    name = "record"

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, MapEvent]] = []
        self.cancelled = 0
        self.keys: list[str] = []

    def press(self, event: MapEvent) -> bool:
        self.events.append(("press", event))
        return True

    def release(self, event: MapEvent) -> bool:
        self.events.append(("release", event))
        return True

    def key(self, key_name: str) -> bool:
        self.keys.append(key_name)
        return key_name == "Delete"

    def cancel(self) -> None:
        self.cancelled += 1


def test_tool_receives_map_events_in_map_coordinates(qtbot, canvas):
    tool = RecordingTool()
    with qtbot.waitSignal(canvas.tool_changed) as blocker:
        canvas.set_tool(tool)
    assert blocker.args == [tool] and tool.canvas is canvas
    target = canvas.map_to_widget(X0 + 123, Y0 + 77).toPoint()
    qtbot.mouseClick(
        canvas.map_viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        pos=target,
    )
    kind, event = tool.events[0]
    assert kind == "press" and event.button == "left" and event.modifiers == {"shift"}
    assert (event.x, event.y) == pytest.approx((X0 + 123, Y0 + 77), abs=1.0)
    assert event.map_units_per_pixel == pytest.approx(1.0)
    assert tool.events[-1][0] == "release"


def test_a_tool_that_consumes_the_press_stops_panning_and_esc_cancels(qtbot, canvas):
    tool = RecordingTool()
    canvas.set_tool(tool)
    before = canvas.view_bbox()
    drag(qtbot, canvas.map_viewport(), QtCore.QPoint(200, 150), QtCore.QPoint(260, 150))
    assert canvas.view_bbox() == before
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert tool.keys == ["Delete"]
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert tool.cancelled == 1
    canvas.set_tool(None)
    assert tool.canvas is None and canvas.tool is None


def test_pan_tool_drags_the_map(qtbot, canvas):
    canvas.set_tool(PanTool())
    drag(qtbot, canvas.map_viewport(), QtCore.QPoint(100, 100), QtCore.QPoint(140, 90))
    assert canvas.view_bbox() == pytest.approx((X0 - 40, Y0 - 10, X0 + 360, Y0 + 290), abs=0.01)


def test_pan_tool_without_qt():
    class FakeCanvas:
        def __init__(self):
            self.moved = []

        def move_view_by(self, dx, dy):
            self.moved.append((dx, dy))

    tool = PanTool()
    fake = FakeCanvas()
    tool.activate(fake)
    tool.press(MapEvent(0, 0, "left", frozenset(), 10, 10, 2.0))
    tool.move(MapEvent(0, 0, "left", frozenset(), 15, 7, 2.0))
    assert fake.moved == [(-10.0, -6.0)]  # 5 px right and 3 px up at 2 m per pixel
