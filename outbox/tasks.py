from celery import shared_task

from . import services


# acks_late: a worker killed mid-send leaves the message to be delivered again
# (and the row in `sending` for the sweep). No Celery retry: the row holds the
# next attempt and the sweep queues it. Time limits: CELERY_TASK_ANNOTATIONS.
@shared_task(acks_late=True)
def message_send(pk: int) -> str:
    return services.message_deliver(pk)


@shared_task(acks_late=True)
def outbox_sweep() -> int:
    return services.outbox_sweep()
