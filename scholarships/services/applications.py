"""Applications: the one way to change their state, and starting, filling,
submitting and withdrawing them. Views, the admin, commands and tasks all
come through here."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import formats
from numbering.services import reference_next
from registry.models import Person, Side
from registry.services import person_sides_note

from ..access import SYSTEM, actor_capacity
from ..duplicates import AWARD_MOVES, duplicate_award_problem
from ..eligibility import eligibility_problems
from ..guards import available_moves  # noqa: F401 - services.available_moves
from ..models import Application, ApplicationDocument, ApplicationTransition, Call, Referee
from ..notify import (
    application_outcome_notify,
    referee_invitation_send,
    submission_confirmation_send,
)
from ..places import lock_places, moves_place, place_problem
from ..referee_links import (  # noqa: F401 - services.referee_token, referee_from_token
    MSG_LETTER_ALREADY,
    MSG_LINK_EXPIRED,
    MSG_LINK_INVALID,
    MSG_REFEREE_REPLACED,
    REFEREE_SALT,
    referee_from_token,
    referee_token,
)
from ..selectors import call_counts_forget
from ..states import OUTCOME_STATES, Actor, State
from ..steps import REFEREES_PER_APPLICATION, STEPS, missing_items, snapshot
from ..workflow import APPLICATION, Context

MSG_CALL_NOT_OPEN = _("This call is not open for applications.")
MSG_CALL_CLOSED = _(
    "The call closed on %(closed)s (Brussels time). Your application was not submitted; "
    "it is kept as a draft."
)
MSG_NOT_EDITABLE = _("This application was submitted and can no longer be changed.")
MSG_INCOMPLETE = _("The application is not complete yet.")
MSG_NOT_ELIGIBLE = _("The application does not meet the conditions of the call.")
MSG_TRANSITION = _("An application cannot go from “%(from)s” to “%(to)s”.")
MSG_NOT_PERMITTED = _("You may not move this application from “%(from)s” to “%(to)s”: only "
                      "%(who)s may.")
MSG_REASON_REQUIRED = _("Give a reason: it is kept in the history of the application.")
MSG_CHANGED_MEANWHILE = _("Someone else changed this application meanwhile: it is now "
                          "“%(state)s”. Reload the page to see it before you decide.")
MSG_TOO_MANY_REFEREES = _("Name two referees; replace one if they do not answer.")
MSG_REFEREE_NOT_CHANGEABLE = _("Referees can no longer be changed for this application.")



class InvalidTransition(ValidationError):
    pass


class DuplicateAwardRefused(InvalidTransition):
    """A likely duplicate of the applicant already holds an award of the
    same academic year (duplicates.duplicate_award_problem)."""


# --- the one way to change state ----------------------------------------------

def _locked_for(application: Application, to: str) -> Application:
    """The application row locked for a move to `to`, with the academic
    year's calls locked first when the move takes or frees a place. Calls
    before applications, always (the lock order in services/__init__.py); the
    state that decides is the one read once the lock is held, never the
    caller's copy, which may be minutes old.

    Whether the calls are needed depends on that state, known only once the
    application is locked. When it moved meanwhile into a state whose move
    does take or free a place, the application's lock is given back (rolled
    back to a savepoint taken just before it) and both are taken again, calls
    first: locking the calls while holding the application would wait in a
    circle with a committee or an offer holding the calls."""
    fresh = (Application.objects.filter(pk=application.pk)
             .values_list("state", flat=True).first() or application.state)
    if moves_place(fresh, to):
        lock_places(application.call_id)
        return _locked(application)
    savepoint = transaction.savepoint()
    locked = _locked(application)
    if not moves_place(locked.state, to):
        transaction.savepoint_commit(savepoint)
        return locked
    transaction.savepoint_rollback(savepoint)
    lock_places(application.call_id)
    return _locked(application)


@transaction.atomic
def application_transition(*, actor, application: Application, to: str, reason: str = "",
                           changes: dict | None = None, expected_state: str | None = None,
                           override_reason: str = "", meeting=None,
                           duplicate_reason: str = "", now=None) -> Application:
    """Move an application to `to` if the declared workflow allows it: the move
    is declared in workflow.APPLICATION, the actor may make it, the reason is there when one
    is asked for and the guard holds. Records who, when, from, to and why.

    The row is locked first (and, for moves that take or free an award, every
    call of the academic year before it), so two people cannot move it at
    once. `expected_state` is the state the person saw when they decided: if
    someone else moved it meanwhile, the decision is refused rather than
    applied to an application they have not seen.

    A move that gives an award is refused while a likely duplicate of the
    applicant holds one of the same academic year, unless an administrator
    gives `duplicate_reason`: it is recorded in the transition's reason."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    override_reason = (override_reason or "").strip()
    locked = _locked_for(application, to)
    current = locked.state
    if expected_state is not None and current != expected_state:
        raise InvalidTransition(MSG_CHANGED_MEANWHILE % {"state": State(current).label},
                                code="changed")
    if current == to:
        return locked
    move = APPLICATION.move_between(current, to)
    if move is None:
        raise InvalidTransition(MSG_TRANSITION % {"from": State(current).label,
                                                  "to": State(to).label}, code="not_declared")
    capacity = actor_capacity(actor, locked)
    if capacity not in move.by:
        who = ", ".join(str(Actor(c).label) for c in move.by)
        raise InvalidTransition(MSG_NOT_PERMITTED % {"from": State(current).label,
                                                     "to": State(to).label, "who": who},
                                code="not_permitted")
    if move.needs_reason(capacity) and not reason:
        raise InvalidTransition(MSG_REASON_REQUIRED, code="reason")
    problem = move.problem(locked, Context(capacity=capacity, now=now,
                                           override_reason=override_reason))
    if problem:
        raise InvalidTransition(problem, code="guard")
    if to in AWARD_MOVES:
        problem, proceeded = duplicate_award_problem(locked, capacity=capacity,
                                                     proceed_reason=duplicate_reason)
        if problem:
            raise DuplicateAwardRefused(problem, code="duplicate")
        if proceeded:
            reason = f"{reason}\n{proceeded}" if reason else proceeded
    # The override is recorded where it was needed, never on a move within the quota.
    overridden = (override_reason if move.takes_place and override_reason
                  and place_problem(locked) else "")
    changes = changes or {}
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.state = to
    locked.save(update_fields=["state", "updated_at", *changes])
    transition = ApplicationTransition.objects.create(
        application=locked, from_state=current, to_state=to,
        actor=None if actor is SYSTEM else actor, reason=reason, at=now, meeting=meeting,
        override_reason=overridden,
    )
    transaction.on_commit(call_counts_forget)
    if to in OUTCOME_STATES:
        transaction.on_commit(lambda: application_outcome_notify.delay(transition.pk))
    # The caller's object shows the new state too.
    application.state = to
    for name, value in changes.items():
        setattr(application, name, value)
    return locked


def _locked(application: Application | int) -> Application:
    """The application row, locked until the transaction ends, and read again
    once the lock is granted, with its call and applicant as they are now.

    Two statements on purpose. The lock is taken on the application row
    alone: FOR UPDATE with a join would also lock the call and person rows
    (every applicant of a call would queue behind each other's saves), and,
    when it waits for another transaction, PostgreSQL re-reads only the
    locked row and re-checks the join against the rows of its old snapshot:
    an application whose applicant a registry merge re-pointed meanwhile
    would vanish from the result (DoesNotExist, a server error)."""
    pk = application.pk if isinstance(application, Application) else application
    Application.objects.select_for_update().filter(pk=pk).values_list("pk").get()
    return Application.objects.select_related("call", "applicant").get(pk=pk)


# --- starting and filling ----------------------------------------------------------

# Fields copied from the applicant's latest application into a new one: the
# profile pre-fills every application.
PREFILL_FIELDS = [
    "highest_degree", "degree_title", "degree_institution", "degree_country", "degree_year",
    "employer", "position", "years_of_experience", "english_level", "french_level",
    "dutch_level",
]


@transaction.atomic
def application_start(*, actor, call: Call, person: Person, now=None) -> Application:
    """Open (or reopen) the person's draft for this call, pre-filled from their
    latest application."""
    live = Application.objects.filter(call=call, applicant=person).exclude(
        state=State.WITHDRAWN)
    existing = live.first()
    if existing:
        return existing
    if not call.is_open(now):
        raise ValidationError(MSG_CALL_NOT_OPEN)
    application = Application(call=call, applicant=person)
    previous = Application.objects.filter(applicant=person).order_by("-created_at").first()
    if previous:
        for name in PREFILL_FIELDS:
            setattr(application, name, getattr(previous, name))
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # Two clicks (two tabs) at once: the database keeps one live
        # application per person and call (application_one_per_call), and this
        # insert waited for the other one to commit. Open that one.
        existing = live.first()
        if existing is None:
            raise
        return existing
    person_sides_note(side=Side.SCHOLARSHIP, person_ids=[person.pk])
    transaction.on_commit(call_counts_forget)
    return application


@transaction.atomic
def application_step_save(*, actor, application: Application, step: str,
                           values: dict) -> Application:
    """Store one step of the form and mark it done. `values` are cleaned form
    data for fields of the Application."""
    application = _locked(application)
    if not application.is_editable:
        raise ValidationError(MSG_NOT_EDITABLE)
    for name, value in values.items():
        setattr(application, name, value)
    if step not in application.steps_done:
        application.steps_done = [*application.steps_done, step]
    application.save()
    return application


def application_step_mark(*, actor, application: Application, step: str) -> Application:
    """Mark a step without fields of its own (personal data lives on the Person)."""
    return application_step_save(actor=actor, application=application, step=step, values={})


@transaction.atomic
def application_step_draft(*, actor, application: Application, step: str,
                           values: dict) -> Application:
    """Keep what was typed in a step that is not complete yet ("Save as draft"):
    the values are stored and the step no longer counts as done, so the
    progress never shows a step complete that a required answer is missing from."""
    application = _locked(application)
    if not application.is_editable:
        raise ValidationError(MSG_NOT_EDITABLE)
    for name, value in values.items():
        setattr(application, name, value)
    application.steps_done = [done for done in application.steps_done if done != step]
    application.save()
    return application


@transaction.atomic
def application_document_upload(*, actor, application: Application, kind: str, upload,
                                content_type: str) -> ApplicationDocument:
    application = _locked(application)
    if not application.is_editable:
        raise ValidationError(MSG_NOT_EDITABLE)
    old = ApplicationDocument.objects.filter(application=application, kind=kind).first()
    if old:
        old_file = old.file
        transaction.on_commit(lambda: old_file.delete(save=False))
        old.delete()
    return ApplicationDocument.objects.create(
        application=application, kind=kind, file=upload, content_type=content_type,
        size=upload.size,
    )


# --- referees ------------------------------------------------------------------------

REFEREE_CHANGEABLE = (State.DRAFT, State.SUBMITTED, State.ELIGIBLE, State.IN_REVIEW)


@transaction.atomic
def referee_add(*, actor, application: Application, name: str, email: str,
                institution: str = "", language: str = "en",
                replaces: Referee | None = None) -> Referee:
    """Name a referee (or replace one who does not answer) and e-mail them
    their private link once the transaction commits."""
    application = _locked(application)
    if application.state not in REFEREE_CHANGEABLE:
        raise ValidationError(MSG_REFEREE_NOT_CHANGEABLE)
    active = application.referees.filter(replaced_at__isnull=True)
    # A referee already replaced (in another tab) or of another application
    # replaces nobody: the new one then counts as an addition.
    replaced = replaces is not None and active.filter(pk=replaces.pk).update(
        replaced_at=timezone.now())
    if not replaced and active.count() >= REFEREES_PER_APPLICATION:
        raise ValidationError(MSG_TOO_MANY_REFEREES)
    referee = Referee.objects.create(
        application=application, name=name, email=email, institution=institution,
        language=language,
    )
    transaction.on_commit(lambda: referee_invitation_send.delay(referee.pk))
    return referee


@transaction.atomic
def referee_letter_upload(*, referee: Referee, upload=None, content_type: str = "",
                          text: str = "") -> Referee:
    """A referee's one letter: a file, a typed text, or both. The row lock
    makes a double upload count once."""
    referee = Referee.objects.select_for_update().get(pk=referee.pk)
    if referee.replaced_at:
        raise ValidationError(MSG_REFEREE_REPLACED, code="replaced")
    if referee.letter_received_at:
        raise ValidationError(MSG_LETTER_ALREADY, code="used")
    if upload:
        referee.letter = upload
        referee.letter_content_type = content_type
    referee.letter_text = text.strip()
    referee.letter_received_at = timezone.now()
    referee.save()
    return referee


# --- submitting ----------------------------------------------------------------------

def application_missing(application: Application, steps) -> list[str]:
    """What still stops the applicant from submitting, as sentences."""
    return missing_items(application, steps)


@transaction.atomic
def application_submit(*, actor, application: Application, now=None) -> Application:
    """Submit, freeze and number the application.

    Order matters: the row lock first (a double click or a second tab waits,
    then finds it submitted and gets the same result), then the deadline, exact
    to the second on the server clock, then completeness and eligibility."""
    now = now or timezone.now()
    application = _locked(application)
    if application.state == State.SUBMITTED:
        return application
    call = application.call
    if now >= call.closes_at:
        closed = formats.moment(call.closes_at)
        raise ValidationError(MSG_CALL_CLOSED % {"closed": closed}, code="closed")
    if now < call.opens_at:
        raise ValidationError(MSG_CALL_NOT_OPEN, code="not_open")
    if missing_items(application, STEPS):
        raise ValidationError(MSG_INCOMPLETE, code="incomplete")
    if eligibility_problems(application):
        raise ValidationError(MSG_NOT_ELIGIBLE, code="ineligible")

    application_transition(actor=actor, application=application, to=State.SUBMITTED, now=now,
                           changes={
                               "reference": reference_next(prefix="SCH",
                                                           year=timezone.localtime(now).year),
                               "submitted_at": now,
                               "submitted_snapshot": application_snapshot(application),
                           })
    transaction.on_commit(lambda: submission_confirmation_send.delay(application.pk))
    return application


def application_snapshot(application: Application) -> dict:
    """What the applicant submitted, kept with the application as bare values
    (shown in the reader's language, steps.render)."""
    return snapshot(application)
