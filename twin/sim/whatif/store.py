"""Engine results kept with the project (DESIGN.md "Results live with the project").

A domain result is stored in ``project.results`` under an *input key*: a hash of what that
domain reads and nothing else — the fingerprints of its input layers (:data:`INPUT_LAYERS`),
its own options, the interventions of that domain, the unit-cost files it uses, the GTFS
feed (transit) — and of the engine's version (:data:`ENGINE_VERSIONS`, bump it when an
engine's numbers change). Changing a fiber layer changes the fiber key only: radio results
stay valid. Saving the project writes the entries (:mod:`twin.project_file`); opening it
gives them back as records that :func:`lookup` decodes on first use.

A stored result is JSON (figures, warnings, capex, layer records with style and
provenance) and blobs: rasters as GeoTIFF, vector layers as GeoParquet. Decoding checks
every type and never runs anything from the file; a damaged record is ignored with a
:class:`~twin.project_file.ResultsWarning` and the result is computed again.
"""

from __future__ import annotations

import hashlib
import json
import warnings
import weakref
from dataclasses import asdict
from pathlib import Path
from typing import Any

import twin
from twin.errors import ProjectError
from twin.fingerprint import known_fingerprint, layer_fingerprint
from twin.i18n import tr
from twin.layers.transit import project_feed_path
from twin.project_results import (
    ResultRecord,
    ResultsWarning,
)
from twin.sim.whatif.result import DOMAINS, DomainResult, WhatIfOptions
from twin.sim.whatif.result_codec import decode, encode

#: Bump a domain's version when its engine gives different numbers for the same inputs:
#: results stored by the older engine are then computed again.
ENGINE_VERSIONS = {"radio": "2", "fiber": "2", "transit": "2", "energy": "3"}
#: Layers (ids or names) each domain reads; a name ending in "*" is a prefix.
INPUT_LAYERS = {
    "radio": ("mobile_cells", "terrain", "buildings", "population_grid", "communes"),
    "fiber": ("roads", "buildings", "fiber_nodes", "fiber_cables", "ducts", "communes"),
    "transit": ("roads", "buildings", "population_grid"),
    "energy": ("grid_*", "buildings"),
}
#: The fields of :class:`WhatIfOptions` each domain reads.
OPTION_FIELDS = {
    "radio": ("radio_pixel_m", "radio_bbox", "radio_max_range_m"),
    "fiber": (),
    "transit": (),
    "energy": ("energy_daily",),
}
_SIM = Path(__file__).resolve().parent.parent
#: Default unit costs and settings each domain reads (package files).
DEFAULT_FILES = {
    "radio": (_SIM / "whatif" / "defaults.json",),
    "fiber": (_SIM / "fiber" / "default_costs.json",),
    "transit": (),
    "energy": (_SIM / "energy" / "defaults.json",),
}
_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


def interventions_text(interventions) -> str:
    """Stable JSON text of a list of interventions (part of every key)."""
    return json.dumps([i.to_dict() for i in interventions], sort_keys=True, default=str)


def _file_digest(path: Path) -> str:
    """blake2b of a file's bytes, remembered by (path, size, mtime); "" when absent."""
    try:
        stat = path.stat()
    except OSError:
        return ""
    memo = (str(path), stat.st_size, stat.st_mtime_ns)
    if memo not in _FILE_DIGESTS:
        _FILE_DIGESTS[memo] = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    return _FILE_DIGESTS[memo]


class NotHashedYetError(Exception):
    """An input layer has no fingerprint yet and the caller asked not to hash it."""


def _fingerprint(layer, hash_layers: bool) -> str:
    if hash_layers:
        return layer_fingerprint(layer)
    value = known_fingerprint(layer)
    if value is None:
        raise NotHashedYetError(layer.id)
    return value


def _input_layers(project, domain: str, hash_layers: bool = True) -> dict[str, str | None]:
    """Fingerprint of each input layer of ``domain`` (None when the project lacks it);
    :class:`NotHashedYetError` when one is not known and ``hash_layers`` is False."""
    wanted = INPUT_LAYERS[domain]
    found: dict[str, str | None] = {}
    for name in wanted:
        if name.endswith("*"):
            for layer in project.layers:
                if layer.id.startswith(name[:-1]):
                    found[layer.id] = _fingerprint(layer, hash_layers)
            continue
        layer = None
        for candidate in project.layers:
            if candidate.id == name or candidate.name == name:
                layer = candidate
                break
        found[name] = _fingerprint(layer, hash_layers) if layer is not None else None
    return found


def _extra_inputs(project, domain: str) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "files": [_file_digest(path) for path in DEFAULT_FILES[domain]],
        "crs": project.crs.to_wkt(),
    }
    if domain == "transit":
        path = project_feed_path(project)
        extra["gtfs"] = _file_digest(path) if path is not None else None
    return extra


def inputs_stamp(project, domain: str) -> str:
    """Hex hash of the layers and files ``domain`` reads (not options or interventions):
    when it changes, what was prepared from them (road graph, grid, models) is stale."""
    description = {
        "layers": _input_layers(project, domain),
        "extra": _extra_inputs(project, domain),
    }
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def input_key(
    project, domain: str, interventions, options: WhatIfOptions, hash_layers: bool = True
) -> str:
    """Hex key of a domain result: hash of its engine version, input layers, options,
    default files and interventions (see the module docstring). With ``hash_layers``
    False, raises :class:`NotHashedYetError` rather than hash a layer not fingerprinted yet."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}")
    all_options = asdict(options)
    description = {
        "domain": domain,
        "engine": ENGINE_VERSIONS[domain],
        "twin": twin.__version__,
        "layers": _input_layers(project, domain, hash_layers),
        "options": {name: all_options[name] for name in OPTION_FIELDS[domain]},
        "extra": _extra_inputs(project, domain),
        "interventions": interventions_text(interventions),
    }
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


class ComputedEntry:
    """A result computed in this session, waiting in ``project.results`` to be saved;
    encoded once, when the project is saved (vector geometry equal to one of the project's
    layers is stored as a reference to it, see :func:`encode`)."""

    def __init__(
        self, key: str, domain: str, interventions: str, result: DomainResult, project=None
    ):
        self.key, self.domain, self.interventions, self.result = key, domain, interventions, result
        self._project = weakref.ref(project) if project is not None else None
        self._record: ResultRecord | None = None

    def to_record(self) -> ResultRecord:
        """The result as JSON text and blobs (see :func:`encode`)."""
        if self._record is None:
            project = self._project() if self._project is not None else None
            meta, blobs = encode(self.result, self.interventions, project)
            self._record = ResultRecord(self.key, self.domain, meta, blobs)
        return self._record


def remember(project, key: str, interventions, result: DomainResult) -> None:
    """Put a freshly computed result into ``project.results`` (saved with the project).
    An older result of the same domain and interventions (inputs since changed) is dropped,
    so the file keeps one result per (domain, scenario content)."""
    results = getattr(project, "results", None)
    if results is None:
        return
    text = interventions_text(interventions)
    for old_key, entry in list(results.items()):
        if old_key != key and _same_slot(entry, result.domain, text):
            del results[old_key]
    results[key] = ComputedEntry(key, result.domain, text, result, project)


def _same_slot(entry, domain: str, text: str) -> bool:
    if isinstance(entry, ComputedEntry):
        return entry.domain == domain and entry.interventions == text
    if isinstance(entry, ResultRecord) and entry.domain == domain:
        try:
            return json.loads(entry.meta).get("interventions") == text
        except (ValueError, AttributeError):
            return False
    return False


def lookup(project, key: str) -> DomainResult | None:
    """The stored result under ``key`` (decoded on first use), or None. A record that does
    not decode is dropped with a :class:`ResultsWarning` (it is computed again)."""
    results = getattr(project, "results", None)
    if not results:
        return None
    entry = results.get(key)
    if entry is None:
        return None
    if isinstance(entry, ComputedEntry):
        return entry.result
    if not isinstance(entry, ResultRecord):
        return None
    try:
        result = decode(entry, project)
    except (ProjectError, KeyError, TypeError, ValueError, AttributeError) as error:
        del results[key]
        warnings.warn(
            tr(
                "a stored {domain!r} result was ignored and will be computed again ({error})"
            ).format(domain=entry.domain, error=error),
            ResultsWarning,
            stacklevel=2,
        )
        return None
    computed = ComputedEntry(key, entry.domain, _interventions_of(entry), result, project)
    computed._record = entry  # saved again as read
    results[key] = computed
    return result


def lookup_summary(project, key: str) -> DomainResult | None:
    """The stored result under ``key`` without its layers (figures, warnings, capex,
    details), or None: what a KPI panel shows, several times faster to decode than
    :func:`lookup` (no raster or vector blob is read). Nothing is kept: a later
    :func:`lookup` decodes the whole record. None also when the record does not decode
    (:func:`lookup` then reports it)."""
    entry = (getattr(project, "results", None) or {}).get(key)
    if isinstance(entry, ComputedEntry):
        return entry.result
    if not isinstance(entry, ResultRecord):
        return None
    try:
        return decode(entry, project, layers=False)
    except (ProjectError, KeyError, TypeError, ValueError, AttributeError):
        return None


def _interventions_of(record: ResultRecord) -> str:
    value = json.loads(record.meta).get("interventions", "")
    return value if isinstance(value, str) else ""
