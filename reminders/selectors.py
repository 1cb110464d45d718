"""The reminders' read paths."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

from . import kinds
from .models import ReminderLog

REMINDER_FIELDS = ("id", "kind", "recipient", "recipient_name", "language", "due_at", "state",
                   "created_at", "sent_at", "attempts")


def reminders_about(record: models.Model, *, limit: int = 50) -> list[ReminderLog]:
    """The reminders listed on a record's page (an application, a case),
    newest first, in one query. The caller has checked that the user may see
    the record: the reminders say no more than the page does."""
    record_type = ContentType.objects.get_for_model(record)
    rows = list(ReminderLog.objects.filter(record_type=record_type, record_id=record.pk)
                .only(*REMINDER_FIELDS).order_by("-created_at", "-id")[:limit])
    for row in rows:
        # For the template: the kind's name, not a field of the row.
        setattr(row, "kind_label", kinds.label_of(row.kind))  # noqa: B010
    return rows


def kinds_visible_to(user) -> list[str]:
    """The codes of the kinds whose reminders this staff user may read in the
    admin: a programme's reminders stay with the programme's staff."""
    return [kind.code for kind in kinds.all_kinds()
            if user.is_superuser or user.has_perm(kind.view_permission)]


def visible_reminders(user, queryset: QuerySet, *, path: str = "") -> QuerySet:
    """The rows of `queryset` (reminders, or through `path` "log__" their state
    changes) that this staff user may read: the kinds their programme may
    read (Kind.view_permission), and of a kind whose programme scopes its
    records (Kind.visible_records: a supervisor reads the reminders of their
    team's cases only), the rows about records the user may see. One query,
    the scopes as subqueries, whatever the number of rows."""
    unscoped = []
    condition = Q(pk__in=[])
    for kind in kinds.all_kinds():
        if not (user.is_superuser or user.has_perm(kind.view_permission)):
            continue
        records = kind.visible_records(user)
        if records is None:
            unscoped.append(kind.code)
        else:
            condition |= Q(**{f"{path}kind": kind.code, f"{path}record_id__in": records})
    if unscoped:
        condition |= Q(**{f"{path}kind__in": unscoped})
    return queryset.filter(condition)
