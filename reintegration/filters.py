"""The filters of the caseload and team pages and of the export (django-filter).
The search rule lives in reintegration.selectors."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from listing.widgets import CountrySelect, LeanSelect, country_choices
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


def partner_choices() -> list[tuple[int, str]]:
    """The partner organisations, for a filter: one light query."""
    return [(pk, f"{name} ({acronym})" if acronym else name) for pk, name, acronym in
            Organisation.objects.filter(kind__in=PARTNER_KINDS).order_by("name")
            .values_list("id", "name", "acronym")]


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Reference or name"), method="filter_search",
        help_text=_("A case reference such as RET-2026-00017, or any part of the returnee's "
                    "name, in any order, with or without accents."),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=_state_choices, method="filter_state", empty_label=None,
        widget=LeanSelect,
    )
    country = django_filters.ChoiceFilter(
        label=_("Country of return"), field_name="country_of_return", choices=country_choices,
        empty_label=_("Any country"), widget=CountrySelect,
    )
    # Choices read once per page, in __init__.
    partner = django_filters.ChoiceFilter(
        label=_("Partner"), choices=[], empty_label=_("Any partner"), widget=LeanSelect,
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
        self.filters["partner"].extra["choices"] = partner_choices()

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


def team_caseworker_choices(user) -> list[tuple[int, str]]:
    """The caseworkers of the teams `user` supervises, for a filter."""
    rows = (get_user_model().objects.filter(pk__in=Team.caseworkers.through.objects.filter(
        team__supervisor=user).values("user_id")).order_by("last_name", "username")
        .values_list("id", "username", "first_name", "last_name"))
    return [(pk, f"{first} {last}".strip() or username) for pk, username, first, last in rows]


class TeamCaseFilter(CaseFilter):
    # Choices read once per page, in __init__, for the supervisor asking.
    caseworker = django_filters.ChoiceFilter(
        label=_("Caseworker"), choices=[], empty_label=_("Any caseworker"), widget=LeanSelect,
    )

    class Meta:
        model = Case
        fields = ["q", "state", "country", "partner", "caseworker", "overdue"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.filters["caseworker"].extra["choices"] = (
            team_caseworker_choices(user) if user is not None else [])

