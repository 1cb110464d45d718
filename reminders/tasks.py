from smtplib import SMTPException

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from . import kinds, services

# Transient mail-server trouble is retried with backoff (30 s, 1 min, 2 min...
# up to 30 min, with jitter so a recovered server is not hit by every retry at
# once). The row records each failure; after the last retry it stays failed,
# with its error, for an administrator's retry. Time limits: CELERY_TASK_ANNOTATIONS.
TRANSIENT = (SMTPException, ConnectionError, TimeoutError, SoftTimeLimitExceeded)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=30, retry_backoff_max=1800,
             retry_jitter=True, max_retries=6, acks_late=True)
def reminder_send(log_id: int) -> str:
    """Send one claimed reminder. Safe to run twice: the second run finds it sent."""
    return services.reminder_send(log_id=log_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=60, max_retries=3,
             acks_late=True)
def reminders_sweep(kind: str | None = None) -> dict[str, int]:
    """Claim what is due and queue the sends, for one kind (the beat schedule
    names it) or every declared kind. Safe to run twice, or twice at once:
    the database refuses a second claim of the same reminder."""
    codes = [kind] if kind else [declared.code for declared in kinds.all_kinds()]
    return {code: services.reminder_sweep(kind=code).queued for code in codes}
