"""The reintegration programme's reminders (found at startup by the reminders
app, which imports no programme): monitoring visits due soon and overdue,
travel documents that will not last until the planned departure, and cases
left without activity. All go to the case's caseworker (the last step of an
inactive case to the supervisors of the caseworker's teams); reminders.services
makes each go exactly once.

What an e-mail carries: the case's reference, its state, the next action and
dates, and the link to the case page, where the reader logs in and the access
rules apply. Never the returnee's name, vulnerabilities, notes or anything else
of the case file: a mailbox is not the case file, and special category data
(reintegration.access) stays behind the login."""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import HouseholdMember, IdentityDocument
from reminders import schedule
from reminders.kinds import Due, Kind, register, user_fields, user_recipient

from . import access
from .models import Case, CaseMember, MonitoringVisit, Team
from .services.cases import travellers_without_document
from .workflow import OPEN, State


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _days(values) -> list[datetime.timedelta]:
    return [datetime.timedelta(days=days) for days in values]


def _address(user) -> str:
    """The address a reminder to this user was recorded under ("" for a user
    who no longer receives any: deactivated, or without an address)."""
    if user is None or not user.is_active:
        return ""
    return (user.email or "").strip().lower()


def _case_link(case_id: int) -> str:
    return _absolute(reverse("reintegration:case_detail", args=[case_id]))


class CaseKind(Kind):
    """What the reintegration kinds share: they are listed on the case page
    and, in the admin, only to those who may see the case (a caseworker's
    own cases, a supervisor's team's, every case for the data protection
    officer): reintegration.access decides, as everywhere else."""

    record_model = Case
    view_permission = "reintegration.view_case"

    def record_url(self, record_id):
        return reverse("reintegration:case_detail", args=[record_id])

    def visible_records(self, user):
        return access.visible_cases(user).values("pk")


@register
class VisitDue(CaseKind):
    """A monitoring visit still planned 7 days before it is due, and again the
    day after its due date (overdue), to the case's caseworker; open cases
    only. Dates are days: each moment is the start of its day in Brussels. A
    visit moved to another day has its own moments; when both have come (the
    system was stopped), only the overdue one is sent."""

    code = "reintegration.visit_due"
    label = _("Monitoring visit due soon or overdue")
    model = MonitoringVisit
    template = "reintegration/email/reminder_visit"

    def delays(self):
        """Days before the due date, then days after it (overdue)."""
        return (_days(settings.REMINDER_VISIT_DAYS_BEFORE_DUE)
                + _days(settings.REMINDER_VISIT_DAYS_OVERDUE))

    def moment(self, due_on: datetime.date, now) -> datetime.datetime | None:
        """The latest moment of a visit due on `due_on` that has come."""
        days = [due_on - delay for delay in _days(settings.REMINDER_VISIT_DAYS_BEFORE_DUE)]
        days += [due_on + delay for delay in _days(settings.REMINDER_VISIT_DAYS_OVERDUE)]
        return max((schedule.day_start(day) for day in days if schedule.day_start(day) <= now),
                   default=None)

    def due(self, now):
        before = _days(settings.REMINDER_VISIT_DAYS_BEFORE_DUE)
        soonest = timezone.localtime(now).date() + max(before, default=datetime.timedelta(0))
        # One query (index monitoring_visit(status, due_on)): planned visits of
        # open cases due within 7 days or overdue, with the caseworker.
        visits = (MonitoringVisit.objects
                  .filter(status=MonitoringVisit.Status.PLANNED, due_on__lte=soonest,
                          case__state__in=OPEN, case__caseworker__is_active=True)
                  .order_by()
                  .values_list("id", "case_id", "due_on", *user_fields("case__caseworker")))
        for pk, case_id, due_on, *worker in visits:
            due_at = self.moment(due_on, now)
            recipient = user_recipient(*worker)
            if due_at is None or not recipient.email:
                continue
            yield Due(object_id=pk, record_id=case_id, due_at=due_at, recipient=recipient)

    def load(self, object_id):
        return (MonitoringVisit.objects.select_related("case__caseworker")
                .filter(pk=object_id).first())

    def context(self, visit, log):
        case = visit.case
        if visit.status != MonitoringVisit.Status.PLANNED or case.state not in OPEN:
            return None
        if self.moment(visit.due_on, timezone.now()) != log.due_at:
            return None  # moved to another day, or overdue by now: its own reminder
        if _address(case.caseworker) != log.recipient:
            return None  # reassigned: the new caseworker gets their own
        return {
            "case": case,
            "visit": visit,
            "overdue": log.due_at > schedule.day_start(visit.due_on),
            "link": _case_link(case.pk),
        }


def _valid_travel_document(person, day) -> Exists:
    """A passport, identity card or travel document of `person` valid on `day`."""
    return Exists(IdentityDocument.objects
                  .filter(person_id=person, kind__in=IdentityDocument.TRAVEL_KINDS)
                  .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day)))


@register
class TravelDocumentExpires(CaseKind):
    """A planned departure that someone travelling holds no valid travel
    document for (it expires before the day, or there is none), 30 days and
    7 days before the departure, to the caseworker. Everyone who travels
    counts, the principal and each returning household member, as for the
    check made when the departure is planned (services.cases): a child
    without a valid passport stops the family's departure as surely. That
    check passed when the date was set; this catches what changed since (a
    document corrected or removed in the registry, a date moved). Only
    departure_planned has a date: return_approved never does (planning the
    departure is the move that sets it)."""

    code = "reintegration.travel_document_expires"
    label = _("Travel document not valid on the planned departure")
    model = Case
    template = "reintegration/email/reminder_documents"

    def delays(self):
        return _days(settings.REMINDER_DOCUMENT_DAYS_BEFORE_DEPARTURE)

    def moment(self, departure: datetime.date, now) -> datetime.datetime | None:
        return schedule.before(schedule.day_start(departure), self.delays(), now)

    def due(self, now):
        delays = self.delays()
        today = timezone.localtime(now).date()
        departure = OuterRef("planned_departure_on")
        member_without = Exists(CaseMember.objects.filter(case=OuterRef("pk")).filter(
            ~_valid_travel_document(OuterRef("person_id"), OuterRef(departure))))
        # One query: departures within 30 days (index case(planned_departure_on))
        # where the principal or a member has no valid travel document.
        cases = (Case.objects
                 .filter(state=State.DEPARTURE_PLANNED, planned_departure_on__gt=today,
                         planned_departure_on__lte=today + max(delays,
                                                               default=datetime.timedelta(0)),
                         caseworker__is_active=True)
                 .filter(~_valid_travel_document(OuterRef("principal_id"), departure)
                         | member_without)
                 .order_by()
                 .values_list("id", "planned_departure_on", *user_fields("caseworker")))
        for pk, planned_on, *worker in cases:
            due_at = self.moment(planned_on, now)
            recipient = user_recipient(*worker)
            if due_at is None or not recipient.email:
                continue
            yield Due(object_id=pk, due_at=due_at, recipient=recipient)

    def load(self, object_id):
        return Case.objects.select_related("principal", "caseworker").filter(pk=object_id).first()

    def context(self, case, log):
        if case.state != State.DEPARTURE_PLANNED or case.planned_departure_on is None:
            return None
        if self.moment(case.planned_departure_on, timezone.now()) != log.due_at:
            return None  # the departure was moved: the new date has its own reminders
        if _address(case.caseworker) != log.recipient:
            return None
        travellers = travellers_without_document(case, case.planned_departure_on)
        if not travellers:
            return None  # renewed or recorded since
        return {
            "case": case,
            "departure": case.planned_departure_on,
            # Who (the principal, or a member by relation), which document and
            # until when: no name, no document number. Labels, not display
            # values: they are translated when rendered, in the recipient's
            # language.
            "travellers": [{
                "who": (HouseholdMember.Relation(traveller.member.relation).label
                        if traveller.member else _("The principal returnee")),
                "document": (IdentityDocument.Kind(traveller.latest.kind).label
                             if traveller.latest else ""),
                "expires_on": traveller.latest.expires_on if traveller.latest else None,
            } for traveller in travellers],
            "link": _case_link(case.pk),
        }


@register
class CaseInactive(CaseKind):
    """An open case with no recorded activity (services.cases.case_refresh
    stamps every change) for 30 days, to its caseworker; for 45 days, to the
    supervisors of the caseworker's teams: the escalation step of the `after`
    shape. Any activity moves the moments on, so a reminder claimed before it
    is no longer due. A caseworker in no team has no supervisor to escalate to."""

    code = "reintegration.case_inactive"
    label = _("Case without activity")
    model = Case
    template = "reintegration/email/reminder_inactive"

    def delays(self):
        """To the caseworker, then (each further step) to the supervisors."""
        return _days(settings.REMINDER_CASE_INACTIVE_DAYS)

    def supervisors(self, caseworker_ids) -> dict[int, list]:
        """The active supervisors of each caseworker's teams: one query."""
        rows = (Team.caseworkers.through.objects
                .filter(user_id__in=list(caseworker_ids), team__supervisor__is_active=True)
                .order_by("user_id", "team__supervisor_id")
                .values_list("user_id", *user_fields("team__supervisor")))
        found: dict[int, list] = {}
        for caseworker_id, *boss in rows:
            recipient = user_recipient(*boss)
            if recipient.email and recipient not in found.setdefault(caseworker_id, []):
                found[caseworker_id].append(recipient)
        return found

    def due(self, now):
        delays = self.delays()
        if not delays:
            return
        # Two queries: open cases idle for 30 days or more (index
        # case(last_activity_at)) with their caseworker, and the supervisors.
        cases = list(Case.objects
                     .filter(state__in=OPEN, last_activity_at__lte=now - min(delays))
                     .order_by()
                     .values_list("id", "last_activity_at", "caseworker_id",
                                  "caseworker__is_active", *user_fields("caseworker")))
        bosses = self.supervisors({row[2] for row in cases})
        for pk, last_activity_at, caseworker_id, active, *worker in cases:
            for step, due_at in schedule.after(last_activity_at, delays, now):
                if step == 0:
                    recipients = [user_recipient(*worker)] if active else []
                else:
                    recipients = bosses.get(caseworker_id, [])
                for recipient in recipients:
                    if recipient.email:
                        yield Due(object_id=pk, due_at=due_at, recipient=recipient)

    def load(self, object_id):
        return Case.objects.select_related("caseworker").filter(pk=object_id).first()

    def context(self, case, log):
        if case.state not in OPEN:
            return None
        delays = self.delays()
        steps = [step for step, due_at in schedule.after(case.last_activity_at, delays,
                                                          timezone.now())
                 if due_at == log.due_at]
        if not steps:
            return None  # activity recorded since the reminder was claimed
        step = steps[0]
        if step == 0:
            still = _address(case.caseworker) == log.recipient
        else:
            still = log.recipient in {
                boss.email.strip().lower()
                for boss in self.supervisors([case.caseworker_id]).get(case.caseworker_id, [])}
        if not still:
            return None
        caseworker = case.caseworker
        return {
            "case": case,
            "for_caseworker": step == 0,
            "caseworker_name": caseworker.get_full_name() or caseworker.get_username(),
            "days": delays[step].days,
            "first_days": delays[0].days,
            "link": _case_link(case.pk),
        }
