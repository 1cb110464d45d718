"""Two kinds used only by the mechanism's tests, over registry.Person (the
one model every app has). They are the shapes the later kinds need:

- FollowUp: 5 days after a person was created, then every 5 days, to the
  person; after the second, also to the office ("after the second, also to
  the administrator").
- Escalation: 30 days after creation to the caseworker, 45 days to the
  supervisor ("no activity for 30 days, and after 45 the supervisor").

A person who was merged into another is no longer due (context() is None).
"""

import datetime

from registry.models import Person
from reminders import schedule
from reminders.kinds import Due, Kind, Recipient

OFFICE = Recipient(email="office@casework.example.org", language="en", name="The office")
CASEWORKER = Recipient(email="caseworker@casework.example.org", language="fr", name="Awa Sarr")
SUPERVISOR = Recipient(email="supervisor@casework.example.org", language="nl", name="Jan Peeters")
DAY = datetime.timedelta(days=1)

# The templates of both kinds (a locmem loader in the tests): they show which
# language was active when they were rendered.
TEMPLATES = {
    "tests/follow_up_subject.txt": "{% load i18n %}{% get_current_language as lang %}"
                                   "Follow-up {{ person.pk }} [{{ lang }}]",
    "tests/follow_up.txt": "{% load i18n %}{% get_current_language as lang %}"
                           "Dear {{ recipient_name }}, this is about {{ person.full_name }} "
                           "[{{ lang }}].",
}


def _person(person) -> Recipient:
    return Recipient(email=person.email, language=person.preferred_language,
                     name=person.full_name)


class FollowUp(Kind):
    code = "tests.follow_up"
    label = "Follow-up every 5 days"
    model = Person
    template = "tests/follow_up"
    view_permission = "auth.view_group"  # not a permission any role has

    def delays(self):
        return [5 * DAY]

    def due(self, now):
        [every] = self.delays()
        people = Person.objects.filter(created_at__lte=now - every, merged_into__isnull=True)
        for person in people.only("id", "email", "preferred_language", "given_names",
                                  "family_name", "created_at"):
            n, due_at = schedule.every(person.created_at, first=every, then=every, now=now)
            yield Due(object_id=person.pk, recipient=_person(person), due_at=due_at)
            if n > 2:
                yield Due(object_id=person.pk, recipient=OFFICE, due_at=due_at)

    def context(self, person, log):
        return None if person.merged_into_id else {"person": person}


class Escalation(Kind):
    code = "tests.escalation"
    label = "Escalation after 30 and 45 days"
    model = Person
    template = "tests/follow_up"
    view_permission = "auth.view_group"

    def delays(self):
        return [30 * DAY, 45 * DAY]

    def due(self, now):
        delays = self.delays()
        people = Person.objects.filter(created_at__lte=now - min(delays))
        for person in people.only("id", "created_at"):
            for step, due_at in schedule.after(person.created_at, delays, now):
                yield Due(object_id=person.pk, recipient=(CASEWORKER, SUPERVISOR)[step],
                          due_at=due_at)

    def context(self, person, log):
        return {"person": person}
