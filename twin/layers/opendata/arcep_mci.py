"""Arcep "Ma connexion internet": fixed-network eligibility by building (FTTH and others).

Published quarterly by Arcep (Licence Ouverte 2.0) at
https://www.data.gouv.fr/fr/datasets/ma-connexion-internet/, as gzip-compressed CSV files
separated by ``;`` in UTF-8, one pair per department:

- ``base_imb_<DEP>.csv.gz``, one row per building: ``imb_id; imb_x; imb_y; imb_code;
  imb_code_insee; imb_nbr_logloc; imb_source; imb_type (PA|IM); addr_code; imb_num;
  addr_numero; addr_rep; addr_nom_voie; addr_nom_ld; addr_code_insee; addr_nom_commune;
  addr_id_fantoir; addr_source``; ``imb_x``/``imb_y`` in Web Mercator (EPSG:3857),
  ``imb_nbr_logloc`` the building's premises (dwellings and business premises).
- ``actuel_<DEP>.csv.gz``, one row per building x operator x technology: ``imb_id;
  addr_code; imb_code; code_operateur; code_techno; classe_debit_montant;
  classe_debit_descendant; limitation; saturation``; ``code_techno`` FO is FTTH (others: CU
  copper DSL, COAX cable, 4GF fixed 4G, SAT satellite, THDR/HDR radio).

Checked against the column lists of the 2026 T2 files as documented by a public study of
these files (Arcep's own documentation is a scanned PDF). -> the ``fiber_premises`` layer
(the same as :func:`twin.layers.opendata.arcep.read_arcep_fiber` gives from Cartefibre): a
building is FTTH ``eligible`` when any operator offers FO there, else ``not-eligible``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.opendata.fiber_premises import fiber_premises_layer
from twin.layers.opendata.tables import (
    column,
    has_column,
    header_of,
    is_table_file,
    numbers,
    read_table_file,
    require_columns,
    table_head,
)
from twin.layers.provenance import Provenance

DOC_URL = "https://www.data.gouv.fr/fr/datasets/ma-connexion-internet/"
LICENCE = "Licence Ouverte / Etalab 2.0"
BUILDING_COLUMNS = ("imb_id", "imb_x", "imb_y", "imb_code_insee", "imb_nbr_logloc")
ELIGIBILITY_COLUMNS = ("imb_id", "code_operateur", "code_techno")
FTTH_TECHNOLOGY = "FO"


def _header(path: Path) -> set[str]:
    if not Path(path).is_file() or not is_table_file(path):
        return set()
    return {c.lower() for c in header_of(table_head(Path(path)))}


def is_mci_buildings(path: Path) -> bool:
    """True for a ``base_imb`` table (imb_id with imb_x/imb_y)."""
    header = _header(path)
    return {"imb_id", "imb_x", "imb_y"} <= header


def is_mci_eligibility(path: Path) -> bool:
    """True for an eligibility table (``actuel``: imb_id with code_techno)."""
    header = _header(path)
    return {"imb_id", "code_techno"} <= header


def eligibility_tables_beside(path: Path) -> list[Path]:
    """The eligibility tables in the folder of a ``base_imb`` file."""
    folder = Path(path).parent
    return [p for p in sorted(folder.iterdir()) if p != Path(path) and is_mci_eligibility(p)]


def read_mci_buildings(path: Path, crs="EPSG:2154", communes=None):
    """The ``fiber_premises`` points from a ``base_imb`` file and the eligibility tables
    beside it (only the buildings of ``communes``, INSEE codes, when given). DataError when
    the columns break the published schema or no eligibility table lies beside it."""
    path = Path(path)
    name = path.name
    table = read_table_file(path)
    require_columns(table, BUILDING_COLUMNS, name, "Arcep Ma connexion internet base_imb")
    codes = column(table, "imb_code_insee").astype(str).str.strip().str.zfill(5)
    if communes is not None:
        keep = codes.isin(set(communes)).to_numpy()
        table, codes = table[keep], codes[keep]
    tables = eligibility_tables_beside(path)
    if not tables:
        raise DataError(
            tr(
                "{name}: the eligibility table of Ma connexion internet "
                "(actuel_<DEP>.csv.gz) must lie beside it; without it twin cannot tell "
                "which buildings have FTTH"
            ).format(name=name)
        )
    ftth: set[str] = set()
    for other in tables:
        rows = read_table_file(other)
        require_columns(rows, ELIGIBILITY_COLUMNS, other.name, "Arcep eligibility (actuel)")
        fo = column(rows, "code_techno").astype(str).str.strip().str.upper() == FTTH_TECHNOLOGY
        ftth.update(column(rows, "imb_id").astype(str).str.strip()[fo.to_numpy()])
    x = numbers(column(table, "imb_x"), name, "imb_x", required=True)
    y = numbers(column(table, "imb_y"), name, "imb_y", required=True)
    premises = numbers(column(table, "imb_nbr_logloc"), name, "imb_nbr_logloc", low=0, high=1e5)
    missing = int(np.isnan(premises).sum())
    ids = column(table, "imb_id").astype(str).str.strip()
    status = np.where(ids.isin(ftth).to_numpy(), "eligible", "not-eligible")
    frame = gpd.GeoDataFrame(
        {
            "imb_id": ids.to_numpy(),
            "insee": codes.to_numpy(),
            "premises": np.where(np.isnan(premises), 1, premises).astype(int),
            "premises_assumed": np.isnan(premises),
            "fiber_status": status,
            **(
                {"imb_type": column(table, "imb_type").astype(str).to_numpy()}
                if has_column(table, "imb_type")
                else {}
            ),
        },
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:3857",
    ).to_crs(crs)
    eligible = int((frame["fiber_status"] == "eligible").sum())
    provenance = Provenance(
        source=(
            f"Arcep Ma connexion internet: {name} + {', '.join(p.name for p in tables)} ({DOC_URL})"
        ),
        licence=LICENCE,
        attribution="Arcep, Ma connexion internet (operators' eligibility data)",
        method=(
            "REAL building positions (imb_x/imb_y, EPSG:3857) and premises (imb_nbr_logloc) "
            f"from Arcep; a building is FTTH eligible when any operator offers "
            f"code_techno {FTTH_TECHNOLOGY} there. ASSUMED: 1 premise where imb_nbr_logloc is "
            f"empty ({missing} rows); no building is 'connected' (subscriptions are not "
            "published)."
        ),
        parameters={
            "dataset": "arcep_mci",
            "buildings": len(frame),
            "eligible": eligible,
            "premises_assumed": missing,
        },
    )
    return fiber_premises_layer(frame, provenance)
