"""Prepared engine inputs kept in the project file, beside the results (DESIGN.md "Results
live with the project").

Some of what an engine prepares once per project is slow to build and cheap to read back:
the attachment of every building and isochrone pixel to the road graph (a nearest-road
search for each place, ~1 s on the sample) that the transit travel figures reuse for every
scenario. Such arrays are stored in ``project.results`` as a record of domain
``"prepared:<name>"`` whose key hashes exactly what they are built from (the fingerprints of
the layers read, the parameters, the points, the CRS and :data:`VERSIONS`), each array a
blob of its bytes (zlib, grouped by byte position) with its numeric dtype and shape in the
record's JSON: plain numbers, never objects (a project never runs code). Changing
a road changes the key of what was built from the roads only; the stale record is then
replaced by the new one (one record per name). The results' readers ignore these records:
their domain is no engine's.
"""

from __future__ import annotations

import hashlib
import json
import zlib

import numpy as np

from twin.fingerprint import layer_fingerprint
from twin.project_results import ResultRecord

PREFIX = "prepared:"
#: Bump one when what it stores changes for the same inputs.
VERSIONS = {"transit-destinations": "1"}
MAX_ARRAYS = 32
MAX_BYTES = 256 * 1024 * 1024  # a larger stated array is refused as damaged


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
    numeric arrays of the sizes the record states: then it is built again and replaced)."""
    entry = (getattr(project, "results", None) or {}).get(record_key)
    if not isinstance(entry, ResultRecord) or entry.domain != PREFIX + name:
        return None
    try:
        described = json.loads(entry.meta)["arrays"]
        if not isinstance(described, dict) or len(described) > MAX_ARRAYS:
            return None
        return {
            array_name: _decoded(entry.blobs[array_name], spec["dtype"], spec["shape"])
            for array_name, spec in described.items()
        }
    except (KeyError, TypeError, ValueError, OSError, zlib.error):
        return None


def _decoded(blob: bytes, dtype_text: str, shape: list) -> np.ndarray:
    """An array from its compressed byte planes (see :func:`_encoded`); ValueError when the
    blob does not hold exactly an array of that numeric ``dtype`` and ``shape``."""
    dtype = np.dtype(dtype_text)
    if dtype.kind not in "biuf" or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError("not a plain numeric array")
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if size > MAX_BYTES:
        raise ValueError("too large")
    inflater = zlib.decompressobj()
    data = inflater.decompress(blob, size + 1)  # never more than the stated size
    if len(data) != size or inflater.unconsumed_tail:
        raise ValueError("size differs")
    planes = np.frombuffer(data, np.uint8).reshape(dtype.itemsize, -1)
    return np.ascontiguousarray(planes.T).view(dtype).reshape(shape)


def _encoded(array: np.ndarray) -> bytes:
    """The bytes of ``array`` grouped by position in each value (all first bytes, then all
    second bytes, ...), which zlib compresses better for float coordinates, compressed."""
    array = np.ascontiguousarray(array)
    planes = array.reshape(-1).view(np.uint8).reshape(-1, array.dtype.itemsize).T
    return zlib.compress(np.ascontiguousarray(planes).tobytes(), 6)


def keep(project, name: str, record_key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` under ``record_key`` in ``project.results`` (saved with the
    project), replacing an older record of the same ``name``."""
    results = getattr(project, "results", None)
    if results is None:
        return
    for old in [k for k, v in results.items() if getattr(v, "domain", None) == PREFIX + name]:
        del results[old]
    blobs = {name_: _encoded(array) for name_, array in arrays.items()}
    described = {
        name_: {"dtype": np.asarray(array).dtype.str, "shape": list(np.shape(array))}
        for name_, array in arrays.items()
    }
    meta = json.dumps({"arrays": described, "version": VERSIONS[name]})
    results[record_key] = ResultRecord(record_key, PREFIX + name, meta, blobs)
