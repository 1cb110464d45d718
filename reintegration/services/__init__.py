"""The reintegration write path, split by sub-domain: cases (opening, the
state machine, departure, arrival, reassignment), plans (budget, approval,
deliveries), monitoring (visits and surveys) and records (notes,
vulnerabilities, the access log). Views, the admin, commands and tests all
come through here."""
