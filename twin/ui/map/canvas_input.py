"""Turns the canvas's Qt mouse, wheel and key events into navigation or MapEvents."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from twin.ui.map.tools.base import MapEvent

_BUTTONS = {
    QtCore.Qt.MouseButton.LeftButton: "left",
    QtCore.Qt.MouseButton.RightButton: "right",
    QtCore.Qt.MouseButton.MiddleButton: "middle",
}
_MODIFIERS = {
    QtCore.Qt.KeyboardModifier.ShiftModifier: "shift",
    QtCore.Qt.KeyboardModifier.ControlModifier: "ctrl",
    QtCore.Qt.KeyboardModifier.AltModifier: "alt",
    QtCore.Qt.KeyboardModifier.MetaModifier: "meta",
}
WHEEL_STEP_FACTOR = 2.0**0.5  # zoom factor per wheel notch (120 eighths of a degree)


def key_name(key: int) -> str:
    """Qt key code -> the name tools receive ("Left", "Escape", "A", "Delete")."""
    for enum_key in QtCore.Qt.Key:
        if enum_key.value == key:
            return enum_key.name.removeprefix("Key_")
    return QtGui.QKeySequence(key).toString()


class CanvasInput(QtCore.QObject):
    """Event filter of the canvas viewport: navigation when no tool consumes the event."""

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self._drag_start: tuple[QtCore.QPointF, tuple] | None = None
        self._tool_owns_press = False

    def map_event(self, event: QtGui.QMouseEvent, button: str) -> MapEvent:
        """A :class:`MapEvent` for a Qt mouse event on the viewport."""
        viewport = self.canvas._graphics_view.viewport()
        offset = viewport.mapTo(self.canvas, QtCore.QPoint(0, 0))
        position = event.position()
        widget_point = QtCore.QPointF(position.x() + offset.x(), position.y() + offset.y())
        x, y = self.canvas.widget_to_map(widget_point)
        modifiers = frozenset(name for flag, name in _MODIFIERS.items() if event.modifiers() & flag)
        return MapEvent(
            x,
            y,
            button,
            modifiers,
            widget_point.x(),
            widget_point.y(),
            self.canvas.map_units_per_pixel(),
        )

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        Type = QtCore.QEvent.Type
        if kind == Type.MouseButtonPress:
            return self._press(event)
        if kind == Type.MouseMove:
            return self._move(event)
        if kind == Type.MouseButtonRelease:
            return self._release(event)
        if kind == Type.MouseButtonDblClick:
            return True
        if kind == Type.Wheel:
            return self._wheel(event)
        return False

    def _press(self, event: QtGui.QMouseEvent) -> bool:
        self.canvas.setFocus(QtCore.Qt.FocusReason.MouseFocusReason)
        button = _BUTTONS.get(event.button(), "")
        tool = self.canvas.tool
        self._tool_owns_press = bool(tool is not None and tool.press(self.map_event(event, button)))
        if not self._tool_owns_press and button in ("left", "middle"):
            self._drag_start = (event.position(), self.canvas.view_bbox())
        return True

    def _held_button(self, event: QtGui.QMouseEvent) -> str:
        for flag, name in _BUTTONS.items():
            if event.buttons() & flag:
                return name
        return ""

    def _move(self, event: QtGui.QMouseEvent) -> bool:
        map_event = self.map_event(event, self._held_button(event))
        self.canvas.cursor_moved.emit(map_event.x, map_event.y)
        tool = self.canvas.tool
        if tool is not None:
            tool.move(map_event)
        if self._drag_start is not None and not self._tool_owns_press:
            start, (minx, miny, maxx, maxy) = self._drag_start
            metres = self.canvas.map_units_per_pixel()
            dx = -(event.position().x() - start.x()) * metres
            dy = (event.position().y() - start.y()) * metres
            self.canvas.view_box.setRange(
                xRange=(minx + dx, maxx + dx), yRange=(miny + dy, maxy + dy), padding=0.0
            )
        return True

    def _release(self, event: QtGui.QMouseEvent) -> bool:
        if self._drag_start is not None:
            self._move(event)
        self._drag_start = None
        tool = self.canvas.tool
        if tool is not None:
            tool.release(self.map_event(event, _BUTTONS.get(event.button(), "")))
        self._tool_owns_press = False
        return True

    def _wheel(self, event: QtGui.QWheelEvent) -> bool:
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            return True
        viewport = self.canvas._graphics_view.viewport()
        offset = viewport.mapTo(self.canvas, QtCore.QPoint(0, 0))
        position = event.position()
        centre = self.canvas.widget_to_map(
            QtCore.QPointF(position.x() + offset.x(), position.y() + offset.y())
        )
        self.canvas._set_interacting(True)
        self.canvas.zoom_by(WHEEL_STEP_FACTOR**steps, centre)
        return True

    def key(self, event: QtGui.QKeyEvent) -> bool:
        """Handle a key pressed on the canvas; False if not ours."""
        key = event.key()
        Key = QtCore.Qt.Key
        canvas = self.canvas
        if key == Key.Key_Escape and canvas.tool is not None:
            canvas.tool.cancel()
            return True
        if canvas.tool is not None and canvas.tool.key(key_name(key)):
            return True
        actions = {
            Key.Key_Left: lambda: canvas.pan_by(-0.25, 0.0),
            Key.Key_Right: lambda: canvas.pan_by(0.25, 0.0),
            Key.Key_Up: lambda: canvas.pan_by(0.0, 0.25),
            Key.Key_Down: lambda: canvas.pan_by(0.0, -0.25),
            Key.Key_Plus: canvas.zoom_in,
            Key.Key_Equal: canvas.zoom_in,
            Key.Key_Minus: canvas.zoom_out,
            Key.Key_Home: canvas.zoom_full,
        }
        action = actions.get(key)
        if action is None:
            return False
        action()
        return True
