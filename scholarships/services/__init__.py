"""The scholarships write path, split by sub-domain. Views, the admin,
commands and tasks all come through here:

- applications: the one way to change an application's state
  (application_transition), starting, filling, submitting, withdrawing;
- review: assigning reviewers, conflicts of interest, scores;
- selection: the committee's meeting and decisions;
- awards: offers, answers, lapses, and the places they free;
- followup: the scholar after acceptance;
- withdrawal: an application withdrawn, and what stops with it;
- calls: setting up a call, its rubric frozen once reviews are scored;
- moves: the entry point of the staff buttons and the admin's bulk actions.

Row locks, in one fixed order
-----------------------------
Every write service locks the rows it checks and changes, always in this
order, so two services never wait for each other's rows in a circle (a
deadlock PostgreSQL would end by aborting one of them: a server error):

    the academic year's calls, by id  ->  application  ->  its offer
        ->  its review assignments / follow-up / referees

- The calls (places.lock_places) are taken only by the moves that take
  or free a place (quota and yearly ceiling): committee decisions, offers,
  declines, lapses, withdrawals after submission. applications._locked_for
  decides it from the state read under the application's lock; when that
  state moved meanwhile, it gives the application's lock back (savepoint)
  and takes the calls first.
- The application comes before any of its children, even in a service that
  changes only an offer or a review (awards._locked_offer,
  review._locked_assignment): a review submitted while the application is
  withdrawn queues on the application row, never on the assignment first.
- A row's state is checked only after its lock is granted, from the row as
  read once the lock is held (applications._locked: lock the row alone, then
  read it again with its call and applicant), never from the caller's copy.
  A child's parent id (assignment or offer -> application) never changes, so
  it may be read before locking.
- The registry's merge locks persons, then re-points applications; no
  service here locks a person row.

scholarships/tests/test_races.py runs each pair of services that touch the
same application, offer or review at the same moment on PostgreSQL.
"""

from .applications import *  # noqa: F403
from .awards import *  # noqa: F403
from .calls import *  # noqa: F403
from .followup import *  # noqa: F403
from .moves import *  # noqa: F403
from .review import *  # noqa: F403
from .selection import *  # noqa: F403
from .withdrawal import *  # noqa: F403
