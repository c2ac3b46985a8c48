"""Physical ranges of scenario fields, declared once, and the checks interventions run.

:class:`Limit` is the allowed range of one numeric field (with its unit); the constants
below are shared by the interventions of :mod:`twin.scenario`. A value out of range raises
a one-line :class:`~twin.errors.DataError` naming the field, its value and the range.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from numbers import Real
from typing import Any

from twin.errors import DataError
from twin.i18n import N_, tr


@dataclass(frozen=True)
class Limit:
    """The physical range of one numeric field: ``low`` to ``high`` in ``unit`` (inclusive;
    ``above_low``: strictly above ``low``), ``integer`` when only whole numbers make sense,
    ``optional`` when None is allowed (meaning "the engine's default")."""

    low: float
    high: float
    unit: str = ""
    integer: bool = False
    optional: bool = False
    above_low: bool = False

    def describe(self) -> str:
        """The allowed range in words, e.g. ``0.5 to 300 m``."""
        unit = f" {self.unit}" if self.unit else ""
        low = f"more than {self.low:g}" if self.above_low else f"{self.low:g}"
        kind = "whole numbers " if self.integer else ""
        return f"{kind}{low} to {self.high:g}{unit}"

    def check(self, where: str, name: str, value: Any) -> None:
        """DataError naming ``where``, the field, its value and the range when ``value`` is
        not a number in the range."""
        if value is None and self.optional:
            return
        is_number = isinstance(value, Real) and not isinstance(value, bool)
        ok = (
            is_number
            and math.isfinite(float(value))
            and (float(value) > self.low if self.above_low else float(value) >= self.low)
            and float(value) <= self.high
            and (not self.integer or float(value).is_integer())
        )
        if not ok:
            raise DataError(
                tr("{where}: {name} = {value!r} is not allowed (allowed: {allowed})").format(
                    where=where, name=name, value=value, allowed=self.describe()
                )
            )


# Ranges declared once per quantity (used by several interventions).
COORDINATE = Limit(-1e8, 1e8, "m")  # finite, projected metres; the extent is checked apart
HEIGHT = Limit(0.5, 300.0, "m above ground")
MONEY = Limit(0.0, 1e12, "EUR")
AZIMUTH = Limit(0.0, 360.0, "degrees")
BAND = Limit(400.0, 100_000.0, "MHz")
POWER_DBM = Limit(0.0, 80.0, "dBm")
BANDWIDTH = Limit(0.0, 400.0, "MHz", above_low=True)
TILT = Limit(-90.0, 90.0, "degrees")
GAIN = Limit(-10.0, 30.0, "dBi")
BUS = Limit(0, 1e9, "bus id", integer=True)
CELL_LIMITS = {
    "azimuth_deg": AZIMUTH,
    "band_mhz": BAND,
    "tx_power_dbm": POWER_DBM,
    "bandwidth_mhz": BANDWIDTH,
    "mechanical_tilt_deg": TILT,
    "electrical_tilt_deg": TILT,
    "antenna_gain_dbi": GAIN,
    "height_m": HEIGHT,
}
"""Ranges of the cell parameters a new site or a cell edit may set."""
TIME = re.compile(r"^(\d{1,2}):([0-5]\d):([0-5]\d)$")


def check_limits(item: Any, where: str) -> None:
    for name, limit in type(item).limits.items():
        limit.check(where, name, getattr(item, name))
    for spec in fields(item):  # text fields must be text (annotations are strings here)
        value = getattr(item, spec.name)
        if spec.type == "str" and not isinstance(value, str):
            raise DataError(
                tr("{where}: {spec_name} = {value!r} is not allowed (allowed: text)").format(
                    where=where, spec_name=spec.name, value=value
                )
            )


_TOO_FEW_POINTS = {  # (is a polygon, minimum): the message, translated where raised
    (True, "two"): N_("{where}: {name} needs at least two corners (x, y in metres)"),
    (True, "three"): N_("{where}: {name} needs at least three corners (x, y in metres)"),
    (False, "two"): N_("{where}: {name} needs at least two points (x, y in metres)"),
    (False, "three"): N_("{where}: {name} needs at least three points (x, y in metres)"),
}


def check_points(where: str, name: str, points: Any, minimum: str) -> None:
    count = {"two": 2, "three": 3}[minimum]
    if not isinstance(points, (tuple, list)) or len(points) < count:
        message = _TOO_FEW_POINTS[(name == "polygon", minimum)]
        raise DataError(tr(message).format(where=where, name=name))
    for point in points:
        if not isinstance(point, (tuple, list)) or len(point) != 2:
            raise DataError(
                tr("{where}: {name} has {point!r}, not an (x, y) pair in metres").format(
                    where=where, name=name, point=point
                )
            )
        for value in point:
            COORDINATE.check(where, name, value)


def check_service_times(where: str, start: Any, end: Any) -> None:
    """DataError unless ``start`` and ``end`` are GTFS times HH:MM:SS (hours up to 47) with
    ``end`` after ``start``."""
    seconds = []
    for name, value in (("service_start", start), ("service_end", end)):
        match = TIME.match(value) if isinstance(value, str) else None
        if match is None or int(match.group(1)) > 47:
            raise DataError(
                tr(
                    "{where}: {name} = {value!r} is not allowed (allowed: HH:MM:SS "
                    "from 00:00:00 to 47:59:59)"
                ).format(where=where, name=name, value=value)
            )
        hours, minutes, secs = (int(g) for g in match.groups())
        seconds.append(hours * 3600 + minutes * 60 + secs)
    if seconds[1] <= seconds[0]:
        raise DataError(
            tr(
                "{where}: service_end = {end!r} is not allowed (allowed: after "
                "service_start {start})"
            ).format(where=where, end=end, start=start)
        )
