"""Text in the workbooks hoso writes is text, never a formula.

openpyxl turns any string that begins with `=` into a live formula; a unit named
`=HYPERLINK(...)` would then run in the reader's spreadsheet program. Every text cell is written
as a string, and one that begins like a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
before one) gets the quote prefix: the cell-level form of the leading apostrophe with which Excel
and LibreOffice mark "this is text", shown without the apostrophe and never re-evaluated on edit.
"""

from __future__ import annotations

from openpyxl import Workbook

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def write_text_as_text(book: Workbook) -> None:
    """Make every string cell of `book` a plain string; quote-prefix the formula-like ones."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if cell.value.startswith(FORMULA_LEADS):
                        cell.quotePrefix = True
