"""What the compare views draw: one map project per scenario (its result layers over the
baseline's data layers), the choice of the result layer shown, and view synchronisation."""

from __future__ import annotations

from PySide6.QtCore import QObject

from twin.layers.base import Layer
from twin.layers.difference import base_name
from twin.layers.raster import RasterLayer
from twin.layers.territory import inside_mask, territory_outline
from twin.layers.vector import VectorLayer
from twin.project import Project

DEFAULT_THEMES = ("4G+5G coverage level", "5G coverage level", "4G coverage level")
# result rasters drawn half transparent on both sides (as the main map's coverage) so the
# base layers show through them alike
RESULT_RASTER_OPACITY = 0.55


def copy_layer(layer: Layer, visible: bool = True) -> Layer:
    """A new layer object sharing ``layer``'s data, style, provenance and id, so the
    compare maps can show or hide it without touching the main map's layer (and a story
    step names it by its id, as in the exports)."""
    if isinstance(layer, RasterLayer):
        copy: Layer = layer.with_array(layer.array)
        copy.id = layer.id
    elif isinstance(layer, VectorLayer):
        copy = VectorLayer(
            layer.name,
            layer.frame,
            style=layer.style,
            provenance=layer.provenance,
            crs=layer.crs,
            layer_id=layer.id,
        )
    else:
        raise TypeError(f"cannot copy {type(layer).__name__}")
    copy.visible = visible and layer.visible
    copy.opacity = layer.opacity
    return copy


def is_result_layer(layer: Layer) -> bool:
    """True for a layer a scenario simulation made (its provenance names a scenario)."""
    return "scenario" in layer.provenance.parameters


def inside_territory(layer: RasterLayer, territory: list | None, masks: dict) -> RasterLayer:
    """A copy of result raster ``layer`` drawn inside ``territory`` only (pixels outside
    set to no data), at :data:`RESULT_RASTER_OPACITY`; ``masks`` caches the masks by grid.
    Both sides of a comparison get the same treatment, whichever engine made the raster."""
    array = layer.array
    if territory is not None:
        import numpy as np

        key = (array.shape, tuple(layer.transform)[:6])
        if key not in masks:
            masks[key] = inside_mask(territory, array.shape, layer.transform)
        inside = masks[key]
        if layer.nodata is not None and not (
            isinstance(layer.nodata, float) and np.isnan(layer.nodata)
        ):
            outside_value = layer.nodata
        elif array.dtype.kind == "f":
            outside_value = np.nan
        else:
            outside_value = np.iinfo(array.dtype).max  # no class: not drawn
        array = np.where(inside, array, np.asarray(outside_value, dtype=array.dtype))
    copy = layer.with_array(array)
    copy.visible = layer.visible
    copy.opacity = min(layer.opacity, RESULT_RASTER_OPACITY)
    return copy


def scenario_project(
    baseline: Project | None, result_layers: list[Layer], masks: dict | None = None
) -> Project:
    """A map project of one scenario: copies of ``result_layers`` on top of the baseline's
    data layers (shared, read-only; earlier results left in the baseline are skipped).
    Result rasters are drawn inside the territory only and half transparent, the same for
    every scenario (``masks``: a cache of territory masks shared between the scenarios)."""
    crs = baseline.crs if baseline is not None else None
    if crs is None:
        crs = next((layer.crs for layer in result_layers if layer.crs is not None), "EPSG:2154")
    project = Project(crs=crs)
    base_layers = [] if baseline is None else baseline.layers
    base_layers = [layer for layer in base_layers if not is_result_layer(layer)]
    for layer in reversed(base_layers):
        project.add_layer(layer, index=0)
    territory = territory_outline(baseline) if baseline is not None else None
    masks = {} if masks is None else masks
    for layer in reversed(result_layers):
        if isinstance(layer, RasterLayer):
            copy = inside_territory(layer, territory, masks)
        else:
            copy = copy_layer(layer)
        project.add_layer(copy, index=0)
    return project


def result_themes(*layer_lists: list[Layer]) -> list[str]:
    """Result layer names (without scenario prefix) present in every list, in the order of
    the first list."""
    if not layer_lists:
        return []
    names = [base_name(layer.name) for layer in layer_lists[0]]
    common = set(names)
    for layers in layer_lists[1:]:
        common &= {base_name(layer.name) for layer in layers}
    return list(dict.fromkeys(name for name in names if name in common))


def default_theme(themes: list[str]) -> str | None:
    """The theme shown first: the combined coverage level when there is one."""
    for theme in DEFAULT_THEMES:
        if theme in themes:
            return theme
    return themes[0] if themes else None


def show_theme(project: Project, theme: str | None) -> None:
    """Show only the result layer named ``theme`` (without prefix) among the project's
    result layers; difference layers and data layers are left as they are."""
    for layer in project.layers:
        if is_result_layer(layer) and layer.provenance.source != "engine:difference":
            layer.visible = base_name(layer.name) == theme


class ViewLink(QObject):
    """Keeps two MapCanvas showing the same place at the same scale: when one's view
    changes (pan, zoom), the other gets the same centre and metres per pixel."""

    def __init__(self, first, second, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvases = (first, second)
        self._syncing = False
        first.view_changed.connect(lambda _bbox: self._follow(first, second))
        second.view_changed.connect(lambda _bbox: self._follow(second, first))

    def _follow(self, source, target) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            align(source, target)
        finally:
            self._syncing = False


def place_of(canvas) -> tuple[float, float, float]:
    """Where ``canvas`` looks: its centre x, y (metres) and its metres per pixel."""
    minx, miny, maxx, maxy = canvas.view_bbox()
    return (minx + maxx) / 2, (miny + maxy) / 2, canvas.map_units_per_pixel()


def align(source, target) -> None:
    """Give ``target`` the centre and metres-per-pixel of ``source``."""
    set_place(target, *place_of(source))


def set_place(target, cx: float, cy: float, per_pixel: float) -> None:
    """Centre ``target`` on (``cx``, ``cy``) metres at ``per_pixel`` metres per pixel,
    whatever its size (a box fitted into a differently shaped map would change the scale)."""
    width = max(1.0, target.view_box.width())
    height = max(1.0, target.view_box.height())
    half_w, half_h = width * per_pixel / 2, height * per_pixel / 2
    target.view_box.setRange(
        xRange=(cx - half_w, cx + half_w), yRange=(cy - half_h, cy + half_h), padding=0.0
    )
