"""Certificates inside Word and Excel files, and their offline check (ADR 0006).

A sealed report's file carries the whole sealed JSON (the report as the API serves it, with its
`certificate`) in its custom property `hoso-certificate` (core properties stop at 255
characters), the footer code (infra/certificates.py) in the *identifier* property, and
the code printed in every page's footer.
`verify_file` takes the JSON back (from the zip, without opening the document), verifies it like
a JSON report, then renders the file again from it and compares every visible cell or paragraph:
figures edited in the file are caught.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from infra.certificates import FIELD, Verified, verify_document
from infra.notes import VerifierKey
from infra.verification import VerificationFailed

FOOTER_LABEL = "Mã chứng thực"  # "certificate code"
PROPERTY = "hoso-certificate"


def _code(report: Mapping[str, Any]) -> str | None:
    certificate = report.get(FIELD)
    return str(certificate["code"]) if isinstance(certificate, Mapping) else None


def stamp_xlsx(book: Any, report: Mapping[str, Any]) -> None:
    code = _code(report)
    if code is None:
        return
    from openpyxl.packaging.custom import StringProperty

    # Core properties stop at 255 characters; custom ones hold the whole sealed report.
    book.custom_doc_props.append(StringProperty(name=PROPERTY,
                                                value=orjson.dumps(report).decode()))
    book.properties.identifier = code
    for sheet in book.worksheets:
        sheet.oddFooter.left.text = f"{FOOTER_LABEL}: {code}"
        sheet.oddFooter.left.size = 7


def stamp_docx(doc: Any, report: Mapping[str, Any], paragraph_run: Any) -> None:
    code = _code(report)
    if code is None:
        return
    _add_custom_property(doc, PROPERTY, orjson.dumps(report).decode())
    doc.core_properties.identifier = code
    paragraph_run(doc.sections[0].footer.add_paragraph(), f"{FOOTER_LABEL}: {code}", size=7)


_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_CUSTOM_PART = "/docProps/custom.xml"


def _add_custom_property(doc: Any, name: str, value: str) -> None:
    # python-docx has no API for custom properties: write the OOXML part Word itself writes.
    from xml.sax.saxutils import escape, quoteattr

    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<Properties xmlns="{_CUSTOM}" xmlns:vt="{_VT}"><property '
           f'fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name={quoteattr(name)}>'
           f'<vt:lpwstr>{escape(value)}</vt:lpwstr></property></Properties>')
    package = doc.part.package
    part = Part(PackURI(_CUSTOM_PART),
                "application/vnd.openxmlformats-officedocument.custom-properties+xml",
                xml.encode(), package)
    package.relate_to(part, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)


def custom_property(data: bytes, name: str) -> str | None:
    """A custom property of an OOXML file (Word or Excel), read from its zip directly."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if _CUSTOM_PART.lstrip("/") not in package.namelist():
            return None
        root = ElementTree.fromstring(package.read(_CUSTOM_PART.lstrip("/")))
    for prop in root.findall(f"{{{_CUSTOM}}}property"):
        if prop.get("name") == name:
            value = prop.find(f"{{{_VT}}}lpwstr")
            return value.text if value is not None else None
    return None


# --- verification ----------------------------------------------------------------------------


def _xlsx_cells(data: bytes) -> tuple[list[Any], list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=False)
    cells = [(ws.title, [tuple(row) for row in ws.iter_rows(values_only=True)])
             for ws in book.worksheets]
    footers = [ws.oddFooter.left.text or "" for ws in book.worksheets]
    return cells, footers


def _docx_text(data: bytes) -> tuple[list[Any], list[str]]:
    from docx import Document

    doc = Document(io.BytesIO(data))
    body: list[Any] = [p.text for p in doc.paragraphs]
    body += [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    footers = [p.text for section in doc.sections for p in section.footer.paragraphs]
    return body, footers


def verify_file(path: Path, key: VerifierKey, *, content: bool = True) -> Verified:
    """Verify a sealed report or record: JSON, .xlsx or .docx (with `content`, also that the
    file shows what was certified)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise VerificationFailed(f"cannot read {path}: {error}") from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise VerificationFailed(f"{path} is neither JSON nor a Word or Excel file") \
                from None
        if not isinstance(document, dict):
            raise VerificationFailed(f"{path} is not a JSON object")
        return verify_document(document, key)
    embedded = custom_property(data, PROPERTY)
    if not embedded:
        raise VerificationFailed(f"{path} carries no certificate in its properties")
    try:
        report = orjson.loads(embedded)
    except orjson.JSONDecodeError:
        raise VerificationFailed("the certificate in the file's properties is damaged") from None
    verified = verify_document(report, key)
    if content:
        check_content(data, report)
    return verified


def check_content(data: bytes, report: Mapping[str, Any]) -> None:
    """Render the file again from the certified report; every visible cell or paragraph and
    the printed code must be the same as in the file."""
    from api import documents

    is_docx = "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    read = _docx_text if is_docx else _xlsx_cells
    try:
        shown, footers = read(data)
    except Exception as error:  # a damaged file: openpyxl and python-docx raise many kinds
        raise VerificationFailed(f"cannot open the file: {error}") from None
    if is_docx and report.get("format") == "hoso-case-file/v1":
        from api.case_file_docx import case_file_docx

        again = case_file_docx(report)
    else:
        again = (documents.docx_bytes if is_docx else documents.xlsx_bytes)(report)
    expected, expected_footers = read(again)
    if shown != expected:
        raise VerificationFailed("the file's visible content differs from the certified report: "
                                 "figures or text were edited after it was issued")
    if footers != expected_footers:
        raise VerificationFailed("the printed certificate code differs from the certificate")
