"""What an uploaded workbook may cost the server before it is refused (zip and XML bombs).

An .xlsx is a zip of XML parts. The 20 MB upload cap bounds only the compressed file: a 220 KB
workbook of repeated cells inflated to 746 MB in openpyxl. So, before openpyxl sees a byte:
- the zip's members and their declared sizes are bounded (Python's zipfile stops a member at
  its declared size and fails its CRC if it holds more, so the declared sizes bound what
  decompression can produce);
- no XML part may declare a DOCTYPE or an entity (a workbook never needs one; they are how XXE
  and "billion laughs" files work);
and while the sheets are read, the rows, the cells per row and the elapsed time are bounded.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass

_MB = 2**20
_SCAN_CHUNK = 1 << 16
_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_OVERLAP = max(len(m) for m in _MARKERS) - 1


@dataclass(frozen=True)
class WorkbookLimits:
    """Bounds of one import (settings `HOSO_IMPORT_*`; docs/operations.md)."""

    max_file_bytes: int = 20 * _MB
    max_uncompressed_bytes: int = 100 * _MB
    max_members: int = 500
    max_rows: int = 50_000
    max_columns: int = 200
    max_seconds: float = 60.0


class WorkbookRefused(Exception):
    """The file breaks one of the bounds; `code` names which (the importer turns it into a
    file-level problem)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def inspect_package(data: bytes, limits: WorkbookLimits) -> None:
    """Refuse a zip whose inflated size or member count passes the limits, or whose XML
    declares a DOCTYPE or entity. Reads each member once, streaming, within the limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return  # not a zip: openpyxl's own refusal names it
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise WorkbookRefused(
                "too_many_parts",
                f"Tệp có {len(members)} thành phần, quá giới hạn {limits.max_members} "
                f"(the workbook has more than {limits.max_members} parts)")
        inflated = sum(m.file_size for m in members)
        if inflated > limits.max_uncompressed_bytes:
            raise WorkbookRefused(
                "uncompressed_too_large",
                f"Tệp giải nén ra {inflated // _MB} MB, quá giới hạn "
                f"{limits.max_uncompressed_bytes // _MB} MB (the workbook inflates past "
                f"{limits.max_uncompressed_bytes // _MB} MB)")
        for member in members:
            if member.filename.endswith((".xml", ".rels", ".vml")):
                _refuse_declarations(archive, member)


def _refuse_declarations(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    try:
        with archive.open(member) as part:
            tail = b""
            while chunk := part.read(_SCAN_CHUNK):
                window = (tail + chunk).upper()
                if any(marker in window for marker in _MARKERS):
                    raise WorkbookRefused(
                        "xml_entities_forbidden",
                        f"Phần '{member.filename}' khai báo DOCTYPE/ENTITY, không được phép "
                        "trong tệp Excel (a workbook part declares a DOCTYPE or entity)")
                tail = chunk[-_OVERLAP:]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return  # a damaged or encrypted member: openpyxl's own refusal names it


class ReadingBudget:
    """The rows, cells and seconds one import may spend reading its sheets."""

    def __init__(self, limits: WorkbookLimits) -> None:
        self.limits = limits
        # Elapsed time, not the calendar: the monotonic clock is not the business clock.
        self._deadline = time.monotonic() + limits.max_seconds
        self._rows = 0
        self._sheet = ""

    def row(self, sheet: str, width: int) -> None:
        """Count one row read from `sheet` (blank rows too: openpyxl yields a row for every
        number up to the last, so a lone cell in row 1,048,576 costs a million rows)."""
        if sheet != self._sheet:
            self._sheet, self._rows = sheet, 0
        self._rows += 1
        # Headers and blank lines between the data rows get as many rows again.
        if self._rows > 2 * self.limits.max_rows:
            raise WorkbookRefused(
                "too_many_rows", f"Trang '{sheet}' có quá {self.limits.max_rows} dòng (more "
                                 f"than {self.limits.max_rows} rows)")
        if width > self.limits.max_columns:
            raise WorkbookRefused(
                "too_many_columns", f"Trang '{sheet}' có dòng quá {self.limits.max_columns} cột "
                                    f"(a row wider than {self.limits.max_columns} columns)")
        if self._rows % 256 == 0 and time.monotonic() > self._deadline:
            raise WorkbookRefused(
                "import_too_slow", f"Đọc tệp quá {self.limits.max_seconds:g} giây; hãy chia nhỏ "
                                   f"tệp (reading took longer than {self.limits.max_seconds:g} s)")
