"""Public Transport Accessibility Level (PTAL), Transport for London's method.

Reference: Transport for London, "Assessing transport connectivity in London" (2015), the
PTAL method. For a location (point of interest, POI):

1. service access points (SAPs) within a walk of 640 m (bus) or 960 m (rail, metro, tram)
   along the street network; walk time = distance / 80 m/min (4.8 km/h);
2. frequency of each route at each SAP in the AM peak 08:15-09:15 (departures/hour; where
   the two directions differ, the busier one);
3. scheduled waiting time SWT = 0.5 x 60 / frequency (min); reliability allowance 2 min bus,
   0.75 min rail/metro/tram; total access time TAT = walk + SWT + reliability (min);
4. equivalent doorstep frequency EDF = 0.5 x 60 / TAT; per route only its best SAP counts;
5. per mode: AI_mode = EDF_max + 0.5 x sum(other EDFs); accessibility index AI = sum over
   modes; PTAL band from AI: 0 (AI = 0), 1a (0.01-2.5), 1b (2.51-5), 2 (5.01-10),
   3 (10.01-15), 4 (15.01-20), 5 (20.01-25), 6a (25.01-40), 6b (> 40).

Validity: TfL calibrated the bands on London; elsewhere PTAL is a relative, comparable
index, not a travel-time measure. Modes other than bus, tram, metro and rail (ferries,
aerial lifts, funiculars) are left out, as TfL leaves out river services; coaches and
trolleybuses count as buses (see :attr:`PtalParameters.mode_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: PTAL bands as (label, AI upper bound inclusive); "0" is AI == 0 exactly.
PTAL_BANDS: tuple[tuple[str, float], ...] = (
    ("1a", 2.5),
    ("1b", 5.0),
    ("2", 10.0),
    ("3", 15.0),
    ("4", 20.0),
    ("5", 25.0),
    ("6a", 40.0),
    ("6b", np.inf),
)
BAND_ORDER: tuple[str, ...] = ("0", *(label for label, _ in PTAL_BANDS))


@dataclass(frozen=True)
class PtalParameters:
    """Parameters of the PTAL method (TfL 2015 defaults); override any of them.

    ``walk_speed_m_per_min`` (m/min, 80 = 4.8 km/h); ``max_walk_m`` per PTAL mode (m);
    ``reliability_min`` per PTAL mode (min); ``peak_start``/``peak_end`` (clock times of the
    frequency window); ``mode_groups`` maps feed modes to PTAL modes (a mode absent from it
    is not counted); ``other_route_weight`` (0.5) weights all but the best route per mode.
    """

    walk_speed_m_per_min: float = 80.0
    max_walk_m: dict[str, float] = field(
        default_factory=lambda: {"bus": 640.0, "tram": 960.0, "metro": 960.0, "rail": 960.0}
    )
    reliability_min: dict[str, float] = field(
        default_factory=lambda: {"bus": 2.0, "tram": 0.75, "metro": 0.75, "rail": 0.75}
    )
    peak_start: str = "08:15"
    peak_end: str = "09:15"
    mode_groups: dict[str, str] = field(
        default_factory=lambda: {
            "bus": "bus",
            "coach": "bus",
            "tram": "tram",
            "metro": "metro",
            "rail": "rail",
        }
    )
    other_route_weight: float = 0.5

    @property
    def longest_walk_m(self) -> float:
        """The largest walk limit of any mode (m): how far a search must reach."""
        return max(self.max_walk_m.values())

    def to_dict(self) -> dict:
        """JSON-ready dict (for a result's provenance)."""
        return {
            "walk_speed_m_per_min": self.walk_speed_m_per_min,
            "max_walk_m": dict(self.max_walk_m),
            "reliability_min": dict(self.reliability_min),
            "peak_start": self.peak_start,
            "peak_end": self.peak_end,
            "mode_groups": dict(self.mode_groups),
            "other_route_weight": self.other_route_weight,
            "method": "TfL PTAL, Assessing transport connectivity in London (2015)",
        }


def ptal_band(accessibility_index: np.ndarray | float) -> np.ndarray:
    """PTAL band labels ("0", "1a" ... "6b") of accessibility indices (AI, dimensionless).

    AI is rounded to 2 decimals first, as TfL publishes bands on 2-decimal AIs.
    """
    values = np.round(np.atleast_1d(np.asarray(accessibility_index, dtype=float)), 2)
    uppers = np.array([upper for _, upper in PTAL_BANDS])
    labels = np.array([label for label, _ in PTAL_BANDS], dtype=object)
    index = np.searchsorted(uppers, values, side="left")
    result = labels[np.minimum(index, len(labels) - 1)]
    result[values <= 0] = "0"
    return result


def route_edfs(
    walks: pd.DataFrame, frequencies: pd.DataFrame, parameters: PtalParameters | None = None
) -> pd.DataFrame:
    """Best equivalent doorstep frequency of every route reachable from every location.

    ``walks``: location, stop_id, walk_m (network walk distance, m). ``frequencies``:
    stop_id, route_id, mode, departures_per_hour (AM peak). Returns location, route_id,
    ptal_mode, stop_id (the route's best SAP), walk_min, swt_min, tat_min, edf
    (all times in minutes, EDF in departures per hour-equivalent "per 30 min" units of TfL).
    """
    parameters = parameters or PtalParameters()
    table = frequencies[frequencies["departures_per_hour"] > 0].copy()
    table["ptal_mode"] = table["mode"].map(parameters.mode_groups)
    table = table.dropna(subset=["ptal_mode"])
    pairs = walks[["location", "stop_id", "walk_m"]].merge(table, on="stop_id")
    limit = pairs["ptal_mode"].map(parameters.max_walk_m).to_numpy(dtype=float)
    pairs = pairs[pairs["walk_m"].to_numpy() <= limit].copy()
    pairs["walk_min"] = pairs["walk_m"] / parameters.walk_speed_m_per_min
    pairs["swt_min"] = 0.5 * 60.0 / pairs["departures_per_hour"]
    reliability = pairs["ptal_mode"].map(parameters.reliability_min).astype(float)
    pairs["tat_min"] = pairs["walk_min"] + pairs["swt_min"] + reliability
    pairs["edf"] = 0.5 * 60.0 / pairs["tat_min"]
    best = pairs.sort_values("edf", ascending=False, kind="stable").drop_duplicates(
        ["location", "route_id"]
    )
    columns = [
        "location",
        "route_id",
        "ptal_mode",
        "stop_id",
        "walk_min",
        "swt_min",
        "tat_min",
        "edf",
    ]
    return best[columns].reset_index(drop=True)


def accessibility_index(
    walks: pd.DataFrame,
    frequencies: pd.DataFrame,
    locations: np.ndarray | pd.Index | None = None,
    parameters: PtalParameters | None = None,
) -> pd.DataFrame:
    """PTAL of each location: index ``location``, columns ai_<mode> per PTAL mode, ai
    (accessibility index) and ptal (band label). Locations with no SAP get AI 0, band "0".

    ``walks`` and ``frequencies`` as in :func:`route_edfs`; ``locations`` lists every
    location to report (default: those in ``walks``).
    """
    parameters = parameters or PtalParameters()
    edfs = route_edfs(walks, frequencies, parameters)
    weight = parameters.other_route_weight
    grouped = edfs.groupby(["location", "ptal_mode"])["edf"]
    per_mode = (grouped.max() + weight * (grouped.sum() - grouped.max())).unstack(fill_value=0.0)
    modes = sorted(set(parameters.mode_groups.values()))
    per_mode = per_mode.reindex(columns=modes, fill_value=0.0)
    per_mode.columns = [f"ai_{mode}" for mode in modes]
    if locations is None:
        locations = pd.Index(walks["location"].unique())
    result = per_mode.reindex(pd.Index(locations, name="location"), fill_value=0.0)
    result["ai"] = result.sum(axis=1)
    result["ptal"] = ptal_band(result["ai"].to_numpy())
    return result
