"""The values of a travel-time query (:mod:`twin.sim.transit.travel`): the modes, the
speeds and limits of a journey (:class:`TravelParameters`, metres and seconds), the
departure window (:class:`Window`, clock times and minutes), the travel times found
(:class:`TravelResult`, seconds) and the opportunities reached within thresholds
(:func:`reach_within`, minutes). Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.errors import DataError
from twin.i18n import tr
from twin.sim.transit.service import clock_seconds

MODES = ("walk", "bike", "transit", "bike_and_ride", "park_and_ride")


@dataclass(frozen=True)
class TravelParameters:
    """Speeds (m/s), limits (s, m) and the number of vehicles of a journey (see module)."""

    walk_m_per_s: float = 80.0 / 60.0
    bike_m_per_s: float = 15.0 / 3.6
    car_m_per_s: float = 30.0 / 3.6
    max_access_walk_s: float = 15 * 60.0
    max_transfer_walk_s: float = 5 * 60.0
    max_ride_access_s: float = 20 * 60.0
    bike_park_s: float = 120.0
    car_park_s: float = 300.0
    max_rounds: int = 4
    max_duration_s: float = 90 * 60.0
    max_connector_m: float = 500.0

    def __post_init__(self) -> None:
        for name in ("walk_m_per_s", "bike_m_per_s", "car_m_per_s", "max_duration_s"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise DataError(
                    tr("travel parameter {name} = {value}: must be positive").format(
                        name=name, value=value
                    )
                )
        if not 1 <= self.max_rounds <= 10:
            raise DataError(
                tr("travel parameter max_rounds = {max_rounds}: allowed 1-10").format(
                    max_rounds=self.max_rounds
                )
            )


@dataclass
class Window:
    """Departure minutes: ``start`` (clock time) for ``minutes`` minutes, every ``step_min``."""

    start: str = "07:00"
    minutes: int = 120
    step_min: int = 1

    def times(self) -> np.ndarray:
        """Departure times in seconds after midnight, ascending."""
        if not 1 <= self.minutes <= 24 * 60:
            raise DataError(
                tr("departure window of {minutes} min: allowed 1-1440 min").format(
                    minutes=self.minutes
                )
            )
        if self.step_min < 1:
            raise DataError(
                tr("departure step of {step_min} min: must be at least 1").format(
                    step_min=self.step_min
                )
            )
        first = clock_seconds(self.start)
        return first + 60.0 * np.arange(0, self.minutes, self.step_min, dtype=np.float64)


@dataclass
class TravelResult:
    """Travel times (s, float32) from one origin to the destinations over the window:
    ``median``, ``p5``, ``p95`` (``inf``: not reachable within the maximum duration) and
    ``per_departure`` (departures x destinations)."""

    departures_s: np.ndarray
    per_departure: np.ndarray
    median: np.ndarray
    p5: np.ndarray
    p95: np.ndarray

    def within(self, minutes: float) -> np.ndarray:
        """Destinations whose median travel time is at most ``minutes``."""
        return self.median <= minutes * 60.0


@dataclass
class Reach:
    """Opportunities reachable from one origin within each threshold (median time)."""

    minutes: tuple[int, ...]
    totals: dict[str, dict[int, float]] = field(default_factory=dict)


def reach_within(
    result: TravelResult, weights: dict[str, np.ndarray], minutes=(10, 20, 30, 45, 60)
) -> Reach:
    """Sum of each weight (persons, premises, jobs...) over the destinations whose median
    travel time is at most each number of minutes."""
    reach = Reach(tuple(int(m) for m in minutes))
    for name, values in weights.items():
        values = np.asarray(values, dtype=float)
        reach.totals[name] = {m: float(values[result.within(m)].sum()) for m in reach.minutes}
    return reach
