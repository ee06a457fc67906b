"""The work ledger (工作台账) as files an office opens: CSV (UTF-8 with BOM, so that Excel
reads the Chinese) and XLSX, one row per case, headers in Chinese. Both take the rows as they
are read, a page at a time: the CSV goes out a page at a time, the XLSX is written row by
row (write-only) and holds at most `XLSX_MAX_ROWS`. A cell a spreadsheet would read as a
formula (=, +, -, @, tab, carriage return first: a company may register any name) is written as
text, as OWASP advises against CSV injection."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from services.ledger.projections.work_ledger import HEADERS_ZH

Row = dict[str, Any]
XLSX_MAX_ROWS = 100_000  # a year of a county hall's cases; more is exported by date, or as CSV
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")


def cells(row: Row) -> list[str]:
    values = {**row, "business_sites": "、".join(row["business_sites"]),
              "status": row["status_zh"]}
    return ["" if values.get(k) is None else str(values[k]) for k in HEADERS_ZH]


_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """A stored value as a spreadsheet can hold it: a character XML may not carry (a control
    character, half a surrogate pair) is written escaped, as \\u0007, never a failed export."""
    return _NOT_IN_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_header() -> bytes:
    return "\ufeff".encode() + _csv(list(HEADERS_ZH.values()))


def csv_rows(rows: Iterable[Row]) -> bytes:
    return b"".join(_csv([as_csv_text(cell) for cell in cells(row)]) for row in rows)


def as_csv_text(cell: str) -> str:
    """A cell Excel would take for a formula, behind a single quote: shown, never run."""
    return f"'{cell}" if cell.startswith(FORMULA_FIRST) else cell


def _csv(cells: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue().encode(errors="backslashreplace")


def work_ledger_xlsx(rows: Iterable[Row], site_name: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("工作台账")
    for n, header in enumerate(HEADERS_ZH.values(), 1):
        sheet.column_dimensions[get_column_letter(n)].width = max(12, len(header) * 2 + 4)
    sheet.freeze_panes = "A3"
    sheet.append([f"{site_name} 跨域通办工作台账"])
    sheet.append(list(HEADERS_ZH.values()))
    for row in rows:
        sheet.append([text_cell(sheet, xml_safe(cell)) for cell in cells(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text_cell(sheet: object, text: str) -> str | WriteOnlyCell:
    """Text that openpyxl would store as a formula is stored as a string, marked quoted."""
    if not text.startswith(FORMULA_FIRST):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type, cell.quotePrefix = "s", True
    return cell
