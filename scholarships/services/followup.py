"""Following scholars after they accept: arrival, enrolment, yearly progress,
completion or discontinuation, and where the alumnus lives afterwards."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import formats

from ..access import actor_capacity
from ..models import Application, ProgressReport, ScholarFollowUp
from ..states import Actor, State
from .applications import _locked, application_transition

MSG_FOLLOW_UP_ADMIN_ONLY = _("Only a scholarship administrator may record the follow-up of "
                             "a scholar.")
MSG_NOT_A_SCHOLAR = _("This is recorded for scholars who accepted their offer; this "
                      "application is “%(state)s”.")
MSG_IN_FUTURE = _("The date cannot be in the future.")
MSG_BEFORE_ARRIVAL = _("The date cannot be before the arrival (%(date)s).")
MSG_NO_ARRIVAL = _("Record the arrival first.")
MSG_REPORT_EXISTS = _("A progress report for %(year)s is already recorded.")
MSG_NOT_COMPLETED = _("Where an alumnus lives is recorded after they complete their programme.")
MSG_COUNTRY_NEEDED = _("Give the country where the alumnus lives.")
MSG_COUNTRY_IS_HOME = _("That is a country of the alumnus's nationality: choose “Returned to "
                        "the home country”.")
MSG_COUNTRY_IS_BELGIUM = _("For Belgium, choose “Stayed in Belgium”.")
MSG_REASON_NEEDED = _("Give the reason for the discontinuation.")


def _follow_up(actor, application: Application, states) -> tuple[Application, ScholarFollowUp]:
    application = _locked(application)
    if actor_capacity(actor, application) != Actor.ADMINISTRATOR:
        raise ValidationError(MSG_FOLLOW_UP_ADMIN_ONLY, code="not_permitted")
    if application.state not in states:
        raise ValidationError(MSG_NOT_A_SCHOLAR % {"state": State(application.state).label},
                              code="state")
    follow_up, _created = ScholarFollowUp.objects.select_for_update().get_or_create(
        application=application)
    return application, follow_up


def _not_future(day, field: str):
    if day > timezone.localdate():
        raise ValidationError({field: MSG_IN_FUTURE})


def _not_before_arrival(follow_up: ScholarFollowUp, day, field: str):
    if follow_up.arrived_on is None:
        raise ValidationError({field: MSG_NO_ARRIVAL})
    if day < follow_up.arrived_on:
        raise ValidationError({field: MSG_BEFORE_ARRIVAL % {
            "date": formats.day(follow_up.arrived_on)}})


@transaction.atomic
def scholar_arrival_record(*, actor, application: Application, arrived_on) -> ScholarFollowUp:
    application, follow_up = _follow_up(actor, application, (State.ACCEPTED, State.ENROLLED))
    _not_future(arrived_on, "arrived_on")
    if follow_up.enrolment_confirmed_on and arrived_on > follow_up.enrolment_confirmed_on:
        raise ValidationError({"arrived_on": _("The arrival cannot be after the confirmed "
                                               "enrolment.")})
    follow_up.arrived_on = arrived_on
    follow_up.save()
    return follow_up


@transaction.atomic
def scholar_enrolment_confirm(*, actor, application: Application,
                              confirmed_on) -> ScholarFollowUp:
    """The host institution confirmed the enrolment: the scholar is enrolled."""
    application, follow_up = _follow_up(actor, application, (State.ACCEPTED,))
    _not_future(confirmed_on, "enrolment_confirmed_on")
    _not_before_arrival(follow_up, confirmed_on, "enrolment_confirmed_on")
    follow_up.enrolment_confirmed_on = confirmed_on
    follow_up.save()
    application_transition(actor=actor, application=application, to=State.ENROLLED)
    return follow_up


@transaction.atomic
def scholar_progress_report_add(*, actor, application: Application, academic_year: int,
                                received_on, assessment: str, notes: str = "") -> ProgressReport:
    application, follow_up = _follow_up(actor, application, (State.ENROLLED, State.COMPLETED,
                                                             State.DISCONTINUED))
    _not_future(received_on, "received_on")
    try:
        with transaction.atomic():
            return ProgressReport.objects.create(
                follow_up=follow_up, academic_year=academic_year, received_on=received_on,
                assessment=assessment, notes=(notes or "").strip(), recorded_by=actor)
    except IntegrityError as exc:
        raise ValidationError({"academic_year": MSG_REPORT_EXISTS % {
            "year": f"{academic_year}-{academic_year + 1}"}}) from exc


@transaction.atomic
def scholar_complete(*, actor, application: Application, completed_on) -> ScholarFollowUp:
    application, follow_up = _follow_up(actor, application, (State.ENROLLED,))
    _not_future(completed_on, "completed_on")
    _not_before_arrival(follow_up, completed_on, "completed_on")
    follow_up.completed_on = completed_on
    follow_up.save()
    application_transition(actor=actor, application=application, to=State.COMPLETED)
    return follow_up


@transaction.atomic
def scholar_discontinue(*, actor, application: Application, discontinued_on,
                        reason: str) -> ScholarFollowUp:
    """A scholarship stops early, or a scholar never arrives (visa refused)."""
    application, follow_up = _follow_up(actor, application, (State.ACCEPTED, State.ENROLLED))
    _not_future(discontinued_on, "discontinued_on")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_REASON_NEEDED})
    if follow_up.arrived_on and discontinued_on < follow_up.arrived_on:
        raise ValidationError({"discontinued_on": MSG_BEFORE_ARRIVAL % {
            "date": formats.day(follow_up.arrived_on)}})
    follow_up.discontinued_on = discontinued_on
    follow_up.discontinuation_reason = reason
    follow_up.save()
    application_transition(actor=actor, application=application, to=State.DISCONTINUED,
                           reason=reason)
    return follow_up


@transaction.atomic
def alumnus_residence_confirm(*, actor, application: Application, residence: str,
                              country: str = "", confirmed_on) -> ScholarFollowUp:
    """Where the alumnus lives, and when that was last confirmed: returning
    home is the outcome the programme reports on."""
    application, follow_up = _follow_up(actor, application, (State.COMPLETED,))
    _not_future(confirmed_on, "residence_confirmed_on")
    if follow_up.completed_on and confirmed_on < follow_up.completed_on:
        raise ValidationError({"residence_confirmed_on": _(
            "The date cannot be before the completion (%(date)s).") % {
            "date": formats.day(follow_up.completed_on)}})
    home = [c.code for c in application.applicant.nationalities]
    country = str(country or "")
    if residence == ScholarFollowUp.Residence.RETURNED_HOME:
        country = home[0] if home else ""
    elif residence == ScholarFollowUp.Residence.BELGIUM:
        country = "BE"
    elif not country:
        raise ValidationError({"residence_country": MSG_COUNTRY_NEEDED})
    elif country in home:
        raise ValidationError({"residence_country": MSG_COUNTRY_IS_HOME})
    elif country == "BE":
        raise ValidationError({"residence_country": MSG_COUNTRY_IS_BELGIUM})
    follow_up.residence = residence
    follow_up.residence_country = country
    follow_up.residence_confirmed_on = confirmed_on
    follow_up.save()
    return follow_up
