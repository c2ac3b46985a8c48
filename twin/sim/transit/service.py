"""Service levels of a GTFS feed: departures per hour per stop and per route.

A *departure* is a stop time of a trip running on the chosen service day whose departure
time falls in the window ``[start, end)``, at which passengers may board (``pickup_type``
is not 1) and which is not the trip's last stop (arriving there is not a departure).
Trips of the previous service day whose times pass 24:00:00 are counted in the early hours
of the chosen day, as GTFS intends. Which services run on a day follows GTFS: calendar.txt
(weekday flags within start_date..end_date) then calendar_dates.txt exceptions (1 adds the
service on that date, 2 removes it).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.gtfs_tables import WEEKDAYS
from twin.layers.transit import TransitNetwork

DAY_S = 86400


def clock_seconds(text: str | int | float) -> float:
    """ "HH:MM" or "HH:MM:SS" (hours may pass 24) to seconds after midnight; numbers pass."""
    if isinstance(text, int | float):
        return float(text)
    parts = str(text).strip().split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if (
        len(numbers) not in (2, 3)
        or any(n < 0 for n in numbers)
        or numbers[1] >= 60
        or (len(numbers) == 3 and numbers[2] >= 60)
    ):
        raise DataError(tr("'{text}' is not a time of day HH:MM or HH:MM:SS").format(text=text))
    return float(numbers[0] * 3600 + numbers[1] * 60 + (numbers[2] if len(numbers) == 3 else 0))


def parse_date(text: str | dt.date) -> dt.date:
    """A date given as YYYY-MM-DD (or YYYYMMDD, or a date) as :class:`datetime.date`."""
    if isinstance(text, dt.date):
        return text
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(str(text).strip(), pattern).date()
        except ValueError:
            continue
    raise DataError(tr("'{text}' is not a date YYYY-MM-DD").format(text=text))


def active_services(network: TransitNetwork, day: dt.date | str) -> set[str]:
    """service_ids running on ``day`` (calendar weekday and range, then calendar_dates)."""
    day = parse_date(day)
    active: set[str] = set()
    if network.calendar is not None and len(network.calendar):
        calendar = network.calendar
        runs = (
            (calendar[WEEKDAYS[day.weekday()]] == 1)
            & (calendar["start_date"] <= day)
            & (calendar["end_date"] >= day)
        )
        active = set(calendar.loc[runs, "service_id"])
    if network.calendar_dates is not None and len(network.calendar_dates):
        today = network.calendar_dates[network.calendar_dates["date"] == day]
        active |= set(today.loc[today["exception_type"] == 1, "service_id"])
        active -= set(today.loc[today["exception_type"] == 2, "service_id"])
    return active


def feed_dates(network: TransitNetwork) -> tuple[dt.date, dt.date] | None:
    """First and last date the feed's calendar covers, or None for an empty calendar."""
    dates: list[dt.date] = []
    if network.calendar is not None and len(network.calendar):
        dates += [min(network.calendar["start_date"]), max(network.calendar["end_date"])]
    if network.calendar_dates is not None and len(network.calendar_dates):
        dates += [min(network.calendar_dates["date"]), max(network.calendar_dates["date"])]
    return (min(dates), max(dates)) if dates else None


def departures(
    network: TransitNetwork,
    day: dt.date | str,
    start: str | float = "00:00",
    end: str | float = "24:00",
) -> pd.DataFrame:
    """Every boarding departure on ``day`` in ``[start, end)``.

    Columns: trip_id, route_id, direction_id ("" if the feed has none), stop_id, time_s
    (seconds after midnight of ``day``).
    """
    day = parse_date(day)
    start_s, end_s = clock_seconds(start), clock_seconds(end)
    if end_s <= start_s:
        raise DataError(
            tr("the time window {start}-{end} is empty (end must be after start)").format(
                start=start, end=end
            )
        )
    trips = network.trips
    columns = ["trip_id", "route_id", "service_id"]
    trip_table = trips[columns].copy()
    trip_table["direction_id"] = trips.get("direction_id", "")
    stop_times = network.stop_times
    last = stop_times.groupby("trip_id")["stop_sequence"].transform("max")
    boarding = stop_times[(stop_times["pickup_type"] != 1) & (stop_times["stop_sequence"] != last)]
    pieces = []
    for offset, service_day in ((0, day), (DAY_S, day - dt.timedelta(days=1))):
        running = trip_table[trip_table["service_id"].isin(active_services(network, service_day))]
        times = boarding["departure_s"].to_numpy() - offset
        in_window = boarding[(times >= start_s) & (times < end_s)]
        if offset:
            in_window = in_window.assign(departure_s=in_window["departure_s"] - offset)
        pieces.append(in_window.merge(running, on="trip_id"))
    events = pd.concat(pieces, ignore_index=True)
    return pd.DataFrame(
        {
            "trip_id": events["trip_id"].to_numpy(),
            "route_id": events["route_id"].to_numpy(),
            "direction_id": events["direction_id"].astype(str).to_numpy(),
            "stop_id": events["stop_id"].to_numpy(),
            "time_s": events["departure_s"].to_numpy(dtype=float),
        }
    )


def _hours(start: str | float, end: str | float) -> float:
    return (clock_seconds(end) - clock_seconds(start)) / 3600.0


def stop_service_levels(
    network: TransitNetwork,
    day: dt.date | str,
    start: str | float = "08:15",
    end: str | float = "09:15",
) -> pd.DataFrame:
    """Departures per stop in the window: stop_id, departures (count), departures_per_hour,
    routes (number of distinct routes). Every stop of the stops layer is listed (0 if idle)."""
    events = departures(network, day, start, end)
    grouped = events.groupby("stop_id").agg(
        departures=("trip_id", "size"), routes=("route_id", "nunique")
    )
    stops = network.stops.frame["stop_id"]
    table = grouped.reindex(stops.to_numpy(), fill_value=0).rename_axis("stop_id").reset_index()
    table["departures_per_hour"] = table["departures"] / _hours(start, end)
    return table


def route_stop_frequencies(
    network: TransitNetwork,
    day: dt.date | str,
    start: str | float = "08:15",
    end: str | float = "09:15",
) -> pd.DataFrame:
    """Frequency of each route at each stop: stop_id, route_id, mode, departures_per_hour.

    Where a route serves a stop in both directions the busier direction is taken (TfL PTAL:
    "where service levels differ in each direction on a route, the highest frequency is
    taken").
    """
    events = departures(network, day, start, end)
    per_direction = events.groupby(["stop_id", "route_id", "direction_id"]).size()
    best = per_direction.groupby(level=["stop_id", "route_id"]).max().rename("departures")
    table = best.reset_index()
    table["departures_per_hour"] = table["departures"] / _hours(start, end)
    table["mode"] = table["route_id"].map(network.route_modes()).fillna("other")
    return table[["stop_id", "route_id", "mode", "departures_per_hour"]]


def route_service_levels(
    network: TransitNetwork,
    day: dt.date | str,
    start: str | float = "08:15",
    end: str | float = "09:15",
) -> pd.DataFrame:
    """Per route: route_id, route_short_name, mode, trips (distinct trips with a departure in
    the window), departures_per_hour (at the route's busiest stop and direction) and
    headway_min (60 / departures_per_hour, NaN when idle)."""
    events = departures(network, day, start, end)
    per_stop = events.groupby(["route_id", "direction_id", "stop_id"]).size()
    busiest = per_stop.groupby(level="route_id").max()
    trips = events.groupby("route_id")["trip_id"].nunique()
    routes = network.routes.frame[["route_id", "route_short_name", "mode"]].copy()
    routes["trips"] = routes["route_id"].map(trips).fillna(0).astype(int)
    per_hour = routes["route_id"].map(busiest).fillna(0).to_numpy(dtype=float) / _hours(start, end)
    routes["departures_per_hour"] = per_hour
    with np.errstate(divide="ignore"):
        routes["headway_min"] = np.where(per_hour > 0, 60.0 / np.maximum(per_hour, 1e-12), np.nan)
    return routes.reset_index(drop=True)
