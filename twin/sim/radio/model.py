"""CoverageModel: coverage kept up to date incrementally as sites are added, moved,
re-tilted or removed (what-if planning at interactive speed).

The model keeps every cell's RSRP window (:class:`CellRaster`) and the site's terrain
profiles. Changing one site recomputes only that site's cells, then recombines best server,
SINR and level only inside the windows the change touched (old and new position); the
people count is redone from the level raster with one ``bincount``. Recombination is the same
per-pixel function as the cold computation, so both give identical rasters.

Updating the same site again and again (a drag) folds its cells into a kept raster of the
best of all the other cells, so each move costs the site's own cells only, and defers the
SINR (which no level or people figure needs) until it is read: still identical rasters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.layers.radio_sites import Site
from twin.sim.radio.coverage import (
    CellRaster,
    CoverageParameters,
    Grid,
    combine_window,
    compute_site_cells,
    coverage_level,
    merge_best_server,
    profile_arguments,
    site_profiles,
)
from twin.sim.radio.terrain import RadialProfiles, Terrain

ENGINE_NAME = "engine:twin.sim.radio"
_TILE = 512
PREVIEW_COARSENING = 2.0  # preview profiles: 2x the sample step and 2x the ray spacing


@dataclass
class CoverageResult:
    """Rasters of one coverage computation on ``grid``: ``best_rsrp`` (dBm, NaN = no
    signal), ``best_server`` (cell code, -1 none; ``cell_ids[code]`` names it), ``sinr``
    (dB, NaN = no server), ``level`` (0-3, see :func:`coverage_level`)."""

    grid: Grid
    best_rsrp: np.ndarray
    best_server: np.ndarray
    sinr: np.ndarray
    level: np.ndarray
    cell_ids: dict[int, str]
    parameters: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    date: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def server_names(self) -> np.ndarray:
        """The best server as cell_id strings (object array, "" where none)."""
        lookup = np.array(
            [""] + [self.cell_ids.get(i, "") for i in range(max(self.cell_ids, default=-1) + 1)],
            dtype=object,
        )
        return lookup[self.best_server + 1]

    def to_layers(self, name_prefix: str = "coverage") -> list:
        """The four results as :class:`twin.layers.RasterLayer` s with provenance."""
        from twin.sim.radio.layers import result_layers

        return result_layers(self, name_prefix)


class CoverageModel:
    """Coverage of a set of sites on a grid, updated incrementally.

    ``terrain`` (:class:`Terrain` or None for flat ground) is sampled once at every grid
    pixel. Use :meth:`compute` once, then :meth:`add_site`, :meth:`update_site` (move,
    re-tilt, any change) and :meth:`remove_site`; each returns the changed windows.
    """

    def __init__(
        self,
        grid: Grid,
        sites: list[Site],
        params: CoverageParameters | None = None,
        terrain: Terrain | None = None,
    ) -> None:
        self.grid = grid
        self.params = params or CoverageParameters()
        self.terrain = terrain
        self._sites: dict[str, Site] = {}
        self._codes: dict[tuple[str, str], int] = {}
        self._next_code = 0
        self._cells: dict[str, list[CellRaster]] = {}
        self._profiles: dict[tuple, RadialProfiles] = {}
        # Preview (while a site is dragged): sites computed with coarser terrain profiles,
        # recomputed exactly by :meth:`set_preview` (False) before any exact result.
        self.preview = False
        self._previewed: set[str] = set()
        self.ground_m = None
        if terrain is not None:
            rows, cols = grid.shape
            xs = grid.column_x(0, cols)[None, :]
            ys = grid.row_y(0, rows)[:, None]
            self.ground_m = terrain.elevation_at(
                np.broadcast_to(xs, grid.shape), np.broadcast_to(ys, grid.shape)
            ).astype(np.float32)
        for site in sites:
            self._register(site)
        rows, cols = grid.shape
        self.best_rsrp = np.full(grid.shape, np.nan, np.float32)
        self.best_server = np.full(grid.shape, -1, np.int32)
        self._sinr = np.full(grid.shape, np.nan, np.float32)
        self.level = np.zeros(grid.shape, np.uint8)
        self.last_windows: list[tuple[int, int, int, int]] = []
        # SINR is recomputed lazily where a moved site changed it (see :attr:`sinr`).
        self._sinr_stale: tuple[int, int, int, int] | None = None
        # Best RSRP/server of every cell but those of one site (the one being moved).
        self._others: tuple[str, np.ndarray, np.ndarray] | None = None

    @property
    def sinr(self) -> np.ndarray:
        """SINR raster (dB, NaN where no server), brought up to date on access."""
        if self._sinr_stale is not None:
            window, self._sinr_stale = self._sinr_stale, None
            r0, r1, c0, c1 = window
            _, _, sinr = combine_window(self._ordered_cells(), window, self.params.load)
            self._sinr[r0:r1, c0:c1] = sinr
        return self._sinr

    # --- sites ----------------------------------------------------------------------------
    @property
    def sites(self) -> list[Site]:
        """The sites, in insertion order."""
        return list(self._sites.values())

    def _register(self, site: Site) -> None:
        if site.site_id in self._sites:
            raise DataError(
                tr("site {site_id} is already in the coverage model").format(site_id=site.site_id)
            )
        self._sites[site.site_id] = site
        self._assign_codes(site)

    def _assign_codes(self, site: Site) -> None:
        ids = [cell.cell_id for cell in site.cells]
        if len(set(ids)) != len(ids):
            raise DataError(
                tr("site {site_id} has two cells with the same cell_id").format(
                    site_id=site.site_id
                )
            )
        for cell_id in ids:
            if (site.site_id, cell_id) not in self._codes:
                self._codes[(site.site_id, cell_id)] = self._next_code
                self._next_code += 1

    def cell_ids(self) -> dict[int, str]:
        """Code -> cell_id of every cell ever registered."""
        return {code: cell_id for (_, cell_id), code in self._codes.items()}

    def set_preview(self, preview: bool) -> list[tuple[int, int, int, int]]:
        """Switch the preview quality on or off. In preview, sites computed from now on use
        terrain profiles :data:`PREVIEW_COARSENING` times coarser (samples along the rays
        and spacing between rays): several times cheaper, approximate. Switching it off
        recomputes every previewed site exactly, so results are again those of a cold
        computation; returns the windows that changed."""
        self.preview = bool(preview)
        windows: list[tuple[int, int, int, int]] = []
        if not self.preview:
            for site_id in [sid for sid in self._previewed if sid in self._sites]:
                windows += self.update_site(self._sites[site_id])
            self._previewed.clear()
        return windows

    def _site_profiles(self, site: Site, keep: bool = True) -> RadialProfiles | None:
        if self.terrain is None:
            return None
        coarsening = PREVIEW_COARSENING if self.preview else 1.0
        key = self._profile_key(site, coarsening)
        if key not in self._profiles:
            profiles = site_profiles(self.terrain, site, self.params, self.grid.pixel_m, coarsening)
            if not keep:
                return profiles
            self._profiles[key] = profiles
        return self._profiles[key]

    def _profile_key(self, site: Site, coarsening: float = 1.0) -> tuple:
        return profile_arguments(site, self.params, self.grid.pixel_m, coarsening)

    def set_profiles(self, site: Site, profiles: RadialProfiles) -> None:
        """Use ``profiles``, computed by :func:`site_profiles` with this model's parameters
        and pixel size, for ``site`` (exact quality): several models (the tiles of one grid)
        then share one computation of a site's terrain profiles."""
        self._profiles[self._profile_key(site)] = profiles

    def _compute_site(self, site: Site) -> None:
        if self.preview and self.terrain is not None:
            self._previewed.add(site.site_id)
        else:
            self._previewed.discard(site.site_id)
        codes = {cell.cell_id: self._codes[(site.site_id, cell.cell_id)] for cell in site.cells}
        self._cells[site.site_id] = compute_site_cells(
            site, self.grid, self.params, codes, self.ground_m, self._site_profiles(site)
        )

    def _ordered_cells(self) -> list[CellRaster]:
        cells = [c for site_cells in self._cells.values() for c in site_cells]
        return sorted(cells, key=lambda c: c.code)

    # --- computation ------------------------------------------------------------------------
    def compute(self, feedback: Feedback | None = None) -> CoverageResult:
        """Cold computation of every site, then combination over the whole grid."""
        feedback = ensure_feedback(feedback)
        self._others = None
        self._sinr_stale = None  # the whole grid is recombined below
        self._cells.clear()
        self._previewed.clear()
        sites = self.sites
        for index, site in enumerate(sites):
            feedback.set_progress(90.0 * index / max(1, len(sites)), f"site {site.site_id}")
            self._compute_site(site)
        rows, cols = self.grid.shape
        windows = [
            (r, min(rows, r + _TILE), c, min(cols, c + _TILE))
            for r in range(0, rows, _TILE)
            for c in range(0, cols, _TILE)
        ]
        self.recombine(windows)
        feedback.set_progress(100.0, "coverage done")
        return self.result()

    def recombine(self, windows: list[tuple[int, int, int, int]]) -> None:
        """Recompute best server, SINR and level inside ``windows`` (r0, r1, c0, c1)."""
        cells = self._ordered_cells()
        for window in windows:
            r0, r1, c0, c1 = window
            best, code, sinr = combine_window(cells, window, self.params.load)
            self.best_rsrp[r0:r1, c0:c1] = best
            self.best_server[r0:r1, c0:c1] = code
            self._sinr[r0:r1, c0:c1] = sinr
            self.level[r0:r1, c0:c1] = coverage_level(best, self.params.thresholds_dbm)
        self.last_windows = list(windows)

    def _site_window(self, site: Site):
        return self.grid.window_around(site.x, site.y, self.params.max_range_m)

    def add_site(self, site: Site) -> list[tuple[int, int, int, int]]:
        """Add a site, compute its cells and recombine around it; returns changed windows."""
        self._register(site)
        self._others = None
        self._compute_site(site)
        windows = [w for w in [self._site_window(site)] if w is not None]
        self.recombine(windows)
        return windows

    def update_site(self, site: Site) -> list[tuple[int, int, int, int]]:
        """Replace the site with the same ``site_id`` (moved, re-tilted, new cells...)."""
        old = self._sites.get(site.site_id)
        if old is None:
            raise DataError(
                tr("no site {site_id} in the coverage model").format(site_id=site.site_id)
            )
        self._sites[site.site_id] = site
        self._assign_codes(site)
        self._compute_site(site)
        windows = _merge([w for w in (self._site_window(old), self._site_window(site)) if w])
        self._refresh_site(site.site_id, windows)
        return windows

    def _refresh_site(self, site_id: str, windows: list[tuple[int, int, int, int]]) -> None:
        """Best RSRP, server and level in ``windows`` after a change of one site only: its
        cells folded into the kept best of all the other cells (built on the first change
        of this site, dropped when another site changes), so a dragged site costs its own
        cells, not all the cells around it. Identical to :meth:`recombine` (same per-pixel
        rule, see :func:`merge_best_server`); SINR is marked stale and recomputed on access."""
        if self._others is None or self._others[0] != site_id:
            best = np.full(self.grid.shape, -np.inf, np.float32)
            code = np.full(self.grid.shape, -1, np.int32)
            whole = (0, self.grid.shape[0], 0, self.grid.shape[1])
            others = [c for c in self._ordered_cells() if c.site_id != site_id]
            merge_best_server(others, whole, best, code)
            self._others = (site_id, best, code)
        _, others_best, others_code = self._others
        mine = sorted(self._cells.get(site_id, []), key=lambda c: c.code)
        for window in windows:
            r0, r1, c0, c1 = window
            best = others_best[r0:r1, c0:c1].copy()
            code = others_code[r0:r1, c0:c1].copy()
            merge_best_server(mine, window, best, code)
            served = code >= 0
            self.best_rsrp[r0:r1, c0:c1] = np.where(served, best, np.float32(np.nan))
            self.best_server[r0:r1, c0:c1] = code
            self.level[r0:r1, c0:c1] = coverage_level(best, self.params.thresholds_dbm)
            stale = self._sinr_stale or window
            self._sinr_stale = (
                min(stale[0], r0),
                max(stale[1], r1),
                min(stale[2], c0),
                max(stale[3], c1),
            )
        self.last_windows = list(windows)

    def remove_site(self, site_id: str) -> list[tuple[int, int, int, int]]:
        """Remove a site and recombine where it was."""
        old = self._sites.pop(site_id, None)
        if old is None:
            raise DataError(tr("no site {site_id} in the coverage model").format(site_id=site_id))
        self._cells.pop(site_id, None)
        self._previewed.discard(site_id)
        self._others = None
        windows = [w for w in [self._site_window(old)] if w is not None]
        self.recombine(windows)
        return windows

    def site_best_rsrp(self, site: Site) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
        """Best RSRP (dBm, float32) of ``site``'s cells over its window (r0, r1, c0, c1),
        computed exactly as if the site were added but without adding it or keeping its
        terrain profiles (to screen candidate sites); None when it misses the grid."""
        codes = {cell.cell_id: k for k, cell in enumerate(site.cells)}
        cells = compute_site_cells(
            site, self.grid, self.params, codes, self.ground_m, self._site_profiles(site, False)
        )
        if not cells:
            return None
        best = cells[0].rsrp_dbm.copy()
        for cell in cells[1:]:
            np.maximum(best, cell.rsrp_dbm, out=best)
        return cells[0].window, best

    def cell_rasters(self, site_id: str) -> list[CellRaster]:
        """The kept per-cell RSRP windows (dBm) of one site."""
        return list(self._cells.get(site_id, []))

    def line_of_sight(self, site_id: str):
        """Terrain line of sight from a site's antenna to a terminal at ``ue_height_m`` in
        every pixel of its range window: ((r0, r1, c0, c1), bool array), True where no
        terrain (with Earth bulge, k = 4/3) rises above the direct ray. Needs a terrain."""
        site = self._sites.get(site_id)
        if site is None:
            raise DataError(tr("no site {site_id} in the coverage model").format(site_id=site_id))
        profiles = self._site_profiles(site)
        window = self._site_window(site)
        if profiles is None or window is None:
            raise DataError(tr("line of sight needs a terrain model and a site over the grid"))
        r0, r1, c0, c1 = window
        dx = (self.grid.column_x(c0, c1) - site.x)[None, :]
        dy = (self.grid.row_y(r0, r1) - site.y)[:, None]
        shape = (r1 - r0, c1 - c0)
        ray, sample = profiles.polar_index(np.broadcast_to(dx, shape), np.broadcast_to(dy, shape))
        return window, profiles.los[ray, sample]

    def warnings(self) -> list[str]:
        """Validity warnings of the current cells (one line each, deduplicated)."""
        seen: dict[str, None] = {}
        for site_cells in self._cells.values():
            for cell in site_cells:
                for message in cell.warnings:
                    seen.setdefault(message.split(": ", 1)[1], None)
        return list(seen)

    def result(self) -> CoverageResult:
        """A snapshot (copies) of the current rasters with parameters and warnings."""
        live = {c.code: c.cell_id for c in self._ordered_cells()}
        parameters = self.params.to_dict()
        parameters["terrain"] = self.terrain is not None
        parameters["sites"] = len(self._sites)
        parameters["cells"] = len(live)
        parameters["models"] = sorted({cell.model for s in self.sites for cell in s.cells})
        return CoverageResult(
            self.grid,
            self.best_rsrp.copy(),
            self.best_server.copy(),
            self.sinr.copy(),
            self.level.copy(),
            live,
            parameters,
            self.warnings(),
        )


def _merge(windows: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Two windows become their bounding box when that is smaller than both together."""
    if len(windows) != 2:
        return windows
    (a0, a1, a2, a3), (b0, b1, b2, b3) = windows
    box = (min(a0, b0), max(a1, b1), min(a2, b2), max(a3, b3))

    def area(w):
        return (w[1] - w[0]) * (w[3] - w[2])

    return [box] if area(box) <= area(windows[0]) + area(windows[1]) else windows
