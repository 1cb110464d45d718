"""The shapes a reminder's timing takes, as pure functions of stored moments.

Each returns due moments computed from the object's own dates (a deadline, an
assignment, the last activity) and the kind's delays, never from the clock:
the moment is part of what makes a reminder unique, so the same reminder must
get the same moment at every sweep. `now` only decides which moments have come.

When several moments of one schedule have passed (the system was stopped for
a week), `before` and `every` give only the latest: nobody wants last week's
"7 days left" next to today's "1 day left".
"""

import datetime
from collections.abc import Iterable

from django.utils import timezone

Delays = Iterable[datetime.timedelta]


def day_start(day: datetime.date) -> datetime.datetime:
    """The moment a day begins where the system works (TIME_ZONE, Brussels),
    for kinds whose deadlines are dates ("the visit is due on 12 March"):
    summer time included, so the moment is the same at every sweep."""
    return datetime.datetime.combine(day, datetime.time.min,
                                     tzinfo=timezone.get_default_timezone())


def horizon(now: datetime.datetime, delays: Delays) -> datetime.datetime:
    """The latest deadline a `before` reminder can be due for at `now`: a
    kind's query looks only at deadlines in (now, horizon]."""
    return now + max(delays, default=datetime.timedelta(0))


def before(deadline: datetime.datetime, delays: Delays,
           now: datetime.datetime) -> datetime.datetime | None:
    """"7 days and 1 day before the call closes": the latest of
    deadline - delay that has come, while the deadline itself has not."""
    if now >= deadline:
        return None
    return max((deadline - delay for delay in delays if deadline - delay <= now), default=None)


def every(start: datetime.datetime, *, first: datetime.timedelta,
          then: datetime.timedelta,
          now: datetime.datetime) -> tuple[int, datetime.datetime] | None:
    """"5 days after assignment, then every 5 days": (n, moment) of the latest
    occurrence that has come, n counting from 1, so a kind can add a recipient
    from the second on ("after the second, also to the administrator")."""
    if then <= datetime.timedelta(0):
        raise ValueError("the interval of a repeated reminder must be positive")
    if now < start + first:
        return None
    n = 1 + (now - start - first) // then
    return n, start + first + (n - 1) * then


def after(start: datetime.datetime, delays: Delays,
          now: datetime.datetime) -> list[tuple[int, datetime.datetime]]:
    """"No activity for 30 days to the caseworker, 45 to the supervisor": every
    step (index in `delays`, moment) that has come. Each step is its own
    reminder, usually to its own recipient: that is the escalation."""
    return [(step, start + delay) for step, delay in enumerate(delays) if start + delay <= now]
