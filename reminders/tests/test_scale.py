"""The claim and the fan-out at the sizes a sweep meets on real data: more
values than PostgreSQL takes in one statement (65,535 parameters) with
server-side binding, still claimed and queued, each once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reminders import services
from reminders.kinds import Due, Recipient
from reminders.models import ReminderLog

from .kinds import FollowUp

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2027, 2, 6, 9, 0, tzinfo=datetime.UTC)


def due(n, start=1):
    return [Due(object_id=i, recipient=Recipient(email=f"person-{i}@example.org"),
                due_at=MOMENT) for i in range(start, start + n)]


def test_seven_thousand_reminders_are_claimed_and_queued_in_a_few_statements(
        test_kinds, django_capture_on_commit_callbacks):
    """Ten columns a row: 70,000 values, more than one statement may carry as
    separate parameters (Django 5.2 sends them as one array per column), and
    7,000 ids for the fan-out's update."""
    kind = services._kind(FollowUp.code)
    items = due(7_000)
    with CaptureQueriesContext(connection) as queries:
        new = services._unclaimed(kind, items)
        services._claim(kind, new, MOMENT)
    assert len(new) == 7_000
    assert ReminderLog.objects.filter(kind=FollowUp.code).count() == 7_000
    if connection.vendor == "postgresql":  # SQLite splits inserts at 999 variables
        assert len(queries) <= 6, [q["sql"][:80] for q in queries.captured_queries]
    with django_capture_on_commit_callbacks(execute=False):
        assert services._fan_out(kind, MOMENT) == 7_000
    assert not ReminderLog.objects.filter(kind=FollowUp.code, enqueued_at__isnull=True).exists()
    # Claiming them again adds nothing: every one is found already claimed.
    assert services._unclaimed(kind, items) == []


def test_the_already_claimed_lookup_takes_seventy_thousand_ids_in_one_query(test_kinds):
    kind = services._kind(FollowUp.code)
    services._claim(kind, due(3, start=69_998), MOMENT)
    items = due(70_000)
    with CaptureQueriesContext(connection) as queries:
        new = services._unclaimed(kind, items)
    assert len(queries) == 1
    assert len(new) == 70_000 - 3
    assert {item.object_id for item in items} - {item.object_id for item in new} == {
        69_998, 69_999, 70_000}


def test_an_empty_id_list_matches_nothing():
    assert not ReminderLog.objects.filter(pk__any=[]).exists()
