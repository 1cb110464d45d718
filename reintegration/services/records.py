"""Case notes, vulnerabilities, and the log of who saw restricted data."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import case_rights
from ..models import Case, CaseNote, SensitiveAccess, Vulnerability
from .cases import case_refresh, locked, require_work

MSG_NOTE_EMPTY = _("Write the note.")
MSG_NOTE_NOT_AUTHOR = _("Only the author of a note can change it.")
MSG_NOTE_LOCKED = _("A note can only be changed within %(hours)s hours of writing. Write a new "
                    "note that corrects this one.")
MSG_NOTE_OTHER_CASE = _("A correction refers to a note of the same case.")


def note_editable_until(note: CaseNote) -> datetime.datetime:
    return note.written_at + datetime.timedelta(hours=settings.REINTEGRATION_NOTE_EDIT_HOURS)


def note_is_editable(note: CaseNote, user, now=None) -> bool:
    return note.author_id == user.pk and (now or timezone.now()) < note_editable_until(note)


def _require_note_right(actor, case: Case, confidential: bool) -> None:
    rights = case_rights(actor, case)
    if not rights.work or (confidential and not rights.special):
        raise PermissionDenied


@transaction.atomic
def note_add(*, actor, case: Case, text: str, is_confidential: bool = False,
             corrects: CaseNote | None = None) -> CaseNote:
    """A new entry in the case diary. Notes may be written on a closed case
    too (what happened after). A correction of a confidential note is
    confidential itself."""
    case = locked(case)
    require_work(actor, case, open_only=False)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": MSG_NOTE_EMPTY})
    if corrects is not None:
        if corrects.case_id != case.pk:
            raise ValidationError(MSG_NOTE_OTHER_CASE)
        is_confidential = is_confidential or corrects.is_confidential
    _require_note_right(actor, case, is_confidential)
    note = CaseNote.objects.create(case=case, author=actor, text=text,
                                   is_confidential=is_confidential, corrects=corrects)
    case_refresh(case)
    return note


@transaction.atomic
def note_edit(*, actor, note: CaseNote, text: str, is_confidential: bool,
              now=None) -> CaseNote:
    """Change a note within a day of writing (REINTEGRATION_NOTE_EDIT_HOURS),
    by its author only; the change history keeps what it said before."""
    case = locked(note.case)
    note = CaseNote.objects.select_for_update().get(pk=note.pk, case=case)
    require_work(actor, case, open_only=False)
    if note.author_id != actor.pk:
        raise ValidationError(MSG_NOTE_NOT_AUTHOR, code="not_author")
    if (now or timezone.now()) >= note_editable_until(note):
        raise ValidationError(MSG_NOTE_LOCKED % {
            "hours": settings.REINTEGRATION_NOTE_EDIT_HOURS}, code="locked")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": MSG_NOTE_EMPTY})
    _require_note_right(actor, case, is_confidential or note.is_confidential)
    note.text = text
    note.is_confidential = is_confidential
    note.edited_at = timezone.now()
    note.save()
    case_refresh(case)
    return note


@transaction.atomic
def vulnerability_save(*, actor, case: Case, kind: str, notes: str = "") -> Vulnerability:
    """Record a vulnerability, or change its notes. Special category data:
    only those who may see it may write it."""
    case = locked(case)
    require_work(actor, case)
    if not case_rights(actor, case).special:
        raise PermissionDenied
    vulnerability, created = Vulnerability.objects.get_or_create(
        case=case, kind=kind, defaults={"notes": notes.strip(), "recorded_by": actor})
    if not created:
        vulnerability.notes = notes.strip()
        vulnerability.save()
    case_refresh(case)
    return vulnerability


@transaction.atomic
def vulnerability_remove(*, actor, vulnerability: Vulnerability) -> None:
    case = locked(vulnerability.case)
    require_work(actor, case)
    if not case_rights(actor, case).special:
        raise PermissionDenied
    vulnerability.delete()
    case_refresh(case)


def sensitive_access_record(*, user, cases, what: str) -> None:
    """Log that `user` was shown restricted data of these cases: one insert
    whatever their number. Not atomic with anything: a page that was shown is
    logged even if something after it fails."""
    SensitiveAccess.objects.bulk_create(
        [SensitiveAccess(user=user, case_id=getattr(case, "pk", case), what=what)
         for case in cases])
