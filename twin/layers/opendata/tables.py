"""Reading the French open-data tables: encodings, separators, decimal commas, DMS angles.

French public files come as CSV/TXT with a semicolon separator, in UTF-8 or Latin-1
(Windows-1252), with decimal commas ("28,5") and, for ANFR, coordinates in degrees,
minutes and seconds. These helpers read such a table as text columns and turn columns into
numbers, raising :class:`twin.errors.DataError` with the file, row (1 = header line) and
column of the first bad value.
"""

from __future__ import annotations

import csv
import gzip
import io
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import DataError
from twin.i18n import tr


def decode_text(raw: bytes) -> tuple[str, str]:
    """The text of ``raw`` and its encoding: UTF-8 (with or without BOM), else Windows-1252
    (a superset of Latin-1 for the printable range), else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1", errors="replace"), "latin-1"  # pragma: no cover


def header_of(raw: bytes) -> list[str]:
    """The column names of a CSV/TXT table from its first line (any separator)."""
    text, _ = decode_text(raw[:65536])
    first = text.splitlines()[0] if text else ""
    separator = _separator(first)
    return [name.strip().strip('"') for name in first.split(separator)]


def _separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t", "|")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ";"


def read_table(raw: bytes, name: str) -> pd.DataFrame:
    """A CSV/TXT table as text columns (empty cells are ""), stripped column names.

    ``name`` (the file name) is used in error messages.
    """
    text, _ = decode_text(raw)
    if not text.strip():
        raise DataError(tr("{name} is empty").format(name=name))
    separator = _separator(text[: text.find("\n")] if "\n" in text else text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, ValueError) as error:
        raise DataError(
            tr("{name}: not a readable table ({error})").format(
                name=name, error=str(error).splitlines()[0]
            )
        ) from None
    frame.columns = [str(c).strip().strip('"') for c in frame.columns]
    return frame


#: Table files twin reads: plain or gzip-compressed (Arcep publishes ``.csv.gz``).
TABLE_SUFFIXES = (".csv", ".txt", ".csv.gz", ".txt.gz")
#: Largest decompressed table read at once (bytes): a department's file is well below.
MAX_TABLE_BYTES = 4 * 1024**3


def is_table_file(path: Path) -> bool:
    """True for a CSV/TXT file name, plain or ``.gz``."""
    return Path(path).name.lower().endswith(TABLE_SUFFIXES)


def table_head(path: Path, size: int = 65536) -> bytes:
    """The first ``size`` bytes of a table file's text (decompressed when gzip)."""
    with open(path, "rb") as handle:
        start = handle.read(2)
    opener = gzip.open if start == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as handle:
            return handle.read(size)
    except (OSError, EOFError):
        return b""


def read_table_file(path: Path) -> pd.DataFrame:
    """:func:`read_table` of a file on disk (gzip-compressed or not)."""
    name = Path(path).name
    try:
        raw = Path(path).read_bytes()
        if raw[:2] == b"\x1f\x8b":
            with gzip.open(io.BytesIO(raw), "rb") as handle:
                raw = handle.read(MAX_TABLE_BYTES + 1)
            if len(raw) > MAX_TABLE_BYTES:
                raise DataError(
                    tr(
                        "{name}: decompresses to more than {max_table_bytes:g} GiB; "
                        "use the file of one department"
                    ).format(name=name, max_table_bytes=MAX_TABLE_BYTES / 1024**3)
                )
    except OSError as error:
        text = error.strerror or str(error)
        raise DataError(
            tr("{name}: cannot be read ({text})").format(name=name, text=text)
        ) from None
    except EOFError:
        raise DataError(tr("{name}: the gzip file is truncated").format(name=name)) from None
    return read_table(raw, name)


def require_columns(frame: pd.DataFrame, columns, name: str, schema: str) -> None:
    """DataError naming the missing columns when ``frame`` lacks some of ``columns``."""
    present = {c.lower() for c in frame.columns}
    missing = [c for c in columns if c.lower() not in present]
    if missing:
        raise DataError(
            tr("{name}: column(s) {missing} missing; not the published {schema} schema").format(
                name=name, missing=", ".join(missing), schema=schema
            )
        )


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column called ``name`` whatever its case (KeyError if absent)."""
    for existing in frame.columns:
        if existing.lower() == name.lower():
            return frame[existing]
    raise KeyError(name)


def has_column(frame: pd.DataFrame, name: str) -> bool:
    """True when ``frame`` has a column ``name`` (any case)."""
    return any(existing.lower() == name.lower() for existing in frame.columns)


def numbers(
    values: pd.Series,
    name: str,
    column_name: str,
    required: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> np.ndarray:
    """Floats of a text column: decimal comma or point, spaces as thousands separators,
    empty cells NaN (DataError when ``required``); values outside [low, high] are refused."""
    # numpy's string ufuncs (C loops): a national table has millions of cells to convert
    text = np.strings.replace(values.to_numpy(dtype=str), "\u00a0", "")
    text = np.strings.replace(np.strings.replace(text, " ", ""), ",", ".")
    empty = text == ""
    parsed = pd.to_numeric(pd.Series(np.where(empty, "nan", text)), errors="coerce")
    parsed = parsed.to_numpy(dtype=float)
    bad = np.isnan(parsed) & ~empty
    if required:
        bad |= np.isnan(parsed)
    if low is not None:
        bad |= parsed < low
    if high is not None:
        bad |= parsed > high
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = values.iloc[row]
        if str(value).strip() == "":
            what = tr("is empty")
        else:
            what = tr("{value!r} is not a valid number").format(value=value)
        if not np.isnan(parsed[row]) and (low is not None or high is not None):
            what = tr("{value!r} is outside {low:g}..{high:g}").format(
                value=value, low=low, high=high
            )
        raise DataError(
            tr("{name}, line {line}: {column_name} {what}").format(
                name=name, line=line_of(values, row), column_name=column_name, what=what
            )
        )
    return parsed


def stripped(values: pd.Series) -> pd.Series:
    """The text column without surrounding spaces (numpy string ufuncs: a C loop)."""
    return pd.Series(np.strings.strip(values.to_numpy(dtype=str)), index=values.index)


def line_of(values: pd.Series, position: int) -> int:
    """The file line (1 = header) of the row at ``position`` of a column read by
    :func:`read_table` (its index labels are the data rows, kept through filters)."""
    label = values.index[position]
    return int(label) + 2 if isinstance(label, (int, np.integer)) else position + 2


def dms_to_degrees(
    degrees: np.ndarray, minutes: np.ndarray, seconds: np.ndarray, negative: np.ndarray
) -> np.ndarray:
    """Decimal degrees from degrees, minutes, seconds and a hemisphere flag (True for S/W)."""
    value = degrees + minutes / 60.0 + seconds / 3600.0
    return np.where(negative, -value, value)


def plain(text: str) -> str:
    """Lower-case ASCII of ``text`` (accents removed), for matching category labels."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
