from smtplib import SMTPException

from celery import shared_task

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
