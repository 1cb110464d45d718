"""The scholarships report: scholarship administrators and the data protection
officer (aggregate figures, small counts suppressed); not reviewers, not
applicants."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import role_required
from accounts.roles import Role
from audit.models import ReadEvent
from audit.services import record_read
from reporting import datasets
from reporting.exports import CONTENT_TYPES, CSV, XLSX, tables_csv, tables_xlsx
from reporting.suppression import small_mark

from . import report
from .forms import ReportFilterForm

report_required = role_required(Role.SCHOLARSHIP_ADMIN, Role.DPO)


def _form(request) -> ReportFilterForm:
    return ReportFilterForm(request.GET or None)


@report_required
def report_page(request):
    form = _form(request)
    filters = form.filters()
    figures = report.build(filters)
    export_kind = datasets.get("scholarships.applications")
    return render(request, "scholarships/reports/report.html", {
        **figures, "form": form, "filters": filters, "small_mark": small_mark(),
        "shown": {t.key: t.display() for t in figures["tables"]},
        "query": request.GET.urlencode(),
        "row_export": export_kind if export_kind and export_kind.may_export(request.user)
        else None,
    })


@report_required
def report_export(request, fmt):
    if fmt not in (CSV, XLSX):
        raise Http404
    form = _form(request)
    figures = report.build(form.filters())
    tables = figures["tables"]
    content = tables_csv(tables) if fmt == CSV else tables_xlsx(tables)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="scholarships-report-{stamp}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    record_read(user=request.user, action=ReadEvent.Action.EXPORT,
                model="scholarships.application", page=request.resolver_match.view_name,
                path=request.get_full_path(), rows=sum(len(t.rows) for t in tables))
    request.read_recorded = True
    return response
