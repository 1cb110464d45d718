from celery import shared_task
from django.db import OperationalError

from . import kinds, services


# The send only writes rows (the reminder and its outbox e-mail): a database
# that is briefly unavailable is retried; the mail server is the outbox's
# business (outbox/). Time limits: CELERY_TASK_ANNOTATIONS.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=30, retry_backoff_max=600,
             retry_jitter=True, max_retries=6, acks_late=True)
def reminder_send(log_id: int) -> str:
    """Hand one claimed reminder to the outbox. Safe to run twice: the second
    run finds it sent."""
    return services.reminder_send(log_id=log_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=60, max_retries=3,
             acks_late=True)
def reminders_sweep(kind: str | None = None) -> dict[str, int]:
    """Claim what is due and queue the sends, for one kind (the beat schedule
    names it) or every declared kind. Safe to run twice, or twice at once:
    the database refuses a second claim of the same reminder."""
    codes = [kind] if kind else [declared.code for declared in kinds.all_kinds()]
    return {code: services.reminder_sweep(kind=code).queued for code in codes}
