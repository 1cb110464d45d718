"""Cache-Control: no-store on every response that may show personal data.

A browser (its cache, its back button after logout) or a shared proxy must not
keep a person's record, a case, an application or a scan. The rule is wide on
purpose, so that a new page is covered without anyone thinking of it: no-store
on every response to a logged-in user, on every file, on every page reached
through a secret link (a referee's upload link, a sign-up confirmation, a
password reset) and on every answer to a form post (it shows what was typed).
What stays cacheable: static files (served by WhiteNoise before this runs) and
the public pages an anonymous visitor reads (the open calls, the login page).
"""

from django.http import FileResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control

# URL parameters that carry a secret: the page behind them is someone's.
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})


def _is_file(response) -> bool:
    return (isinstance(response, FileResponse | StreamingHttpResponse)
            or response.has_header("Content-Disposition"))


def must_not_store(request, response) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if _is_file(response):
        return True
    if request.method not in ("GET", "HEAD"):
        return True
    match = getattr(request, "resolver_match", None)
    return bool(match and SECRET_URL_KWARGS & set(match.kwargs))


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", "") and must_not_store(
                request, response):
            # Cache-Control: private, no-store (a "public" a view set is dropped).
            patch_cache_control(response, private=True, no_store=True)
        return response
