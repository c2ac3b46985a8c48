"""The layer panel: check to show, drag to reorder, opacity, zoom to, remove, add from file."""

from __future__ import annotations

import json

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from twin.i18n import tr, tr_label
from twin.layers.base import Layer
from twin.project import Project
from twin.ui.panels.swatches import layer_icon
from twin.ui.project.watcher import ProjectWatcher

LAYER_MIME_TYPE = "application/x-twin-layer-ids"
LayerRole = Qt.ItemDataRole.UserRole + 1

_KIND_LABEL = {"polygon": "polygons", "line": "lines", "point": "points", "raster": "raster"}


class LayerListModel(QAbstractListModel):
    """Rows are ``project.layers`` (row 0 = drawn on top); checkable, renamable, movable.

    Reordering goes through :meth:`moveRows` (what a list view's internal drag calls) or
    :meth:`dropMimeData` (drops carrying layer ids), both ending in ``project.move_layer``.
    """

    files_dropped = Signal(list)  # paths of data files dropped from a file manager

    def __init__(self, watcher: ProjectWatcher, parent=None) -> None:
        super().__init__(parent)
        self._watcher = watcher
        self._moving = False
        watcher.layers_changed.connect(self._on_layers_changed)
        watcher.layer_changed.connect(self._on_layer_changed)

    @property
    def project(self) -> Project | None:
        """The project shown (the watcher's)."""
        return self._watcher.project

    def reset(self) -> None:
        """Re-read the whole layer list (after the project was replaced)."""
        self.beginResetModel()
        self.endResetModel()

    def layer_at(self, row: int) -> Layer | None:
        """The layer on ``row`` or None."""
        layers = self.project.layers if self.project else []
        return layers[row] if 0 <= row < len(layers) else None

    def row_of(self, layer: Layer) -> int:
        """Row of ``layer`` (-1 if absent)."""
        layers = self.project.layers if self.project else []
        return next((i for i, other in enumerate(layers) if other is layer), -1)

    # --- read ---------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        if (parent is not None and parent.isValid()) or self.project is None:
            return 0
        return len(self.project.layers)

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        layer = self.layer_at(index.row()) if index.isValid() else None
        if layer is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return tr_label(layer.name)  # the sample's names in the user's language
        if role == Qt.ItemDataRole.EditRole:
            return layer.name
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole:
            return layer_icon(layer.legend_entries(), point_symbol=layer.style.point_symbol)
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = _KIND_LABEL.get(layer.geometry_kind, layer.geometry_kind)
            count = f"{layer.feature_count:,}".replace(",", " ")
            noun = tr("pixels with data") if kind == "raster" else "features"
            return (
                f"<b>{layer.name}</b><br>{kind}, {count} {noun}<br>"
                f"opacity {round(layer.opacity * 100)} %<br>{layer.provenance.summary()}"
            )
        if role == LayerRole:
            return layer
        return None

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            base
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemIsDragEnabled
        ) & ~Qt.ItemFlag.ItemIsDropEnabled

    # --- write --------------------------------------------------------------------------
    def setData(self, index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        layer = self.layer_at(index.row()) if index.isValid() else None
        if layer is None:
            return False
        if role == Qt.ItemDataRole.CheckStateRole:
            layer.visible = Qt.CheckState(value) == Qt.CheckState.Checked
            return True
        if role == Qt.ItemDataRole.EditRole and str(value).strip():
            layer.name = str(value).strip()
            return True
        return False

    # --- reorder --------------------------------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME_TYPE, "text/uri-list"]

    def mimeData(self, indexes) -> QMimeData:
        ids = [
            self.layer_at(i.row()).id
            for i in sorted(indexes, key=lambda i: i.row())
            if self.layer_at(i.row()) is not None
        ]
        mime = QMimeData()
        mime.setData(LAYER_MIME_TYPE, QByteArray(json.dumps(ids).encode()))
        return mime

    def canDropMimeData(self, data, action, row, column, parent) -> bool:
        if data.hasUrls():
            return any(url.isLocalFile() for url in data.urls())
        return data.hasFormat(LAYER_MIME_TYPE) and action == Qt.DropAction.MoveAction

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        """Move the dragged layers so they sit before ``row`` (or before ``parent``'s row);
        data files dropped from a file manager are announced by ``files_dropped``.
        """
        if not self.canDropMimeData(data, action, row, column, parent) or self.project is None:
            return False
        if data.hasUrls():
            self.files_dropped.emit([url.toLocalFile() for url in data.urls() if url.isLocalFile()])
            return True
        ids = json.loads(bytes(data.data(LAYER_MIME_TYPE)).decode() or "[]")
        if row < 0:
            row = parent.row() if parent.isValid() else self.rowCount()
        layers = [layer for layer in self.project.layers if layer.id in ids]
        self._move_layers_before(layers, row)
        return True  # removeRows is not implemented, so the view removes nothing after

    def moveRows(self, source_parent, source_row, count, destination_parent, destination_child):
        """Move ``count`` rows from ``source_row`` to before ``destination_child``."""
        if source_parent.isValid() or destination_parent.isValid() or self.project is None:
            return False
        layers = [self.layer_at(source_row + i) for i in range(count)]
        if any(layer is None for layer in layers):
            return False
        self._move_layers_before(layers, destination_child)
        return True

    def _move_layers_before(self, layers: list[Layer], destination: int) -> None:
        """Move ``layers`` (in order) so they sit just before row ``destination``."""
        for layer in layers:
            current = self.row_of(layer)
            target = destination - 1 if current < destination else destination
            self._move(current, target)
            destination = self.row_of(layer) + 1

    def _move(self, current: int, target: int) -> None:
        """Move one layer from row ``current`` to row ``target`` (final position)."""
        target = max(0, min(target, self.rowCount() - 1))
        if current == target or current < 0:
            return
        layer = self.layer_at(current)
        qt_destination = target + 1 if target > current else target
        self.beginMoveRows(QModelIndex(), current, current, QModelIndex(), qt_destination)
        self._moving = True
        try:
            self.project.move_layer(layer, target)
        finally:
            self._moving = False
            self.endMoveRows()

    # --- model events ---------------------------------------------------------------------
    def _on_layers_changed(self) -> None:
        if not self._moving:
            self.reset()

    def _on_layer_changed(self, layer: Layer, what: str) -> None:
        if what == "data":
            # nothing the row shows depends on the data (the tooltip is read on hover); a
            # live layer changes its data on every mouse move of a drag, and each
            # dataChanged made the list lay out and redraw every row's icon
            return
        row = self.row_of(layer)
        if row >= 0:
            index = self.index(row)
            self.dataChanged.emit(index, index)


class LayerPanel(QWidget):
    """The layers dock: a list of layers (top = drawn on top) and the selected layer's tools.

    Signals: ``current_layer_changed(layer|None)``, ``zoom_to_layer_requested(layer)``,
    ``add_layer_requested()`` (the window opens a file dialog and loads in a worker),
    ``files_dropped(paths)`` (data files dropped on the list).
    """

    current_layer_changed = Signal(object)
    zoom_to_layer_requested = Signal(object)
    add_layer_requested = Signal()
    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.watcher = ProjectWatcher(parent=self)
        self.model = LayerListModel(self.watcher, self)
        self.model.files_dropped.connect(self.files_dropped)
        self.list_view = QListView()
        self.list_view.setModel(self.model)
        self.list_view.setDragEnabled(True)
        self.list_view.setAcceptDrops(True)
        self.list_view.setDropIndicatorShown(True)
        self.list_view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.list_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list_view.setIconSize(self.list_view.iconSize().expandedTo(self._icon_size()))
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(self._show_context_menu)
        self.list_view.selectionModel().currentChanged.connect(self._on_current_changed)
        self._selected: Layer | None = None  # the layer last selected (rows move under it)
        self.model.modelReset.connect(self._restore_current)
        self.list_view.setToolTip(tr("Check to show · drag to reorder (top is drawn on top)"))

        self.add_button = self._tool_button(tr("Add…"), tr("Add layers from a data file"))
        self.zoom_button = self._tool_button(
            tr("Zoom to"), tr("Zoom the map to the selected layer")
        )
        self.remove_button = self._tool_button(tr("Remove"), tr("Remove the selected layer"))
        self.add_button.clicked.connect(self.add_layer_requested)
        self.zoom_button.clicked.connect(self._zoom_to_current)
        self.remove_button.clicked.connect(self.remove_current_layer)

        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setToolTip(tr("Opacity of the selected layer (%)"))
        self.opacity_label = QLabel(tr("Opacity –"))
        self.opacity_label.setMinimumWidth(96)
        self.opacity_slider.valueChanged.connect(self._on_opacity_slider)

        buttons = QHBoxLayout()
        for button in (self.add_button, self.zoom_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(self.opacity_label)
        opacity_row.addWidget(self.opacity_slider, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list_view, 1)
        layout.addLayout(opacity_row)
        layout.addLayout(buttons)
        self.watcher.layer_changed.connect(self._on_layer_changed)
        self.watcher.layers_changed.connect(self._refresh_controls)
        self._refresh_controls()

    @staticmethod
    def _icon_size():
        from twin.ui.panels.swatches import SWATCH_SIZE

        return SWATCH_SIZE

    def _tool_button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def set_project(self, project: Project | None) -> None:
        """Show the layers of ``project``."""
        self.watcher.set_project(project)
        self.model.reset()
        if project is not None and project.layers:
            self.select_layer(project.layers[0])
        self._refresh_controls()

    def current_layer(self) -> Layer | None:
        """The selected layer, or None."""
        index = self.list_view.currentIndex()
        return self.model.layer_at(index.row()) if index.isValid() else None

    def select_layer(self, layer: Layer) -> None:
        """Select ``layer`` in the list."""
        row = self.model.row_of(layer)
        if row >= 0:
            self.list_view.setCurrentIndex(self.model.index(row))

    def remove_current_layer(self) -> None:
        """Remove the selected layer from the project."""
        layer = self.current_layer()
        if layer is not None and self.model.project is not None:
            row = self.model.row_of(layer)
            self.model.project.remove_layer(layer)
            if self.model.rowCount():
                self.list_view.setCurrentIndex(
                    self.model.index(min(row, self.model.rowCount() - 1))
                )
            else:
                self.current_layer_changed.emit(None)
            self._refresh_controls()

    def _zoom_to_current(self) -> None:
        layer = self.current_layer()
        if layer is not None:
            self.zoom_to_layer_requested.emit(layer)

    def _show_context_menu(self, position: QPoint) -> None:
        index = self.list_view.indexAt(position)
        menu = QMenu(self)
        if index.isValid():
            self.list_view.setCurrentIndex(index)
            menu.addAction(tr("Zoom to layer"), self._zoom_to_current)
            menu.addAction(tr("Rename"), lambda: self.list_view.edit(index))
            menu.addAction(tr("Remove"), self.remove_current_layer)
            menu.addSeparator()
        menu.addAction(tr("Add layer from file…"), self.add_layer_requested.emit)
        menu.popup(self.list_view.viewport().mapToGlobal(position))

    def _restore_current(self) -> None:
        """Layers came or went (a scenario's results, a file added): the selected layer
        stays selected, so the style editor and the opacity row keep showing it; if it is
        gone, they are told there is no selection."""
        kept = self._selected
        if kept is None:
            return
        if self.model.row_of(kept) >= 0:
            self.select_layer(kept)  # the same layer: the editors keep any unapplied edit
        else:
            self._on_current_changed()

    def _on_current_changed(self, *_args) -> None:
        layer = self.current_layer()
        same = layer is not None and layer is self._selected
        self._selected = layer
        self._refresh_controls()
        if not same:
            self.current_layer_changed.emit(layer)

    def _on_layer_changed(self, layer: Layer, what: str) -> None:
        if layer is self.current_layer() and what == "opacity":
            self._refresh_controls()

    def _refresh_controls(self) -> None:
        layer = self.current_layer()
        for widget in (self.zoom_button, self.remove_button, self.opacity_slider):
            widget.setEnabled(layer is not None)
        self.add_button.setEnabled(self.model.project is not None)
        percent = round(layer.opacity * 100) if layer is not None else 100
        if self.opacity_slider.value() != percent:
            self.opacity_slider.blockSignals(True)
            self.opacity_slider.setValue(percent)
            self.opacity_slider.blockSignals(False)
        self.opacity_label.setText(
            tr("Opacity {value} %").format(value=percent) if layer is not None else tr("Opacity –")
        )

    def _on_opacity_slider(self, value: int) -> None:
        layer = self.current_layer()
        if layer is not None:
            layer.opacity = value / 100.0
            self.opacity_label.setText(tr("Opacity {value} %").format(value=value))
