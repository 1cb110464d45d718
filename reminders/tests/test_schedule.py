"""The timing shapes, and the beat schedule that runs the sweeps."""

import datetime

from django.conf import settings

from config import celery_app
from reminders import kinds, schedule

T = datetime.datetime(2027, 3, 31, 10, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
WEEK_AND_DAY = [7 * DAY, DAY]


def test_before_gives_the_latest_moment_passed_while_the_deadline_has_not():
    assert schedule.before(T, WEEK_AND_DAY, T - 8 * DAY) is None
    assert schedule.before(T, WEEK_AND_DAY, T - 7 * DAY) == T - 7 * DAY
    assert schedule.before(T, WEEK_AND_DAY, T - 2 * DAY) == T - 7 * DAY
    assert schedule.before(T, WEEK_AND_DAY, T - DAY) == T - DAY
    assert schedule.before(T, WEEK_AND_DAY, T - datetime.timedelta(seconds=1)) == T - DAY
    assert schedule.before(T, WEEK_AND_DAY, T) is None


def test_every_counts_the_occurrences_from_one():
    start = T
    assert schedule.every(start, first=5 * DAY, then=5 * DAY, now=T + 4 * DAY) is None
    assert schedule.every(start, first=5 * DAY, then=5 * DAY, now=T + 5 * DAY) == (1, T + 5 * DAY)
    assert schedule.every(start, first=5 * DAY, then=5 * DAY, now=T + 14 * DAY) == (
        2, T + 10 * DAY)
    assert schedule.every(start, first=3 * DAY, then=7 * DAY, now=T + 17 * DAY) == (
        3, T + 17 * DAY)


def test_after_gives_every_step_that_has_come():
    steps = [30 * DAY, 45 * DAY]
    assert schedule.after(T, steps, T + 29 * DAY) == []
    assert schedule.after(T, steps, T + 30 * DAY) == [(0, T + 30 * DAY)]
    assert schedule.after(T, steps, T + 50 * DAY) == [(0, T + 30 * DAY), (1, T + 45 * DAY)]


def test_every_declared_kind_is_swept_by_one_beat_entry():
    swept = [entry["kwargs"]["kind"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
             if entry["task"] == "reminders.tasks.reminders_sweep"]
    assert sorted(swept) == sorted(kind.code for kind in kinds.all_kinds())


def test_sends_and_sweeps_have_time_limits_and_late_acknowledgement():
    celery_app.loader.import_default_modules()
    for name in ("reminders.tasks.reminder_send", "reminders.tasks.reminders_sweep"):
        task = celery_app.tasks[name]
        assert task.acks_late
        assert 0 < task.soft_time_limit < task.time_limit, name
