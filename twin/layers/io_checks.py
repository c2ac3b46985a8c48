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
import zipfile
from pathlib import Path

from twin.errors import DataError, DataWarning
from twin.i18n import tr

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
    elif format_key == "zip":
        check_zipped_shapefiles(path)


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
                    tr(
                        "{path_name} is not a readable OpenStreetMap PBF: block "
                        "{blocks} has a broken header (damaged file)"
                    ).format(path_name=path.name, blocks=blocks + 1)
                )
            header = handle.read(header_length)
            if len(header) < header_length:
                raise _cut_short(path, blocks)
            data_size = _blob_data_size(header)
            if data_size is None:
                raise DataError(
                    tr(
                        "{path_name} is not a readable OpenStreetMap PBF: block "
                        "{blocks} has no data size (damaged file)"
                    ).format(path_name=path.name, blocks=blocks + 1)
                )
            offset += 4 + header_length + data_size
            if offset > size:
                raise _cut_short(path, blocks)
            handle.seek(offset)
            blocks += 1
    if blocks == 0:
        raise DataError(
            tr("{path_name} is an empty OpenStreetMap PBF (no block)").format(path_name=path.name)
        )


def _cut_short(path: Path, blocks: int) -> DataError:
    return DataError(
        tr(
            "{path_name} is cut short after {blocks} complete blocks (an interrupted "
            "download?): features would be lost; download it again"
        ).format(path_name=path.name, blocks=blocks)
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
            tr(
                "{path_name} is cut short (no closing </osm> tag): features would be "
                "lost; download or export it again"
            ).format(path_name=path.name)
        )


def check_shapefile(path: Path) -> None:
    """Compare a Shapefile's parts: the ``.shx`` index gives the number of shapes; the
    ``.shp`` must hold them all (else DataError) and the ``.dbf`` must hold one record each
    (missing or damaged ``.dbf``: DataWarning, attributes lost; too few records: DataError)."""
    _check_parts(_FolderParts(path))


def check_zipped_shapefiles(path: Path) -> None:
    """:func:`check_shapefile` for every ``.shp`` inside a zip archive (read in place)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # the reader reports an unreadable archive itself
    with archive:
        members = {info.filename.lower(): info for info in archive.infolist()}
        for name, info in members.items():
            if name.endswith(".shp") and "__macosx" not in name:
                _check_parts(_ZipParts(archive, members, info))


class _FolderParts:
    """The parts of a Shapefile on disk, by suffix."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self._path = path

    def _file(self, suffix: str) -> Path | None:
        if suffix == ".shp":
            return self._path
        return _sibling(self._path, suffix)

    def size(self, suffix: str) -> int | None:
        file = self._file(suffix)
        return None if file is None else file.stat().st_size

    def read(self, suffix: str, offset: int, count: int) -> bytes:
        file = self._file(suffix)
        assert file is not None
        with open(file, "rb") as handle:
            handle.seek(offset)
            return handle.read(count)


class _ZipParts:
    """The parts of a Shapefile inside a zip archive, by suffix."""

    def __init__(self, archive: zipfile.ZipFile, members: dict, shp: zipfile.ZipInfo) -> None:
        self.name = Path(shp.filename).name
        self._archive = archive
        self._stem = shp.filename.lower()[: -len(".shp")]
        self._members = members

    def _info(self, suffix: str) -> zipfile.ZipInfo | None:
        return self._members.get(self._stem + suffix)

    def size(self, suffix: str) -> int | None:
        info = self._info(suffix)
        return None if info is None else info.file_size

    def read(self, suffix: str, offset: int, count: int) -> bytes:
        info = self._info(suffix)
        assert info is not None
        try:
            with self._archive.open(info) as member:
                if offset + count > 16 * 2**20:  # the index of a huge layer: skip
                    return b""
                return member.read(offset + count)[offset:]
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
            return b""


def _check_parts(parts) -> None:
    name = parts.name
    shp_size = parts.size(".shp") or 0
    index_size = parts.size(".shx")
    count = None
    if index_size is not None and index_size >= 100 and (index_size - 100) % 8 == 0:
        count = (index_size - 100) // 8
        last = parts.read(".shx", 100 + 8 * (count - 1), 8) if count else b""
        if len(last) == 8:
            offset_words, length_words = struct.unpack(">ii", last)
            if 2 * (offset_words + length_words) + 8 > shp_size:
                raise DataError(
                    tr(
                        "{name} is cut short: its .shx index lists {count} shapes but "
                        "the .shp ends before the last; features would be lost"
                    ).format(name=name, count=count)
                )
    table = Path(name).with_suffix(".dbf").name
    size = parts.size(".dbf")
    if size is None:
        warnings.warn(
            tr(
                "{name} has no .dbf file beside it: only geometries are read, every "
                "attribute is missing"
            ).format(name=name),
            DataWarning,
            stacklevel=4,
        )
        return
    head = parts.read(".dbf", 0, 32)
    if len(head) < 32 or head[0] not in _DBF_VERSIONS:
        warnings.warn(
            tr(
                "{table} is damaged (not a dBase table): only geometries are read, "
                "every attribute of {name} is lost"
            ).format(table=table, name=name),
            DataWarning,
            stacklevel=4,
        )
        return
    records, header_length, record_length = struct.unpack("<IHH", head[4:12])
    held = (size - header_length) // record_length if record_length else 0
    if count is not None and records != count:
        warnings.warn(
            tr(
                "{table} has {records} records for {count} shapes in {name}; "
                "attributes may not match their shapes"
            ).format(table=table, records=records, count=count, name=name),
            DataWarning,
            stacklevel=4,
        )
    if held < records:
        raise DataError(
            tr(
                "{table} is cut short: it declares {records} records but holds {held}; "
                "features would be lost"
            ).format(table=table, records=records, held=max(held, 0))
        )


_DBF_VERSIONS = frozenset({0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x83, 0x8B, 0xF5})


def _sibling(path: Path, suffix: str) -> Path | None:
    """The part of a Shapefile with ``suffix`` (either case), None when absent."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None
