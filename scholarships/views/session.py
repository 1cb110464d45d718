"""The safety net for an expired session: nothing an applicant typed is lost.

An applicant on a slow connection may spend an hour on their motivation; by
the time they press "Save", their session may have expired. The POST then
arrives anonymous. Instead of throwing the text away, `keeps_typed_data`
stashes the posted fields (not files: browsers cannot refill a file input
anyway) in the session under the page's path and sends them to the login page
with next=<that page>. Django's login() keeps the session's data (it only
cycles the key), so after logging in the GET of the page finds the stash;
the view binds its form with `typed_data(request)` and the applicant checks
and saves. A stash is used once."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

MSG_SESSION_EXPIRED = _("Your session expired. Log in again: what you typed is kept.")
MSG_SESSION_EXPIRED_NOT_KEPT = _("Your session expired. Log in again.")
MSG_CHECK_AND_SAVE = _("This is what you typed before your session expired. It is not saved "
                       "yet: check it, then save.")

STASH_PREFIX = "typed-before-login:"
# Far above any form of the portal (a motivation is at most 5,000 characters);
# a bigger post is not kept in the session store.
MAX_STASH_CHARS = 100_000
# Never kept: the token is renewed at login, the buttons are pressed again.
NOT_KEPT = ("csrfmiddlewaretoken",)


def _stash_key(path: str) -> str:
    return f"{STASH_PREFIX}{path}"


def _stash(request) -> bool:
    data = {key: request.POST.getlist(key) for key in request.POST if key not in NOT_KEPT}
    if sum(len(key) + sum(len(v) for v in values) for key, values in data.items()) > (
        MAX_STASH_CHARS
    ):
        return False
    request.session[_stash_key(request.path)] = data
    return True


def keeps_typed_data(view):
    """login_required for pages with a form: an anonymous POST (the session
    expired while the user typed) is kept for the same page after login."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.method == "POST":
            kept = _stash(request)
            messages.warning(request, MSG_SESSION_EXPIRED if kept else MSG_SESSION_EXPIRED_NOT_KEPT)
        return redirect_to_login(request.get_full_path())

    return wrapped


def typed_data(request, *, announce: bool = True) -> QueryDict | None:
    """What was typed on this page before the session expired, as POST-like
    data to bind a form with, or None. Removes the stash: it is used once.
    With announce, tells the user to check and save."""
    data = request.session.pop(_stash_key(request.path), None)
    if data is None:
        return None
    typed = QueryDict(mutable=True)
    for key, values in data.items():
        typed.setlist(key, values)
    typed._mutable = False
    if announce:
        messages.info(request, MSG_CHECK_AND_SAVE)
    return typed
