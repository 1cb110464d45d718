"""Monitoring visits: recording one with its survey, moving its date, waiving
it with a reason, adding one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import formats

from .. import selectors
from ..forms import ReasonForm, VisitDateForm, VisitForm
from ..services import monitoring as services
from .cases import bootstrap_widgets
from .common import add_service_errors, case_reader

MSG_VISIT_RECORDED = _("The visit was recorded.")
MSG_VISIT_MOVED = _("The visit is now due on %(day)s.")
MSG_VISIT_WAIVED = _("The visit was waived.")
MSG_VISIT_ADDED = _("A visit was added, due on %(day)s.")


def _visit(request, pk, visit):
    visit, case, rights = selectors.visit_for(user=request.user, case_pk=pk, pk=visit)
    if not rights.work:
        raise PermissionDenied
    return visit, case


@case_reader
def visit_record(request, pk, visit):
    visit, case = _visit(request, pk, visit)
    version = services.current_survey_version()
    questions = services.survey_questions(version) if version else []
    form = VisitForm(request.POST or None, questions=questions,
                     initial={"done_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(actor=request.user, visit=visit, done_on=data["done_on"],
                                  mode=data["mode"], notes=data["notes"], answers=form.answers(),
                                  version=version, early_reason=data["early_reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_VISIT_RECORDED)
            return redirect(f"{case.get_absolute_url()}#monitoring")
    return render(request, "reintegration/visit_form.html", {
        "case": case, "visit": visit, "form": bootstrap_widgets(form), "version": version})


@case_reader
def visit_reschedule(request, pk, visit):
    visit, case = _visit(request, pk, visit)
    form = VisitDateForm(request.POST or None, initial={"due_on": visit.due_on})
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_reschedule(actor=request.user, visit=visit,
                                      due_on=form.cleaned_data["due_on"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_VISIT_MOVED % {
                "day": formats.day(form.cleaned_data["due_on"])})
            return redirect(f"{case.get_absolute_url()}#monitoring")
    return render(request, "reintegration/case_form.html", {
        "case": case, "form": form, "title": _("Move the date of %(visit)s") % {"visit": visit}})


@case_reader
def visit_waive(request, pk, visit):
    visit, case = _visit(request, pk, visit)
    form = ReasonForm(request.POST or None, submit_label=_("Waive the visit"))
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_waive(actor=request.user, visit=visit,
                                 reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_VISIT_WAIVED)
            return redirect(f"{case.get_absolute_url()}#monitoring")
    return render(request, "reintegration/case_form.html", {
        "case": case, "form": form, "title": _("Waive %(visit)s") % {"visit": visit},
        "intro": _("A visit that will not take place is waived with the reason, so the case "
                   "can be closed.")})


@case_reader
def visit_add(request, pk):
    case, rights = selectors.case_for(user=request.user, pk=pk)
    if not rights.work:
        raise PermissionDenied
    form = VisitDateForm(request.POST or None, submit_label=_("Add the visit"))
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_add(actor=request.user, case=case, due_on=form.cleaned_data["due_on"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_VISIT_ADDED % {
                "day": formats.day(form.cleaned_data["due_on"])})
            return redirect(f"{case.get_absolute_url()}#monitoring")
    return render(request, "reintegration/case_form.html", {
        "case": case, "form": form, "title": _("Add a monitoring visit")})
