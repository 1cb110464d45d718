from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=0)
def export_job_build(job_id: int) -> str:
    return services.export_job_build(job_id=job_id)


@shared_task(acks_late=True)
def export_jobs_expire_sweep() -> int:
    return services.export_jobs_expire()
