"""A list downloaded as CSV or XLSX: every row of the filtered view the page
shows, to the person the page shows it to, and nothing more.

The rows are the list page's own queryset (its selector, scoped to the person,
then its filters and order: ``listing.list_page``), read a chunk at a time, so
that memory stays bounded however many there are. CSV is streamed as it is
written; XLSX is written by openpyxl's write-only workbook to a temporary file,
then sent from it.

Every text cell goes through ``safe_cell``: a text starting with ``= + - @``,
a tab or a carriage return would be run by a spreadsheet as a formula (OWASP,
"CSV Injection"), so it is prefixed with a single quote. Numbers stay numbers
(money as ``Decimal``), and in XLSX dates stay dates. The reports' writers
(``secretariat.reports.writers``) use the same helper.
"""

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers

# Characters that make a spreadsheet read a cell as a formula (or, for tab and
# carriage return, shift it into one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text that a spreadsheet shows as text: one starting with ``= + - @``, a
    tab or a carriage return is prefixed with a single quote. Anything that is
    not text is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# What a column holds, for how it is written.
TEXT = "text"
MONEY = "money"
INT = "int"
DATE = "date"
DATETIME = "datetime"

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)
# Rows read from the database at a time, and written to the response at a time.
CHUNK = 2000
STREAM_BATCH = 500


@dataclass(frozen=True)
class Column:
    """One column of a download: its heading, how a row gives its value (a
    dotted path such as ``"case.reference"``, whose last step may be a method
    such as ``get_status_display``, or a function of the row) and its type."""

    label: str
    value: str | Callable[[object], object]
    type: str = TEXT

    def of(self, row):
        if callable(self.value):
            return self.value(row)
        value = row
        for step in self.value.split("."):
            value = getattr(value, step, None)
            if value is None:
                return None
        return value() if callable(value) else value


def _naive_local(moment: datetime) -> datetime:
    # Spreadsheets know no time zones: the person's own local time.
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None)


def csv_value(column: Column, value) -> str:
    if value is None or value == "":
        return ""
    if column.type == MONEY:
        return f"{Decimal(value):f}"
    if column.type == INT:
        return str(int(value))
    if column.type == DATE:
        day = value.date() if isinstance(value, datetime) else value
        return day.isoformat()
    if column.type == DATETIME:
        return f"{_naive_local(value):%Y-%m-%d %H:%M:%S}"
    return safe_cell(str(value))


def xlsx_value(column: Column, value):
    if value is None or value == "":
        return None
    if column.type == MONEY:
        return Decimal(value)
    if column.type == INT:
        return int(value)
    if column.type == DATE:
        return value.date() if isinstance(value, datetime) else value
    if column.type == DATETIME:
        return _naive_local(value)
    return xlsx_text(value)


def xlsx_text(value) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters are not allowed in a workbook's XML; they are dropped
    # first, so that none can hide a formula's first character from safe_cell.
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


NUMBER_FORMATS = {
    MONEY: "#,##0.00",
    INT: "0",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
}
WIDTHS = {MONEY: 18, INT: 10, DATE: 12, DATETIME: 18}


class _Echo:
    """A file-like object that hands back what is written to it."""

    def write(self, value):
        return value


def _in_place():
    """The time zone and language the page was shown in: a streamed response
    is written after the view has returned, when the middleware has put back
    the defaults."""
    return timezone.get_current_timezone(), translation.get_language()


def csv_lines(
    columns: Sequence[Column], rows: Iterable, *, time_zone, language
) -> Iterator[str]:
    """The table as CSV, a few hundred lines at a time (one write per row would
    cost the server a system call per row); starts with a byte-order mark so
    that spreadsheets read UTF-8."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        header = [safe_cell(str(c.label)) for c in columns]
    yield "\ufeff" + writer.writerow(header)
    rows = iter(rows)
    while True:
        with timezone.override(time_zone), translation.override(language):
            lines = [
                writer.writerow([csv_value(c, c.of(row)) for c in columns])
                for row in islice(rows, STREAM_BATCH)
            ]
        if not lines:
            return
        yield "".join(lines)


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


def csv_response(columns, rows, *, filename: str) -> StreamingHttpResponse:
    time_zone, language = _in_place()
    response = StreamingHttpResponse(
        csv_lines(columns, rows, time_zone=time_zone, language=language),
        content_type=CONTENT_TYPES["csv"],
    )
    return _attachment(response, f"{filename}.csv")


def xlsx_response(columns, rows, *, filename: str, title: str) -> FileResponse:
    """The table as one sheet, written row by row by a write-only workbook
    (which keeps the rows on disk, not in memory) and sent from its file."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    # Sheet titles: at most 31 characters, none of []:*?/\.
    sheet = workbook.create_sheet(
        "".join(c for c in str(title) if c not in "[]:*?/\\")[:31] or "Sheet"
    )
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(
            column.type, 24
        )
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=xlsx_text(column.label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [NUMBER_FORMATS.get(c.type) for c in columns]
    for row in rows:
        cells = []
        for column, number_format in zip(columns, formats, strict=True):
            value = xlsx_value(column, column.of(row))
            if number_format and value is not None:
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = number_format
            cells.append(value)
        sheet.append(cells)
    # Rows beyond a few megabytes go to disk rather than memory; the response
    # closes the file once sent.
    out = tempfile.SpooledTemporaryFile(max_size=4 << 20)  # noqa: SIM115
    workbook.save(out)
    out.seek(0)
    response = FileResponse(out, content_type=CONTENT_TYPES["xlsx"])
    return _attachment(response, f"{filename}.xlsx")


def export_response(fmt: str, columns, rows, *, filename: str, title: str):
    """The download of ``rows`` in ``fmt`` (``csv`` or ``xlsx``)."""
    stamp = f"{timezone.localdate():%Y-%m-%d}"
    name = f"{filename}-{stamp}"
    if fmt == "xlsx":
        return xlsx_response(columns, rows, filename=name, title=title)
    return csv_response(columns, rows, filename=name)
