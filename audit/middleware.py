"""One ReadEvent per request to a page that shows personal data, written
after the response from the URL the request resolved to (audit.pages): the
views need not know about it, and a new view is covered by adding one line to
audit.pages (its test fails until it is).

Cost: one INSERT on a logged page, nothing on other pages (no query to find
the person: the row names the record; the DPO's console joins the rest)."""

from django.conf import settings

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
        record_read(
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
