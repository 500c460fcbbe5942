"""Writing a report's tables as CSV, XLSX or PDF.

CSV and XLSX write each row as it is read: memory stays bounded whatever the
size of the report. Every text cell goes through ``safe_cell`` first, so that a
spreadsheet never runs a name or a bank reference as a formula; numbers stay
numbers (and in XLSX dates stay dates). A PDF has to be laid out whole, so it
holds at most ``PDF_MAX_ROWS`` rows per table and says so when it is cut.
"""

import csv
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

# The formula-safe cell is the kernel's, shared with the lists' downloads.
from secretariat.kernel.exports import safe_cell
from secretariat.kernel.formatting import grouped
from secretariat.reports.sources import (
    DATE,
    DATETIME,
    INT,
    MONEY,
    MONTH,
    NUMERIC_TYPES,
    RATE,
    SCORE,
    Column,
    ReportContent,
)

PDF_MAX_ROWS = 1000

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _naive_local(moment: datetime) -> datetime:
    # Spreadsheets know no time zones: the secretariat's local time.
    return timezone.localtime(moment).replace(tzinfo=None)


# ---------------------------------------------------------------- CSV


def csv_value(column: Column, value):
    if value is None:
        return ""
    if column.type == MONEY:
        return f"{Decimal(value):.2f}"
    if column.type == RATE:
        return f"{Decimal(value).normalize():f}"
    if column.type == SCORE:
        return f"{Decimal(value):.1f}"
    if column.type == INT:
        return str(int(value))
    if column.type == DATE:
        return value.isoformat()
    if column.type == MONTH:
        return f"{value:%Y-%m}"
    if column.type == DATETIME:
        return f"{_naive_local(value):%Y-%m-%d %H:%M:%S}"
    return safe_cell(str(value))


def csv_row(columns: Sequence[Column], row: Sequence) -> list[str]:
    return [
        csv_value(column, value) for column, value in zip(columns, row, strict=True)
    ]


def csv_header(columns: Sequence[Column]) -> list[str]:
    return [safe_cell(str(column.label)) for column in columns]


class _Echo:
    """A file-like object that hands back what is written to it."""

    def write(self, value):
        return value


def csv_stream(columns: Sequence[Column], rows) -> Iterator[str]:
    """A table as CSV lines, one per row as it is read (for a streaming
    response); starts with a byte-order mark so that spreadsheets read UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(csv_header(columns))
    # Lines go out a few hundred at a time: one write per row would cost the
    # server a system call per row.
    lines = []
    for row in rows:
        lines.append(writer.writerow(csv_row(columns, row)))
        if len(lines) >= STREAM_BATCH:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


STREAM_BATCH = 500
COPY_BATCH_BYTES = 1 << 16
COPY_WORK_MEM = "256MB"
# Databases whose CSV is written by the database itself (``csv_copy_stream``).
COPY_VENDORS = frozenset({"postgresql"})


def csv_copy_stream(
    columns: Sequence[Column], query: tuple[str, list], *, connection
) -> Iterator[bytes]:
    """What ``csv_stream`` writes, formatted by PostgreSQL: ``query`` (a SELECT
    whose cells are already ``csv_value``'s text, empty cells NULL, moments
    formatted in the session's time zone, set here to the current one) goes
    through ``COPY ... TO STDOUT WITH CSV`` and its lines are passed on as they
    arrive, some 64 KiB at a time."""
    sql, params = query
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(csv_header(columns))).encode()
    # One long query: compiling it (JIT) costs seconds and saves nothing, and
    # its hash joins and sort fit in memory with more than the default. Moments
    # are written in the current time zone, as csv_value writes them, and in ISO
    # form whatever the server's default DateStyle.
    session = {
        "jit": "off",
        "work_mem": COPY_WORK_MEM,
        "TimeZone": timezone.get_current_timezone_name(),
        "DateStyle": "ISO, MDY",
    }
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        saved = _set_config(cursor, session)
        try:
            # psycopg's own cursor: Django's debug cursor (DEBUG, or a test
            # capturing queries) takes no parameters for a COPY.
            with cursor.cursor.copy(
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params
            ) as copy:
                batch, size = [], 0
                for line in copy:
                    batch.append(line)
                    size += len(line)
                    if size >= COPY_BATCH_BYTES:
                        yield _crlf(b"".join(batch))
                        batch, size = [], 0
                if batch:
                    yield _crlf(b"".join(batch))
        finally:
            # Django reads moments as if the session were in UTC: inside an
            # outer transaction (ATOMIC_REQUESTS, tests) the settings would
            # outlive this block, so they are put back.
            _set_config(cursor, saved)


def _set_config(cursor, values: dict[str, str]) -> dict[str, str]:
    """Set these settings for the transaction; returns what they were."""
    names = list(values)
    cursor.execute(
        "SELECT "
        + ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in names),
        [item for name in names for item in (name, name, values[name])],
    )
    row = cursor.fetchone()
    return dict(zip(names, row[::2], strict=True))


def _crlf(lines: bytes) -> bytes:
    """``COPY`` ends a line with LF and Python's csv module with CRLF: the line
    ends become CRLF, a line break inside a quoted cell stays as it is. Quotes in
    a cell are doubled, so the pieces between quotes alternate outside, inside."""
    if b'"' not in lines:
        return lines.replace(b"\n", b"\r\n")
    pieces = lines.split(b'"')
    pieces[::2] = [piece.replace(b"\n", b"\r\n") for piece in pieces[::2]]
    return b'"'.join(pieces)


def write_csv(content: ReportContent, path: Path, on_row: Callable[[], None]) -> None:
    """A report of one table is a plain CSV table; one of several writes each
    under its title, separated by an empty line."""
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        single = len(content.sections) == 1
        for number, section in enumerate(content.sections):
            if not single:
                if number:
                    writer.writerow([])
                writer.writerow([safe_cell(str(section.title))])
            writer.writerow(csv_header(section.columns))
            for row in section.rows:
                writer.writerow(csv_row(section.columns, row))
                on_row()


# ---------------------------------------------------------------- XLSX

NUMBER_FORMATS = {
    MONEY: "#,##0.00",
    RATE: "0.00000000",
    SCORE: "0.0",
    INT: "0",
    DATE: "yyyy-mm-dd",
    MONTH: "yyyy-mm",
    DATETIME: "yyyy-mm-dd hh:mm",
}
WIDTHS = {MONEY: 18, RATE: 14, SCORE: 10, INT: 12, DATE: 12, MONTH: 10, DATETIME: 18}


def _xlsx_text(value) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters are not allowed in a workbook's XML; drop them.
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _xlsx_value(column: Column, value):
    if value is None:
        return None
    if column.type == MONEY:
        return Decimal(value).quantize(Decimal("0.01"))
    if column.type == RATE:
        return Decimal(value)
    if column.type == SCORE:
        return Decimal(value).quantize(Decimal("0.1"))
    if column.type == INT:
        return int(value)
    if column.type in {DATE, MONTH}:
        return value if isinstance(value, date) else value.date()
    if column.type == DATETIME:
        return _naive_local(value)
    return _xlsx_text(value)


def _sheet_title(title: str, taken: set) -> str:
    # Sheet titles: at most 31 characters, none of []:*?/\ and unique.
    cleaned = "".join(c for c in str(title) if c not in "[]:*?/\\")[:31] or "Sheet"
    candidate, n = cleaned, 2
    while candidate.lower() in taken:
        candidate = f"{cleaned[:28]} {n}"
        n += 1
    taken.add(candidate.lower())
    return candidate


def write_xlsx(content: ReportContent, path: Path, on_row: Callable[[], None]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    workbook = Workbook(write_only=True)
    taken: set = set()

    def cell(sheet, value, number_format=None, font=None):
        written = WriteOnlyCell(sheet, value=value)
        if number_format and value is not None:
            written.number_format = number_format
        if font is not None:
            written.font = font
        return written

    about = workbook.create_sheet(_sheet_title(_("About"), taken))
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 40
    about.append([cell(about, _xlsx_text(content.title), font=bold)])
    about.append(
        [_xlsx_text(_("Generated")),
         cell(about, _naive_local(content.generated_at), NUMBER_FORMATS[DATETIME])]
    )  # fmt: skip
    about.append([_xlsx_text(_("Member states")), _xlsx_text(content.scope_name)])
    if content.period:
        about.append(
            [_xlsx_text(_("Month")),
             cell(about, content.period, NUMBER_FORMATS[MONTH])]
        )  # fmt: skip
    for section in content.sections:
        if section.note:
            about.append([_xlsx_text(section.title), _xlsx_text(section.note)])

    for section in content.sections:
        sheet = workbook.create_sheet(_sheet_title(section.title, taken))
        for index, column in enumerate(section.columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(
                column.type, 24
            )
        sheet.freeze_panes = "A2"
        sheet.append(
            [cell(sheet, _xlsx_text(c.label), font=bold) for c in section.columns]
        )
        formats = [NUMBER_FORMATS.get(c.type) for c in section.columns]
        for row in section.rows:
            sheet.append(
                [
                    cell(sheet, _xlsx_value(column, value), number_format)
                    for column, value, number_format in zip(
                        section.columns, row, formats, strict=True
                    )
                ]
            )
            on_row()
    workbook.save(path)


# ---------------------------------------------------------------- PDF


def display_value(column: Column, value) -> str:
    if value is None:
        return ""
    if column.type == MONEY:
        return grouped(Decimal(value), 2)
    if column.type == RATE:
        return f"{Decimal(value).normalize():f}"
    if column.type == SCORE:
        return f"{Decimal(value):.1f}"
    if column.type == INT:
        return grouped(int(value))
    if column.type == DATE:
        return value.isoformat()
    if column.type == MONTH:
        return f"{value:%Y-%m}"
    if column.type == DATETIME:
        return f"{_naive_local(value):%Y-%m-%d %H:%M}"
    return str(value)


def write_pdf(content: ReportContent, path: Path, on_row: Callable[[], None]) -> None:
    from weasyprint import HTML

    tables = []
    for section in content.sections:
        rows, cut = [], False
        for row in section.rows:
            if len(rows) >= PDF_MAX_ROWS:
                cut = True
                break
            rows.append(
                [
                    (display_value(column, value), column.type in NUMERIC_TYPES)
                    for column, value in zip(section.columns, row, strict=True)
                ]
            )
            on_row()
        tables.append(
            {
                "title": section.title,
                "note": section.note,
                "columns": [
                    {"label": c.label, "numeric": c.type in NUMERIC_TYPES}
                    for c in section.columns
                ],
                "rows": rows,
                "cut": cut,
                "total": max(section.estimate, len(rows)),
            }
        )
    html = render_to_string(
        f"reports/{content.kind}.html",
        {
            "content": content,
            "tables": tables,
            "generated_at": timezone.localtime(content.generated_at),
        },
    )
    # The template carries its own style and loads nothing: refuse any fetch, so
    # that no text in a report can make the worker request a URL or read a file.
    HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(target=str(path))


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"Reports load no resources ({url[:40]})")


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "pdf": write_pdf}


def write(fmt: str, content: ReportContent, path: Path, on_row) -> None:
    WRITERS[fmt](content, path, on_row)
