"""The filters of the staff's application list (django-filter). The rules
(folded-name search, age bands, eligibility) live in scholarships.selectors."""

import django_filters
from django.utils.translation import gettext_lazy as _

from listing.widgets import CountrySelect, LeanSelect, country_choices
from registry.models import Person

from . import selectors
from .models import Application, Call, ScholarFollowUp
from .states import State

AGE_BAND_CHOICES = [
    ("under-25", _("Under 25")),
    ("25-29", _("25 to 29")),
    ("30-34", _("30 to 34")),
    ("35-39", _("35 to 39")),
    ("40-plus", _("40 or older")),
    ("unknown", _("Date of birth unknown")),
]
ELIGIBILITY_CHOICES = [
    ("eligible", _("Eligible")),
    ("ineligible", _("Not eligible")),
    ("undecided", _("Not yet decided")),
]


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Reference or name"), method="filter_search",
        help_text=_("A reference such as SCH-2026-00042, or any part of the applicant's "
                    "name, in any order, with or without accents."),
    )
    # Its choices are read once per page, in __init__.
    call = django_filters.ChoiceFilter(
        widget=LeanSelect, label=_("Call"), choices=[], empty_label=_("Any call"),
    )
    state = django_filters.ChoiceFilter(
        widget=LeanSelect,
        label=_("State"), choices=State.choices, empty_label=_("Any state"),
    )
    eligibility = django_filters.ChoiceFilter(
        widget=LeanSelect,
        label=_("Eligibility"), choices=ELIGIBILITY_CHOICES, method="filter_eligibility",
        empty_label=_("Any"),
    )
    nationality = django_filters.ChoiceFilter(
        widget=CountrySelect,
        label=_("Nationality"), choices=country_choices, method="filter_nationality",
        empty_label=_("Any nationality"),
    )
    sex = django_filters.ChoiceFilter(
        widget=LeanSelect,
        label=_("Sex"), field_name="applicant__sex", choices=Person.Sex.choices,
        empty_label=_("Any sex"),
    )
    age = django_filters.ChoiceFilter(
        widget=LeanSelect,
        label=_("Age"), choices=AGE_BAND_CHOICES, method="filter_age",
        empty_label=_("Any age"),
        help_text=_("On the call's age reference date, or today."),
    )

    class Meta:
        model = Application
        fields = ["q", "call", "state", "eligibility", "nationality", "sex", "age"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["call"].extra["choices"] = selectors.call_choices()

    def filter_search(self, queryset, name, value):
        return selectors.application_search(queryset, value)

    def filter_nationality(self, queryset, name, value):
        # Nationalities are stored as "SN,BE": two-letter codes never match
        # across the comma, so a substring match is exact.
        return queryset.filter(applicant__nationalities__contains=value)

    def filter_age(self, queryset, name, value):
        return selectors.application_age_band(queryset, value)

    def filter_eligibility(self, queryset, name, value):
        return selectors.application_eligibility(queryset, value)


def _scholar_calls(request):
    # Only what Call.__str__ prints; one query whatever the number of rows.
    return Call.objects.only("id", "title", "academic_year").order_by("-opens_at")


def _residences():
    return ScholarFollowUp.Residence.choices


class ScholarFilter(django_filters.FilterSet):
    """The scholars being followed (accepted offers onwards)."""

    q = django_filters.CharFilter(
        label=_("Reference or name"), method="filter_search",
        help_text=_("A reference such as SCH-2026-00042, or any part of the scholar's name."),
    )
    call = django_filters.ModelChoiceFilter(
        label=_("Call"), queryset=_scholar_calls, empty_label=_("Any call"),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), empty_label=_("Any state"),
        choices=[(s.value, s.label) for s in selectors.SCHOLAR_STATES],
    )
    residence = django_filters.ChoiceFilter(
        label=_("Lives now"), field_name="follow_up__residence", empty_label=_("Any"),
        choices=_residences,
    )

    class Meta:
        model = Application
        fields = ["q", "call", "state", "residence"]

    def filter_search(self, queryset, name, value):
        return selectors.application_search(queryset, value)
