"""Reading an uploaded table, one reader per format (a registry like the importers'): Excel
(.xlsx, openpyxl in read-only mode) and CSV (``;``, ``,`` or tab; UTF-8 with or without BOM, or
Windows-1254 as Turkish Excel saves it). A reader gives the header row and the data rows with
their row numbers as a spreadsheet shows them (the header is row 1)."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
import xml.etree.ElementTree as ET  # noqa: N817  (expat, C speed; reads our uploads only)
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _


class FileProblem(Exception):
    """The file as a whole cannot be read (not a row's fault)."""


@dataclass
class Table:
    headers: list[str]
    total: int  # data rows (upper bound: empty rows are skipped while reading)
    _rows: object

    def rows(self):
        """(row number, values) for every row that is not empty."""
        yield from self._rows()


READERS = {}


def reader(*extensions):
    def register(func):
        for ext in extensions:
            READERS[ext] = func
        return func

    return register


def open_table(path: str | Path, extension: str) -> Table:
    func = READERS.get(extension.lower().lstrip("."))
    if func is None:
        raise FileProblem(_("Files of this type cannot be imported (Excel .xlsx or CSV only)."))
    return func(Path(path))


def _blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


@reader("xlsx")
def read_xlsx(path: Path) -> Table:
    """The first sheet of a workbook, streamed from its XML with the standard library's expat
    parser: openpyxl's read-only mode needs about a minute for 100,000 rows of 16 columns on a
    modest server (and scans the whole sheet first when the file has no dimension), this reader a
    few seconds. Values as openpyxl gives them: text, numbers, booleans, dates (by cell style)."""
    try:
        book = _XlsxBook(path)
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError) as exc:
        raise FileProblem(_("The file is not a readable Excel workbook (.xlsx).")) from exc
    rows = book.rows()
    try:
        number, header_row = next(rows)
    except StopIteration:
        header_row = None
    except ET.ParseError as exc:
        raise FileProblem(_("The file is not a readable Excel workbook (.xlsx).")) from exc
    if header_row is None or _blank(header_row):
        raise FileProblem(_("The first sheet has no header row."))
    headers = ["" if v is None else str(v).strip() for v in header_row]
    width = len(headers)
    while width and not headers[width - 1]:
        width -= 1
    headers = headers[:width]

    def data_rows():
        source = book.rows()
        next(source)
        for row_number, values in source:
            values = values[:width]
            if not _blank(values):
                yield row_number, values + [None] * (width - len(values))

    return Table(headers, book.count_rows() - 1, data_rows)


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}
_EPOCH = datetime.datetime(1899, 12, 30)


def _column(ref: str) -> int:
    index = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            index = index * 26 + ord(ch) - 64
        else:
            break
    return index - 1


class _XlsxBook:
    def __init__(self, path: Path):
        self.path = path
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            self.sheet = self._first_sheet(zf, names)
            self.shared = self._shared_strings(zf) if "xl/sharedStrings.xml" in names else []
            self.dates = self._date_styles(zf) if "xl/styles.xml" in names else set()

    @staticmethod
    def _first_sheet(zf, names) -> str:
        workbook = ET.fromstring(zf.read("xl/workbook.xml"))
        sheet = workbook.find(f"{_NS}sheets/{_NS}sheet")
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        for rel in rels:
            if rel.get("Id") == sheet.get(_REL):
                target = rel.get("Target").lstrip("/")
                return target if target.startswith("xl/") else f"xl/{target}"
        raise KeyError("sheet")

    @staticmethod
    def _shared_strings(zf) -> list[str]:
        strings = []
        for _event, elem in ET.iterparse(zf.open("xl/sharedStrings.xml")):
            if elem.tag == f"{_NS}si":
                strings.append("".join(t.text or "" for t in elem.iter(f"{_NS}t")))
                elem.clear()
        return strings

    @staticmethod
    def _date_styles(zf) -> set[int]:
        styles = ET.fromstring(zf.read("xl/styles.xml"))
        custom = set()
        for fmt in styles.iter(f"{_NS}numFmt"):
            code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt.get("formatCode", "")).lower()
            if any(ch in code for ch in "dmy"):
                custom.add(int(fmt.get("numFmtId")))
        xfs = styles.find(f"{_NS}cellXfs")
        if xfs is None:
            return set()
        return {i for i, xf in enumerate(xfs) if int(xf.get("numFmtId", "0")) in (_DATE_FORMATS | custom)}

    def count_rows(self) -> int:
        with zipfile.ZipFile(self.path) as zf, zf.open(self.sheet) as stream:
            count, tail = 0, b""
            while chunk := stream.read(1 << 20):
                data = tail + chunk
                count += data.count(b"<row ") + data.count(b"<row>")
                tail = data[-5:]
                count -= tail.count(b"<row ") + tail.count(b"<row>")
            return count + tail.count(b"<row ") + tail.count(b"<row>")

    def rows(self):
        """(row number, values) of every row element, in order: the usual sheet XML (no namespace
        prefixes) by regular expressions over 4 MB chunks, anything else by ElementTree."""
        with zipfile.ZipFile(self.path) as zf, zf.open(self.sheet) as stream:
            head = stream.read(1 << 16)
        if b"<row" in head or (b"<sheetData/>" in head) or (b":row" not in head and b"<sheetData" in head):
            yield from self._rows_fast()
        else:
            yield from self._rows_tree()

    def _value(self, kind, style, text):
        if text is None:
            return None
        if kind == "s":
            return self.shared[int(text)]
        if kind in ("str", "e", "inlineStr"):
            return html.unescape(text) if "&" in text else text
        if kind == "b":
            return text == "1"
        number = float(text)
        if style and int(style) in self.dates:
            return _EPOCH + datetime.timedelta(days=number)
        return int(number) if number.is_integer() and "E" not in text and "." not in text else number

    def _rows_fast(self):
        value, row = self._value, None
        with zipfile.ZipFile(self.path) as zf, zf.open(self.sheet) as stream:
            buffer, number = b"", 0
            while True:
                chunk = stream.read(1 << 22)
                buffer += chunk
                end = buffer.rfind(b"</row>") + 6 if chunk else len(buffer)
                if end < 6 and chunk:
                    continue
                for match in _TOKEN.finditer(buffer, 0, end):
                    row_attrs, cell_attrs, v, inline = match.groups()
                    if row_attrs is not None:
                        if row is not None:
                            yield number, row
                        found = _ROW_R.search(row_attrs)
                        number = int(found.group(1)) if found else number + 1
                        row = []
                        continue
                    attrs = dict(_ATTR.findall(cell_attrs))
                    ref = attrs.get(b"r")
                    if ref:
                        position = _column(ref.decode())
                        if position > len(row):
                            row.extend([None] * (position - len(row)))
                    kind = attrs.get(b"t", b"").decode()
                    if inline is not None:
                        text, kind = "".join(t.decode() for t in _T.findall(inline)), "inlineStr"
                    else:
                        text = v.decode() if v is not None else None
                    row.append(value(kind, attrs.get(b"s"), text))
                buffer = buffer[end:]
                if not chunk:
                    break
        if row is not None:
            yield number, row

    def _rows_tree(self):
        c_tag, v_tag, is_tag, row_tag = f"{_NS}c", f"{_NS}v", f"{_NS}is", f"{_NS}row"
        with zipfile.ZipFile(self.path) as zf, zf.open(self.sheet) as stream:
            expected = 0
            for _event, elem in ET.iterparse(stream):
                if elem.tag != row_tag:
                    continue
                expected = int(elem.get("r") or expected + 1)
                values = []
                for cell in elem.iter(c_tag):
                    ref = cell.get("r")
                    if ref:
                        position = _column(ref)
                        if position > len(values):
                            values.extend([None] * (position - len(values)))
                    kind = cell.get("t") or ""
                    if kind == "inlineStr":
                        node = cell.find(is_tag)
                        text = "".join(t.text or "" for t in node.iter(f"{_NS}t")) if node is not None else ""
                    else:
                        node = cell.find(v_tag)
                        text = node.text if node is not None else None
                    values.append(self._value(kind, cell.get("s"), text))
                elem.clear()
                yield expected, values


# A row's start, or a cell: its attributes, its value (after an optional formula) or its inline string.
_TOKEN = re.compile(rb"<row\b([^>]*)>|<c\b([^>]*?)(?:/>|>(?:<f\b[^>]*(?:/>|>[^<]*</f>))?(?:<v>([^<]*)</v>|<v\s*/>)?"
                    rb"(?:<is>(.*?)</is>)?\s*</c>)", re.S)
_ROW_R = re.compile(rb'\br="(\d+)"')
_ATTR = re.compile(rb'\b(r|t|s)="([^"]*)"')
_V = re.compile(rb"<v>([^<]*)</v>")
_T = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1254 (Turkish Excel's "CSV")."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1254", errors="replace")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


@reader("csv", "txt")
def read_csv(path: Path) -> Table:
    text = decode(path.read_bytes())
    if not text.strip():
        raise FileProblem(_("The file is empty."))
    first = text.split("\n", 1)[0]
    delimiter = _delimiter(first)
    parsed = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(parsed)]
    except (StopIteration, csv.Error) as exc:
        raise FileProblem(_("The first line must hold the column names.")) from exc
    width = len(headers)
    total = max(0, text.count("\n") - (0 if text.endswith("\n") else -1) - 1)

    def rows():
        lines = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        next(lines)
        for values in lines:
            number = lines.line_num
            if not _blank(values):
                yield number, (values + [""] * (width - len(values)))[:max(width, len(values))]

    return Table(headers, total, rows)


def cell_text(value) -> str:
    """A cell as text: numbers without a useless ".0", dates as dd.mm.yyyy."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%d.%m.%Y") if value.time() == datetime.time(0) else value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    return str(value).strip()
