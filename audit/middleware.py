"""One ReadEvent per request to a page that shows personal data, written
after the response from the URL the request resolved to (audit.pages): the
views need not know about it, and a new view is covered by adding one line to
audit.pages (its test fails until it is).

Cost: one INSERT on a logged page, nothing on other pages (no query to find
the person: the row names the record; the DPO's console joins the rest). On
PostgreSQL the INSERT turns synchronous_commit off for its own transaction
(one statement, committed on its own): the request does not wait for the
log's flush to disk, which was most of what a page's row cost. The trade-off
(README, "Data protection"): if PostgreSQL itself crashed, the read-log rows
of the last fraction of a second (at most three times wal_writer_delay, 0.6 s
by default) could be lost; the application's own data is committed as
before, durably, and a crash of the application (not of PostgreSQL) loses
nothing."""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import ReadEvent
from .pages import page_for
from .services import record_read

DENIED = "denied"


class ReadLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or request.path.startswith(settings.STATIC_URL):
            return response
        page = page_for(match.view_name)
        if page is None:
            return response
        user = getattr(request, "user", None)
        if not (page.public or (user is not None and user.is_authenticated)):
            # An anonymous visitor is sent to the login page: nothing was shown.
            return response
        status = response.status_code
        if status < 400 and getattr(request, "read_recorded", False):
            # The view wrote its own, fuller row (audit.services.record_read:
            # an export with its row count).
            return response
        if request.method not in ("GET", "HEAD") and 300 <= status < 400:
            # A form sent and accepted: a change, which the history keeps.
            return response
        self._record(request, match, page, user, status)
        return response

    @staticmethod
    def _record(request, match, page, user, status):
        kwargs = match.kwargs
        person_id = _argument(match, page.person_kwarg)
        try:
            person_id = int(person_id) if person_id else None
        except (TypeError, ValueError):
            person_id = None
        path = request.get_full_path()
        for name in page.secret_kwargs:
            secret = kwargs.get(name)
            if secret:
                path = path.replace(str(secret), "…")
        write_read(
            user=user, action=DENIED if status >= 400 else page.action,
            model=page.model, object_id=_argument(match, page.kwarg) or "",
            person_id=person_id, page=match.view_name, path=path, status=status,
        )


def _argument(match, key):
    """The URL's value for a keyword, or for the position of an unnamed group."""
    if key == "":
        return None
    if isinstance(key, int):
        return match.args[key] if len(match.args) > key else None
    return match.kwargs.get(key)


_FIELDS = ("at", "user", "action", "model", "object_id", "person_id", "page", "path", "status")
_INSERT = None


def write_read(*, user, action, model, object_id, person_id, page, path, status):
    """record_read for a page, without waiting for the commit's flush to disk.

    In autocommit (production: the middleware runs outside any transaction)
    the statement is its own transaction, and set_config(..., true) lasts
    until that transaction ends, so synchronous_commit is off for this row's
    commit only: one statement, no BEGIN, SET, COMMIT round trips. Inside a
    transaction (a test case's), the setting would reach the enclosing
    transaction's commit, which may hold the application's data: there, and
    on other databases, record_read (a plain INSERT)."""
    global _INSERT
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        record_read(user=user, action=action, model=model, object_id=object_id,
                    person_id=person_id, page=page, path=path, status=status)
        return
    if _INSERT is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(ReadEvent._meta.get_field(name).column) for name in _FIELDS)
        # Names from the model's _meta, values as parameters.
        table, values = quote(ReadEvent._meta.db_table), ", ".join(["%s"] * len(_FIELDS))
        insert = f"INSERT INTO {table} ({columns}) SELECT {values} FROM async"  # noqa: S608
        _INSERT = "WITH async AS (SELECT set_config('synchronous_commit', 'off', true)) " + insert
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [
            timezone.now(), user_id, action, model, str(object_id or "")[:40], person_id,
            page[:120], path[:500], status,
        ])
