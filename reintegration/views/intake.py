"""Opening a case. The intake starts by searching the registry: the person is
reused when found, and only added (through registry.services.person_create,
which flags likely duplicates) when the search found nobody."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.forms import PersonForm
from registry.models import HouseholdMember

from ..forms import CaseOpenForm
from ..models import Case
from ..services import cases as services
from ..workflow import OPEN
from .common import add_service_errors, case_worker

MSG_CASE_OPENED = _("Case %(reference)s was opened for %(name)s.")
MSG_PERSON_ADDED = _("%(reference)s was added to the registry.")
MSG_POSSIBLE_DUPLICATE = _(
    "%(name)s may already be in the registry as %(others)s. If it is the same person, open "
    "the case on that record and ask an administrator to merge the two."
)
SEARCH_RESULTS = 20


@case_worker
def intake(request):
    """Search first. Results show whether the person already has an open case."""
    query = request.GET.get("q", "").strip()
    results = []
    if query:
        open_case = Case.objects.filter(principal=OuterRef("pk"), state__in=OPEN)
        results = list(
            registry_selectors.person_search(
                registry_selectors.person_list(user=request.user), query)
            .only(*registry_selectors.PERSON_ROW_VALUES)
            .annotate(has_open_case=Exists(open_case))
            .order_by("family_name", "given_names", "id")[:SEARCH_RESULTS]
        )
    # Adding a person is offered only once a search was made.
    form = PersonForm(request.POST or None) if query else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            person = registry_services.person_create(actor=request.user, person=form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_PERSON_ADDED % {"reference": person.reference})
            others = [c.other for c in registry_selectors.person_open_duplicates(person=person)]
            if others:
                messages.warning(request, MSG_POSSIBLE_DUPLICATE % {
                    "name": person.full_name,
                    "others": ", ".join(f"{o.reference} ({o.full_name})" for o in others)})
            return redirect("reintegration:case_open", person=person.pk)
    return render(request, "reintegration/intake.html", {
        "query": query, "results": results, "form": form,
        "can_add_person": request.user.has_perm("registry.add_person"),
    })


@case_worker
def case_open(request, person):
    principal = get_object_or_404(registry_selectors.person_list(user=request.user), pk=person)
    needs_consent = not services.has_reintegration_consent(principal)
    household = list(_household(principal))
    form_kwargs = {
        "household": household,
        "caseworkers": services.caseworkers_for(request.user),
        "needs_consent": needs_consent,
    }
    initial = {"caseworker": request.user.pk,
               "country_of_return": (principal.nationalities[0].code
                                     if principal.nationalities else "")}
    form = CaseOpenForm(request.POST or None, initial=initial, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                actor=request.user, principal=principal,
                country_of_return=data["country_of_return"],
                region_of_return=data["region_of_return"], partner=data["partner"],
                caseworker=data["caseworker"], members=form.returning_members(),
                consent_method=data.get("consent_method", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_CASE_OPENED % {"reference": case.reference,
                                                         "name": principal.full_name})
            return redirect(case)
    existing = Case.objects.filter(principal=principal, state__in=OPEN).first()
    return render(request, "reintegration/case_open.html", {
        "form": form, "person": principal, "needs_consent": needs_consent,
        "existing": existing,
    })



def _household(principal):
    return (HouseholdMember.objects.filter(household__principal=principal,
                                           person__merged_into__isnull=True)
            .select_related("person").order_by("relation", "person__family_name"))
