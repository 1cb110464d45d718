"""Exports open in a spreadsheet program, say their headers in the user's
language, leave names out by default and never carry a hidden small count."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from reporting.exports import CSV, XLSX, dataset_write, tables_csv, tables_xlsx
from reporting.tables import Table


def _table():
    return Table(title="Applications by sex", row_header="Nationality",
                 columns=["Women", "Men"],
                 rows=[("Senegal", [3, 20]), ("Benin", [30, 25])], row_totals=True)


def test_csv_of_report_tables_shows_the_suppressed_cells_not_the_counts():
    rows = list(csv.reader(io.StringIO(tables_csv([_table()]).decode("utf-8-sig"))))
    assert rows[0] == ["Applications by sex"]
    assert rows[1] == ["Nationality", "Women", "Men", _("Total")]
    assert rows[2] == ["Senegal", "<5", "x", "23"]
    assert "3" not in rows[2]


def test_xlsx_of_report_tables_opens_with_numbers_as_numbers_and_marks_as_text():
    book = load_workbook(io.BytesIO(tables_xlsx([_table(), _table()])))
    assert len(book.sheetnames) == 2 and len(set(book.sheetnames)) == 2
    sheet = book.worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2] == ["Senegal", "<5", "x", 23]
    assert values[3] == ["Benin", "x", "x", 55]


def test_table_headers_are_in_the_users_language():
    with translation.override("fr"):
        rows = list(csv.reader(io.StringIO(tables_csv([_table()]).decode("utf-8-sig"))))
    assert rows[1][-1] == "Total"  # same word in French
    with translation.override("nl"):
        rows = list(csv.reader(io.StringIO(tables_csv([_table()]).decode("utf-8-sig"))))
    assert rows[1][-1] == "Totaal"


def test_a_formula_in_a_cell_is_written_as_text():
    table = Table(title="t", row_header="Host", columns=["Awards"],
                  rows=[("=HYPERLINK(\"http://x\")", [12])])
    rows = list(csv.reader(io.StringIO(tables_csv([table]).decode("utf-8-sig"))))
    assert rows[2][0].startswith("'=")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_a_dataset_is_pseudonymised_unless_names_are_asked_for(accounts_dataset, fmt):
    get_user_model().objects.create_user("kwame.mensah", password="x" * 14)
    dataset = accounts_dataset.build(user=None, params={})

    def written(pseudonymise):
        out = io.BytesIO()
        count = dataset_write(dataset, out, fmt=fmt, pseudonymise=pseudonymise)
        assert count == 1
        if fmt == CSV:
            return list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
        book = load_workbook(io.BytesIO(out.getvalue()))
        return [[c.value for c in row] for row in book.active.iter_rows()]

    rows = written(True)
    assert rows[0] == ["Reference", "Joined"]
    assert "kwame.mensah" not in str(rows)
    assert rows[1][0].startswith("U-")
    rows = written(False)
    assert rows[0] == ["Reference", "Name", "Joined"]
    assert rows[1][1] == "kwame.mensah"


@pytest.mark.django_db
def test_progress_is_reported_every_thousand_rows(accounts_dataset):
    from reporting.exports import Column, Dataset

    dataset = Dataset(title="n", columns=[Column("n", "N", lambda n: n)],
                      rows=lambda: iter(range(2500)), count=lambda: 2500)
    seen = []
    count = dataset_write(dataset, io.BytesIO(), fmt=CSV, progress=seen.append)
    assert count == 2500
    assert seen == [1000, 2000]
