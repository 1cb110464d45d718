from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=3, default_retry_delay=60)
def duplicates_flag_sweep() -> int:
    """Nightly: put likely duplicates of the whole registry in the review queue.
    Safe to run twice: a pair already flagged is not flagged again."""
    return services.duplicates_flag()


@shared_task(acks_late=True, max_retries=0)
def retention_run_task() -> int:
    """Daily: the retention schedule. Applies it only when settings say so
    (RETENTION["apply"]); otherwise records a dry run for the data
    protection officer. Safe to run twice: anonymised persons are no longer
    due. Returns the id of the RetentionRun."""
    from .retention import retention_run, schedule

    return retention_run(actor=None, dry_run=not schedule()["apply"]).pk
