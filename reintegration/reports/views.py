"""The reintegration report: supervisors (their teams), partner organisation
staff (their organisation), the data protection officer (everything), in
aggregate. Caseworkers have none (reintegration/reports/scope.py says why)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import role_required
from audit.models import ReadEvent
from audit.services import record_read
from reporting.exports import CONTENT_TYPES, CSV, XLSX, tables_csv, tables_xlsx
from reporting.suppression import small_mark

from . import report, scope
from .forms import ReportFilterForm

report_required = role_required(*scope.ROLES)


def _figures(request):
    if not scope.may_see_report(request.user):
        raise PermissionDenied
    form = ReportFilterForm(request.GET or None, user=request.user)
    return form, report.build(request.user, form.filters())


@report_required
def report_page(request):
    form, figures = _figures(request)
    return render(request, "reintegration/reports/report.html", {
        **figures, "form": form, "small_mark": small_mark(),
        "shown": {t.key: t.display() for t in figures["tables"]},
        "query": request.GET.urlencode(),
    })


@report_required
def report_export(request, fmt):
    if fmt not in (CSV, XLSX):
        raise Http404
    _form, figures = _figures(request)
    tables = figures["tables"]
    content = tables_csv(tables) if fmt == CSV else tables_xlsx(tables)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="returns-report-{stamp}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    record_read(user=request.user, action=ReadEvent.Action.EXPORT, model="reintegration.case",
                page=request.resolver_match.view_name, path=request.get_full_path(),
                rows=sum(len(t.rows) for t in tables))
    request.read_recorded = True
    return response
