"""How dates are written, one way per language (settings FORMAT_MODULE_PATH).

Short dates name the month ("3 Dec 2026", "3 déc. 2026", "3 dec 2026")
rather than writing it as a number: 03/12/2026 reads as 12 March to anyone
used to US dates (the site showed those once), and the programmes' staff,
applicants and partners come from many countries. Long dates spell the month
out ("3 December 2026"). Every page, e-mail, PDF and message uses these names
(DATE_FORMAT, SHORT_DATE_FORMAT, ...) through `|date:"SHORT_DATE_FORMAT"` or
django.utils.formats.date_format, never a pattern of its own.

Typed dates are read day first in every language (03/12/2026 is 3 December);
ISO 2026-12-03 is accepted too, as the browsers' <input type="date"> send it."""

import datetime

from django.utils import timezone
from django.utils.formats import date_format


def day(value: datetime.date) -> str:
    """A date in a sentence, in the active language: "3 December 2026"."""
    return date_format(value, "DATE_FORMAT")


def short_day(value: datetime.date) -> str:
    """A date in a table or a list: "3 Dec 2026"."""
    return date_format(value, "SHORT_DATE_FORMAT")


def moment(value: datetime.datetime, zone: datetime.tzinfo | None = None) -> str:
    """A moment in local time (the current time zone, or `zone`): "3 December
    2026, 14:30"; the seconds only when there are some (a call closing at
    23:59:59 must not read as closing a minute early)."""
    local = timezone.localtime(value, zone)
    text = date_format(local, "DATETIME_FORMAT")
    return f"{text}:{local:%S}" if local.second else text


def short_moment(value: datetime.datetime, zone: datetime.tzinfo | None = None) -> str:
    """A moment in a table or a list: "3 Dec 2026, 14:30"."""
    return date_format(timezone.localtime(value, zone), "SHORT_DATETIME_FORMAT")
