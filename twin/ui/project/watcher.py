"""One door from the model's psygnal events into Qt signals, for panels and the window.

Panels connect to a :class:`ProjectWatcher` instead of each layer's events, so a layer
added or removed is wired or unwired in one place.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, Signal

from twin.layers.base import Layer
from twin.project import Project

LAYER_PROPERTIES = ("name", "visible", "opacity", "style", "data")


class ProjectWatcher(QObject):
    """Re-emits a project's and its layers' events as Qt signals on the UI thread.

    ``layers_changed``: a layer was added, removed or moved; ``layer_changed(layer, what)``
    with ``what`` one of name/visible/opacity/style/data; ``views_changed``: bookmarks.
    """

    layers_changed = Signal()
    layer_changed = Signal(object, str)
    views_changed = Signal()

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self._connections: dict[int, list[tuple[object, object]]] = {}
        self._project_connections: list[tuple[object, object]] = []
        self.set_project(project)

    def set_project(self, project: Project | None) -> None:
        """Watch ``project`` (None: nothing) instead of the previous one."""
        self.detach()
        self.project = project
        if project is None:
            return
        for signal, callback in (
            (project.events.layer_inserted, self._on_layer_inserted),
            (project.events.layer_removed, self._on_layer_removed),
            (project.events.layers_reordered, self._on_reordered),
            (project.events.views_changed, self._on_views_changed),
        ):
            signal.connect(callback)
            self._project_connections.append((signal, callback))
        for layer in project.layers:
            self._watch_layer(layer)

    def detach(self) -> None:
        """Disconnect from the project and every layer."""
        for signal, callback in self._project_connections:
            signal.disconnect(callback)
        self._project_connections.clear()
        for connections in self._connections.values():
            for signal, callback in connections:
                signal.disconnect(callback)
        self._connections.clear()

    def _watch_layer(self, layer: Layer) -> None:
        if id(layer) in self._connections:
            return
        connections = []
        for prop in LAYER_PROPERTIES:
            signal = getattr(layer.events, prop)
            callback = partial(self._on_layer_event, layer, prop)
            signal.connect(callback)
            connections.append((signal, callback))
        self._connections[id(layer)] = connections

    def _unwatch_layer(self, layer: Layer) -> None:
        for signal, callback in self._connections.pop(id(layer), []):
            signal.disconnect(callback)

    def _emit(self, signal_name: str, *args) -> None:
        try:
            getattr(self, signal_name).emit(*args)
        except RuntimeError:  # the Qt side was deleted: stop listening
            self.detach()

    def _on_layer_event(self, layer: Layer, prop: str, *_args) -> None:
        self._emit("layer_changed", layer, prop)

    def _on_layer_inserted(self, _index: int, layer: Layer) -> None:
        self._watch_layer(layer)
        self._emit("layers_changed")

    def _on_layer_removed(self, _index: int, layer: Layer) -> None:
        self._unwatch_layer(layer)
        self._emit("layers_changed")

    def _on_reordered(self) -> None:
        self._emit("layers_changed")

    def _on_views_changed(self) -> None:
        self._emit("views_changed")
