"""What every importer shares: its columns (Turkish and English headers), header matching, cell
parsers with clear reasons, the checking pass (every row, every problem, with progress) and the
downloadable template (a data sheet and a notes sheet explaining every column)."""

from __future__ import annotations

import datetime
import functools
import io
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bilge.assets.importers.readers import Table, cell_text
from bilge.core.turkish import fold

MAX_ERRORS = 50_000  # kept in the job (the count is always exact)


@dataclass(frozen=True)
class Column:
    key: str
    tr: str  # the template's header (Turkish; the file format, not interface text)
    en: str  # accepted as well
    help: str = ""  # explanation on the notes sheet (translated)
    required: bool = False
    example: str = ""

    def names(self) -> set[str]:
        return {header_key(self.tr), header_key(self.en), header_key(self.key)}


@functools.lru_cache(maxsize=65536)
def header_key(text: str) -> str:
    """Headers match whatever their case, spacing, punctuation and Turkish letters."""
    folded = fold(text).translate(str.maketrans("çğıöşüâîû", "cgiosuaiu"))
    return re.sub(r"[^a-z0-9]+", "", folded)


class RowError(Exception):
    def __init__(self, message, column: str = ""):
        super().__init__(str(message))
        self.message = str(message)
        self.column = column


@dataclass
class CheckResult:
    rows: list = field(default_factory=list)  # cleaned rows (when kept)
    errors: list = field(default_factory=list)  # [row, column, message]
    error_count: int = 0
    total: int = 0
    counts: dict = field(default_factory=dict)
    preview: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0


# --- cell parsers -----------------------------------------------------------------------------

_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
TRUE = {"evet", "e", "yes", "y", "true", "1", "x", "var", "onayli"}
FALSE = {"hayir", "h", "no", "n", "false", "0", "yok", "", "onaysiz"}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    key = header_key(cell_text(value))
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise ValueError(_("“%(value)s” is not yes or no (evet/hayır)") % {"value": cell_text(value)})


def parse_date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = _DMY.fullmatch(text)
    if match:  # the common case, without strptime's cost
        try:
            return datetime.date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            pass
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date (dd.mm.yyyy)") % {"value": text})


def parse_decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    text = cell_text(value).replace(" ", "").replace("₺", "").replace("TL", "")
    if not text:
        return None
    if "," in text:  # Turkish: 12.345,67
        text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not an amount") % {"value": cell_text(value)}) from None
    if number < 0:
        raise ValueError(_("the amount cannot be negative"))
    return number.quantize(Decimal("0.01"))


def parse_int(value, *, minimum: int = 0) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = cell_text(value).replace(".", "").replace(" ", "")
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(_("“%(value)s” is not a whole number") % {"value": cell_text(value)})
        number = int(text)
    if number < minimum:
        raise ValueError(_("must be at least %(minimum)s") % {"minimum": minimum})
    return number


# --- the importer -----------------------------------------------------------------------------

class Importer:
    """One kind of import. Subclasses set ``kind``, ``label``, ``columns`` and implement
    ``prepare`` (load references once), ``clean_row`` (one row → cleaned dict, RowError on the
    first problem), ``finish_check`` (checks that need every row, e.g. against the database) and
    ``write`` (create the records, inside the caller's transaction)."""

    kind = ""
    label = gettext_lazy("records")
    columns: tuple[Column, ...] = ()
    progress_every = 2000  # rows between progress reports (and at most one per progress_interval seconds)
    progress_interval = 0.25

    def __init__(self, institution, user):
        self.institution = institution
        self.user = user

    # --- headers ---
    def extra_columns(self) -> list[Column]:
        """Columns beyond the fixed ones (a device type's own fields)."""
        return []

    def map_headers(self, headers: list[str]) -> tuple[dict[int, str], list[str]]:
        """{position: column key} and the problems with the header row."""
        known = {}
        for column in list(self.columns) + self.extra_columns():
            for name in column.names():
                known.setdefault(name, column.key)
        mapping, problems, seen = {}, [], {}
        for position, header in enumerate(headers):
            if not header.strip():
                continue
            key = known.get(header_key(header))
            if key is None:
                problems.append(_("Unknown column “%(name)s”.") % {"name": header})
            elif key in seen:
                problems.append(_("Column “%(name)s” appears twice.") % {"name": header})
            else:
                seen[key] = header
                mapping[position] = key
        for column in self.columns:
            if column.required and column.key not in seen and not self.optional_if_other(column.key, seen):
                problems.append(_("Column “%(name)s” is missing.") % {"name": column.tr})
        return mapping, problems

    def optional_if_other(self, key: str, present: dict) -> bool:
        """A required column may be replaced by another (sicil no or serial)."""
        return False

    def column_label(self, key: str) -> str:
        for column in list(self.columns) + self.extra_columns():
            if column.key == key:
                return column.tr
        return key

    # --- the pass over every row ---
    def problems(self) -> list[str]:
        """What stops the whole file whatever its rows (e.g. no person linked to the account)."""
        return []

    def prepare(self) -> None:
        pass

    def clean_row(self, number: int, row: dict) -> dict:
        raise NotImplementedError

    def finish_check(self, result: CheckResult, rows: list[dict]) -> None:
        """Checks over all rows (duplicates against the database): ``add_error`` and drop the row."""

    def summarise(self, rows: list[dict]) -> dict:
        return {}

    def preview_row(self, row: dict) -> list:
        return []

    def preview_headers(self) -> list[str]:
        return []

    def write(self, rows: list[dict], progress) -> int:
        raise NotImplementedError

    def check(self, table: Table, *, keep_rows: bool = False, progress=None, preview_size: int = 20) -> CheckResult:
        result = CheckResult(total=table.total)
        mapping, problems = self.map_headers(table.headers)
        problems += self.problems()
        if problems:
            for message in problems:
                self._error(result, 1, "", message)
            return result
        self.prepare()
        rows, processed, last = [], 0, time.monotonic()
        for number, values in table.rows():
            row = {key: values[position] for position, key in mapping.items() if position < len(values)}
            try:
                cleaned = self.clean_row(number, row)
            except RowError as exc:
                self._error(result, number, exc.column, exc.message)
            else:
                cleaned["_row"] = number
                rows.append(cleaned)
            processed += 1
            if progress and processed % self.progress_every == 0 \
                    and time.monotonic() - last >= self.progress_interval:
                progress(processed)
                last = time.monotonic()
        result.total = processed
        self.finish_check(result, rows)
        result.errors.sort(key=lambda e: e[0])
        if result.ok:
            result.counts = self.summarise(rows)
            result.preview = [self.preview_row(r) for r in rows[:preview_size]]
            if keep_rows:
                result.rows = rows
        if progress:
            progress(processed)
        return result

    # Importers that keep their cleaned rows between the check and the write (the service stores
    # them next to the upload) check again only what the database may have changed meanwhile.
    keeps_rows = False

    def recheck(self, rows: list[dict]) -> CheckResult:
        result = CheckResult(total=len(rows))
        self.prepare()
        for row in rows:
            problem = self.still_valid(row)
            if problem:
                self._error(result, row["_row"], problem, _("What this row refers to changed since the check; "
                                                            "upload the file again."))
        self.finish_check(result, rows)
        result.errors.sort(key=lambda e: e[0])
        if result.ok:
            result.rows = rows
        return result

    def still_valid(self, row: dict) -> str:
        """The column whose reference is gone since the check, or ""."""
        return ""

    def _error(self, result: CheckResult, number: int, column: str, message: str) -> None:
        result.error_count += 1
        if len(result.errors) < MAX_ERRORS:
            result.errors.append([number, self.column_label(column) if column else "", message])

    def add_error(self, result: CheckResult, number: int, column: str, message: str) -> None:
        self._error(result, number, column, message)

    # --- the template ---
    def template_bytes(self) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        columns = list(self.columns) + self.extra_columns()
        book = Workbook()
        data = book.active
        data.title = "Veri"
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="DDEBF7")
        for i, column in enumerate(columns, start=1):
            cell = data.cell(row=1, column=i, value=column.tr)
            cell.font = Font(bold=True, color="C00000" if column.required else "000000")
            cell.fill = fill
            data.column_dimensions[cell.column_letter].width = max(14, len(column.tr) + 4)
        data.freeze_panes = "A2"
        notes = book.create_sheet("Açıklamalar")
        heads = [_("Column"), _("Also accepted"), _("Required"), _("What to write"), _("Example")]
        for i, head in enumerate(heads, start=1):
            notes.cell(row=1, column=i, value=head).font = bold
        for r, column in enumerate(columns, start=2):
            notes.cell(row=r, column=1, value=column.tr).font = bold
            notes.cell(row=r, column=2, value=column.en)
            notes.cell(row=r, column=3, value=_("yes") if column.required else _("no"))
            notes.cell(row=r, column=4, value=str(column.help)).alignment = Alignment(wrap_text=True)
            notes.cell(row=r, column=5, value=column.example)
        for letter, width in zip("ABCDE", (28, 24, 10, 80, 28), strict=True):
            notes.column_dimensions[letter].width = width
        end = len(columns) + 3
        for offset, line in enumerate(self.general_notes()):
            notes.cell(row=end + offset, column=1, value=line)
        self.extra_sheets(book)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def general_notes(self) -> list[str]:
        return [
            _("Fill the first sheet; the first row holds the column names (Turkish or English)."),
            _("Red column names are required. Dates as dd.mm.yyyy; amounts like 12.345,67."),
            _("A file with any bad row imports nothing: every bad row is listed with its row number and reason."),
            _("CSV files are accepted too (separated by ; or ,), in UTF-8 or Windows-1254 (Turkish)."),
        ]

    def extra_sheets(self, book) -> None:
        pass
