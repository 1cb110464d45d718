"""How an app declares a kind of reminder, and the register of declared kinds.

A kind is a subclass of `Kind` in the owning app's `reminders.py`, decorated
with `@register`. It says what the reminder is about (`model`), which page
lists it (`record_model`), which e-mail it sends (`template`), which delays
it uses (`delays()`, read from settings), and which reminders are due at a
moment (`due(now)`). The mechanism (services.py) does the rest: the claim in
the database that makes each reminder go once, the send, the retries, the log.
README.md in this folder shows a whole declaration.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

MSG_UNKNOWN_KIND = "Unknown reminder kind %(code)r. Declared kinds: %(known)s."


@dataclass(frozen=True)
class Recipient:
    """Who a reminder goes to, in which language (a code of settings.LANGUAGES)."""

    email: str
    language: str = "en"
    name: str = ""


# The columns of a user that make a Recipient (user_recipient), for a kind's
# values_list: a staff member's or reviewer's language is their registry
# record's (Person.user, related name "person") when they have one.
USER_FIELDS = ("email", "person__preferred_language", "first_name", "last_name", "username")


def user_fields(path: str) -> tuple[str, ...]:
    """USER_FIELDS reached through `path` ("reviewer", "case__caseworker")."""
    return tuple(f"{path}__{name}" for name in USER_FIELDS)


def user_recipient(email: str, language: str | None, first_name: str = "",
                   last_name: str = "", username: str = "") -> Recipient:
    """A user as a recipient, from the columns of USER_FIELDS: their registry
    record's language, else the site's (LANGUAGE_CODE); their full name, else
    their user name."""
    name = " ".join(part for part in (first_name, last_name) if part) or username
    return Recipient(email=email or "", language=language or settings.LANGUAGE_CODE, name=name)


@dataclass(frozen=True)
class Due:
    """One reminder that is due: about object `object_id` of the kind's model,
    for `recipient`, for the moment `due_at`. The same (kind, object,
    recipient, due moment) is sent once, so `due_at` must come from stored data
    (a deadline minus a delay), never from the clock. `record_id` is the record
    whose page lists the reminder (an application for a referee's reminder);
    by default the object itself."""

    object_id: int
    recipient: Recipient
    due_at: datetime.datetime
    record_id: int | None = None


class Kind:
    """Subclass and decorate with @register. Class attributes:

    code         unique, prefixed with the app ("scholarships.draft_not_submitted")
    label        what an administrator reads (gettext_lazy)
    model        the model object_id points at
    record_model the model whose page lists the reminder; `model` when None
    template     "app/email/name": renders name_subject.txt and name.txt under
                 the recipient's language, with the context of `context()`
    view_permission  "app.codename" a staff user needs to see these reminders
                 in the admin (a programme's reminders stay with its staff)
    """

    code: ClassVar[str]
    label: ClassVar[Any]
    model: ClassVar[type[models.Model]]
    record_model: ClassVar[type[models.Model] | None] = None
    template: ClassVar[str]
    view_permission: ClassVar[str]

    def delays(self) -> list[datetime.timedelta]:
        """The delays this kind uses, from settings (REMINDER_*), read when
        called, never at import."""
        raise NotImplementedError

    def due(self, now: datetime.datetime) -> Iterable[Due]:
        """Every reminder of this kind that is due at `now`, including ones
        already sent (the mechanism skips those). Must run a FIXED number of
        queries whatever the number of rows: one query with the joins the
        recipients need, then Python. reminders.schedule has the usual shapes."""
        raise NotImplementedError

    def load(self, object_id: int) -> models.Model | None:
        """The object with what `context()` reads (select_related), or None if
        it is gone."""
        return self.model._default_manager.filter(pk=object_id).first()

    def context(self, obj: models.Model, log) -> dict | None:
        """The template context for this reminder, or None when it is no longer
        due (the draft was submitted, the letter arrived...): then nothing is
        sent and the log says so. Checked at send time, in the transaction that
        sends, because the queue may have waited."""
        raise NotImplementedError

    def record_url(self, record_id: int) -> str:
        """The staff page of the record (for the admin's log), or ""."""
        return ""

    def visible_records(self, user) -> models.QuerySet | None:
        """The records (primary keys of `record`, as a queryset the admin uses
        as a subquery) whose reminders `user` may read, for a programme whose
        staff see only some records (a caseworker their own cases); None when
        `view_permission` alone decides."""
        return None

    @property
    def record(self) -> type[models.Model]:
        return self.record_model or self.model

    def __repr__(self):
        return f"<reminder kind {self.code}>"


_KINDS: dict[str, Kind] = {}


def register(kind_class: type[Kind]) -> type[Kind]:
    """Class decorator: declare a kind (once; a second kind with the same code
    is a configuration error)."""
    kind = kind_class()
    for attribute in ("code", "label", "model", "template", "view_permission"):
        if not getattr(kind, attribute, None):
            raise ImproperlyConfigured(f"Reminder kind {kind_class.__name__} has no {attribute}.")
    existing = _KINDS.get(kind.code)
    if existing is not None and type(existing).__qualname__ != kind_class.__qualname__:
        raise ImproperlyConfigured(f"Two reminder kinds have the code {kind.code!r}.")
    _KINDS[kind.code] = kind
    return kind_class


def unregister(code: str) -> None:
    """For tests that declare a kind of their own."""
    _KINDS.pop(code, None)


def all_kinds() -> list[Kind]:
    return list(_KINDS.values())


def get(code: str) -> Kind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(MSG_UNKNOWN_KIND % {"code": code,
                                              "known": ", ".join(sorted(_KINDS)) or "none"}) \
            from None


def label_of(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind else code
