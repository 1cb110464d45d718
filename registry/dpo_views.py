"""The data protection officer's pages in the registry: a person's
subject-access export (PDF and JSON) and the retention schedule's runs.

For the DPO role alone: a superuser without the role gets 403 too (handing
out everything held about a person, or anonymising, is the DPO's task).
Each download is recorded in the read log by the view itself (action
EXPORT, with the number of rows); refusals by audit.middleware."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from fpdf import FPDF

from accounts.decorators import dpo_required
from audit.models import ReadEvent
from audit.services import record_read
from common import formats

from . import retention
from . import subject_access as gather
from .models import Person, RetentionRun, Side

# The font the programmes' PDFs use (DejaVu Sans: Latin with every accent,
# Greek, Cyrillic; the names of the applicants and returnees). Read as a file,
# not imported: the registry imports no programme.
FONTS = Path(settings.BASE_DIR) / "scholarships" / "fonts"
RUNS_SHOWN = 30

MSG_DRY_RUN_DONE = _("Dry run recorded: %(count)s person(s) due.")
MSG_APPLIED = _("%(count)s person(s) anonymised.")
MSG_CONFIRM_NEEDED = _("Tick the confirmation to anonymise the persons due.")

# The reasons the programmes' RETENTION hooks give, as the DPO reads them.
REASONS = {
    retention.NO_RECORD: _("in no programme, registered long ago"),
    "not_awarded": _("applications that led to no scholarship"),
    "scholarship_ended": _("scholarship ended"),
    "closed": _("case closed"),
    "withdrawn": _("case withdrawn"),
    "no_show": _("case ended: no-show"),
    "lost_contact": _("case ended: contact lost"),
}
SIDES = {retention.NO_RECORD: _("Registry"), "registry": _("Registry"), **dict(Side.choices)}


def _person(pk) -> Person:
    # Merged and anonymised persons too: what is held about them is still asked for.
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


@dpo_required
def subject_access(request, pk):
    person = _person(pk)
    return render(request, "registry/subject_access.html", {"person": person})


def _export(request, person: Person, view_name: str):
    sections = gather.subject_data(person)
    rows = gather.row_count(sections)
    record_read(user=request.user, action=ReadEvent.Action.EXPORT, model="registry.person",
                object_id=person.pk, person_id=person.pk, page=view_name,
                path=request.get_full_path(), rows=rows)
    # Said to audit.middleware, which logs these URLs too (refusals included):
    # this download is in the log already, with its row count.
    request.read_recorded = True
    return sections


def _filename(person: Person, ext: str) -> str:
    return f"{person.reference}-subject-access-{timezone.localdate():%Y%m%d}.{ext}"


@dpo_required
def subject_access_json(request, pk):
    person = _person(pk)
    sections = _export(request, person, "registry:subject_access_json")
    body = {
        "person": person.pk,
        "reference": person.reference,
        "produced_at": timezone.now().isoformat(),
        "language": translation.get_language(),
        "sections": sections,
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(person, "json")}"'
    return response


def subject_access_document(person: Person, sections: list[dict]) -> bytes:
    """The export as a PDF in the active language: a heading per section,
    each record as its labelled values."""
    title = gettext("Everything held about %(reference)s") % {"reference": person.reference}
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(title)
    pdf.set_keywords(person.reference)
    pdf.set_lang(translation.get_language() or "en")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, gettext("Subject-access export produced on %(date)s.") % {
        "date": formats.moment(timezone.now())}, new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, f"{section['title']} ({len(section['rows'])})",
                       new_x="LMARGIN", new_y="NEXT")
        if not section["rows"]:
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 6, gettext("Nothing recorded."), new_x="LMARGIN", new_y="NEXT")
        for row in section["rows"]:
            pdf.ln(1)
            for key, value in row.items():
                pdf.set_font("DejaVu", "B", 9)
                pdf.multi_cell(60, 5, str(section["labels"].get(key, key)),
                               new_x="RIGHT", new_y="TOP")
                pdf.set_font("DejaVu", "", 9)
                pdf.multi_cell(0, 5, _shown(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _shown(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@dpo_required
def subject_access_pdf(request, pk):
    person = _person(pk)
    sections = _export(request, person, "registry:subject_access_pdf")
    response = HttpResponse(subject_access_document(person, sections),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(person, "pdf")}"'
    return response


# --- retention ---------------------------------------------------------------------------

@dpo_required
def retention_runs(request):
    if request.method == "POST":
        return _retention_post(request)
    runs = list(RetentionRun.objects.select_related("ran_by")[:RUNS_SHOWN])
    for run in runs:
        run.lines = [
            (SIDES.get(side, side), REASONS.get(reason, reason), count)
            for side, reasons in run.report.get("by_programme", {}).items()
            for reason, count in sorted(reasons.items())
        ]
    latest_dry = next((run for run in runs if run.dry_run), None)
    return render(request, "registry/retention.html", {
        "runs": runs, "latest_dry": latest_dry, "schedule": retention.schedule(),
        "due": latest_dry.report.get("due", 0) if latest_dry else 0,
    })


def _retention_post(request):
    if "apply" in request.POST:
        if request.POST.get("confirm") != "yes":
            messages.error(request, MSG_CONFIRM_NEEDED)
            return redirect("registry:retention")
        # Only the persons of the dry run the DPO read, if still due now.
        dry = RetentionRun.objects.filter(pk=request.POST.get("run"), dry_run=True).first()
        if dry is None:
            messages.error(request, MSG_CONFIRM_NEEDED)
            return redirect("registry:retention")
        run = retention.retention_run(actor=request.user, dry_run=False,
                                      only=dry.report.get("persons", []))
        messages.success(request, MSG_APPLIED % {"count": run.persons})
    else:
        run = retention.retention_run(actor=request.user, dry_run=True)
        messages.success(request, MSG_DRY_RUN_DONE % {"count": run.report["due"]})
    return redirect("registry:retention")
