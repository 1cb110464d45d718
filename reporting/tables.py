"""A report's table: what the page shows, what the exports write and what
the charts draw, after small-count suppression (reporting.suppression).

Counts are suppressed; other figures (a mean, a median, a share) are hidden
where the number of people behind them is under the threshold, which the
selector says by giving the row's `n`."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .suppression import PRIMARY, shown, small_mark, suppress, threshold


@dataclass
class Table:
    title: str
    # The header of the first column (what the rows are: "Nationality").
    row_header: str
    columns: list[str]
    # (label, values): counts (int) for a counts table; for a figures table,
    # any numbers (None where there is nothing to show).
    rows: list[tuple[str, list]]
    counts: bool = True
    row_totals: bool = False
    column_totals: bool = True
    # Figures tables: how many people each row's figures are computed from;
    # a row of fewer than the threshold is hidden.
    row_n: list[int] = field(default_factory=list)
    # Or per cell (rows of counts, the shape of the values).
    cell_n: list[list[int]] = field(default_factory=list)
    # Said under the table (what a figure means, where data is missing).
    note: str = ""
    key: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def display(self, limit: int | None = None) -> "ShownTable":
        limit = threshold() if limit is None else limit
        if self.counts:
            return self._display_counts(limit)
        body = []
        for index, (label, values) in enumerate(self.rows):
            n = self.row_n[index] if index < len(self.row_n) else None
            row_hidden = n is not None and 0 < n < limit
            cells = [label]
            for column, value in enumerate(values):
                hide = row_hidden
                if index < len(self.cell_n):
                    hide = hide or 0 < self.cell_n[index][column] < limit
                cells.append(small_mark(limit) if hide and value is not None else _text(value))
            body.append(cells)
        return ShownTable(self, [self.row_header, *self.columns], body, None, hidden=False)

    def _display_counts(self, limit: int) -> "ShownTable":
        values = [list(v) for _label, v in self.rows]
        width = len(self.columns)
        decided = suppress(values or [[0] * width], row_totals=self.row_totals,
                           column_totals=self.column_totals, limit=limit)
        header = [self.row_header, *self.columns]
        if self.row_totals:
            header.append(_("Total"))
        body = []
        for i, (label, row) in enumerate(self.rows):
            cells = [label] + [shown(v, decided.cells[i][j], limit) for j, v in enumerate(row)]
            if self.row_totals:
                cells.append(shown(sum(row), decided.row_totals[i], limit))
            body.append(cells)
        total = None
        if self.column_totals and self.rows:
            sums = [sum(r[j] for _l, r in self.rows) for j in range(width)]
            total = [_("Total")] + [shown(v, decided.column_totals[j], limit)
                                    for j, v in enumerate(sums)]
            if self.row_totals:
                total.append(shown(sum(sums), decided.grand_total, limit))
        any_hidden = any(reason for row in decided.cells for reason in row) or any(
            decided.row_totals) or any(decided.column_totals) or bool(decided.grand_total)
        return ShownTable(self, header, body, total, hidden=any_hidden,
                          reasons=decided.cells)

    def chart_values(self, column: int = 0, limit: int | None = None):
        """(label, value or None when hidden, shown text) per row, for a chart
        of one column: a hidden count is drawn as no bar with its mark."""
        limit = threshold() if limit is None else limit
        shown_table = self.display(limit)
        result = []
        for i, (label, values) in enumerate(self.rows):
            text = shown_table.body[i][column + 1]
            hidden = shown_table.reasons and shown_table.reasons[i][column]
            if not self.counts and text == small_mark(limit):
                hidden = PRIMARY
            result.append((label, None if hidden else values[column], text))
        return result


@dataclass
class ShownTable:
    table: Table
    header: list[str]
    body: list[list[str]]
    total: list[str] | None
    hidden: bool
    reasons: list[list[str | None]] | None = None

    @property
    def title(self) -> str:
        return self.table.title

    @property
    def note(self) -> str:
        return self.table.note

    def all_rows(self) -> list[list[str]]:
        """Header, body and total row: what an export writes."""
        return [self.header, *self.body, *([self.total] if self.total else [])]


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, Decimal | float):
        return number_format(Decimal(value).quantize(Decimal("0.01")), decimal_pos=2)
    return str(value)
