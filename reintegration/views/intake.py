"""Opening a case. The intake starts by searching the registry: the person is
reused when found, and only added (through registry.services.person_create,
which flags likely duplicates) when the search found nobody.

Two searches, because a caseworker sees only some persons of the registry
(registry.access):
- the free search (any part of a name, a reference) among the persons they
  may see, as the registry's own list does;
- the exact search (the full name and the date of birth, or the number of an
  identity document) among all persons: it tells whether the person already
  exists, with their reference, name and date of birth only, and, where a
  return case is open for them in another team, says so without a word of its
  content. A person found that way who has no open case can have a case
  opened: the link carries a signed, short-lived proof that this user found
  this person by the exact search, so case_open cannot be used to reach
  persons by guessing ids."""

import datetime

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from registry import access as registry_access
from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.forms import PersonForm
from registry.models import HouseholdMember, IdentityDocument, Person
from registry.names import document_number_key, name_key

from ..access import visible_cases
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
MSG_DUPLICATE_HIDDEN = _(
    "%(name)s may already be in the registry under a record you cannot see. Check with the "
    "search of the whole registry, or ask your supervisor, before going on."
)
MSG_EXACT_NEEDS_BOTH = _("Give the full name and the date of birth, or a document number.")
MSG_BORN_IN_FUTURE = _("The date of birth cannot be in the future.")
SEARCH_RESULTS = 20
# The exact search answers for a handful of persons at most.
EXACT_RESULTS = 5
# How long the proof that a user found a person by the exact search holds.
FOUND_SALT = "reintegration.intake.found"
FOUND_MAX_AGE = datetime.timedelta(hours=2)


class ExactSearchForm(forms.Form):
    """Whether a person is already in the registry, whoever's they are."""

    name = forms.CharField(
        label=_("Full name"), required=False, max_length=300,
        help_text=_("All the names, in any order, with or without accents."))
    born = forms.DateField(
        label=_("Date of birth"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    document = forms.CharField(
        label=_("or an identity document number"), required=False, max_length=40)

    def clean_born(self):
        born = self.cleaned_data.get("born")
        if born and born > datetime.date.today():
            raise forms.ValidationError(MSG_BORN_IN_FUTURE)
        return born

    def clean(self):
        cleaned = super().clean()
        name, born = cleaned.get("name", "").strip(), cleaned.get("born")
        number = document_number_key(cleaned.get("document", ""))
        if not number and not (name_key(name) and born) and not self.has_error("born"):
            raise forms.ValidationError(MSG_EXACT_NEEDS_BOTH)
        cleaned["number_key"] = number
        cleaned["name_key"] = name_key(name)
        return cleaned


def found_token(user, person_id: int) -> str:
    return signing.dumps([user.pk, person_id], salt=FOUND_SALT, compress=True)


def _found_by_token(request, person_id: int) -> bool:
    token = request.POST.get("found") or request.GET.get("found") or ""
    try:
        user_id, found_id = signing.loads(token, salt=FOUND_SALT, max_age=FOUND_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return False
    return user_id == request.user.pk and found_id == person_id


def exact_matches(*, user, name_key_: str = "", born=None, number_key: str = "") -> list[dict]:
    """The persons out of the user's scope that match exactly, as
    {reference, name, born, open_elsewhere, token}: nothing else of them."""
    persons: dict[int, Person] = {}
    if name_key_ and born:
        for person in registry_selectors.person_matches(name_key=name_key_, birth_date=born):
            persons[person.pk] = person
    if number_key:
        ids = IdentityDocument.objects.filter(number_key=number_key).values("person_id")
        for person in Person.objects.filter(pk__in=ids, merged_into__isnull=True):
            persons[person.pk] = person
    if not persons:
        return []
    in_scope = set(registry_access.person_scope(
        user, Person.objects.filter(pk__in=persons)).values_list("pk", flat=True))
    others = [persons[pk] for pk in sorted(persons) if pk not in in_scope][:EXACT_RESULTS]
    with_open_case = set(Case.objects.filter(
        principal__in=[p.pk for p in others], state__in=OPEN).values_list(
        "principal_id", flat=True))
    return [{
        "reference": person.reference, "name": person.full_name,
        "born": person.birth_display,
        "open_elsewhere": person.pk in with_open_case,
        "token": "" if person.pk in with_open_case else found_token(user, person.pk),
        "pk": person.pk,
    } for person in others]


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
            .annotate(has_open_case=Exists(open_case),
                      sees_open_case=Exists(visible_cases(request.user, open_case)))
            .order_by("family_name", "given_names", "id")[:SEARCH_RESULTS]
        )
    exact_form = ExactSearchForm(request.GET if "exact" in request.GET else None)
    exact_results = None
    if exact_form.is_bound and exact_form.is_valid():
        data = exact_form.cleaned_data
        exact_results = exact_matches(user=request.user, name_key_=data["name_key"],
                                      born=data["born"], number_key=data["number_key"])
    # Adding a person is offered only once a search was made.
    form = PersonForm(request.POST or None) if query else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            person = registry_services.person_create(actor=request.user, person=form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, MSG_PERSON_ADDED % {"reference": person.reference})
            # Only persons the user may see are named; the exact search
            # above tells about the others.
            flagged = registry_selectors.person_open_duplicates(person=person)
            others = [c.other for c in registry_selectors.person_open_duplicates(
                person=person, user=request.user)]
            if len(flagged) > len(others):
                messages.warning(request, MSG_DUPLICATE_HIDDEN % {"name": person.full_name})
            if others:
                messages.warning(request, MSG_POSSIBLE_DUPLICATE % {
                    "name": person.full_name,
                    "others": ", ".join(f"{o.reference} ({o.full_name})" for o in others)})
            return redirect("reintegration:case_open", person=person.pk)
    return render(request, "reintegration/intake.html", {
        "query": query, "results": results, "form": form,
        "exact_form": exact_form, "exact_results": exact_results,
        "can_add_person": request.user.has_perm("registry.add_person"),
    })


@case_worker
def case_open(request, person):
    # A person in the user's scope, or one they found by the exact search.
    principal = registry_selectors.person_list(user=request.user).filter(pk=person).first()
    if principal is None and _found_by_token(request, person):
        principal = Person.objects.filter(pk=person, merged_into__isnull=True).first()
    if principal is None:
        raise Http404
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
