"""The donor's yearly report as a PDF (fpdf2: pure Python, like the
programme's letters in scholarships/pdf.py), its tables after suppression,
wholly in one language."""

from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from .suppression import small_mark


def _fonts() -> Path:
    # DejaVu Sans, shipped once with the project for every PDF it writes.
    return Path(settings.BASE_DIR) / "scholarships" / "fonts"


def yearly_pdf(*, year: int, sections: list[tuple[str, list]], language: str,
               keywords: str = "") -> bytes:
    """sections: (title, tables) in order. `keywords` (plain ASCII: the year and
    the sections' keys) keep the file findable whatever its language."""
    with translation.override(language):
        return _yearly_pdf(year, sections, keywords)


def _yearly_pdf(year, sections, keywords) -> bytes:
    title = _("Yearly report %(year)s") % {"year": year}
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(_fonts() / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_fonts() / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(title)
    pdf.set_keywords(keywords)
    pdf.set_lang(translation.get_language() or "en")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, _("Made on %(date)s.") % {
        "date": date_format(timezone.localdate(), "DATE_FORMAT")}, new_x="LMARGIN",
        new_y="NEXT")
    pdf.multi_cell(0, 5, _("Counts under the threshold are shown as %(mark)s; a cell shown as "
                           "x is hidden too, so that a small count cannot be worked out from "
                           "the totals.") % {"mark": small_mark()},
                   new_x="LMARGIN", new_y="NEXT")
    for section_title, tables in sections:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(0, 8, section_title, new_x="LMARGIN", new_y="NEXT")
        for table in tables:
            _table(pdf, table)
    return bytes(pdf.output())


def _table(pdf: FPDF, table) -> None:
    shown = table.display()
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(0, 6, shown.title, new_x="LMARGIN", new_y="NEXT")
    columns = len(shown.header)
    size = 8 if columns <= 6 else 6
    pdf.set_font("DejaVu", "", size)
    if not shown.body:
        pdf.multi_cell(0, 5, _("No data for these filters."), new_x="LMARGIN", new_y="NEXT")
        return
    first = 3 if columns > 2 else 2
    widths = [first] + [1] * (columns - 1)
    with pdf.table(col_widths=widths, text_align=["LEFT"] + ["RIGHT"] * (columns - 1),
                   headings_style=FontFace(emphasis="BOLD"), line_height=size * 0.55,
                   width=pdf.epw if columns > 2 else pdf.epw / 2, align="LEFT") as grid:
        for row in shown.all_rows():
            cells = grid.row()
            for cell in row:
                cells.cell(str(cell))
    if shown.note:
        pdf.set_font("DejaVu", "", 7)
        pdf.multi_cell(0, 4, shown.note, new_x="LMARGIN", new_y="NEXT")
