"""Arcep open data: "Mon réseau mobile" coverage maps and FTTH deployment by building.

**Mobile coverage** (Arcep, "Mon réseau mobile", theoretical coverage maps published by
operator and technology, Licence Ouverte / Etalab 2.0):
https://www.data.gouv.fr/fr/datasets/mon-reseau-mobile/, documented in
https://data.arcep.fr/mobile/couvertures_theoriques/documentation_couverture.md. One
GeoPackage per operator and technology, published compressed as ``.gpkg.7z`` (extract it
first), MultiPolygons in Lambert-93 for metropolitan France, attributes ``operateur``
(MCC-MNC code such as 20801), ``operateur_commercial`` and ``operateur_infra`` (names, in
files since 2023), ``date``, ``techno`` (2G/3G/4G/5G), ``usage`` (voix/data), ``niveau``
(TBC très bonne couverture, BC bonne couverture, CL couverture limitée), ``dept``; in
practice one (multi)polygon per level. Checked against the fields Arcep's own Mon réseau
mobile importer requires (operateur_infra, operateur_commercial) and a 2026 extract. -> a
``coverage_reference`` polygon layer with twin's levels (1 limited, 2 good, 3 very good),
to compare with twin's prediction (:func:`reference_levels`).

**FTTH deployment by building** (Arcep, "Le marché du haut et très haut débit fixe
(déploiements)", file of buildings/"immeubles"; also shown on "Ma connexion internet"):
https://www.data.gouv.fr/fr/datasets/le-marche-du-haut-et-tres-haut-debit-fixe-deploiements/
CSV separated by ``;``, Windows-1252 or UTF-8, one row per building with the header
``x;y;imb_id;num_voie;cp_no_voie;type_voie;nom_voie;batiment;code_insee;code_poste;nom_com;
catg_loc_imb;imb_etat;pm_ref;pm_etat;code_l331;geom_mod;type_imb`` (later editions add
``date_completude`` and ``date_completude_manquante``). ``x``/``y`` hold WGS84 longitude and
latitude despite their names; ``imb_etat`` is one of cible, signe, en cours de deploiement,
deploye, raccordable demande, abandonne; ``catg_loc_imb`` gives the building's premises as
a class (individuel, entre 2 et 11, entre 12 et 35, entre 36 et 99, 100 et plus), not a
count. -> a ``fiber_premises`` point layer with twin's ``fiber_status``: "deploye" and
"raccordable demande" are eligible, the rest not-eligible; subscriptions are not published,
so no building is "connected". Checked against the header of published extracts as read
by public tools (2024-2026 editions); older twin fixtures used ``etat_imm`` and an explicit
``nb_logement`` count, both still read.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.opendata import arcep_mci
from twin.layers.opendata.fiber_premises import fiber_premises_layer
from twin.layers.opendata.tables import (
    column,
    has_column,
    header_of,
    is_table_file,
    line_of,
    numbers,
    plain,
    read_table_file,
    require_columns,
    table_head,
)
from twin.layers.provenance import Provenance
from twin.layers.style import Category, Style
from twin.layers.vector import VectorLayer

MOBILE_DOC_URL = "https://www.data.gouv.fr/fr/datasets/mon-reseau-mobile/"
FIBER_DOC_URL = (
    "https://www.data.gouv.fr/fr/datasets/le-marche-du-haut-et-tres-haut-debit-fixe-deploiements/"
)
LICENCE = "Licence Ouverte / Etalab 2.0"
ATTRIBUTION = "Arcep"
MOBILE_COLUMNS = ("operateur", "techno", "niveau")
FIBER_COLUMNS = ("imb_id", "imb_etat")
OPERATORS = {
    "20801": "Orange",
    "20810": "SFR",
    "20815": "Free Mobile",
    "20820": "Bouygues Telecom",
}
LEVELS = {
    "tbc": 3,
    "tres bonne couverture": 3,
    "bc": 2,
    "bonne couverture": 2,
    "cl": 1,
    "couverture limitee": 1,
    "nc": 0,
    "non couvert": 0,
    "pas de couverture": 0,
}
BINARY_COVERED = ("couvert", "1", "2g", "3g", "4g", "5g", "oui")
LEVEL_LABELS = {0: "no coverage", 1: "limited", 2: "good", 3: "very good"}
ELIGIBLE_STATES = ("deploye", "raccordable demande", "raccordable sur demande")
KNOWN_STATES = (*ELIGIBLE_STATES, "cible", "signe", "en cours de deploiement", "abandonne")
#: Premises ASSUMED for each ``catg_loc_imb`` class: 1 for a house, the class's midpoint
#: (rounded down) for a block of flats, 100 for the open class "100 et plus".
PREMISES_BY_CLASS = {
    "individuel": 1,
    "entre 2 et 11": 6,
    "entre 12 et 35": 23,
    "entre 36 et 99": 67,
    "100 et plus": 100,
}


# --- mobile coverage -------------------------------------------------------------------
def coverage_level(value: str) -> int | None:
    """twin's level (0-3) of an Arcep ``niveau`` value; None when unknown. A binary map
    ("4G", "couvert") counts as level 2 (good), an assumption named in the provenance."""
    text = plain(value)
    if text in LEVELS:
        return LEVELS[text]
    if text in BINARY_COVERED:
        return 2
    return None


def mobile_coverage_layer(frame: gpd.GeoDataFrame, name: str) -> VectorLayer:
    """The ``coverage_reference`` layer from an Arcep coverage frame (polygons, project
    CRS). DataError when the columns or levels break the published schema."""
    frame = frame.copy()
    frame.columns = [c.lower() if c != frame.geometry.name else c for c in frame.columns]
    require_columns(frame, MOBILE_COLUMNS, name, "Arcep coverage")
    levels = [coverage_level(v) for v in frame["niveau"]]
    bad = [i for i, level in enumerate(levels) if level is None]
    if bad:
        raise DataError(
            tr(
                "{name}, feature {bad}: niveau {niveau!r} is not an Arcep level (TBC, BC, CL)"
            ).format(name=name, bad=bad[0] + 1, niveau=frame["niveau"].iloc[bad[0]])
        )
    binary = int(sum(plain(v) in BINARY_COVERED for v in frame["niveau"]))
    operator = frame["operateur"].astype(str).str.strip()
    names = [OPERATORS.get(o, o) for o in operator]
    if "operateur_commercial" in frame:
        commercial = frame["operateur_commercial"].astype(str).str.strip()
        names = [
            c if c and c.lower() != "nan" else n for c, n in zip(commercial, names, strict=True)
        ]
    out = gpd.GeoDataFrame(
        {
            "operator": names,
            "technology": frame["techno"].astype(str).str.strip().str.upper(),
            "usage": frame["usage"].astype(str) if "usage" in frame else "",
            "level": np.asarray(levels, dtype=int),
            "level_label": [LEVEL_LABELS[level] for level in levels],
        },
        geometry=frame.geometry.values,
        crs=frame.crs,
    )
    style = Style(
        kind="categorized",
        column="level",
        categories=(
            Category(1, "#F0E442", "limited (CL)"),
            Category(2, "#56B4E9", "good (BC)"),
            Category(3, "#0072B2", "very good (TBC)"),
        ),
        fill_opacity=0.4,
    )
    provenance = Provenance(
        source=f"Arcep Mon réseau mobile: {name} ({MOBILE_DOC_URL})",
        licence=LICENCE,
        attribution=f"{ATTRIBUTION}, operators' theoretical coverage",
        method=(
            "REAL operator coverage maps as published by Arcep: niveau TBC -> 3 very good, "
            "BC -> 2 good, CL -> 1 limited; operators named by operateur_commercial (or their "
            "MCC-MNC code). ASSUMED: a binary "
            f"map (niveau '4G'/'couvert') counts as level 2 ({binary} features)."
        ),
        parameters={"dataset": "arcep_mobile", "features": len(out), "binary_features": binary},
    )
    return VectorLayer(
        "Coverage reference (Arcep)", out, style, provenance, layer_id="coverage_reference"
    )


def reference_levels(
    x: np.ndarray, y: np.ndarray, reference: gpd.GeoDataFrame, technology: str | None = None
) -> np.ndarray:
    """The Arcep level (0-3) at each point (project CRS, m): the best level of the
    ``coverage_reference`` polygons holding it (of ``technology`` only, when given)."""
    frame = reference
    if technology is not None:
        frame = frame[frame["technology"].astype(str).str.upper() == technology.upper()]
    levels = np.zeros(len(x), dtype=np.int8)
    if len(frame) == 0 or len(x) == 0:
        return levels
    points = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=frame.crs)
    point_index, polygon_index = frame.sindex.query(points, predicate="within")
    values = frame["level"].to_numpy(dtype=np.int8)[polygon_index]
    np.maximum.at(levels, point_index, values)
    return levels


def level_agreement(
    predicted: np.ndarray,
    reference: np.ndarray,
    persons: np.ndarray,
    households: np.ndarray,
    zones: np.ndarray,
) -> list[dict]:
    """Per zone (commune): persons where twin's level equals Arcep's, is higher, is lower,
    and the persons per twin level and per Arcep level. Every people figure passes the
    privacy gate (:mod:`twin.layers.privacy`): a zone under 11 households is masked whole;
    within a zone, each group of figures that adds up to the zone (same/higher/lower, Arcep's
    four levels, twin's four levels) masks the figures resting on 1 to 10 households, plus
    the next smallest of the group when needed (:func:`~twin.layers.privacy.protect_table`),
    so that no masked figure can be recovered from the zone's total."""
    from twin.layers.privacy import MASKED_TEXT, is_disclosable, protect_table

    rows = []
    for zone in sorted({str(z) for z in zones}):
        inside = zones.astype(str) == zone
        p, r, n, h = predicted[inside], reference[inside], persons[inside], households[inside]
        groups = [
            [
                ("persons_same_level", p == r),
                ("persons_twin_higher", p > r),
                ("persons_twin_lower", p < r),
            ],
            [(f"persons_arcep_level_{level}", r == level) for level in range(4)],
            [(f"persons_twin_level_{level}", p == level) for level in range(4)],
        ]
        record: dict = {"zone": zone, "households": float(h.sum())}
        masked: set[str] = set()
        for group in groups:
            counts = np.array([[float(h[where].sum()) for _, where in group]])
            hidden = protect_table(counts)[0]
            for (key, where), hide in zip(group, hidden, strict=True):
                record[key] = float(n[where].sum())
                if hide:
                    masked.add(key)
        if not is_disclosable(record):
            masked |= {k for k in record if k.startswith("persons") or k == "households"}
        rows.append({k: (MASKED_TEXT if k in masked else v) for k, v in record.items()})
    return rows


# --- FTTH by building ---------------------------------------------------------------------
def is_arcep_fiber(path: Path) -> bool:
    """True for an Arcep buildings file: Cartefibre's (``imb_id`` with ``imb_etat``) or Ma
    connexion internet's ``base_imb`` (``imb_id`` with ``imb_x``/``imb_y``); not for the
    latter's eligibility table, which is read with its ``base_imb``."""
    if not Path(path).is_file() or not is_table_file(path):
        return False
    header = {c.lower() for c in header_of(table_head(Path(path)))}
    return "imb_id" in header and "code_techno" not in header


def fiber_status(state: str) -> str | None:
    """twin's fiber_status of an Arcep ``imb_etat`` value; None when not a published state."""
    text = plain(state).replace("_", " ")
    if text.startswith(ELIGIBLE_STATES):
        return "eligible"
    if text.startswith(KNOWN_STATES):
        return "not-eligible"
    return None


def read_arcep_fiber(path: Path, crs="EPSG:2154", communes=None) -> VectorLayer:
    """The ``fiber_premises`` points (imb_id, insee, premises, fiber_status, imb_etat, and
    pm_ref when the file names each building's PM); only the rows of ``communes`` (INSEE
    codes, matched on code_insee) when given: a national file holds millions of rows."""
    path = Path(path)
    if arcep_mci.is_mci_buildings(path):
        return arcep_mci.read_mci_buildings(path, crs, communes)
    name = path.name
    table = read_table_file(path)
    if communes is not None and has_column(table, "code_insee"):
        codes = column(table, "code_insee").astype(str).str.strip().str.zfill(5)
        table = table[codes.isin(set(communes)).to_numpy()]
    if has_column(table, "etat_imm") and not has_column(table, "imb_etat"):
        table = table.rename(columns={c: "imb_etat" for c in table if c.lower() == "etat_imm"})
    require_columns(table, FIBER_COLUMNS, name, "Arcep FTTH buildings")
    if has_column(table, "lon") and has_column(table, "lat"):
        xs, ys = column(table, "lon"), column(table, "lat")
        labels = ("lon", "lat")
    elif has_column(table, "x") and has_column(table, "y"):
        xs, ys = column(table, "x"), column(table, "y")
        labels = ("x", "y")
    else:
        raise DataError(
            tr("{name}: no coordinates (columns x/y or lon/lat); not the Arcep schema").format(
                name=name
            )
        )
    x = numbers(xs, name, labels[0], required=True)
    y = numbers(ys, name, labels[1], required=True)
    degrees = bool(np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90))
    source_crs = "EPSG:4326" if degrees else "EPSG:2154"
    states = column(table, "imb_etat").astype(str)
    statuses = [fiber_status(s) for s in states]
    bad = [i for i, s in enumerate(statuses) if s is None]
    if bad:
        raise DataError(
            tr(
                "{name}, line {line}: imb_etat {states!r} is not an Arcep state ({known_states})"
            ).format(
                name=name,
                line=line_of(states, bad[0]),
                states=states.iloc[bad[0]],
                known_states=", ".join(KNOWN_STATES),
            )
        )
    pm = next((c for c in ("pm_ref", "code_pm") if has_column(table, c)), None)
    premises, missing_premises, premises_source = _premises(table, name)
    frame = gpd.GeoDataFrame(
        {
            "imb_id": column(table, "imb_id").astype(str),
            "insee": column(table, "code_insee").astype(str).str.zfill(5)
            if has_column(table, "code_insee")
            else "",
            "premises": premises.astype(int),
            # True where the count is a class midpoint or a default, not a published count
            "premises_assumed": not premises_source.startswith("from "),
            "fiber_status": statuses,
            "imb_etat": states,
            **({"pm_ref": column(table, pm).astype(str)} if pm else {}),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=source_crs,
    ).to_crs(crs)
    eligible = int((frame["fiber_status"] == "eligible").sum())
    provenance = Provenance(
        source=f"Arcep FTTH deployment by building: {name} ({FIBER_DOC_URL})",
        licence=LICENCE,
        attribution=f"{ATTRIBUTION} (operators' deployment data)",
        method=(
            "REAL building positions and deployment states from Arcep; imb_etat 'deploye' "
            "or 'raccordable demande' -> eligible, other states -> not-eligible. ASSUMED: "
            f"coordinates {labels[0]}/{labels[1]} read as {source_crs} (degrees when every "
            f"value is within +-180/+-90, else Lambert-93); premises {premises_source}; 1 "
            f"premise where the file gives none ({missing_premises} rows); no building is "
            "'connected' (subscriptions are not published)."
        ),
        parameters={
            "dataset": "arcep_fiber",
            "buildings": len(frame),
            "eligible": eligible,
            "coordinates_crs": source_crs,
            "premises_assumed": missing_premises,
        },
    )
    return fiber_premises_layer(frame, provenance)


def _premises(table: pd.DataFrame, name: str) -> tuple[np.ndarray, int, str]:
    """Premises per row, how many rows had none, and where the counts come from: an explicit
    ``nb_logement(s)`` count when the file has one, else the ``catg_loc_imb`` class
    (:data:`PREMISES_BY_CLASS`, ASSUMED), else 1 per building."""
    for key in ("nb_logement", "nb_logements"):
        if has_column(table, key):
            counts = numbers(column(table, key), name, key, low=0, high=100000)
            missing = int(np.isnan(counts).sum())
            return np.where(np.isnan(counts), 1.0, counts), missing, f"from {key}"
    if has_column(table, "catg_loc_imb"):
        classes = column(table, "catg_loc_imb").astype(str).map(plain)
        known = {plain(k): v for k, v in PREMISES_BY_CLASS.items()}
        counts = classes.map(known).to_numpy(dtype=float)
        missing = int(np.isnan(counts).sum())
        assumed = ", ".join(f"{k} -> {v}" for k, v in PREMISES_BY_CLASS.items())
        source = f"ASSUMED from catg_loc_imb ({assumed})"
        return np.where(np.isnan(counts), 1.0, counts), missing, source
    return np.ones(len(table)), len(table), "not published (1 per building ASSUMED)"


def statuses_of(values: pd.Series) -> pd.Series:
    """Best fiber_status of a group of Arcep statuses (eligible beats not-eligible)."""
    return "eligible" if (values == "eligible").any() else "not-eligible"
