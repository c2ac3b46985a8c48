"""Candidate mobile sites: where, what they would cover, and what each would cost.

Candidates come from a layer the user picks (supports, rooftops of tall buildings, town
halls, public land: a point per feature, polygons by their inside point) or from a regular
grid over the coverage gaps. Each is a standard new 5G site (three 120° sectors, 3500 MHz,
30 m, as the add-site tool makes) whose coverage is computed by the radio engine exactly as
if it were added (:meth:`twin.sim.radio.model.CoverageModel.site_best_rsrp`): the people it
would bring to *good or better* 4G+5G coverage are those of the pixels it covers at or above
the "good" threshold where the baseline is below it.

Cost per candidate (EUR) = the site (``twin/sim/whatif/defaults.json``) + fibre backhaul
(the cheapest route along the roads from the nearest fibre node, NRO or PM, at the fibre
planner's unit costs: existing ducts and poles are reused, new trench elsewhere; the
distance from the road to the site as trench) + grid connection (straight-line distance to
the nearest grid bus at the LV cable cost of :data:`GRID_CONNECTION_EUR_PER_M`, plus a fixed
connection fee).
"""

from __future__ import annotations

import warnings
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.scenario import AddMobileSite, CellSpec
from twin.sim.optimise.selection import CoverageInstance
from twin.sim.whatif.radio import RadioWhatIf, new_site, radio_costs

GRID_CONNECTION_EUR_PER_M = 120.0
"""LV underground cable laid in a trench to a new site (EUR/m): Enedis's published
connection price schedule ("barème de raccordement") puts LV extensions at roughly
100-150 EUR/m in urban areas; a middle value, an order of magnitude to replace."""
GRID_CONNECTION_FIXED_EUR = 2_000.0
"""Fixed part of a site's grid connection (meter, panel, works at the bus), EUR."""
GOOD_LEVEL = 2


def candidate_intervention(
    candidate_id: str, x: float, y: float, connection_eur: float = 0.0
) -> AddMobileSite:
    """The standard new site placed at a candidate (as the add-site tool makes it), with
    its backhaul and grid connection (EUR) so that its capex in a scenario is the plan's."""
    return AddMobileSite(
        candidate_id,
        candidate_id,
        float(x),
        float(y),
        30.0,
        "3gpp-uma",
        tuple(CellSpec(azimuth_deg=a) for a in (0.0, 120.0, 240.0)),
        round(float(connection_eur), 2),
    )


@dataclass
class Candidates:
    """Candidate sites: ``frame`` (candidate_id, x, y, site_eur, backhaul_eur, backhaul_m,
    grid_eur, grid_m, grid_bus, cost_eur, persons_gain, premises_gain; grid_bus_hosts_site
    when the grid is checked) and the coverage instance over
    pixels (persons per pixel), ``premises_instance`` the same over premises."""

    frame: pd.DataFrame
    instance: CoverageInstance
    premises_instance: CoverageInstance
    households: np.ndarray | None = None
    """Households per pixel (flat), for the privacy gate of the plan's outputs (None: the
    population has no household count; persons then stand in, see
    :func:`twin.layers.privacy.publish`)."""

    def interventions(self, chosen) -> list[AddMobileSite]:
        """The AddMobileSite interventions of the candidates ``chosen`` (positions), each
        carrying its backhaul and grid connection cost (``connection_eur``)."""
        rows = self.frame.iloc[list(chosen)]
        return [
            candidate_intervention(r.candidate_id, r.x, r.y, r.backhaul_eur + r.grid_eur)
            for r in rows.itertuples(index=False)
        ]


def gap_grid(radio: RadioWhatIf, spacing_m: float = 1000.0, limit: int = 500) -> np.ndarray:
    """Candidate positions (k, 2) on a regular grid of ``spacing_m`` metres: the cells of
    that grid holding people without good 4G+5G coverage, most such people first, at most
    ``limit``; each at the centre of the grid cell."""
    weights, _premises, level = pixel_people(radio)
    grid = radio.grid
    rows, cols = grid.shape
    ys, xs = np.divmod(np.arange(rows * cols), cols)
    x = grid.transform.c + (xs + 0.5) * grid.transform.a
    y = grid.transform.f + (ys + 0.5) * grid.transform.e
    gap = (level.reshape(-1) < GOOD_LEVEL) & (weights > 0)
    if not gap.any():
        return np.zeros((0, 2))
    key_x = np.floor(x[gap] / spacing_m).astype(np.int64)
    key_y = np.floor(y[gap] / spacing_m).astype(np.int64)
    frame = pd.DataFrame({"kx": key_x, "ky": key_y, "w": weights[gap]})
    cells = frame.groupby(["kx", "ky"], as_index=False)["w"].sum()
    cells = cells.sort_values("w", ascending=False, kind="stable").head(limit)
    return np.column_stack(
        [(cells["kx"] + 0.5) * spacing_m, (cells["ky"] + 0.5) * spacing_m]
    ).astype(float)


def pixel_people(radio: RadioWhatIf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Persons and premises per pixel (flat) and the baseline 4G+5G level raster."""
    counter = radio.counter
    if counter is None:
        raise DataError(tr("the project has no population to place sites for"))
    size = radio.grid.shape[0] * radio.grid.shape[1]
    inside = counter.inside
    flat = counter.flat[inside]
    persons = np.bincount(flat, counter.points.persons[inside], size)
    premises = np.bincount(flat, counter.points.premises[inside], size)
    level = np.maximum(radio.models["4G"].level, radio.models["5G"].level)
    return persons, premises, level


def pixel_households(radio: RadioWhatIf) -> np.ndarray | None:
    """Households per pixel (flat); None when the population has no household count."""
    counter = radio.counter
    if counter is None or counter.points.households is None:
        return None
    size = radio.grid.shape[0] * radio.grid.shape[1]
    inside = counter.inside
    return np.bincount(counter.flat[inside], counter.points.households[inside], size)


def candidate_layer_frame(project, layer: str):
    """The features of the candidate layer ``layer`` (DataError, one line, when the
    project has no such layer, it is empty or not a vector layer)."""
    try:
        frame = project.layer(layer).frame
    except KeyError as error:
        names = ", ".join(layer.id for layer in project.layers)
        raise DataError(
            tr("the project has no layer {layer!r} of candidate sites (layers: {names})").format(
                layer=layer, names=names
            )
        ) from error
    except AttributeError as error:
        raise DataError(
            tr("the layer {layer!r} has no features to use as candidate sites").format(layer=layer)
        ) from error
    if len(frame) == 0:
        raise DataError(tr("the candidate layer {layer!r} is empty").format(layer=layer))
    return frame


def candidate_positions(project, layer: str | None, radio: RadioWhatIf, spacing_m: float):
    """(ids, xy) of the candidates: the features of ``layer`` or the gap grid."""
    if layer is None:
        xy = gap_grid(radio, spacing_m)
        return [f"grid-{i + 1}" for i in range(len(xy))], xy
    frame = candidate_layer_frame(project, layer)
    points = shapely.point_on_surface(frame.geometry.values)
    xy = shapely.get_coordinates(points)
    ids = [f"{layer}-{i + 1}" for i in range(len(xy))]
    return ids, xy


def build_candidates(
    project,
    radio: RadioWhatIf,
    ids: list[str],
    xy: np.ndarray,
    feedback: Feedback | None = None,
    threads: int | None = None,
) -> Candidates:
    """Coverage sets and costs of the candidates at ``xy`` (project metres); ``threads``:
    worker threads for the coverage (default 1, see :func:`_good_pixels`)."""
    feedback = ensure_feedback(feedback)
    persons, premises, level = pixel_people(radio)
    model = radio.models["5G"]
    good = float(radio.params.thresholds_dbm[1])
    flat_level = level.reshape(-1)
    sets, premise_sets = [], []
    gains, premise_gains = [], []
    for good_pixels in _good_pixels(model, ids, xy, good, feedback, threads):
        members = good_pixels[flat_level[good_pixels] < GOOD_LEVEL]
        sets.append(members[persons[members] > 0])
        premise_sets.append(members[premises[members] > 0])
        gains.append(float(persons[sets[-1]].sum()))
        premise_gains.append(float(premises[premise_sets[-1]].sum()))
    costs = candidate_costs(project, xy)
    frame = pd.DataFrame({"candidate_id": ids, "x": xy[:, 0], "y": xy[:, 1], **costs})
    frame["persons_gain"] = np.round(gains, 3)
    frame["premises_gain"] = np.round(premise_gains, 3)
    feedback.set_progress(100.0, tr("candidate costs"))
    return Candidates(
        frame,
        CoverageInstance(sets, persons, frame["cost_eur"].to_numpy()),
        CoverageInstance(premise_sets, premises, frame["cost_eur"].to_numpy()),
        pixel_households(radio),
    )


#: Pixels (flat indices) each candidate position would cover at or above a level, per
#: coverage model: a site's own coverage depends on the terrain, the grid and the engine's
#: parameters only, not on the other sites, so a plan made again in the same session (other
#: budgets, phases, targets) reuses them.
_COVERAGE_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _good_pixels(
    model, ids: list[str], xy: np.ndarray, good_dbm: float, feedback: Feedback, threads=None
):
    """Flat indices of the pixels each candidate would cover at ``good_dbm`` (dBm) or
    better, in order, by the radio engine (:meth:`CoverageModel.site_best_rsrp`), cached
    per model and position. ``threads`` > 1 computes them in worker threads (the engine's
    compiled terrain kernel and numpy release the GIL); on the shared 2-core machine under
    a load of 5-6 it made no difference (150 candidates: 6.2-7.6 s with 2 threads, 6.6-7.8
    s with 1), so one thread is the default until measured on a quiet machine."""
    cache = _COVERAGE_CACHE.setdefault(model, {})
    cols = model.grid.shape[1]
    keys = [(float(x), float(y), good_dbm, repr(model.params)) for x, y in xy]

    def compute(k: int) -> np.ndarray:
        found = model.site_best_rsrp(new_site(candidate_intervention(ids[k], *xy[k])))
        if found is None:
            return np.zeros(0, dtype=np.int64)
        (r0, _r1, c0, _c1), best = found
        rr, cc = np.nonzero(np.isfinite(best) & (best >= good_dbm))
        return ((rr + r0) * cols + (cc + c0)).astype(np.int64)

    missing = [k for k, key in enumerate(keys) if key not in cache]
    workers = max(1, min(threads or 1, len(missing) or 1))
    if workers == 1:
        for done, k in enumerate(missing):
            cache[keys[k]] = compute(k)
            feedback.set_progress(80.0 * (done + 1) / len(missing), tr("candidate coverage"))
        return [cache[key] for key in keys]
    # the engine records its validity warnings with warnings.catch_warnings, which is not
    # thread-safe: the module's state is restored as it was once the threads are done
    # (the candidates' warnings are not used)
    with warnings.catch_warnings(), ThreadPoolExecutor(workers) as pool:
        futures = {k: pool.submit(compute, k) for k in missing}
        try:
            for done, k in enumerate(missing):
                cache[keys[k]] = futures[k].result()
                feedback.set_progress(80.0 * (done + 1) / len(missing), tr("candidate coverage"))
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise
    return [cache[key] for key in keys]


def candidate_costs(project, xy: np.ndarray) -> dict[str, np.ndarray]:
    """Site, backhaul and grid-connection costs (EUR) and distances (m) per candidate, and
    the grid bus its supply would hang on (-1 without a grid)."""
    k = len(xy)
    site = np.full(k, radio_costs()["new_site_eur"])
    backhaul_eur, backhaul_m = _backhaul(project, xy)
    grid_eur, grid_m, grid_bus = _grid_connection(project, xy)
    return {
        "site_eur": site,
        "backhaul_eur": np.round(backhaul_eur, 2),
        "backhaul_m": np.round(backhaul_m, 1),
        "grid_eur": np.round(grid_eur, 2),
        "grid_m": np.round(grid_m, 1),
        "grid_bus": grid_bus,
        "cost_eur": np.round(site + backhaul_eur + grid_eur, 2),
    }


def _backhaul(project, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest fibre route from the nearest optical node (EUR, m); 0 without a network."""
    from twin.sim.whatif.fiber import _context as fiber_context

    try:
        context = fiber_context(project)
    except (DataError, KeyError):
        return np.zeros(len(xy)), np.zeros(len(xy))
    network, costs = context["network"], context["costs"]
    graph = network.graph
    # along an existing fibre route a new cable is pulled as in a duct (the planner counts
    # 0 there for premises, whose cables share the route; a backhaul needs its own)
    per_m = {kind: costs.per_metre(kind) for kind in ("trench", "duct", "aerial")}
    per_m["fiber"] = per_m["duct"]
    edge_eur = np.array([per_m.get(kind, per_m["trench"]) for kind in network.edge_kind])
    targets = graph.attach(np.asarray(xy, dtype=float))
    paths = graph.shortest_paths(
        network.node_attachment,
        targets=targets,
        edge_weight=edge_eur * graph.edge_length,
        connector_factor=per_m["trench"],
    )
    metres = graph.shortest_paths(network.node_attachment, targets=targets)
    cost = np.where(np.isfinite(paths.point_distance), paths.point_distance, np.nan)
    return np.nan_to_num(cost, nan=0.0), np.nan_to_num(metres.point_distance, posinf=0.0)


def _grid_connection(project, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LV connection in a straight line to the bus the energy engine attaches the site's
    load to (the nearest LV bus within its reach, else the nearest MV bus:
    :func:`twin.sim.energy.loads.nearest_bus`): (EUR, m, bus id); 0 and -1 without a
    grid."""
    none = np.zeros(len(xy)), np.zeros(len(xy)), np.full(len(xy), -1, dtype=np.int64)
    try:
        buses = project.layer("grid_buses").frame
    except KeyError:
        return none
    if len(buses) == 0 or "bus_id" not in buses.columns:
        return none
    from twin.sim.energy.loads import nearest_bus

    try:
        bus_ids, distance = nearest_bus(shapely.points(np.asarray(xy, dtype=float)), buses)
    except DataError:
        return none
    distance = np.where(np.isfinite(distance), distance, 0.0)
    return distance * GRID_CONNECTION_EUR_PER_M + GRID_CONNECTION_FIXED_EUR, distance, bus_ids


def bus_hosting(net, bus_ids: np.ndarray, load_kw: float, feedback=None) -> np.ndarray:
    """Whether each bus of ``bus_ids`` can take a constant load of ``load_kw`` kW without
    a new violation (the energy engine's load hosting capacity, pandapower's method, in
    its high-load design case, searched at ``load_kw`` steps up to twice it); False for
    -1 (no bus)."""
    from twin.sim.energy.hosting import hosting_capacity

    ids = np.asarray(bus_ids, dtype=np.int64)
    known = sorted({int(b) for b in ids if b >= 0})
    if not known or not load_kw > 0:
        return ids >= 0
    step = float(load_kw) / 1000.0
    found = hosting_capacity(
        net, known, ("ev",), tolerance_mw=step, max_mw=2 * step, feedback=feedback, workers=1
    ).frame
    hosts = dict(zip(found["bus_id"].astype(int), found["ev_mw"] >= step - 1e-9, strict=True))
    return np.array([bool(hosts.get(int(b), False)) for b in ids])
