"""Going back where the user came from: a page reached from another (the
departure form's "Add a document") carries `?next=` and returns there."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request) -> str:
    """The `next` of the request (posted or in the address) when it is a path
    on this site; "" otherwise, so a crafted link never sends a user away."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return ""
