"""The directory of an OLE compound file (CFB): old .doc/.xls, and password-protected Office
files, which are CFB containers holding EncryptionInfo and EncryptedPackage streams."""

from __future__ import annotations

import struct

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LAST_REGULAR_SECTOR = 0xFFFFFFFA
_ENTRY_SIZE = 128
_HEADER_DIFAT_ENTRIES = 109


class OleError(ValueError):
    """The compound file is truncated or its structure does not hold together."""


def ole_entry_names(data: bytes) -> set[str]:
    """Names of the storages and streams in a compound file."""
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        raise OleError("not a compound file")
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    if sector_size not in (512, 4096):
        raise OleError("bad sector size")
    fat_count, first_directory = struct.unpack_from("<II", data, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", data, 0x44)

    def sector(number: int) -> bytes:
        start = (number + 1) * sector_size
        if number >= _LAST_REGULAR_SECTOR or start + sector_size > len(data):
            raise OleError("sector out of range")
        return data[start : start + sector_size]

    per_sector = sector_size // 4
    difat = list(struct.unpack_from(f"<{_HEADER_DIFAT_ENTRIES}I", data, 0x4C))
    following = first_difat
    for _ in range(difat_count):
        if following >= _LAST_REGULAR_SECTOR:
            break
        entries = struct.unpack(f"<{per_sector}I", sector(following))
        difat.extend(entries[:-1])
        following = entries[-1]
    fat: list[int] = []
    for number in [s for s in difat if s < _LAST_REGULAR_SECTOR][:fat_count]:
        fat.extend(struct.unpack(f"<{per_sector}I", sector(number)))
    names: set[str] = set()
    visited: set[int] = set()
    current = first_directory
    while current < _LAST_REGULAR_SECTOR:
        if current in visited or current >= len(fat):
            raise OleError("broken directory chain")
        visited.add(current)
        block = sector(current)
        for offset in range(0, sector_size, _ENTRY_SIZE):
            length = struct.unpack_from("<H", block, offset + 0x40)[0]
            entry_type = block[offset + 0x42]
            if entry_type in (1, 2, 5) and 2 <= length <= 64:
                names.add(block[offset : offset + length - 2].decode("utf-16-le", "replace"))
        current = fat[current]
    return names
