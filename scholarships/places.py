"""The awards a call and an academic year may give: the call's quota and the
yearly ceiling (settings.SCHOLARSHIP_YEARLY_CEILING, 1,500 by default), in one
place.

- which states hold an award (HOLDS_PLACE) and which moves take or free one
  (PLACE_MOVES);
- how many are held and free (places_used), read by the ranking and offer
  pages and rendered into static/js/ranking.js, which compares with the number
  it is given and restates nothing;
- whether one more application may take one (place_problem: the guard of
  the moves that take a place, and the automatic promotion of a reserve
  candidate), and whether a committee's selection fits (selection_problem);
- the lock that makes those counts exact under concurrency (lock_places): the
  services take it before any move that takes or frees a place.

Exceeding the quota or the ceiling needs a reason, recorded on the state
change (and on the committee meeting)."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .models import Application, Call
from .states import State

# An application in one of these states holds one of the call's awards: it
# counts against the call's quota and the yearly ceiling. A decline, a lapse or
# a withdrawal gives the place back.
HOLDS_PLACE = (State.SELECTED, State.OFFERED, State.ACCEPTED, State.ENROLLED, State.COMPLETED,
               State.DISCONTINUED)

# Moves that take or free a place: they run with the academic year's calls
# locked, so two of them never count the same free place.
PLACE_MOVES = (State.SELECTED, State.RESERVE, State.NOT_SELECTED, State.OFFERED,
               State.DECLINED, State.LAPSED)

MSG_GUARD_QUOTA = _("The call's %(quota)s awards are all taken (%(used)s). Exceeding the quota "
                    "needs an override with a reason.")
MSG_GUARD_CEILING = _("The yearly ceiling of %(ceiling)s awards for %(year)s is reached "
                      "(%(used)s). Exceeding it needs an override with a reason.")
MSG_EXCEEDS = _("This selection gives %(selected)s more awards but only %(free)s are free "
                "(the call's quota: %(call_free)s left of %(quota)s; the yearly ceiling: "
                "%(year_free)s left of %(ceiling)s). Select fewer, or give the reason to "
                "exceed.")


def yearly_ceiling() -> int:
    """The most awards all calls of one academic year may give together."""
    return settings.SCHOLARSHIP_YEARLY_CEILING


@dataclass(frozen=True)
class Places:
    call: int  # awards held in the call
    quota: int
    year: int  # awards held over all calls of the academic year
    ceiling: int
    year_label: str

    @property
    def call_free(self) -> int:
        return max(self.quota - self.call, 0)

    @property
    def year_free(self) -> int:
        return max(self.ceiling - self.year, 0)

    @property
    def free(self) -> int:
        return min(self.call_free, self.year_free)


def places_used(call: Call, *, exclude: Application | None = None) -> Places:
    """Awards held (selected, offered, accepted, enrolled, completed,
    discontinued) in the call and in its academic year: one query."""
    held = Application.objects.filter(call__academic_year=call.academic_year,
                                      state__in=HOLDS_PLACE)
    if exclude is not None:
        held = held.exclude(pk=exclude.pk)
    counts = held.aggregate(year=Count("id"), call=Count("id", filter=Q(call_id=call.pk)))
    return Places(call=counts["call"], quota=call.quota, year=counts["year"],
                  ceiling=yearly_ceiling(), year_label=call.academic_year_label)


def place_problem(application: Application) -> str | None:
    """Why the application cannot take one more of the awards (the call's quota,
    then the yearly ceiling over all calls of the academic year), or None."""
    used = places_used(application.call, exclude=application)
    if used.call + 1 > used.quota:
        return MSG_GUARD_QUOTA % {"quota": used.quota, "used": used.call}
    if used.year + 1 > used.ceiling:
        return MSG_GUARD_CEILING % {"ceiling": used.ceiling, "year": used.year_label,
                                    "used": used.year}
    return None


def over_by(places: Places, selected: int) -> int:
    """How many of `selected` new awards exceed what is free (0 when they fit)."""
    return max(selected - places.free, 0)


def selection_problem(places: Places, selected: int) -> str | None:
    """Why a committee may not select `selected` more candidates at once
    without a reason to exceed, or None."""
    if not over_by(places, selected):
        return None
    return MSG_EXCEEDS % {"selected": selected, "free": places.free,
                          "call_free": places.call_free, "quota": places.quota,
                          "year_free": places.year_free, "ceiling": places.ceiling}


def lock_places(call_id: int) -> Call:
    """Lock every call of the call's academic year, in a fixed order, so that
    the quota and the yearly ceiling are counted by one transaction at a time
    and two lockers never wait for each other in a circle. Returns the call.
    FOR NO KEY UPDATE: lockers wait for each other, but a row that refers to
    a call (an application saved twice in one transaction has its foreign key
    checked again at commit, a FOR KEY SHARE on the call) does not wait for
    them; with FOR UPDATE, a review submitted while the call's weights
    changed deadlocked (scholarships.tests.test_call_setup)."""
    year = Call.objects.filter(pk=call_id).values_list("academic_year", flat=True).get()
    calls = list(Call.objects.select_for_update(no_key=True).filter(academic_year=year)
                 .order_by("pk"))
    return next(call for call in calls if call.pk == call_id)


def moves_place(current: str, to: str) -> bool:
    """Whether moving from `current` to `to` takes or frees a place (the move
    then runs with lock_places held)."""
    return to in PLACE_MOVES or (to == State.WITHDRAWN
                                 and current not in (State.DRAFT, State.SUBMITTED))
