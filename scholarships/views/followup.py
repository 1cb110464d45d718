"""Following scholars: the list of scholars, and one scholar's arrival,
enrolment, yearly progress, completion or discontinuation, and where they
live afterwards. Each form validates its dates; the services record."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .. import access, selectors, services
from ..filters import ScholarFilter
from ..forms.decisions import (
    ArrivalForm,
    CompletionForm,
    DiscontinuationForm,
    EnrolmentForm,
    ProgressReportForm,
    ResidenceForm,
)
from ..models import ScholarFollowUp
from ..workflow import Actor, State

SCHOLARS_PER_PAGE = 25
MSG_RECORDED = _("Recorded.")

# action -> (form, the states in which the form is offered)
ACTIONS = {
    "arrival": (ArrivalForm, (State.ACCEPTED, State.ENROLLED)),
    "enrolment": (EnrolmentForm, (State.ACCEPTED,)),
    "progress": (ProgressReportForm, (State.ENROLLED, State.COMPLETED, State.DISCONTINUED)),
    "completion": (CompletionForm, (State.ENROLLED,)),
    "discontinuation": (DiscontinuationForm, (State.ACCEPTED, State.ENROLLED)),
    "residence": (ResidenceForm, (State.COMPLETED,)),
}


def _record(action: str, actor, application, data: dict):
    if action == "arrival":
        return services.scholar_arrival_record(actor=actor, application=application,
                                               arrived_on=data["arrived_on"])
    if action == "enrolment":
        return services.scholar_enrolment_confirm(
            actor=actor, application=application, confirmed_on=data["enrolment_confirmed_on"])
    if action == "progress":
        return services.scholar_progress_report_add(actor=actor, application=application,
                                                    **data)
    if action == "completion":
        return services.scholar_complete(actor=actor, application=application,
                                         completed_on=data["completed_on"])
    if action == "discontinuation":
        return services.scholar_discontinue(actor=actor, application=application,
                                            discontinued_on=data["discontinued_on"],
                                            reason=data["reason"])
    return services.alumnus_residence_confirm(
        actor=actor, application=application, residence=data["residence"],
        country=data["residence_country"], confirmed_on=data["residence_confirmed_on"])


@access.staff_required
def scholar_list(request):
    filterset = ScholarFilter(request.GET or None,
                              queryset=selectors.scholar_table(user=request.user))
    page = Paginator(filterset.qs, SCHOLARS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "scholarships/staff/scholar_list.html", {
        "filter": filterset, "page": page,
    })


@require_http_methods(["GET", "POST"])
@access.staff_required
def follow_up(request, pk):
    application = selectors.application_for_staff(user=request.user, pk=pk)
    may_record = access.actor_capacity(request.user, application) == Actor.ADMINISTRATOR
    action = request.POST.get("action") if request.method == "POST" and may_record else None
    forms = {}
    for name, (form_class, states) in ACTIONS.items():
        if application.state not in states or not may_record:
            continue
        form = form_class(request.POST if action == name else None, prefix=name)
        forms[name] = form
        if action == name and form.is_valid():
            try:
                _record(name, request.user, application, form.cleaned_data)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        for message in errors:
                            form.add_error(field if field in form.fields else None, message)
                else:
                    form.add_error(None, error)
            else:
                messages.success(request, MSG_RECORDED)
                return redirect("scholarships:follow_up", pk=pk)
    record = ScholarFollowUp.objects.filter(application=application).first()
    return render(request, "scholarships/staff/follow_up.html", {
        "application": application, "person": application.applicant, "record": record,
        "reports": list(record.progress_reports.select_related("recorded_by"))
        if record else [],
        "forms": forms,
    })
