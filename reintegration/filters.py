"""The filters of the caseload and team pages and of the export (django-filter).
The search rule lives in reintegration.selectors."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.models import Organisation

from . import selectors
from .models import PARTNER_KINDS, Case, Team
from .workflow import FINAL, OPEN, State

OPEN_CASES = "open"
ALL_CASES = "all"
FINAL_CASES = "final"


def _state_choices():
    return [(OPEN_CASES, _("Open cases")), (FINAL_CASES, _("Ended cases")),
            (ALL_CASES, _("All cases")), *State.choices]


def _countries():
    # Evaluated per request, so names are sorted in the user's language.
    return list(countries)


def _partners(request):
    return Organisation.objects.filter(kind__in=PARTNER_KINDS).only(
        "id", "name", "acronym").order_by("name")


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Reference or name"), method="filter_search",
        help_text=_("A case reference such as RET-2026-00017, or any part of the returnee's "
                    "name, in any order, with or without accents."),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=_state_choices, method="filter_state", empty_label=None,
    )
    country = django_filters.ChoiceFilter(
        label=_("Country of return"), field_name="country_of_return", choices=_countries,
        empty_label=_("Any country"),
    )
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner"), queryset=_partners, empty_label=_("Any partner"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Only overdue"), method="filter_overdue",
        widget=forms.CheckboxInput(),
    )

    class Meta:
        model = Case
        fields = ["q", "state", "country", "partner", "overdue"]

    def __init__(self, data=None, *args, **kwargs):
        # Open cases unless another choice is made.
        data = data.copy() if data is not None else None
        if data is not None and not data.get("state"):
            data["state"] = OPEN_CASES
        super().__init__(data if data is not None else {"state": OPEN_CASES}, *args, **kwargs)

    def filter_search(self, queryset, name, value):
        return selectors.case_search(queryset, value)

    def filter_state(self, queryset, name, value):
        if value == OPEN_CASES:
            return queryset.filter(state__in=OPEN)
        if value == FINAL_CASES:
            return queryset.filter(state__in=FINAL)
        if value == ALL_CASES:
            return queryset
        return queryset.filter(state=value)

    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.filter(next_action_due__lt=timezone.localdate())
        return queryset


def _team_caseworkers(request):
    users = get_user_model().objects.only("id", "username", "first_name", "last_name")
    if request is None:
        return users.none()
    return users.filter(pk__in=Team.caseworkers.through.objects.filter(
        team__supervisor=request.user).values("user_id")).order_by("last_name", "username")


class TeamCaseFilter(CaseFilter):
    caseworker = django_filters.ModelChoiceFilter(
        label=_("Caseworker"), queryset=_team_caseworkers, empty_label=_("Any caseworker"),
    )

    class Meta:
        model = Case
        fields = ["q", "state", "country", "partner", "caseworker", "overdue"]

