"""The scholarships' Celery tasks: the e-mails the services queue (notify.py,
re-exported here under their task names) and the sweep that lapses the offers
not answered in time."""

from celery import shared_task
from django.db import OperationalError

from .access import SYSTEM
from .models import AwardOffer
from .notify import (  # noqa: F401 - the worker and the tests find them here
    RETRY,
    application_outcome_notify,
    award_offer_notify,
    place_freed_notify,
    referee_invitation_send,
    review_assignment_notify,
    submission_confirmation_send,
)
from .selectors import offers_overdue
from .services import award_offer_lapse as lapse

# A lock wait behind a committee recording its decisions is worth a retry.
LAPSE_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 10,
               "retry_backoff_max": 600, "max_retries": 5, "acks_late": True}


@shared_task(**LAPSE_RETRY)
def award_offer_lapse(offer_id: int) -> bool:
    """Lapse one overdue offer; does nothing if it was answered or lapsed meanwhile."""
    offer = AwardOffer.objects.filter(pk=offer_id).first()
    if offer is None:
        return False
    return lapse(actor=SYSTEM, offer=offer)


@shared_task(acks_late=True)
def award_offers_lapse_sweep() -> int:
    """The periodic sweep (CELERY_BEAT_SCHEDULE): one query for the overdue
    offers, one task each, so one failure does not hold up the others."""
    overdue = offers_overdue()
    for offer_id in overdue:
        award_offer_lapse.delay(offer_id)
    return len(overdue)
