"""The filters of the DPO's console (django-filter)."""

import datetime
import re

import django_filters
from django import forms
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from listing.widgets import LeanSelect

from .models import ReadEvent
from .pages import PAGES

MSG_BAD_PERSON = _("Enter a person reference such as P-000123, or a number.")

_PERSON = re.compile(r"^\s*(?:P-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def parse_person(value: str) -> int | None:
    """The person id in "P-000123", "p000123" or "123"; None for anything else."""
    found = _PERSON.match(value or "")
    return int(found.group(1)) if found and int(found.group(1)) else None


def record_type_choices():
    """The record types the log can hold, named as the admin names them."""
    labels = sorted({page.model for page in PAGES.values() if page.model})
    choices = []
    for label in labels:
        try:
            name = apps.get_model(label)._meta.verbose_name
        except LookupError:
            name = label
        choices.append((label, f"{str(name)[:1].upper()}{str(name)[1:]}"))
    return sorted(choices, key=lambda choice: choice[1])


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class PersonField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        person_id = parse_person(value)
        if person_id is None:
            raise forms.ValidationError(MSG_BAD_PERSON, code="person")
        return person_id


class PersonFilter(django_filters.Filter):
    field_class = PersonField


class ReadEventFilter(django_filters.FilterSet):
    person = PersonFilter(
        label=_("Person"), field_name="person_id",
        help_text=_("A reference such as P-000123."),
    )
    user = django_filters.CharFilter(
        label=_("User"), field_name="user__username", lookup_expr="iexact",
        help_text=_("The exact username."),
    )
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_to",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    action = django_filters.ChoiceFilter(
        widget=LeanSelect, label=_("Action"), choices=ReadEvent.Action.choices,
        empty_label=_("Any action"),
    )
    model = django_filters.ChoiceFilter(
        widget=LeanSelect, label=_("Record type"), choices=record_type_choices,
        empty_label=_("Any record type"),
    )

    class Meta:
        model = ReadEvent
        fields = ["person", "user", "date_from", "date_to", "action", "model"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=_start_of(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=_start_of(value + datetime.timedelta(days=1)))
