from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=0)
def export_job_build(job_id: int) -> str:
    return services.export_job_build(job_id=job_id)


@shared_task(acks_late=True)
def export_jobs_expire_sweep() -> int:
    return services.export_jobs_expire()


@shared_task(acks_late=True, max_retries=0)
def bulk_job_run(job_id: int) -> str:
    """One turn of a bulk action (services.bulk_job_run): a job that ran its
    time goes on in a new task; one held by another worker is tried again
    once that worker's lease has run out (a worker that died leaves a lease
    that nobody renews)."""
    result = services.bulk_job_run(job_id=job_id)
    if result == services.BULK_CONTINUE:
        bulk_job_run.delay(job_id)
    elif result == services.BULK_HELD and not bulk_job_run.request.is_eager:
        # (Run eagerly, in-process, there is no other worker to wait for.)
        bulk_job_run.apply_async((job_id,), countdown=services.BULK_LEASE_SECONDS)
    return result


@shared_task(acks_late=True)
def jobs_requeue_stale() -> int:
    """Queue again the jobs whose task was lost (services.jobs_requeue_stale)."""
    return services.jobs_requeue_stale()
