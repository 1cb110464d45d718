"""Bounds of plausible dates, declared once next to the field that needs them.

A bound is counted from the day the value is checked (today in the active
time zone), never written down as a date: "at most 120 years ago" stays true
every day, and a model field naming a window would record the window in its
migration, not a date that freezes.

`DateWindow.apply(field)` does the three things a user sees: the field checks
the bounds, its help text says them, and the date picker offers only them
(min and max). The error beside the field says what is allowed; the form
comes back with what was typed."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

MSG_DATE_BETWEEN = _("Enter a date between %(earliest)s and %(latest)s.")
MSG_DATE_NOT_BEFORE = _("Enter a date on or after %(earliest)s.")
MSG_DATE_NOT_AFTER = _("Enter a date on or before %(latest)s.")
HELP_DATE_BETWEEN = _("Between %(earliest)s and %(latest)s.")
HELP_DATE_NOT_BEFORE = _("On or after %(earliest)s.")
HELP_DATE_NOT_AFTER = _("On or before %(latest)s.")


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier (28 February for a 29 February that the
    earlier year does not have)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def show_date(day: datetime.date) -> str:
    """A date as the active language writes it in a sentence."""
    return date_format(day, "DATE_FORMAT")


@deconstructible
class DateWindow:
    """A date no earlier than `years_back` years plus `days_back` days before
    today and no later than `years_ahead` years plus `days_ahead` days after
    it; a side left as None is open. `early_message` (a date too early) and
    `late_message` (too late) may name %(earliest)s and %(latest)s and replace
    the generic sentence; so does `help_text`. `params` are more values these
    sentences name."""

    def __init__(self, *, years_back=None, days_back=None, years_ahead=None, days_ahead=None,
                 early_message=None, late_message=None, help_text=None, params=None):
        self.years_back, self.days_back = years_back, days_back
        self.years_ahead, self.days_ahead = years_ahead, days_ahead
        self.early_message, self.late_message = early_message, late_message
        self.help_text = help_text
        self.params = params or {}

    def __eq__(self, other):
        return isinstance(other, DateWindow) and self.deconstruct() == other.deconstruct()

    def bounds(self, today: datetime.date | None = None):
        """(earliest, latest), either None when that side is open."""
        today = today or timezone.localdate()
        earliest = latest = None
        if self.years_back is not None or self.days_back is not None:
            earliest = (years_before(today, self.years_back or 0)
                        - datetime.timedelta(days=self.days_back or 0))
        if self.years_ahead is not None or self.days_ahead is not None:
            latest = (years_before(today, -(self.years_ahead or 0))
                      + datetime.timedelta(days=self.days_ahead or 0))
        return earliest, latest

    def _params(self, today=None) -> dict:
        earliest, latest = self.bounds(today)
        return {**self.params, "earliest": show_date(earliest) if earliest else "",
                "latest": show_date(latest) if latest else ""}

    def __call__(self, value):
        if not isinstance(value, datetime.date):
            return
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        earliest, latest = self.bounds()
        if earliest and value < earliest:
            raise ValidationError(self.early_message or self._generic_message(),
                                  code="date_too_early", params=self._params())
        if latest and value > latest:
            raise ValidationError(self.late_message or self._generic_message(),
                                  code="date_too_late", params=self._params())

    def _generic_message(self):
        earliest, latest = self.bounds()
        if earliest and latest:
            return MSG_DATE_BETWEEN
        return MSG_DATE_NOT_BEFORE if earliest else MSG_DATE_NOT_AFTER

    def describe(self) -> str:
        """The help sentence: what the field accepts today."""
        earliest, latest = self.bounds()
        if self.help_text:
            template = self.help_text
        elif earliest and latest:
            template = HELP_DATE_BETWEEN
        else:
            template = HELP_DATE_NOT_BEFORE if earliest else HELP_DATE_NOT_AFTER
        return str(template) % self._params()

    def apply(self, field):
        """Check, explain and offer the window on a form field (a form's own
        copy: each form instance counts from the day it is made)."""
        field.validators.append(self)
        field.help_text = " ".join(str(text) for text in (field.help_text, self.describe())
                                   if text)
        earliest, latest = self.bounds()
        if earliest:
            field.widget.attrs["min"] = earliest.isoformat()
        if latest:
            field.widget.attrs["max"] = latest.isoformat()
        return field


class FixedDateWindow(DateWindow):
    """A window between two given dates, for bounds that come from a record
    (the academic year of a call) rather than from today. Made per form."""

    def __init__(self, *, earliest=None, latest=None, **kwargs):
        super().__init__(**kwargs)
        self.earliest, self.latest = earliest, latest

    def bounds(self, today=None):
        return self.earliest, self.latest
