"""The filters of the registry's list pages (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from listing.widgets import CountrySelect, LeanSelect, country_choices

from .models import Person
from .selectors import person_search


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Name or reference"), method="filter_search",
        help_text=_("Any part of the name, in any order, with or without accents; or a "
                    "reference such as P-000123."),
    )
    sex = django_filters.ChoiceFilter(
        widget=LeanSelect,
        label=_("Sex"), choices=Person.Sex.choices, empty_label=_("Any sex"),
    )
    nationality = django_filters.ChoiceFilter(
        widget=CountrySelect,
        label=_("Nationality"), choices=country_choices, method="filter_nationality",
        empty_label=_("Any nationality"),
    )
    country_of_residence = django_filters.ChoiceFilter(
        widget=CountrySelect,
        label=_("Country of residence"), choices=country_choices,
        empty_label=_("Any country of residence"),
    )

    class Meta:
        model = Person
        fields = ["q", "sex", "nationality", "country_of_residence"]

    def filter_search(self, queryset, name, value):
        return person_search(queryset, value)

    def filter_nationality(self, queryset, name, value):
        # Nationalities are stored as "SN,BE": two-letter codes never match
        # across the comma, so a substring match is exact.
        return queryset.filter(nationalities__contains=value)
