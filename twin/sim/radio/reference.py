"""twin's predicted coverage against Arcep's published maps: agreement and extra-loss fit.

Both sides are read at the same people points (building or grid-cell centres, persons and
households of :class:`twin.sim.radio.population.PopulationPoints`): twin's level is the level
of the coverage pixel holding the point (RSRP thresholds, dBm), Arcep's the best level of
the ``coverage_reference`` polygons holding it. A uniform extra loss L (dB, e.g. indoor
penetration or clutter the model lacks) lowers every RSRP by L without changing the best
server, so the level with L is ``coverage_level(best_rsrp - L)``: :func:`calibrate_extra_loss`
scans L and keeps the value where most persons get Arcep's level. Every people figure goes
through the privacy rule (fewer than 11 households: masked).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.opendata.arcep import level_agreement, reference_levels
from twin.layers.opendata.tables import plain
from twin.layers.privacy import MASKED_TEXT, is_disclosable
from twin.sim.radio.coverage import coverage_level

LOSSES_DB = tuple(float(v) for v in np.arange(-10.0, 20.5, 1.0))  # dB, scanned by default


@dataclass
class _Points:
    predicted_rsrp: np.ndarray  # dBm at each point, -inf where no signal / outside
    reference: np.ndarray  # Arcep level 0-3
    persons: np.ndarray
    households: np.ndarray
    zones: np.ndarray


def _points(project, coverage, technology: str, operator: str | None) -> _Points:
    from twin.sim.radio.project_coverage import find_layer

    layer = find_layer(project, "coverage_reference")
    if layer is None:
        raise DataError(tr("the project has no coverage_reference layer (Arcep coverage map)"))
    if coverage.counter is None:
        raise DataError(tr("the project has no people (buildings or population_grid) to compare"))
    frame = layer.frame
    if operator:
        frame = frame[frame["operator"].map(plain) == plain(operator)]
        if len(frame) == 0:
            raise DataError(
                tr("no Arcep coverage polygon of operator {operator!r}").format(operator=operator)
            )
    counter = coverage.counter
    points = counter.points
    rsrp = coverage.result.best_rsrp.reshape(-1)
    values = np.where(counter.inside, rsrp[np.where(counter.inside, counter.flat, 0)], -np.inf)
    values = np.where(np.isfinite(values), values, -np.inf)
    households = points.households if points.households is not None else np.asarray(points.persons)
    return _Points(
        values,
        reference_levels(points.x, points.y, frame, technology),
        np.asarray(points.persons, dtype=float),
        np.asarray(households, dtype=float),
        np.asarray(points.zone_names, dtype=object)[points.zone_index],
    )


def agreement_by_commune(
    project,
    coverage,
    technology: str = "4G",
    operator: str | None = None,
    extra_loss_db: float = 0.0,
) -> list[dict]:
    """Per commune: persons where twin's level (with ``extra_loss_db``, dB) equals Arcep's
    ``technology`` level, is higher or lower, and persons per level on each side."""
    data = _points(project, coverage, technology, operator)
    thresholds = coverage.result.parameters.get("thresholds_dbm", (-115.0, -105.0, -95.0))
    predicted = coverage_level(data.predicted_rsrp - extra_loss_db, thresholds)
    return level_agreement(predicted, data.reference, data.persons, data.households, data.zones)


def calibrate_extra_loss(
    project,
    coverage,
    technology: str = "4G",
    operator: str | None = None,
    losses_db=LOSSES_DB,
) -> dict:
    """The extra loss (dB) in ``losses_db`` that gives the most persons Arcep's level, with
    the persons in agreement for each loss tried (a point is masked when it rests on fewer
    than 11 households, or when it differs from a point shown before it by fewer than 11
    households: see :func:`_publishable_curve`)."""
    data = _points(project, coverage, technology, operator)
    thresholds = coverage.result.parameters.get("thresholds_dbm", (-115.0, -105.0, -95.0))
    scores, agreeing = [], []
    for loss in losses_db:
        predicted = coverage_level(data.predicted_rsrp - float(loss), thresholds)
        agreeing.append(predicted == data.reference)
        scores.append(float(data.persons[agreeing[-1]].sum()))
    best = int(np.argmax(scores))  # first maximum: the smallest loss reaching it
    shown = _publishable_curve(agreeing, data.households)
    return {
        "technology": technology,
        "operator": operator,
        "best_extra_loss_db": float(losses_db[best]),
        "persons_in_agreement": {
            f"{float(loss):g}": (score if show else MASKED_TEXT)
            for loss, score, show in zip(losses_db, scores, shown, strict=True)
        },
        "persons_total": (
            float(data.persons.sum())
            if is_disclosable({"households": float(data.households.sum())})
            else MASKED_TEXT
        ),
    }


def _publishable_curve(agreeing: list[np.ndarray], households: np.ndarray) -> list[bool]:
    """Which points of the persons-in-agreement curve may be published: each rests on at
    least 11 households (or none), and differs from every point published before it by the
    households of at least 11 homes (or by none), so that subtracting two published points
    never gives a figure resting on fewer households (the differencing rule of
    :func:`twin.layers.privacy.publish_delta`)."""
    from twin.layers.privacy import rests_on_enough

    shown: list[bool] = []
    published: list[np.ndarray] = []
    for where in agreeing:
        ok = rests_on_enough(None, float(households[where].sum()))
        for other in published:
            moved = float(households[where != other].sum())
            ok = ok and rests_on_enough(None, moved)
        shown.append(ok)
        if ok:
            published.append(where)
    return shown
