"""PDF documents of the programme (the submission summary; award letters
later). fpdf2 is pure Python, so a new machine needs no system libraries;
DejaVu Sans covers the Latin, Arabic-free accented names of the applicants."""

from pathlib import Path

from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"


def _document() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def submission_summary_pdf(application) -> bytes:
    """What the applicant submitted, from the snapshot taken at submission."""
    snapshot = application.submitted_snapshot
    title = _("Scholarship application %(reference)s") % {"reference": application.reference}
    pdf = _document()
    # Metadata for screen readers and for finding the file again. The page
    # text is set as glyph numbers of the embedded font; the keywords keep the
    # reference searchable as plain ASCII in any language.
    pdf.set_title(title)
    pdf.set_keywords(application.reference or "")
    pdf.set_subject(snapshot.get("call", ""))
    pdf.set_lang(translation.get_language() or "en")
    pdf.set_creation_date(application.submitted_at)
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    submitted = timezone.localtime(application.submitted_at).strftime("%Y-%m-%d %H:%M:%S %Z")
    pdf.multi_cell(0, 6, snapshot.get("call", ""), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, _("Submitted on %(date)s") % {"date": submitted},
                   new_x="LMARGIN", new_y="NEXT")
    for section in snapshot.get("sections", []):
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, section["title"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        for label, value in section["rows"]:
            pdf.set_font("DejaVu", "B", 10)
            pdf.multi_cell(60, 6, capfirst(label), new_x="RIGHT", new_y="TOP")
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 6, value or "—", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
