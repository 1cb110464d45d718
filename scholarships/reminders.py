"""The scholarship programme's reminders (found at startup by the reminders
app, which imports no programme). Each kind says who, which objects, when and
which e-mail; reminders.services makes each go exactly once."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reminders import schedule
from reminders.kinds import Due, Kind, Recipient, register

from .models import Application, Referee
from .services import referee_token
from .workflow import FINAL, State


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _days(values) -> list[datetime.timedelta]:
    return [datetime.timedelta(days=days) for days in values]


def _name(*parts: str) -> str:
    # Person.full_name, from the columns the sweep's query reads.
    return " ".join(part for part in parts if part)


@register
class DraftNotSubmitted(Kind):
    """A draft not submitted: 7 days and 1 day before its call closes, to the
    applicant, in their language, with the link to their application. Only
    for moments the draft existed at: a draft started 3 days before the close
    gets the 1-day reminder, not a "7 days left" the day it starts."""

    code = "scholarships.draft_not_submitted"
    label = _("Draft application not submitted before the call closes")
    model = Application
    template = "scholarships/email/reminder_draft"
    view_permission = "scholarships.view_application"

    def delays(self):
        return _days(settings.REMINDER_DRAFT_DAYS_BEFORE_CLOSE)

    def due(self, now):
        delays = self.delays()
        # One query: drafts of the calls closing within the longest delay
        # (index application(state, ...); calls are few). Tuples, not model
        # instances: about 6,000 drafts a sweep at 100,000 applications.
        drafts = (Application.objects
                  .filter(state=State.DRAFT, call__closes_at__gt=now,
                          call__closes_at__lte=schedule.horizon(now, delays))
                  .order_by()
                  .values_list("id", "created_at", "call__closes_at", "applicant__email",
                               "applicant__user__email", "applicant__preferred_language",
                               "applicant__given_names", "applicant__family_name"))
        for pk, created_at, closes_at, email, login_email, language, given, family in drafts:
            due_at = schedule.before(closes_at, delays, now)
            address = email or login_email
            if due_at is None or due_at < created_at or not address:
                continue
            yield Due(object_id=pk, due_at=due_at, recipient=Recipient(
                email=address, language=language, name=_name(given, family)))

    def load(self, object_id):
        return (Application.objects.select_related("call", "applicant")
                .filter(pk=object_id).first())

    def context(self, application, log):
        if application.state != State.DRAFT or not application.call.is_open():
            return None
        return {
            "application": application,
            "call": application.call,
            "link": _absolute(reverse("scholarships:application_detail",
                                      args=[application.pk])),
        }

    def record_url(self, record_id):
        return reverse("scholarships:application_view", args=[record_id])


@register
class RefereeLetterMissing(Kind):
    """A referee's letter still missing 7 days before the call closes, to the
    referee, in the language the applicant chose for them, with their private
    link. Active referees only (not replaced), invited before that moment, of
    applications still in the running (not withdrawn, not found ineligible)."""

    code = "scholarships.referee_letter_missing"
    label = _("Referee's letter still missing before the call closes")
    model = Referee
    record_model = Application
    template = "scholarships/email/reminder_referee"
    view_permission = "scholarships.view_application"

    def delays(self):
        return _days(settings.REMINDER_REFEREE_DAYS_BEFORE_CLOSE)

    def due(self, now):
        delays = self.delays()
        referees = (Referee.objects
                    .filter(replaced_at__isnull=True, letter_received_at__isnull=True,
                            invited_at__isnull=False,
                            application__call__closes_at__gt=now,
                            application__call__closes_at__lte=schedule.horizon(now, delays))
                    .exclude(application__state__in=FINAL)
                    .order_by()
                    .values_list("id", "application_id", "invited_at",
                                 "application__call__closes_at", "email", "language", "name"))
        for pk, application_id, invited_at, closes_at, email, language, name in referees:
            due_at = schedule.before(closes_at, delays, now)
            if due_at is None or due_at < invited_at:
                continue
            yield Due(object_id=pk, record_id=application_id, due_at=due_at,
                      recipient=Recipient(email=email, language=language, name=name))

    def load(self, object_id):
        return (Referee.objects.select_related("application__call", "application__applicant")
                .filter(pk=object_id).first())

    def context(self, referee, log):
        application = referee.application
        if (referee.replaced_at or referee.letter_received_at or application.state in FINAL
                or not application.call.is_open()):
            return None
        return {
            "referee": referee,
            "applicant": application.applicant,
            "call": application.call,
            "link": _absolute(reverse("scholarships:referee_upload",
                                      args=[referee_token(referee)])),
            "days": settings.REFEREE_LINK_MAX_AGE_DAYS,
        }

    def record_url(self, record_id):
        return reverse("scholarships:application_view", args=[record_id])

