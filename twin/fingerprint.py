"""Content fingerprints of layers: a short hash of a layer's data (features or pixels, and
its CRS), the part of a stored result's key that says which inputs it was computed from.

A fingerprint is remembered per layer while the layer holds the same data object, so it is
computed once; a project file stores each layer's fingerprint and :func:`set_fingerprint`
gives it back to the layer read from the file (the data read back is the data that was
hashed, even where the file changes a column's dtype), so opening a project hashes nothing.
Replacing a layer's data (``set_frame``/``set_array``) makes a new fingerprint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import weakref
from typing import Any

import numpy as np
import shapely

FINGERPRINT_VERSION = "1"
_MEMO: weakref.WeakKeyDictionary[Any, tuple[weakref.ref, str]] = weakref.WeakKeyDictionary()


def _data_of(layer) -> Any:
    identity = getattr(layer, "data_identity", None)  # a lazy layer: without reading it
    if identity is not None:
        return identity
    data = getattr(layer, "frame", None)
    return data if data is not None else getattr(layer, "array", None)


def _crs_text(crs) -> str:
    if crs is None:
        return ""
    return crs if isinstance(crs, str) else crs.to_wkt()


def _vector_digest(frame, crs) -> str:
    import pandas as pd

    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"vector {FINGERPRINT_VERSION} {len(frame)}\n{_crs_text(crs)}\n".encode())
    geometry_name = getattr(frame, "_geometry_column_name", None)
    for column in frame.columns:
        values = frame[column]
        digest.update(f"{column}\t{values.dtype}\n".encode())
        if column == geometry_name or str(values.dtype) == "geometry":
            wkb = shapely.to_wkb(np.asarray(values.values, dtype=object), output_dimension=3)
            lengths = np.fromiter((len(b) if b is not None else -1 for b in wkb), np.int64)
            digest.update(lengths.tobytes())
            digest.update(b"".join(b for b in wkb if b is not None))
        else:
            hashed = pd.util.hash_pandas_object(values, index=False)
            digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()


def _raster_digest(layer) -> str:
    array = np.ascontiguousarray(layer.array)
    head = json.dumps(
        [
            "raster",
            FINGERPRINT_VERSION,
            array.dtype.str,
            list(array.shape),
            list(layer.transform)[:6],
            None if layer.nodata is None else float(layer.nodata),
            _crs_text(layer.crs),
        ],
        allow_nan=True,
    )
    digest = hashlib.blake2b(head.encode(), digest_size=16)
    digest.update(array.tobytes())
    return digest.hexdigest()


def layer_fingerprint(layer) -> str:
    """Hex digest (32 characters) of ``layer``'s data and CRS; remembered while the layer
    holds the same data object. Names, styles and visibility do not count."""
    data = _data_of(layer)
    memo = _MEMO.get(layer)
    if memo is not None and data is not None and memo[0]() is data:
        return memo[1]
    if getattr(layer, "kind", "") == "raster":
        value = _raster_digest(layer)
    elif data is not None:
        value = _vector_digest(data, getattr(layer, "crs", None))
    else:
        raise TypeError(f"cannot fingerprint {type(layer).__name__}")
    _remember(layer, data, value)
    return value


def known_fingerprint(layer) -> str | None:
    """The remembered fingerprint of ``layer``'s current data, None when it would have to
    be computed (for callers that must not spend time hashing, e.g. the UI thread)."""
    memo = _MEMO.get(layer)
    data = _data_of(layer)
    if memo is not None and data is not None and memo[0]() is data:
        return memo[1]
    return None


def set_fingerprint(layer, value: str) -> None:
    """Give ``layer`` a known fingerprint of its current data (read from a project file)."""
    _remember(layer, _data_of(layer), value)


def forget_fingerprint(layer) -> None:
    """Drop the remembered fingerprint (after changing the layer's data in place)."""
    _MEMO.pop(layer, None)


def is_fingerprint(value: Any) -> bool:
    """True for a string that looks like a fingerprint (32 lowercase hex digits)."""
    return (
        isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)
    )


def _remember(layer, data, value: str) -> None:
    with contextlib.suppress(TypeError):  # not weak-referenceable: nothing remembered
        _MEMO[layer] = (weakref.ref(data), value)
