"""The background exports of the person who asked for them: ask, watch the
progress, download. Another user's job is a 404, whoever they are."""

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import ReadEvent
from audit.services import record_read

from . import bulk, datasets, services, yearly
from .exports import CONTENT_TYPES
from .models import BulkJob, ExportJob
from .pdf import yearly_pdf

JOBS_SHOWN = 50
# The refusals a finished bulk action lists (each one is counted).
REFUSALS_SHOWN = 50


def _own_job(request, pk) -> ExportJob:
    # Only the user who asked: anyone else (a superuser, the DPO) gets a 404,
    # which says nothing about whether the job exists.
    return get_object_or_404(ExportJob, pk=pk, user=request.user)


@login_required
def job_list(request):
    jobs = ExportJob.objects.filter(user=request.user)[:JOBS_SHOWN]
    labels = {kind.name: kind.label for kind in datasets.available(request.user)}
    return render(request, "reporting/job_list.html", {
        "jobs": [(job, labels.get(job.kind, job.kind)) for job in jobs],
    })


@login_required
@require_POST
def job_request(request):
    kind = request.POST.get("kind", "")
    fmt = request.POST.get("format", "csv")
    if fmt not in ExportJob.Format.values:
        fmt = "csv"
    # The filters of the list the export was asked from, as its query string.
    params = {key: value for key, value in request.POST.items()
              if key.startswith("f_") and value}
    params = {key[2:]: value for key, value in params.items()}
    pseudonymise = request.POST.get("identifying") != "1"
    try:
        job = services.export_job_request(actor=request.user, kind=kind, params=params,
                                          fmt=fmt, pseudonymise=pseudonymise)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.info(request, _("Your export is being prepared."))
    return redirect(job)


@login_required
def job_detail(request, pk):
    job = _own_job(request, pk)
    kind = datasets.get(job.kind)
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return render(request, "reporting/job_detail.html", {
        "job": job, "label": kind.label if kind else job.kind, "back": back,
    })


@login_required
def job_status(request, pk):
    """The progress bar's data (static/js/reporting-progress.js polls it)."""
    job = _own_job(request, pk)
    return JsonResponse({
        "status": job.status, "status_label": str(job.get_status_display()),
        "rows_done": job.rows_done, "total_rows": job.total_rows, "percent": job.percent,
        "finished": job.is_finished,
        "download": job.status == ExportJob.Status.DONE,
    }, headers={"Cache-Control": "private, no-store"})


@login_required
def job_download(request, pk):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file or (
            job.expires_at and job.expires_at <= timezone.now()):
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    kind = datasets.get(job.kind)
    stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
    name = f"{job.kind.replace('.', '-')}-{stamp}.{job.format}"
    response = FileResponse(handle, as_attachment=True, filename=name,
                            content_type=CONTENT_TYPES[job.format])
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    record_read(user=request.user, action=ReadEvent.Action.EXPORT,
                model=kind.model if kind else job.kind, object_id=job.pk,
                page=request.resolver_match.view_name, path=request.get_full_path(),
                rows=job.rows_done)
    request.read_recorded = True
    return response


@login_required
def yearly_report(request):
    """The donor's yearly report: a form (year, language), then the PDF of the
    sections this user may see."""
    sections = yearly.sections_for(request.user)
    if not sections:
        raise PermissionDenied
    years = sorted({y for s in sections for y in s.years(user=request.user)}, reverse=True)

    class YearlyForm(django_forms.Form):
        year = django_forms.TypedChoiceField(label=_("Year"), coerce=int,
                                             choices=[(y, str(y)) for y in years])
        language = django_forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES,
                                            initial=translation.get_language())

    form = YearlyForm(request.GET or None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-select"
    if not form.is_valid():
        return render(request, "reporting/yearly.html", {"form": form, "sections": sections})
    year, language = form.cleaned_data["year"], form.cleaned_data["language"]
    with translation.override(language):
        parts = [(str(s.title()), s.tables(user=request.user, year=year)) for s in sections]
    content = yearly_pdf(year=year, sections=parts, language=language,
                         keywords=" ".join([str(year), *(s.key for s in sections)]))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="yearly-report-{year}-{language}.pdf"')
    response["Cache-Control"] = "private, no-store"
    record_read(user=request.user, action=ReadEvent.Action.EXPORT,
                model=",".join(s.key for s in sections)[:60],
                page=request.resolver_match.view_name, path=request.get_full_path(),
                rows=sum(len(t.rows) for _title, tables in parts for t in tables))
    request.read_recorded = True
    return response


@login_required
def bulk_job_detail(request, pk):
    """How far an admin bulk action in the background has got; at the end,
    how many records it changed and each refusal with its reason. Only the
    user who asked sees it."""
    job = get_object_or_404(BulkJob, pk=pk, user=request.user)
    action = bulk.get(job.kind)
    refused = job.refused[:REFUSALS_SHOWN]
    response = render(request, "reporting/bulk_job.html", {
        "job": job,
        "label": action.label if action else job.kind,
        "refused": refused,
        "more": job.refused_count - len(refused),
        "found": action.found_label(job.found) if action and action.found_label else "",
        "back": _way_back(request, job, action),
    })
    response["Cache-Control"] = "private, no-store"
    return response


def _way_back(request, job, action) -> str:
    """The list the action was chosen on, with its filters (a path of this
    site that is the action's list), else the action's list unfiltered."""
    if action is None:
        return ""
    changelist = reverse(action.changelist)
    path = job.list_path
    if path.split("?", 1)[0] == changelist and url_has_allowed_host_and_scheme(
            path, allowed_hosts={request.get_host()}):
        return path
    return changelist


@login_required
def bulk_job_status(request, pk):
    """The progress bar's data (static/js/bulk-progress.js polls it, so that
    the page updates in place instead of reloading itself, which a screen
    reader would announce again from the top every few seconds)."""
    job = get_object_or_404(BulkJob, pk=pk, user=request.user)
    return JsonResponse({
        "status": job.status, "status_label": str(job.get_status_display()),
        "processed": job.processed, "total": job.total, "percent": job.percent,
        "finished": job.is_finished,
    }, headers={"Cache-Control": "private, no-store"})
