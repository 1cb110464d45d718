"""The worker heartbeat: beat queues this every minute, a worker runs it, and
/health/ reads the time it wrote. A recent heartbeat proves beat, the broker
and at least one worker on the default queue all work."""

import time

from celery import shared_task
from django.core.cache import cache

HEARTBEAT_KEY = "ops:worker-heartbeat"


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)
