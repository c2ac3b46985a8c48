"""The ``fiber_premises`` layer both Arcep building files give (Cartefibre and Ma
connexion internet): points with ``fiber_status`` and ``premises``, styled eligible / not
eligible."""

from __future__ import annotations

import geopandas as gpd

from twin.layers.provenance import Provenance
from twin.layers.style import Category, Style
from twin.layers.vector import VectorLayer


def fiber_premises_layer(frame: gpd.GeoDataFrame, provenance: Provenance) -> VectorLayer:
    """The ``fiber_premises`` layer (points in the project CRS with fiber_status and
    premises), styled eligible / not eligible, as both Arcep building files give it."""
    style = Style(
        kind="categorized",
        column="fiber_status",
        categories=(
            Category("eligible", "#009E73", "FTTH eligible"),
            Category("not-eligible", "#D55E00", "not eligible"),
        ),
        point_size=5.0,
    )
    return VectorLayer("FTTH premises (Arcep)", frame, style, provenance, layer_id="fiber_premises")
