"""Excel (.xlsx) writing, shared by every list export and report."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


def xlsx_bytes(title: str, headers: list[str], rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    widths = [len(h) for h in headers]
    sheet.freeze_panes = "A2"
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(sheet, value=h)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    buffered = []
    for row in rows:
        row = [_cell(v) for v in row]
        for i, v in enumerate(row):
            widths[i] = min(max(widths[i], len(str(v)) if v is not None else 0), 60)
        buffered.append(row)
    for i, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = w + 2
    sheet.append(header_cells)
    for row in buffered:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value):
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return (cleaned or "Sheet")[:31]
