"""Completeness checks GDAL does not make: files cut short or missing a part.

GDAL reads what it can of a damaged file without a word: a truncated OpenStreetMap PBF
gives the features of its first blocks (85 of 2 724 in one trial), a Shapefile whose
``.dbf`` is missing or damaged gives geometries without any attribute, one whose ``.dbf``
is cut short gives only its first rows. These checks read the files' own structure (block
lengths, record counts) so that such a file raises :class:`DataError` (features would be
lost) or a :class:`DataWarning` (attributes lost, geometries complete).
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

from twin.errors import DataError, DataWarning

#: Largest PBF BlobHeader (the format's own limit is 64 KiB).
PBF_MAX_HEADER = 64 * 1024


def check_complete(path: Path, format_key: str) -> None:
    """Raise :class:`DataError` (or warn) when the file at ``path`` is cut short or lacks a
    part, for the formats where GDAL would not say so (OSM PBF/XML, Shapefile)."""
    name = path.name.lower()
    if format_key == "osm" and name.endswith(".pbf"):
        check_pbf(path)
    elif format_key == "osm":
        check_osm_xml(path)
    elif format_key == "shp":
        check_shapefile(path)


def check_pbf(path: Path) -> None:
    """Walk the blocks of an OSM PBF (4-byte length, BlobHeader, Blob of ``datasize``
    bytes) and refuse a file whose last block runs past its end or whose framing is
    broken."""
    size = path.stat().st_size
    blocks = 0
    with open(path, "rb") as handle:
        offset = 0
        while offset < size:
            head = handle.read(4)
            if len(head) < 4:
                raise _cut_short(path, blocks)
            (header_length,) = struct.unpack(">I", head)
            if header_length == 0 or header_length > PBF_MAX_HEADER:
                raise DataError(
                    f"{path.name} is not a readable OpenStreetMap PBF: block {blocks + 1} "
                    "has a broken header (damaged file)"
                )
            header = handle.read(header_length)
            if len(header) < header_length:
                raise _cut_short(path, blocks)
            data_size = _blob_data_size(header)
            if data_size is None:
                raise DataError(
                    f"{path.name} is not a readable OpenStreetMap PBF: block {blocks + 1} "
                    "has no data size (damaged file)"
                )
            offset += 4 + header_length + data_size
            if offset > size:
                raise _cut_short(path, blocks)
            handle.seek(offset)
            blocks += 1
    if blocks == 0:
        raise DataError(f"{path.name} is an empty OpenStreetMap PBF (no block)")


def _cut_short(path: Path, blocks: int) -> DataError:
    return DataError(
        f"{path.name} is cut short after {blocks} complete blocks (an interrupted download?): "
        "features would be lost; download it again"
    )


def _blob_data_size(header: bytes) -> int | None:
    """Field 3 (``datasize``, varint) of a PBF BlobHeader message, None if absent."""
    index = 0
    while index < len(header):
        key, index = _varint(header, index)
        if key is None:
            return None
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, index = _varint(header, index)
            if value is None:
                return None
            if field == 3:
                return value
        elif wire == 2:
            length, index = _varint(header, index)
            if length is None:
                return None
            index += length
        elif wire == 5:
            index += 4
        elif wire == 1:
            index += 8
        else:
            return None
    return None


def _varint(data: bytes, index: int) -> tuple[int | None, int]:
    value, shift = 0, 0
    while index < len(data) and shift < 64:
        byte = data[index]
        index += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, index
        shift += 7
    return None, index


def check_osm_xml(path: Path) -> None:
    """Refuse an OSM XML file that does not end with its closing ``</osm>`` tag."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 4096))
        tail = handle.read()
    if b"</osm>" not in tail:
        raise DataError(
            f"{path.name} is cut short (no closing </osm> tag): features would be lost; "
            "download or export it again"
        )


def check_shapefile(path: Path) -> None:
    """Compare a Shapefile's parts: the ``.shx`` index gives the number of shapes; the
    ``.shp`` must hold them all (else DataError) and the ``.dbf`` must hold one record each
    (missing or damaged ``.dbf``: DataWarning, attributes lost; too few records: DataError)."""
    index_file = _sibling(path, ".shx")
    count = None
    if index_file is not None:
        index_size = index_file.stat().st_size
        if index_size >= 100 and (index_size - 100) % 8 == 0:
            count = (index_size - 100) // 8
            if count:
                with open(index_file, "rb") as handle:
                    handle.seek(100 + 8 * (count - 1))
                    offset_words, length_words = struct.unpack(">ii", handle.read(8))
                end = 2 * (offset_words + length_words) + 8
                if end > path.stat().st_size:
                    raise DataError(
                        f"{path.name} is cut short: its .shx index lists {count} shapes but "
                        "the .shp ends before the last; features would be lost"
                    )
    table = _sibling(path, ".dbf")
    if table is None:
        warnings.warn(
            f"{path.name} has no .dbf file beside it: only geometries are read, every "
            "attribute is missing",
            DataWarning,
            stacklevel=3,
        )
        return
    with open(table, "rb") as handle:
        head = handle.read(32)
    size = table.stat().st_size
    if len(head) < 32 or head[0] not in _DBF_VERSIONS:
        warnings.warn(
            f"{table.name} is damaged (not a dBase table): only geometries are read, every "
            f"attribute of {path.name} is lost",
            DataWarning,
            stacklevel=3,
        )
        return
    records, header_length, record_length = struct.unpack("<IHH", head[4:12])
    held = (size - header_length) // record_length if record_length else 0
    if count is not None and records != count:
        warnings.warn(
            f"{table.name} has {records} records for {count} shapes in {path.name}; "
            "attributes may not match their shapes",
            DataWarning,
            stacklevel=3,
        )
    if held < records:
        raise DataError(
            f"{table.name} is cut short: it declares {records} records but holds {max(held, 0)};"
            " features would be lost"
        )


_DBF_VERSIONS = frozenset({0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x83, 0x8B, 0xF5})


def _sibling(path: Path, suffix: str) -> Path | None:
    """The part of a Shapefile with ``suffix`` (either case), None when absent."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None
