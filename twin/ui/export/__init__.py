"""Exports of maps out of the app: the Qt painter of page layouts and the export dialog."""

from twin.ui.export.painter import export_layout, layout_image, paint_layout

__all__ = ["export_layout", "layout_image", "paint_layout"]
