"""Mobile sites and their cells (sectors): domain types of the territory, read by the
mobile layers and used by the coverage engine (they live below the engines).

Power: a cell gives either ``rs_power_dbm`` (reference-signal power per resource element,
dBm) or ``tx_power_dbm`` (total power at the antenna port, dBm) and ``bandwidth_mhz``. RSRP
is a power per resource element (3GPP TS 36.214 §5.1.1), so the total power is spread over
the 12 subcarriers of each of the N_RB resource blocks:
P_RE = P_total - 10 log10(12 N_RB), N_RB from the channel bandwidth and subcarrier spacing
(3GPP TS 36.101 Table 5.6-1 for LTE, TS 38.101-1 Table 5.3.2-1 for NR FR1). Example: 46 dBm
over 20 MHz LTE (100 RB): 46 - 10 log10(1200) = 15.2 dBm per RE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from twin.errors import DataError
from twin.i18n import tr

BANDS_MHZ = (700, 800, 900, 1800, 2100, 2600, 3500)
TECHNOLOGIES = ("4G", "5G")
# Propagation models a cell may name; twin.sim.radio.propagation.MODELS implements each.
MODEL_NAMES = ("free-space", "okumura-hata", "cost231-hata", "3gpp-uma", "3gpp-umi", "3gpp-rma")

# LTE channel bandwidth (MHz) -> N_RB (TS 36.101 Table 5.6-1).
LTE_RESOURCE_BLOCKS = {1.4: 6, 3: 15, 5: 25, 10: 50, 15: 75, 20: 100}
# NR FR1 (subcarrier spacing kHz, bandwidth MHz) -> N_RB (TS 38.101-1 Table 5.3.2-1).
NR_RESOURCE_BLOCKS = {
    15: {5: 25, 10: 52, 15: 79, 20: 106, 25: 133, 30: 160, 40: 216, 50: 270},
    30: {
        5: 11,
        10: 24,
        15: 38,
        20: 51,
        25: 65,
        30: 78,
        40: 106,
        50: 133,
        60: 162,
        70: 189,
        80: 217,
        90: 245,
        100: 273,
    },
}


def subcarrier_spacing_khz(technology: str, band_mhz: float) -> float:
    """Default subcarrier spacing (kHz): 15 for LTE and NR below 3 GHz (FDD), 30 for NR
    in the 3.5 GHz TDD band (n78)."""
    return 30.0 if technology == "5G" and band_mhz >= 3000 else 15.0


def resource_blocks(technology: str, bandwidth_mhz: float, scs_khz: float) -> int:
    """N_RB of a carrier; tables above, else floor(0.9 bandwidth / (12 scs)) (90 % use)."""
    if technology == "4G":
        for bandwidth, n_rb in LTE_RESOURCE_BLOCKS.items():
            if abs(bandwidth - bandwidth_mhz) < 1e-6:
                return n_rb
    else:
        table = NR_RESOURCE_BLOCKS.get(int(scs_khz), {})
        for bandwidth, n_rb in table.items():
            if abs(bandwidth - bandwidth_mhz) < 1e-6:
                return n_rb
    return max(1, int(0.9 * bandwidth_mhz * 1000.0 / (12.0 * scs_khz)))


@dataclass(frozen=True)
class Cell:
    """One sector of a site. Angles in degrees (azimuth clockwise from north, tilts down
    positive), powers in dBm, gains in dBi, bandwidths in MHz and kHz.

    ``model`` names the propagation model (see :mod:`propagation`) and ``model_params`` its
    extra parameters (``environment``, ``los``, ``street_width_m``, ``building_height_m``);
    ``los`` True/False, or ``"terrain"`` to use the LOS formula where the terrain profile
    leaves the direct ray clear and NLOS elsewhere (3GPP models; default NLOS).
    """

    cell_id: str
    azimuth_deg: float = 0.0
    band_mhz: float = 1800.0
    technology: str = "4G"
    mechanical_tilt_deg: float = 0.0
    electrical_tilt_deg: float = 4.0
    tx_power_dbm: float | None = 46.0
    bandwidth_mhz: float = 20.0
    rs_power_dbm: float | None = None
    antenna_gain_dbi: float = 17.0
    h_beamwidth_deg: float = 65.0
    v_beamwidth_deg: float = 10.0
    front_to_back_db: float = 30.0
    model: str = "3gpp-uma"
    model_params: dict[str, Any] = field(default_factory=dict, hash=False)
    subcarrier_khz: float | None = None

    def __post_init__(self) -> None:
        if self.technology not in TECHNOLOGIES:
            raise DataError(
                tr("cell {cell_id}: technology {technology!r} is not 4G or 5G").format(
                    cell_id=self.cell_id, technology=self.technology
                )
            )
        if round(self.band_mhz) not in BANDS_MHZ:
            raise DataError(
                tr("cell {cell_id}: band {band_mhz:g} MHz is not one of {bands_mhz}").format(
                    cell_id=self.cell_id, band_mhz=self.band_mhz, bands_mhz=BANDS_MHZ
                )
            )
        if self.model not in MODEL_NAMES:
            raise DataError(
                tr("cell {cell_id}: unknown propagation model {model!r}").format(
                    cell_id=self.cell_id, model=self.model
                )
            )
        if self.rs_power_dbm is None and self.tx_power_dbm is None:
            raise DataError(
                tr("cell {cell_id}: give rs_power_dbm or tx_power_dbm").format(cell_id=self.cell_id)
            )

    @property
    def scs_khz(self) -> float:
        """Subcarrier spacing (kHz)."""
        return self.subcarrier_khz or subcarrier_spacing_khz(self.technology, self.band_mhz)

    @property
    def power_per_re_dbm(self) -> float:
        """Reference-signal power per resource element (dBm): given, or
        P_total - 10 log10(12 N_RB)."""
        if self.rs_power_dbm is not None:
            return float(self.rs_power_dbm)
        n_rb = resource_blocks(self.technology, self.bandwidth_mhz, self.scs_khz)
        return float(self.tx_power_dbm) - 10.0 * math.log10(12.0 * n_rb)

    def with_changes(self, **changes: Any) -> Cell:
        """A copy with some fields replaced (e.g. ``electrical_tilt_deg=6``)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Site:
    """A mast: position (project CRS metres), antenna height above ground (m), operator and
    its cells."""

    site_id: str
    x: float
    y: float
    height_m: float = 30.0
    cells: tuple[Cell, ...] = ()
    name: str = ""
    operator: str = ""

    def with_changes(self, **changes: Any) -> Site:
        """A copy with some fields replaced (``x``, ``y``, ``height_m``, ``cells``...)."""
        if "cells" in changes:
            changes["cells"] = tuple(changes["cells"])
        return replace(self, **changes)

    def moved(self, x: float, y: float) -> Site:
        """The same site at another position (m)."""
        return replace(self, x=float(x), y=float(y))

    def retilted(
        self, electrical_tilt_deg: float | None = None, mechanical_tilt_deg: float | None = None
    ) -> Site:
        """The same site with every cell's tilt changed (degrees, down positive)."""
        changes: dict[str, float] = {}
        if electrical_tilt_deg is not None:
            changes["electrical_tilt_deg"] = float(electrical_tilt_deg)
        if mechanical_tilt_deg is not None:
            changes["mechanical_tilt_deg"] = float(mechanical_tilt_deg)
        return replace(self, cells=tuple(cell.with_changes(**changes) for cell in self.cells))


def three_sector_site(
    site_id: str,
    x: float,
    y: float,
    height_m: float = 30.0,
    band_mhz: float = 1800.0,
    operator: str = "",
    first_azimuth_deg: float = 0.0,
    **cell_fields: Any,
) -> Site:
    """A site with three cells at 120 degree spacing (ids ``<site_id>-1..3``)."""
    cells = tuple(
        Cell(
            f"{site_id}-{k + 1}",
            azimuth_deg=(first_azimuth_deg + 120.0 * k) % 360.0,
            band_mhz=band_mhz,
            **cell_fields,
        )
        for k in range(3)
    )
    return Site(site_id, float(x), float(y), height_m, cells, name=site_id, operator=operator)
