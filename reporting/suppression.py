"""Small-count suppression for published tables.

Primary suppression: a count above 0 and below the threshold
(REPORTING_SUPPRESSION_THRESHOLD, 5 by default) is shown as "<5"; 0 stays 0
(an empty cell singles nobody out).

Complementary suppression: a table that shows totals lets a reader subtract
the visible cells of a row or column from its total. A line (a row or a
column with its total) holding exactly one hidden cell gives that cell away,
so the next smallest non-zero visible cell of the line is hidden too; that may
leave another line with one hidden cell, so the pass repeats until no line
has exactly one. Totals are cells of their lines as well: a total under the
threshold is hidden like any count.
"""

from dataclasses import dataclass

from django.conf import settings

PRIMARY = "primary"
COMPLEMENT = "complement"

# What a hidden cell shows. A complementary cell may hold any count, so it
# does not claim "<5": it shows a mark the page's legend explains.
COMPLEMENT_MARK = "x"


def threshold() -> int:
    return int(getattr(settings, "REPORTING_SUPPRESSION_THRESHOLD", 5))


def under_threshold(value, limit: int) -> bool:
    return value is not None and 0 < value < limit


def small_mark(limit: int | None = None) -> str:
    return f"<{limit if limit is not None else threshold()}"


@dataclass
class Suppressed:
    """Which cells of a table are hidden, and why. Each grid is a list of rows
    of None (shown), PRIMARY or COMPLEMENT. The totals grids follow the
    table's shape: one per row, one per column, and the grand total."""

    cells: list[list[str | None]]
    row_totals: list[str | None]
    column_totals: list[str | None]
    grand_total: str | None


def suppress(values: list[list[int]], *, row_totals: bool = True, column_totals: bool = True,
             limit: int | None = None) -> Suppressed:
    """Decide what to hide in a table of counts `values` (rows of equal
    length), shown with its row totals and/or column totals (and the grand
    total when both are shown)."""
    limit = threshold() if limit is None else limit
    n_rows = len(values)
    n_cols = len(values[0]) if values else 0
    row_sums = [sum(row) for row in values]
    col_sums = [sum(values[i][j] for i in range(n_rows)) for j in range(n_cols)]
    grand = sum(row_sums)

    # One addressable grid: interior cells ("c", i, j), totals ("r", i),
    # ("k", j) and ("g",). Only the totals that are shown exist.
    value_of: dict[tuple, int] = {}
    for i in range(n_rows):
        for j in range(n_cols):
            value_of[("c", i, j)] = values[i][j]
    if row_totals:
        for i in range(n_rows):
            value_of[("r", i)] = row_sums[i]
    if column_totals:
        for j in range(n_cols):
            value_of[("k", j)] = col_sums[j]
    if row_totals and column_totals:
        value_of[("g",)] = grand

    # The lines a reader can subtract along: each is a sum of cells that
    # equals its total cell.
    lines: list[list[tuple]] = []
    if row_totals:
        lines += [[("c", i, j) for j in range(n_cols)] + [("r", i)] for i in range(n_rows)]
    if column_totals:
        lines += [[("c", i, j) for i in range(n_rows)] + [("k", j)] for j in range(n_cols)]
    if row_totals and column_totals:
        lines.append([("k", j) for j in range(n_cols)] + [("g",)])
        lines.append([("r", i) for i in range(n_rows)] + [("g",)])

    hidden: dict[tuple, str] = {
        key: PRIMARY for key, value in value_of.items() if under_threshold(value, limit)
    }
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for key in line if key in hidden) != 1:
                continue
            # The smallest visible non-zero cell: an interior cell before a total
            # (a hidden total says less about the table than a hidden count).
            candidates = [key for key in line if key not in hidden and value_of[key] > 0]
            if not candidates:
                continue
            pick = min(candidates, key=lambda key: (key[0] != "c", value_of[key], key))
            hidden[pick] = COMPLEMENT
            changed = True

    return Suppressed(
        cells=[[hidden.get(("c", i, j)) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[hidden.get(("r", i)) for i in range(n_rows)] if row_totals else [],
        column_totals=[hidden.get(("k", j)) for j in range(n_cols)] if column_totals else [],
        grand_total=hidden.get(("g",)) if row_totals and column_totals else None,
    )


def shown(value, reason: str | None, limit: int | None = None) -> str:
    """What a cell shows once suppressed."""
    if reason == PRIMARY:
        return small_mark(limit)
    if reason == COMPLEMENT:
        return COMPLEMENT_MARK
    return "" if value is None else str(value)
