"""What accounts needs from the registry, which sits above it.

accounts (users, roles, logging in, signing up) is below the registry: the
registry's pages ask accounts who holds which role, so accounts must not
import the registry back. The two places where an account meets its registry
person, giving a confirmed sign-up a new person and the applicant's "my
details" page, call what the registry plugs in here at startup
(registry/hooks.py, from RegistryConfig.ready).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PersonHooks:
    # (*, user, birth_date, language, notice_version) -> the new person
    create_for_account: Callable
    # The form class of a person's own details (bound like a ModelForm).
    profile_form: Callable
    # (*, actor, person) -> person: saves the details the form changed.
    profile_save: Callable


_hooks: PersonHooks | None = None


def provide(hooks: PersonHooks) -> None:
    global _hooks
    _hooks = hooks


def persons() -> PersonHooks:
    if _hooks is None:
        raise ImproperlyConfigured("No app provides accounts.hooks (is 'registry' installed?).")
    return _hooks
