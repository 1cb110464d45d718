"""Files a spreadsheet program opens: CSV (UTF-8 with a byte-order mark, so
accents survive Excel) and XLSX (openpyxl), of report tables (after
suppression) or of row-level data sets.

Row-level data sets are pseudonymised by default: a column marked
`identifying` (a name, an e-mail) is left out unless the caller asks for it
explicitly; the person's reference stays, so the agency can still find the
record and nobody else can read who it is."""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .tables import Table

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Report how far a long export has got after this many rows.
PROGRESS_EVERY = 1000


def cell_safe(value):
    """A spreadsheet runs a text cell that starts with = + - @ as a formula
    (CSV injection): such text is written with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{value}"
    return value


@dataclass
class Column:
    key: str
    header: str
    value: Callable
    # Names a person (their name, e-mail...): left out of pseudonymised exports.
    identifying: bool = False


@dataclass
class Dataset:
    """Rows of one kind of record, for an export: `rows` yields the records
    (an iterator, so 100,000 rows never sit in memory at once), `count` how
    many there are (for the progress bar)."""

    title: str
    columns: list[Column]
    rows: Callable[[], Iterable]
    count: Callable[[], int]
    model: str = ""
    extra: dict = field(default_factory=dict)
    # The first n rows in one query (a list's direct export decides with it
    # whether the list is small enough to be served at once).
    head: Callable[[int], list] | None = None
    # Called once every row is written: a data set that must log what left
    # (special category data) does it here, whoever wrote the file.
    done: Callable[[], None] | None = None

    def columns_for(self, *, pseudonymise: bool = True) -> list[Column]:
        return [c for c in self.columns if not (pseudonymise and c.identifying)]


# --- report tables -------------------------------------------------------------------------

def tables_csv(tables: list[Table]) -> bytes:
    """Every table one after the other, each under its title, a blank line between."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        shown = table.display()
        writer.writerow([cell_safe(table.title)])
        for row in shown.all_rows():
            writer.writerow([cell_safe(cell) for cell in row])
        if table.note:
            writer.writerow([cell_safe(table.note)])
    return out.getvalue().encode("utf-8")


def tables_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table, named after it (a sheet name holds 31 characters)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.title, used))
        shown = table.display()
        sheet.append([cell_safe(table.title)])
        sheet["A1"].font = Font(bold=True)
        for number, row in enumerate(shown.all_rows()):
            sheet.append([_xlsx_value(cell) for cell in row])
            if number == 0:
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)
        if table.note:
            sheet.append([])
            sheet.append([cell_safe(table.note)])
        sheet.column_dimensions[get_column_letter(1)].width = 32
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(cell: str):
    """Numbers as numbers, so a spreadsheet can sum them; "<5" and marks as text."""
    if isinstance(cell, str) and cell.isdigit():
        return int(cell)
    return cell_safe(cell)


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(title))[:28] or "Sheet"
    name, number = base, 2
    while name.lower() in used:
        name = f"{base[:25]} ({number})"
        number += 1
    used.add(name.lower())
    return name


# --- row-level data sets -------------------------------------------------------------------

def dataset_write(dataset: Dataset, handle, *, fmt: str, pseudonymise: bool = True,
                  progress: Callable[[int], None] | None = None) -> int:
    """Write the data set to a binary file handle; returns the number of rows.
    `progress(rows_done)` is called every PROGRESS_EVERY rows."""
    columns = dataset.columns_for(pseudonymise=pseudonymise)
    header = [str(c.header) for c in columns]
    count = 0
    if fmt == CSV:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
        text.write("\ufeff")
        writer = csv.writer(text)
        writer.writerow(header)
        for record in dataset.rows():
            writer.writerow([cell_safe(_plain(c.value(record))) for c in columns])
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
        text.flush()
        text.detach()
    elif fmt == XLSX:
        # write_only: rows go to a temporary file as they come, not into memory.
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_sheet_name(dataset.title, set()))
        sheet.append(header)
        for record in dataset.rows():
            sheet.append([cell_safe(_plain(c.value(record))) for c in columns])
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
        workbook.save(handle)
    else:
        raise ValueError(fmt)
    if dataset.done:
        dataset.done()
    return count


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, int | float | str):
        return value
    return str(value)
