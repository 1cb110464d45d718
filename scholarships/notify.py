"""The e-mails the services queue once their transaction commits, as Celery
tasks (the sending itself is in notifications.py). Defined here, below the
services, so that a service queues an e-mail without importing tasks.py,
which runs services (the lapse sweep). Their names stay
"scholarships.tasks.<name>": tasks.py is where Celery and the worker look for
them, and re-exports them."""

from smtplib import SMTPException

from celery import shared_task

from . import notifications

# Transient mail-server trouble is retried with backoff; anything else fails
# loudly in the worker log.
RETRY = {"autoretry_for": (SMTPException, ConnectionError, TimeoutError),
         "retry_backoff": 30, "retry_backoff_max": 1800, "max_retries": 6, "acks_late": True}


def _name(function: str) -> str:
    return f"scholarships.tasks.{function}"


@shared_task(name=_name("referee_invitation_send"), **RETRY)
def referee_invitation_send(referee_id: int) -> bool:
    return notifications.referee_invitation_send(referee_id=referee_id)


@shared_task(name=_name("submission_confirmation_send"), **RETRY)
def submission_confirmation_send(application_id: int) -> bool:
    return notifications.submission_confirmation_send(application_id=application_id)


@shared_task(name=_name("review_assignment_notify"), **RETRY)
def review_assignment_notify(assignment_id: int) -> bool:
    return notifications.review_assignment_send(assignment_id=assignment_id)


@shared_task(name=_name("award_offer_notify"), **RETRY)
def award_offer_notify(offer_id: int) -> bool:
    return notifications.award_offer_send(offer_id=offer_id)


@shared_task(name=_name("place_freed_notify"), **RETRY)
def place_freed_notify(offer_id: int) -> bool:
    return notifications.place_freed_send(offer_id=offer_id)


@shared_task(name=_name("application_outcome_notify"), **RETRY)
def application_outcome_notify(transition_id: int) -> bool:
    return notifications.application_outcome_send(transition_id=transition_id)
