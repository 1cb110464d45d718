from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def duplicates_flag_sweep() -> int:
    """Nightly: put likely duplicates of the whole registry in the review queue.
    Safe to run twice: a pair already flagged is not flagged again."""
    return services.duplicates_flag()
