"""Citizen reports against a project's own baseline predictions (``twin reports check``).

Gathers the inputs of :mod:`twin.sim.reports` from a project: the baseline 4G+5G coverage
level of the radio engine, the PTAL places of the transit engine and the loading of the
grid's lines and transformers of the energy engine (each from the project's stored
results when it has them, else computed: see :func:`twin.sim.whatif.runner.
domain_result`), the communes and their households (summed from the buildings layer) and
the transit stops. A domain whose inputs are missing is reported as not compared, with
the reason. Qt-free.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from twin.errors import DataError
from twin.feedback import Feedback
from twin.i18n import tr
from twin.layers.raster import RasterLayer
from twin.layers.reports import reports_layer
from twin.layers.vector import VectorLayer
from twin.sim import reports as checks

DOMAINS = ("radio", "communes", "transit", "energy")


def _baseline_layers(project, domain: str, feedback: Feedback | None):
    from twin.sim.whatif.result import WhatIfOptions
    from twin.sim.whatif.runner import domain_result

    return domain_result(project, domain, [], WhatIfOptions(), feedback).layers


def _households_by_commune(project) -> pd.Series:
    for name in ("buildings", "population_grid"):
        try:
            frame = project.layer(name).frame
        except KeyError:
            continue
        if {"insee", "households"} <= set(frame.columns):
            values = pd.to_numeric(frame["households"], errors="coerce").fillna(0.0)
            return values.groupby(frame["insee"].astype(str)).sum()
    raise DataError(tr("no buildings or population grid with households per commune (insee)"))


def check_project(
    project, domains: tuple[str, ...] = DOMAINS, feedback: Feedback | None = None
) -> dict[str, Any]:
    """The reports-against-predictions table of ``project`` as JSON-ready dicts (counts of
    reports; commune figures through the privacy gate). DataError when the project has no
    reports."""
    layer = reports_layer(project)
    if layer is None or len(layer.frame) == 0:
        raise DataError(tr("this project has no citizen reports; import some first"))
    reports = layer.frame
    out: dict[str, Any] = {"reports": len(reports), "not_compared": {}}
    if "radio" in domains:
        try:
            levels = [
                item
                for item in _baseline_layers(project, "radio", feedback)
                if isinstance(item, RasterLayer) and item.name.endswith("4G+5G coverage level")
            ]
            if not levels:
                raise DataError(tr("the radio engine gave no 4G+5G coverage level"))
            out["mobile"] = checks.mobile_check(
                reports, levels[0].array, levels[0].transform
            ).to_json()
        except DataError as error:
            out["not_compared"]["mobile"] = str(error)
    if "communes" in domains:
        try:
            communes = project.layer("communes").frame
            key = "insee" if "insee" in communes.columns else communes.columns[0]
            communes = communes.assign(**{key: communes[key].astype(str)})
            out["communes"] = checks.reports_per_commune(
                reports, communes, _households_by_commune(project), key=key
            )
        except (KeyError, DataError) as error:
            out["not_compared"]["communes"] = str(error).strip("'\"")
    if "transit" in domains:
        try:
            stops = project.layer("transit_stops").frame
            ptal = [
                item.frame
                for item in _baseline_layers(project, "transit", feedback)
                if isinstance(item, VectorLayer) and "ptal" in item.frame.columns
            ]
            if not ptal:
                raise DataError(tr("the transit engine gave no PTAL"))
            out["transit"] = checks.transit_check(reports, stops, ptal[0]).to_json()
        except (KeyError, DataError) as error:
            out["not_compared"]["transit"] = str(error).strip("'\"")
    if "energy" in domains:
        try:
            frames = [
                item.frame
                for item in _baseline_layers(project, "energy", feedback)
                if isinstance(item, VectorLayer) and "loading_percent" in item.frame.columns
            ]
            if not frames:
                raise DataError(tr("the energy engine gave no loading of lines or transformers"))
            elements = gpd.GeoDataFrame(
                pd.concat(frames, ignore_index=True), geometry="geometry", crs=project.crs
            )
            out["energy"] = checks.energy_check(reports, elements).to_json()
        except DataError as error:
            out["not_compared"]["energy"] = str(error)
    return out
