"""The territory's outline, and coverage levels drawn inside it only.

A coverage grid is a rectangle around the territory: beyond the communes it would paint the
neighbouring countryside as a red "no coverage" field that hides the territory's own gaps.
Every map (the app, ``twin render``/``simulate``/``present`` pages) therefore shows the level
rasters inside the communes only; outside, the pixels hold a value no style class draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Value of a level pixel outside the territory (uint8 levels; no class: not drawn).
OUTSIDE_LEVEL = 255
#: Value of a level-change pixel outside the territory (int8 changes; not drawn).
OUTSIDE_CHANGE = -128


def territory_outline(project) -> list | None:
    """The communes' geometries of ``project`` (None when it has no communes layer)."""
    try:
        frame = project.layer("communes").frame
    except (KeyError, AttributeError):
        return None
    geometries = [g for g in frame.geometry.values if g is not None and not g.is_empty]
    return geometries or None


def inside_mask(geometries: list, shape: tuple[int, int], transform: Any) -> np.ndarray:
    """Boolean raster (``shape``, ``transform``): True inside ``geometries``."""
    from rasterio.features import geometry_mask

    return geometry_mask(geometries, out_shape=shape, transform=transform, invert=True)


def level_inside(level: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """``level`` (uint8) with the pixels outside set to :data:`OUTSIDE_LEVEL`."""
    return np.where(inside, level, np.uint8(OUTSIDE_LEVEL)).astype(np.uint8)


def clip_level_layers(layers: list, geometries: list | None, masks: dict | None = None) -> list:
    """``layers`` with every coverage-level raster (``unit == "level"``) drawn inside
    ``geometries`` only (copies; other layers unchanged). None: ``layers`` as they are.
    ``masks`` caches the masks by grid between calls (a scenario and its baseline)."""
    if not geometries:
        return layers
    from twin.layers.raster import RasterLayer

    masks = {} if masks is None else masks
    out = []
    for layer in layers:
        if not isinstance(layer, RasterLayer) or layer.unit != "level" or layer.array.ndim != 2:
            out.append(layer)
            continue
        key = (layer.array.shape, tuple(layer.transform)[:6])
        if key not in masks:
            masks[key] = inside_mask(geometries, layer.array.shape, layer.transform)
        outside = OUTSIDE_LEVEL if layer.array.dtype == np.uint8 else OUTSIDE_CHANGE
        array = np.where(masks[key], layer.array, layer.array.dtype.type(outside))
        clipped = layer.with_array(array)
        clipped.visible, clipped.opacity = layer.visible, layer.opacity
        out.append(clipped)
    return out
