"""/health/ for a load balancer or a monitor (django-health-check's checks).

The answer names each check and says "ok" or "failing", nothing more: no error
text, host name or version (the reasons go to the log, where django-health-check
writes them). 200 when every check passes, 503 otherwise. No login: the
endpoint reads nothing of the data.

- database: SELECT 1 on the default database;
- cache: a key written and read back;
- broker: a PING to the Redis that Celery uses (when the broker is Redis);
- worker: the heartbeat a worker wrote less than HEALTH_WORKER_HEARTBEAT_SECONDS
  ago (ops/tasks.py), when that setting is above 0. It goes through the cache,
  so it only means something when the cache is shared (Redis).
"""

import asyncio
import dataclasses
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from ops.tasks import HEARTBEAT_KEY


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    max_age_seconds: int = 180

    async def run(self):
        beat = await cache.aget(HEARTBEAT_KEY)
        if beat is None:
            raise ServiceUnavailable("No worker heartbeat yet")
        if time.time() - beat > self.max_age_seconds:
            raise ServiceUnavailable("Worker heartbeat too old")


def broker_check() -> HealthCheck:
    from health_check.contrib.redis import Redis
    from redis.asyncio import Redis as RedisClient

    url = settings.CELERY_BROKER_URL
    return Redis(client_factory=lambda: RedisClient.from_url(url, socket_timeout=3,
                                                             socket_connect_timeout=3))


def configured_checks() -> dict[str, HealthCheck]:
    checks = {"database": Database(), "cache": Cache()}
    if str(settings.CELERY_BROKER_URL).startswith(("redis://", "rediss://")):
        checks["broker"] = broker_check()
    if settings.HEALTH_WORKER_HEARTBEAT_SECONDS > 0:
        checks["worker"] = WorkerHeartbeat(settings.HEALTH_WORKER_HEARTBEAT_SECONDS)
    return checks


class HealthView(HealthCheckView):
    # Only these; the view ignores "format" and Accept: one small JSON answer.
    only: tuple[str, ...] = ()

    async def get(self, request, *args, **kwargs):
        checks = configured_checks()
        if self.only:
            checks = {name: check for name, check in checks.items() if name in self.only}
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor)
                                             for check in checks.values()))
        answer = {name: "failing" if result.error else "ok"
                  for name, result in zip(checks, results, strict=True)}
        healthy = all(value == "ok" for value in answer.values())
        return JsonResponse({"status": "ok" if healthy else "failing", "checks": answer},
                            status=200 if healthy else 503)
