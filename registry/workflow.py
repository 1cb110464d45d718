"""The moves of a possible duplicate (DuplicateCandidate.status), declared
once with common.statemachine. registry.services.duplicate_transition is the
one way to change it, recording who (resolved_by), when (resolved_at) and why
(note). Registered at import; RegistryConfig.ready imports this module."""

from django.utils.translation import gettext_lazy as _

from common.statemachine import Move, Workflow, register

from .models import DuplicateCandidate

Status = DuplicateCandidate.Status

DUPLICATE = register(Workflow(
    "Possible duplicate", model="registry.DuplicateCandidate", field="status", states=Status,
    initial=[Status.OPEN], final=[Status.MERGED],
    doc=("A pair dismissed as two persons may still be merged later, when it turns out they "
         "are one."),
    moves=[
        Move(Status.OPEN, Status.DISMISSED, label=_("not the same person")),
        Move(Status.OPEN, Status.MERGED, label=_("merged")),
        Move(Status.DISMISSED, Status.MERGED, label=_("merged")),
    ],
))
