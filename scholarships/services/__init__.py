"""The scholarships write path, split by sub-domain. Views, the admin,
commands and tasks all come through here:

- applications: the one way to change an application's state
  (application_transition), starting, filling, submitting, withdrawing;
- review: assigning reviewers, conflicts of interest, scores;
- selection: the committee's meeting and decisions;
- awards: offers, answers, lapses, and the places they free;
- followup: the scholar after acceptance;
- moves: the entry point of the staff buttons and the admin's bulk actions.
"""

from .applications import *  # noqa: F403
from .awards import *  # noqa: F403
from .followup import *  # noqa: F403
from .moves import *  # noqa: F403
from .review import *  # noqa: F403
from .selection import *  # noqa: F403
