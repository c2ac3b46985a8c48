"""Bookmarks (the project's saved views): add the current view, go to one, remove one."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from twin.i18n import tr
from twin.project import Project, View
from twin.ui.project.watcher import ProjectWatcher


class BookmarkMenu(QMenu):
    """The "Bookmarks" menu: "Add current view…", then "Go to" and "Remove" submenus listing
    the project's views (boxes in project metres), kept in step with ``project.views``.
    """

    def __init__(self, canvas: Any, parent: QWidget | None = None) -> None:
        super().__init__(tr("&Bookmarks"), parent)
        self.canvas = canvas
        self.watcher = ProjectWatcher(parent=self)
        self.watcher.views_changed.connect(self.rebuild)
        self.add_action = self.addAction(tr("&Add current view…"), self._ask_and_add)
        self.add_action.setShortcut("Ctrl+B")
        self.go_to_menu = self.addMenu(tr("&Go to"))
        self.remove_menu = self.addMenu(tr("&Remove"))
        self.rebuild()

    @property
    def project(self) -> Project | None:
        """The project whose views are listed."""
        return self.watcher.project

    def set_project(self, project: Project | None) -> None:
        """List the views of ``project``."""
        self.watcher.set_project(project)
        self.rebuild()

    def add_current_view(self, name: str) -> View | None:
        """Save the canvas's current view box under ``name`` (replaces a view of that name)."""
        if self.project is None or not name.strip():
            return None
        bbox = tuple(float(v) for v in self.canvas.view_bbox())
        view = View(name.strip(), bbox)  # type: ignore[arg-type]
        self.project.add_view(view)
        return view

    def go_to(self, name: str) -> None:
        """Zoom the canvas to the saved view ``name``."""
        for view in self.project.views if self.project else []:
            if view.name == name:
                self.canvas.zoom_to_bbox(view.bbox)
                return

    def remove(self, name: str) -> None:
        """Forget the saved view ``name``."""
        if self.project is not None:
            self.project.remove_view(name)

    def rebuild(self) -> None:
        """Refresh the submenus from the project's views."""
        self.go_to_menu.clear()
        self.remove_menu.clear()
        views = self.project.views if self.project else []
        for view in views:
            self.go_to_menu.addAction(view.name, lambda name=view.name: self.go_to(name))
            self.remove_menu.addAction(view.name, lambda name=view.name: self.remove(name))
        self.go_to_menu.setEnabled(bool(views))
        self.remove_menu.setEnabled(bool(views))
        self.add_action.setEnabled(self.project is not None)

    def _ask_and_add(self) -> None:
        if self.project is None:
            return
        default = f"View {len(self.project.views) + 1}"
        name, accepted = QInputDialog.getText(
            self.parentWidget(), tr("Add bookmark"), tr("Name of this view:"), text=default
        )
        if accepted:
            self.add_current_view(name)
