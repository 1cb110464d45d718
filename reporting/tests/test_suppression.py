"""Small counts are hidden, and cannot be worked out again from the totals."""

import pytest

from reporting.suppression import COMPLEMENT, PRIMARY, shown, suppress
from reporting.tables import Table

LIMIT = 5


def hidden_cells(decided):
    return {(i, j) for i, row in enumerate(decided.cells) for j, r in enumerate(row) if r}


def test_a_count_under_the_threshold_is_hidden_and_zero_is_shown():
    decided = suppress([[3, 0, 12]], row_totals=False, column_totals=False, limit=LIMIT)
    assert decided.cells == [[PRIMARY, None, None]]
    assert shown(3, PRIMARY, LIMIT) == "<5"
    assert shown(0, None, LIMIT) == "0"
    assert shown(5, None, LIMIT) == "5"


def test_the_threshold_comes_from_the_setting(settings):
    settings.REPORTING_SUPPRESSION_THRESHOLD = 10
    table = Table(title="t", row_header="Country", columns=["Applications"],
                  rows=[("Senegal", [7]), ("Benin", [40]), ("Mali", [52])])
    assert table.display().body[0] == ["Senegal", "<10"]


def test_a_lone_hidden_cell_in_a_row_hides_the_next_smallest_cell_of_the_row():
    #           women men
    values = [[3, 20],   # Senegal: 3 women would be 23 - 20
              [30, 25]]  # Benin
    decided = suppress(values, row_totals=True, column_totals=True, limit=LIMIT)
    assert decided.cells[0] == [PRIMARY, COMPLEMENT]
    # The columns now hold one hidden cell each: the next smallest in each goes too.
    assert decided.cells[1] == [COMPLEMENT, COMPLEMENT]


def test_suppression_repeats_until_no_line_holds_a_single_hidden_cell():
    values = [[2, 40, 50, 60],
              [30, 3, 70, 80],
              [90, 95, 99, 4]]
    decided = suppress(values, row_totals=True, column_totals=True, limit=LIMIT)
    reasons = {("r", i): r for i, r in enumerate(decided.row_totals)}
    for i, row in enumerate(decided.cells):
        assert sum(1 for r in row if r) + bool(reasons[("r", i)]) != 1, i
    for j in range(4):
        column = [decided.cells[i][j] for i in range(3)] + [decided.column_totals[j]]
        assert sum(1 for r in column if r) != 1, j


def test_a_total_under_the_threshold_is_hidden_too():
    # Benin's only applicants are 2 women: the row total would say 2.
    decided = suppress([[2, 0], [30, 40]], row_totals=True, column_totals=True, limit=LIMIT)
    assert decided.cells[0][0] == PRIMARY
    assert decided.row_totals[0] == PRIMARY


def test_a_one_column_breakdown_with_its_total_protects_its_single_small_count():
    decided = suppress([[3], [17], [40]], row_totals=False, column_totals=True, limit=LIMIT)
    assert [row[0] for row in decided.cells] == [PRIMARY, COMPLEMENT, None]


def _recoverable(values, decided, limit):
    """The attack: a reader has the published table (visible cells, the row
    and column totals, which cells are hidden, and that a "<5" cell holds 1 to
    4). Along each row and column, a hidden cell is its total minus the
    visible cells minus the other hidden cells, which bounds it; they narrow
    each other, so the reader goes round until nothing moves. A small count
    whose bounds meet is given away."""
    n_rows, n_cols = len(values), len(values[0])
    hidden = hidden_cells(decided)
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    bounds = {}
    for i, j in hidden:
        if decided.cells[i][j] == PRIMARY:
            bounds[(i, j)] = [1, limit - 1]
        else:
            bounds[(i, j)] = [0, max(sum(values[i]), sum(r[j] for r in values))]
    moved = True
    while moved:
        moved = False
        for line in lines:
            rest = sum(values[i][j] for i, j in line) - sum(
                values[i][j] for i, j in line if (i, j) not in hidden)
            unknown = [cell for cell in line if cell in hidden]
            for cell in unknown:
                others = [bounds[o] for o in unknown if o != cell]
                low = rest - sum(hi for _lo, hi in others)
                high = rest - sum(lo for lo, _hi in others)
                if low > bounds[cell][0]:
                    bounds[cell][0], moved = low, True
                if high < bounds[cell][1]:
                    bounds[cell][1], moved = high, True
    return {cell for cell in hidden
            if decided.cells[cell[0]][cell[1]] == PRIMARY and bounds[cell][0] == bounds[cell][1]}


@pytest.mark.parametrize("values", [
    [[3, 20, 9], [30, 25, 12], [18, 11, 40]],
    [[2, 40, 50], [30, 3, 70], [90, 95, 8]],
    [[1, 12], [14, 9], [30, 31]],
])
def test_a_hidden_count_cannot_be_worked_out_by_subtracting_from_the_totals(values):
    # Totals are all 5 or more here, so they are published as they are.
    decided = suppress(values, row_totals=True, column_totals=True, limit=LIMIT)
    assert hidden_cells(decided)
    assert not _recoverable(values, decided, LIMIT)


def test_without_complementary_suppression_the_attack_succeeds():
    # The same table with only the small count hidden: the attack finds it,
    # so the test above tests something.
    values = [[3, 20, 9], [30, 25, 12], [18, 11, 40]]
    decided = suppress(values, row_totals=True, column_totals=True, limit=LIMIT)
    only_primary = type(decided)(
        cells=[[r if r == PRIMARY else None for r in row] for row in decided.cells],
        row_totals=decided.row_totals, column_totals=decided.column_totals,
        grand_total=decided.grand_total)
    assert _recoverable(values, only_primary, LIMIT) == {(0, 0)}


def test_the_displayed_table_shows_marks_not_the_values():
    table = Table(title="By sex", row_header="Nationality", columns=["Women", "Men"],
                  rows=[("Senegal", [3, 20]), ("Benin", [30, 25])], row_totals=True)
    shown_table = table.display(limit=LIMIT)
    assert shown_table.header == ["Nationality", "Women", "Men", "Total"]
    assert shown_table.body[0] == ["Senegal", "<5", "x", "23"]
    assert "3" not in shown_table.body[0][1:3]
    # Each column now holds two hidden cells: its total may stay.
    assert shown_table.total == ["Total", "33", "45", "78"]
    assert shown_table.hidden


def test_a_figures_table_hides_a_row_computed_from_too_few_people():
    table = Table(title="Days", row_header="Country", columns=["Median", "Mean"],
                  rows=[("Guinea", [12, 14]), ("Mali", [30, 31])], counts=False,
                  row_n=[3, 40])
    body = table.display(limit=LIMIT).body
    assert body[0] == ["Guinea", "<5", "<5"]
    assert body[1] == ["Mali", "30", "31"]


def test_a_figure_computed_from_too_few_people_is_hidden_cell_by_cell():
    table = Table(title="Scores", row_header="Country", columns=["3 months", "6 months"],
                  rows=[("Guinea", [0.61, 0.64])], counts=False, cell_n=[[12, 2]])
    assert table.display(limit=LIMIT).body[0] == ["Guinea", "0.61", "<5"]
