"""The reintegration write path, split by sub-domain: cases (opening, the
state machine, departure, arrival, reassignment), plans (budget, approval,
deliveries), monitoring (visits and surveys) and records (notes,
vulnerabilities, the access log). Views, the admin, commands and tests all
come through here.

Row locks, in one fixed order
-----------------------------
Every write service locks the rows it checks and changes, always in this
order, so two services never wait for each other's rows (no deadlock):

    case  ->  plan  ->  budget line(s), by id  /  visit  /  note

The case row comes first in every service (cases.locked), even one that
changes only a plan, a line or a visit: two moves that touch the same case,
its money or its visits therefore queue on one row. A row's state or amount
is checked only after its lock is granted, from the row as read once the
lock is held (never from an object read before waiting): the case, plan and
line are fetched again under the lock. A child's parent id (line -> plan ->
case) never changes, so it may be read before locking.

reintegration/tests/test_races.py runs each pair of services that touch the
same case, money or visit at the same moment on PostgreSQL."""
