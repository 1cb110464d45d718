"""Types the annotations of several apps share."""

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # the type of gettext_lazy's strings exists only in django-stubs
    from django.utils.functional import _StrPromise as LazyStr
else:
    from django.utils.functional import Promise as LazyStr

# A sentence shown to the user: a str, or a lazy translation (gettext_lazy)
# turned into the user's language only when shown.
Text: TypeAlias = str | LazyStr
