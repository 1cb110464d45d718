"""PDF documents of the programme: the submission summary and the award
letter. fpdf2 is pure Python, so a new machine needs no system libraries;
DejaVu Sans covers the Latin, Arabic-free accented names of the applicants."""

from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from fpdf import FPDF

from common import formats

from .steps import shown_summary

FONTS = Path(__file__).resolve().parent / "fonts"
BRUSSELS = ZoneInfo("Europe/Brussels")


def _document() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def submission_summary_pdf(application, *, language: str | None = None) -> bytes:
    """What the applicant submitted, from the snapshot taken at submission,
    wholly in one language: `language`, or the active one. The labels, choices
    and dates are written now; the answers are as submitted."""
    with translation.override(language or translation.get_language()):
        return _submission_summary_pdf(application)


def _submission_summary_pdf(application) -> bytes:
    summary = shown_summary(application)
    title = _("Scholarship application %(reference)s") % {"reference": application.reference}
    pdf = _document()
    # Metadata for screen readers and for finding the file again. The page
    # text is set as glyph numbers of the embedded font; the keywords keep the
    # reference searchable as plain ASCII in any language.
    pdf.set_title(title)
    pdf.set_keywords(application.reference or "")
    pdf.set_subject(summary["call"])
    pdf.set_lang(translation.get_language() or "en")
    pdf.set_creation_date(application.submitted_at)
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    submitted = formats.moment(application.submitted_at) + timezone.localtime(
        application.submitted_at).strftime(" %Z")
    pdf.multi_cell(0, 6, summary["call"], new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, _("Submitted on %(date)s") % {"date": submitted},
                   new_x="LMARGIN", new_y="NEXT")
    for section in summary["sections"]:
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


def euros(amount) -> str:
    """1,234.50 EUR in English, 1 234,50 EUR in French, 1.234,50 EUR in Dutch."""
    return f"{number_format(amount, decimal_pos=2, force_grouping=True)} EUR"


def award_letter_pdf(offer) -> bytes:
    """The award letter, in the active language (the caller sets the
    applicant's): the package, the period and the deadline to answer."""
    application = offer.application
    person = application.applicant
    call = application.call
    title = _("Award letter %(reference)s") % {"reference": application.reference}
    pdf = _document()
    pdf.set_title(title)
    pdf.set_keywords(application.reference or "")
    pdf.set_subject(str(call))
    pdf.set_lang(translation.get_language() or "en")
    pdf.set_creation_date(offer.created_at)

    def line(text, *, bold=False, size=10, height=6):
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")

    line(title, bold=True, size=15, height=8)
    line(date_format(timezone.localtime(offer.created_at).date(), "DATE_FORMAT"))
    pdf.ln(4)
    line(_("Dear %(name)s,") % {"name": person.full_name})
    pdf.ln(2)
    line(_("We are pleased to offer you a scholarship of the programme “%(programme)s”, call "
           "“%(call)s”, academic year %(year)s.") % {
        "programme": call.programme.name, "call": call.title, "year": call.academic_year_label})
    if application.host_institution_id:
        line(_("Host institution: %(institution)s. Programme of study: %(study)s.") % {
            "institution": application.host_institution,
            "study": application.study_programme or "—"})
    pdf.ln(3)
    line(_("The package"), bold=True, size=12, height=7)
    rows = [
        (_("Monthly allowance"), _("%(amount)s a month, for %(months)s months") % {
            "amount": euros(offer.monthly_allowance), "months": offer.months}),
        (_("Tuition fees"), euros(offer.tuition)),
        (_("Travel"), euros(offer.travel)),
        (_("Insurance"), euros(offer.insurance)),
        (_("Total"), euros(offer.total)),
    ]
    for label, value in rows:
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(60, 6, str(label), new_x="RIGHT", new_y="TOP")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 6, str(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    line(_("The period"), bold=True, size=12, height=7)
    line(_("From %(start)s to %(end)s.") % {"start": date_format(offer.starts_on, "DATE_FORMAT"),
                                            "end": date_format(offer.ends_on, "DATE_FORMAT")})
    pdf.ln(3)
    line(_("Your answer"), bold=True, size=12, height=7)
    deadline = timezone.localtime(offer.deadline, BRUSSELS)
    line(_("Please accept or decline this offer in your portal before %(deadline)s (Brussels "
           "time). Without an answer by then, the offer lapses and the place goes to another "
           "candidate.") % {"deadline": date_format(deadline, "DATETIME_FORMAT")})
    pdf.ln(4)
    line(_("The scholarship office"))
    return bytes(pdf.output())


def typed_letter_pdf(referee) -> bytes:
    """A reference letter the referee typed in, as the PDF staff and
    reviewers download where an uploaded letter would be."""
    application = referee.application
    title = _("Reference letter from %(name)s") % {"name": referee.name}
    pdf = _document()
    pdf.set_title(title)
    pdf.set_keywords(application.reference or "")
    pdf.set_lang(translation.get_language() or "en")
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    about = _("For the application %(reference)s of %(applicant)s") % {
        "reference": application.reference or "—", "applicant": application.applicant.full_name}
    pdf.multi_cell(0, 6, about, new_x="LMARGIN", new_y="NEXT")
    if referee.letter_received_at:
        pdf.multi_cell(0, 6, _("Received on %(date)s") % {
            "date": formats.moment(referee.letter_received_at)}, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, referee.letter_text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
