"""ANFR "Données sur les installations radioélectriques de plus de 5 watts" -> mobile_cells.

Published schema (ANFR, Licence Ouverte / Etalab 2.0):
https://www.data.gouv.fr/fr/datasets/donnees-sur-les-installations-radioelectriques-de-plus-de-5-watts-1/
(files "Tables supports antennes emetteurs bandes", with the "Descriptif des données" notice).
Semicolon-separated ``.txt`` tables, Latin-1, decimal commas, coordinates in degrees,
minutes, seconds (WGS84):

- ``SUP_SUPPORT``: SUP_ID, STA_NM_ANFR, NAT_ID, COR_NB_DG_LAT, COR_NB_MN_LAT, COR_NB_SC_LAT,
  COR_CD_NS_LAT (N/S), COR_NB_DG_LON, COR_NB_MN_LON, COR_NB_SC_LON, COR_CD_EW_LON (E/W),
  SUP_NM_HAUT (support height, m), TPO_ID, ADR_*, COM_CD_INSEE;
- ``SUP_STATION``: STA_NM_ANFR, ADM_ID (operator), DEM_NM_COMSIS, DTE_IMPLANTATION, ...;
- ``SUP_ANTENNE``: STA_NM_ANFR, AER_ID, TAE_ID, AER_NB_DIMENSION, AER_FG_RAYON,
  AER_NB_AZIMUT (degrees from north), AER_NB_ALT_BAS (height of the antenna's base above
  ground, m), SUP_ID;
- ``SUP_EMETTEUR``: EMR_ID, EMR_LB_SYSTEME ("LTE 800", "5G NR 3500", "GSM 900"...),
  STA_NM_ANFR, AER_ID, EMR_DT_SERVICE;
- ``SUP_BANDE``: STA_NM_ANFR, BAN_ID, EMR_ID, BAN_NB_F_DEB, BAN_NB_F_FIN, BAN_FG_UNITE;
- ``SUP_EXPLOITANT``: ADM_ID, ADM_LB_NOM (operator name).

Mapping: one cell per 4G/5G emitter (LTE and NR systems in twin's bands) on its antenna;
one site per (support, operator), at the support's position, with the median antenna base
height of its cells. ANFR does not publish power, tilt, gain, beamwidths or bandwidth: the
defaults below are used and listed as assumed in the layer's provenance.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.mobile import sites_to_layer
from twin.layers.opendata.tables import (
    dms_to_degrees,
    numbers,
    read_table,
    require_columns,
    stripped,
)
from twin.layers.provenance import Provenance
from twin.layers.radio_sites import BANDS_MHZ, Cell, Site
from twin.layers.style import Style

DOC_URL = (
    "https://www.data.gouv.fr/fr/datasets/"
    "donnees-sur-les-installations-radioelectriques-de-plus-de-5-watts-1/"
)
LICENCE = "Licence Ouverte / Etalab 2.0"
ATTRIBUTION = "Agence nationale des fréquences (ANFR)"
TABLES = {
    "SUP_SUPPORT": (
        "SUP_ID",
        "STA_NM_ANFR",
        "COR_NB_DG_LAT",
        "COR_NB_MN_LAT",
        "COR_NB_SC_LAT",
        "COR_CD_NS_LAT",
        "COR_NB_DG_LON",
        "COR_NB_MN_LON",
        "COR_NB_SC_LON",
        "COR_CD_EW_LON",
        "SUP_NM_HAUT",
    ),
    "SUP_STATION": ("STA_NM_ANFR", "ADM_ID"),
    "SUP_ANTENNE": ("STA_NM_ANFR", "AER_ID", "AER_NB_AZIMUT", "AER_NB_ALT_BAS", "SUP_ID"),
    "SUP_EMETTEUR": ("EMR_ID", "EMR_LB_SYSTEME", "STA_NM_ANFR", "AER_ID"),
}
OPTIONAL_TABLES = {"SUP_EXPLOITANT": ("ADM_ID", "ADM_LB_NOM"), "SUP_BANDE": ()}

# What ANFR does not publish: typical macro-cell values (as the sample's generated sites).
DEFAULT_HEIGHT_M = 30.0
ASSUMED = {
    "tx_power_dbm": "46 dBm (40 W) per 4G carrier, 49 dBm (80 W) per 5G NR 3500 carrier",
    "bandwidth_mhz": "10 MHz below 1 GHz, 20 MHz at 1800/2100/2600 MHz, 80 MHz for NR 3500",
    "antenna_gain_dbi": "15 dBi below 1 GHz, 17 dBi at 1800-2600 MHz, 18 dBi for NR 3500",
    "tilt": "electrical 4 deg, mechanical 0 deg",
    "beamwidths": "65 deg horizontal, 10 deg vertical (7 deg for NR 3500)",
    "front_to_back_db": "30 dB",
    "model": "3GPP TR 38.901 UMa (3gpp-uma) for every cell",
    "height": "site height = median AER_NB_ALT_BAS of its antennas; support height "
    f"SUP_NM_HAUT when absent; {DEFAULT_HEIGHT_M:g} m when both are absent",
    "azimuth": "0 deg when AER_NB_AZIMUT is empty (omnidirectional antennas)",
}
_SYSTEM = re.compile(r"^(LTE|5G\s*NR|NR)\s*(\d{3,5})\b", re.IGNORECASE)


def table_key(name: str) -> str | None:
    """The ANFR table (``SUP_SUPPORT``...) a file name holds, or None."""
    stem = Path(name).name.upper()
    for key in (*TABLES, *OPTIONAL_TABLES):
        if stem.startswith(key) and stem.endswith((".TXT", ".CSV")):
            return key
    return None


def is_anfr(path: Path) -> bool:
    """True for a SUP_*.txt table, a folder holding SUP_SUPPORT, or a zip holding it."""
    path = Path(path)
    if path.is_dir():
        return any(table_key(p.name) == "SUP_SUPPORT" for p in path.iterdir())
    if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return any(table_key(n) == "SUP_SUPPORT" for n in archive.namelist())
    return table_key(path.name) is not None


def _raw_tables(path: Path) -> dict[str, tuple[str, bytes]]:
    """Table key -> (file name, bytes) from a folder, a zip or one table's folder."""
    found: dict[str, tuple[str, bytes]] = {}
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                key = table_key(member)
                if key and ".." not in Path(member).parts and not member.startswith("/"):
                    found.setdefault(key, (Path(member).name, archive.read(member)))
        return found
    folder = path if path.is_dir() else path.parent
    for file in sorted(folder.iterdir()):
        key = table_key(file.name)
        if key:
            found.setdefault(key, (file.name, file.read_bytes()))
    return found


def read_anfr_tables(path: Path) -> dict[str, pd.DataFrame]:
    """The ANFR tables (text columns) of ``path``, schema-checked; DataError otherwise."""
    raw = _raw_tables(Path(path))
    missing = [key for key in TABLES if key not in raw]
    if missing:
        raise DataError(
            tr(
                "{name}: ANFR table(s) {missing} not found next to it (need "
                "SUP_SUPPORT, SUP_STATION, SUP_ANTENNE and SUP_EMETTEUR)"
            ).format(name=Path(path).name, missing=", ".join(missing))
        )
    tables = {}
    for key, (name, data) in raw.items():
        frame = read_table(data, name)
        frame.columns = [c.upper() for c in frame.columns]
        require_columns(frame, TABLES.get(key, OPTIONAL_TABLES.get(key, ())), name, "ANFR")
        frame.attrs["file_name"] = name
        tables[key] = frame
    return tables


def system_band(system: str) -> tuple[str, int] | None:
    """(technology, band MHz) of an ANFR system label ("LTE 800" -> ("4G", 800)), or None
    for systems twin does not model (GSM, UMTS, bands outside twin's list)."""
    match = _SYSTEM.match(str(system).strip())
    if not match:
        return None
    technology = "4G" if match.group(1).upper() == "LTE" else "5G"
    band = int(match.group(2))
    return (technology, band) if band in BANDS_MHZ else None


def _radio_defaults(technology: str, band: int) -> dict:
    nr_mid = technology == "5G" and band >= 3000
    return {
        "tx_power_dbm": 49.0 if nr_mid else 46.0,
        "bandwidth_mhz": 80.0 if nr_mid else (10.0 if band < 1000 else 20.0),
        "antenna_gain_dbi": 18.0 if nr_mid else (15.0 if band < 1000 else 17.0),
        "electrical_tilt_deg": 4.0,
        "mechanical_tilt_deg": 0.0,
        "h_beamwidth_deg": 65.0,
        "v_beamwidth_deg": 7.0 if nr_mid else 10.0,
        "front_to_back_db": 30.0,
        "model": "3gpp-uma",
    }


def _support_positions(support: pd.DataFrame, name: str) -> pd.DataFrame:
    lat = dms_to_degrees(
        numbers(support["COR_NB_DG_LAT"], name, "COR_NB_DG_LAT", True, 0, 90),
        numbers(support["COR_NB_MN_LAT"], name, "COR_NB_MN_LAT", True, 0, 60),
        numbers(support["COR_NB_SC_LAT"], name, "COR_NB_SC_LAT", True, 0, 60),
        _hemisphere(support["COR_CD_NS_LAT"], "NS", name, "COR_CD_NS_LAT"),
    )
    lon = dms_to_degrees(
        numbers(support["COR_NB_DG_LON"], name, "COR_NB_DG_LON", True, 0, 180),
        numbers(support["COR_NB_MN_LON"], name, "COR_NB_MN_LON", True, 0, 60),
        numbers(support["COR_NB_SC_LON"], name, "COR_NB_SC_LON", True, 0, 60),
        _hemisphere(support["COR_CD_EW_LON"], "EW", name, "COR_CD_EW_LON"),
    )
    height = numbers(support["SUP_NM_HAUT"], name, "SUP_NM_HAUT", False, 0, 1000)
    return pd.DataFrame(
        {
            "SUP_ID": stripped(support["SUP_ID"]),
            "STA_NM_ANFR": stripped(support["STA_NM_ANFR"]),
            "lon": lon,
            "lat": lat,
            "support_height_m": height,
            "insee": stripped(support["COM_CD_INSEE"]) if "COM_CD_INSEE" in support else "",
        }
    )


def _hemisphere(values: pd.Series, letters: str, name: str, column_name: str) -> np.ndarray:
    text = pd.Series(np.strings.upper(stripped(values).to_numpy(dtype=str)), index=values.index)
    bad = ~text.isin(list(letters))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            tr("{name}, line {row}: {column_name} {values!r} is not {letters}").format(
                name=name,
                row=row + 2,
                column_name=column_name,
                values=values.iloc[row],
                letters=" or ".join(letters),
            )
        )
    return (text == letters[1]).to_numpy()


def read_anfr(path: Path, crs="EPSG:2154", area=None) -> tuple[list[Site], dict]:
    """Sites (4G/5G cells) from the ANFR tables at ``path`` in ``crs`` (metres), and a
    report dict (counts of supports, emitters skipped by system, values assumed). With
    ``area`` (a polygon in ``crs``) only the supports inside it are kept, before the
    national tables (about 100,000 supports, a million emitters) are joined."""
    tables = read_anfr_tables(path)
    names = {key: frame.attrs.get("file_name", key) for key, frame in tables.items()}
    supports = _support_positions(tables["SUP_SUPPORT"], names["SUP_SUPPORT"])
    if area is not None:
        xy = gpd.GeoSeries(gpd.points_from_xy(supports["lon"], supports["lat"]), crs=4326)
        xy = xy.to_crs(crs)
        supports = supports[shapely.contains_xy(area, xy.x.to_numpy(), xy.y.to_numpy())]
    station = tables["SUP_STATION"][["STA_NM_ANFR", "ADM_ID"]].apply(stripped)
    operators = {}
    if "SUP_EXPLOITANT" in tables:
        table = tables["SUP_EXPLOITANT"]
        operators = dict(
            zip(table["ADM_ID"].str.strip(), table["ADM_LB_NOM"].str.strip(), strict=True)
        )
    antenna = tables["SUP_ANTENNE"].copy()
    antenna_name = names["SUP_ANTENNE"]
    antenna["azimuth"] = numbers(
        antenna["AER_NB_AZIMUT"], antenna_name, "AER_NB_AZIMUT", False, 0, 360
    )
    antenna["base_m"] = numbers(
        antenna["AER_NB_ALT_BAS"], antenna_name, "AER_NB_ALT_BAS", False, 0, 1000
    )
    for key in ("STA_NM_ANFR", "AER_ID", "SUP_ID"):
        antenna[key] = stripped(antenna[key])
    # Cut the big tables to the supports kept before joining (a million emitters nationally).
    antenna = antenna[antenna["SUP_ID"].isin(set(supports["SUP_ID"]))]
    emitter = tables["SUP_EMETTEUR"]
    emitter = emitter[stripped(emitter["STA_NM_ANFR"]).isin(set(antenna["STA_NM_ANFR"]))].copy()
    for key in ("STA_NM_ANFR", "AER_ID", "EMR_ID"):
        emitter[key] = stripped(emitter[key])
    systems = emitter["EMR_LB_SYSTEME"].astype(str).str.strip()
    lookup = {system: system_band(system) for system in systems.unique()}  # a few dozen
    emitter["technology"] = systems.map({k: v[0] for k, v in lookup.items() if v})
    emitter["band_mhz"] = systems.map({k: v[1] for k, v in lookup.items() if v})
    skipped = {
        str(k): int(v) for k, v in systems[emitter["technology"].isna()].value_counts().items()
    }
    emitter = emitter[emitter["technology"].notna()]
    cells = emitter.merge(antenna, on=["STA_NM_ANFR", "AER_ID"], how="inner")
    cells = cells.merge(station, on="STA_NM_ANFR", how="left")
    cells = cells.merge(
        supports.drop_duplicates("SUP_ID"), on="SUP_ID", how="inner", suffixes=("", "_support")
    )
    unplaced = len(emitter) - len(cells)
    if cells.empty:
        return [], {
            "supports": int(supports["SUP_ID"].nunique()),
            "cells": 0,
            "skipped_systems": skipped,
            "unplaced_emitters": unplaced,
        }
    xy = gpd.GeoSeries(gpd.points_from_xy(cells["lon"], cells["lat"]), crs="EPSG:4326").to_crs(crs)
    cells["x"], cells["y"] = xy.x.to_numpy(), xy.y.to_numpy()
    # One pass over plain arrays (pandas per-group access costs ~10 ms a site).
    cells["ADM_ID"] = cells["ADM_ID"].fillna("")
    cells = cells.sort_values(["SUP_ID", "ADM_ID"], kind="stable").reset_index(drop=True)
    keys = list(zip(cells["SUP_ID"], cells["ADM_ID"], strict=True))
    starts = [0] + [k for k in range(1, len(keys)) if keys[k] != keys[k - 1]] + [len(keys)]
    azimuth = cells["azimuth"].to_numpy(float)
    base = cells["base_m"].to_numpy(float)
    support_height = cells["support_height_m"].to_numpy(float)
    band = cells["band_mhz"].to_numpy(float)
    technology = cells["technology"].to_numpy(object)
    station = cells["STA_NM_ANFR"].to_numpy(object)
    emitter_id = cells["EMR_ID"].to_numpy(object)
    x, y = cells["x"].to_numpy(float), cells["y"].to_numpy(float)
    no_azimuth = int(np.isnan(azimuth).sum())
    azimuth = np.where(np.isnan(azimuth), 0.0, azimuth) % 360.0
    sites: list[Site] = []
    no_height = 0
    for start, end in itertools.pairwise(starts):
        support_id, operator_id = keys[start]
        heights = base[start:end][~np.isnan(base[start:end])]
        if len(heights):
            height = float(np.median(heights))
        elif not np.isnan(support_height[start]):
            height, no_height = float(support_height[start]), no_height + 1
        else:
            height, no_height = DEFAULT_HEIGHT_M, no_height + 1
        site_cells = tuple(
            Cell(
                f"{station[k]}-{emitter_id[k]}",
                azimuth_deg=float(azimuth[k]),
                band_mhz=float(band[k]),
                technology=technology[k],
                **_radio_defaults(technology[k], int(band[k])),
            )
            for k in range(start, end)
        )
        sites.append(
            Site(
                f"ANFR-{support_id}-{operator_id}" if operator_id else f"ANFR-{support_id}",
                float(x[start]),
                float(y[start]),
                height,
                site_cells,
                name=str(station[start]),
                operator=operators.get(str(operator_id), str(operator_id)),
            )
        )
    report = {
        "supports": int(supports["SUP_ID"].nunique()),
        "sites": len(sites),
        "cells": int(sum(len(s.cells) for s in sites)),
        "skipped_systems": skipped,
        "unplaced_emitters": int(unplaced),
        "cells_without_azimuth": no_azimuth,
        "sites_without_antenna_height": no_height,
    }
    return sites, report


def anfr_provenance(path: Path, report: dict) -> Provenance:
    """The provenance of a mobile_cells layer read from ANFR, with every assumption."""
    assumed = "; ".join(f"{key}: {text}" for key, text in ASSUMED.items())
    return Provenance(
        source=f"ANFR installations radioélectriques > 5 W: {Path(path).name} ({DOC_URL})",
        licence=LICENCE,
        attribution=ATTRIBUTION,
        method=(
            "REAL positions (degrees-minutes-seconds, WGS84), antenna azimuths and heights "
            "and systems (LTE/NR bands) from ANFR; one site per support and operator, one "
            "cell per 4G/5G emitter. ASSUMED (ANFR does not publish them): " + assumed + "."
        ),
        parameters={"dataset": "anfr", "assumed": dict(ASSUMED), **report},
    )


def read_anfr_layer(path: Path, crs="EPSG:2154"):
    """The ``mobile_cells`` layer of the ANFR tables at ``path`` (DataError if unusable)."""
    sites, report = read_anfr(path, crs)
    layer = sites_to_layer(sites, crs=crs, provenance=anfr_provenance(path, report))
    layer.name = "Mobile cells (ANFR)"
    layer.id = "mobile_cells"
    layer.style = Style(fill_color="#CC79A7", point_size=10.0, point_symbol="t")
    return layer
