"""Prepared engine inputs kept in the project file, beside the results (DESIGN.md "Results
live with the project").

Some of what an engine prepares once per project is slow to build and cheap to read back:
the attachment of every building and isochrone pixel to the road graph (a nearest-road
search for each place, ~1 s on the sample) that the transit travel figures reuse for every
scenario. Such arrays are stored in ``project.results`` as a record of domain
``"prepared:<name>"`` whose key hashes exactly what they are built from (the fingerprints of
the layers read, the parameters, the points, the CRS and :data:`VERSIONS`), with each array
as an ``.npy`` blob (read with ``allow_pickle=False``: a project never runs code). Changing
a road changes the key of what was built from the roads only; the stale record is then
replaced by the new one (one record per name). The results' readers ignore these records:
their domain is no engine's.
"""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np

from twin.fingerprint import layer_fingerprint
from twin.project_results import ResultRecord

PREFIX = "prepared:"
#: Bump one when what it stores changes for the same inputs.
VERSIONS = {"transit-destinations": "1"}
MAX_ARRAYS = 32


def key(project, name: str, layers: tuple[str, ...], parameters: dict, arrays=()) -> str:
    """Hex key of the prepared ``name`` built from the ``layers`` (ids or names) of
    ``project``, ``parameters`` (JSON-ready) and the input ``arrays`` (e.g. points, m)."""
    found = {}
    for wanted in layers:
        layer = next((x for x in project.layers if wanted in (x.id, x.name)), None)
        found[wanted] = layer_fingerprint(layer) if layer is not None else None
    digest = hashlib.blake2b(digest_size=16)
    text = json.dumps(
        {
            "name": name,
            "version": VERSIONS[name],
            "layers": found,
            "parameters": parameters,
            "crs": project.crs.to_wkt(),
        },
        sort_keys=True,
        default=str,
    )
    digest.update(text.encode())
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return f"{PREFIX}{name}:{digest.hexdigest()}"


def load(project, name: str, record_key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``record_key``, or None (absent, or not readable as plain
    numeric arrays: then it is built again and replaced)."""
    entry = (getattr(project, "results", None) or {}).get(record_key)
    if not isinstance(entry, ResultRecord) or entry.domain != PREFIX + name:
        return None
    try:
        names = json.loads(entry.meta)["arrays"]
        if not isinstance(names, list) or len(names) > MAX_ARRAYS:
            return None
        arrays = {}
        for array_name in names:
            array = np.load(io.BytesIO(entry.blobs[array_name]), allow_pickle=False)
            if array.dtype.kind not in "biuf":
                return None
            arrays[array_name] = array
        return arrays
    except (KeyError, TypeError, ValueError, OSError):
        return None


def keep(project, name: str, record_key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` under ``record_key`` in ``project.results`` (saved with the
    project), replacing an older record of the same ``name``."""
    results = getattr(project, "results", None)
    if results is None:
        return
    for old in [k for k, v in results.items() if getattr(v, "domain", None) == PREFIX + name]:
        del results[old]
    blobs = {}
    for array_name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
        blobs[array_name] = buffer.getvalue()
    meta = json.dumps({"arrays": list(arrays), "version": VERSIONS[name]})
    results[record_key] = ResultRecord(record_key, PREFIX + name, meta, blobs)
