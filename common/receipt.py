"""The moment a request reached the service: `request.received_at`.

A deadline is about when the applicant sent the form, not about when a
worker got round to it: in a rush, a submission can wait in the proxy's or
gunicorn's queue for a few seconds. ReceiptMiddleware runs first and records
the moment of receipt, which the services compare with the deadline
(scholarships: submit_step passes it to application_submit).

The moment is the front proxy's, from its `X-Request-Start` header, when the
setting REQUEST_START_TRUSTED says a proxy we run sets it (and strips any the
client sent): nginx `proxy_set_header X-Request-Start "t=${msec}";`, seconds
since the epoch (milliseconds and microseconds are understood too). A header
in the future, or older than REQUEST_START_MAX_AGE, is not believed. Otherwise,
and always without the setting (a client could claim any time), the moment is
the server's clock when the request entered Django."""

import datetime

from django.conf import settings
from django.utils import timezone

# A request does not wait longer than this in a queue: an older receipt time
# is a wrong clock or a replayed header, not a queue.
REQUEST_START_MAX_AGE = datetime.timedelta(seconds=60)


def _epoch_seconds(value: str) -> float | None:
    value = value.strip()
    if value.startswith("t="):
        value = value[2:]
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1e14:  # microseconds
        return number / 1e6
    if number > 1e11:  # milliseconds
        return number / 1e3
    return number


def received_at(request, now: datetime.datetime) -> datetime.datetime:
    """When the request reached the service (see the module's docstring)."""
    if not getattr(settings, "REQUEST_START_TRUSTED", False):
        return now
    seconds = _epoch_seconds(request.META.get("HTTP_X_REQUEST_START", ""))
    if seconds is None:
        return now
    try:
        moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return now
    if now - REQUEST_START_MAX_AGE <= moment <= now:
        return moment
    return now


class ReceiptMiddleware:
    """First in MIDDLEWARE: request.received_at, an aware datetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.received_at = received_at(request, timezone.now())
        return self.get_response(request)
