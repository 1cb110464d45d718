from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from . import notifications

# Transient mail-server trouble is retried with backoff; anything else fails
# loudly in the worker log.
RETRY = {"autoretry_for": (SMTPException, ConnectionError, TimeoutError),
         "retry_backoff": 30, "retry_backoff_max": 1800, "max_retries": 6, "acks_late": True}


@shared_task(**RETRY)
def referee_invitation_send(referee_id: int) -> bool:
    return notifications.referee_invitation_send(referee_id=referee_id)


@shared_task(**RETRY)
def submission_confirmation_send(application_id: int) -> bool:
    return notifications.submission_confirmation_send(application_id=application_id)


@shared_task(**RETRY)
def review_assignment_notify(assignment_id: int) -> bool:
    return notifications.review_assignment_send(assignment_id=assignment_id)


@shared_task(**RETRY)
def award_offer_notify(offer_id: int) -> bool:
    return notifications.award_offer_send(offer_id=offer_id)


@shared_task(**RETRY)
def place_freed_notify(offer_id: int) -> bool:
    return notifications.place_freed_send(offer_id=offer_id)


@shared_task(**RETRY)
def application_outcome_notify(transition_id: int) -> bool:
    return notifications.application_outcome_send(transition_id=transition_id)


# A lock wait behind a committee recording its decisions is worth a retry.
LAPSE_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 10,
               "retry_backoff_max": 600, "max_retries": 5, "acks_late": True}


@shared_task(**LAPSE_RETRY)
def award_offer_lapse(offer_id: int) -> bool:
    """Lapse one overdue offer; does nothing if it was answered or lapsed meanwhile."""
    from .models import AwardOffer
    from .services import SYSTEM
    from .services import award_offer_lapse as lapse

    offer = AwardOffer.objects.filter(pk=offer_id).first()
    if offer is None:
        return False
    return lapse(actor=SYSTEM, offer=offer)


@shared_task(acks_late=True)
def award_offers_lapse_sweep() -> int:
    """The periodic sweep (CELERY_BEAT_SCHEDULE): one query for the overdue
    offers, one task each, so one failure does not hold up the others."""
    from .selectors import offers_overdue

    overdue = offers_overdue()
    for offer_id in overdue:
        award_offer_lapse.delay(offer_id)
    return len(overdue)
