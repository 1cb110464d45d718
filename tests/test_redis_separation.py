"""The cache and the Celery broker live in different Redis databases: clearing
the cache (cache.clear() is FLUSHDB) must leave the queued tasks alone.
Measured before: cache.clear() emptied the Celery queue."""

import os
import uuid

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache

from config.settings.base import redis_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL); CI runs it"
)


def test_cache_database_is_not_the_broker_database():
    assert settings.REDIS_CACHE_URL != settings.CELERY_BROKER_URL
    assert redis_database("redis://h:6379/0", 1) == "redis://h:6379/1"


def test_clearing_the_cache_leaves_the_queue_intact():
    from kombu import Connection

    queue_name = f"test-separation-{uuid.uuid4().hex}"
    with Connection(settings.CELERY_BROKER_URL) as connection:
        queue = connection.SimpleQueue(queue_name)
        try:
            queue.put({"task": "still here"})
            # The production cache, as config.settings.base configures it with Redis.
            cache = RedisCache(settings.REDIS_CACHE_URL, {"KEY_PREFIX": "casework"})
            cache.set("something", 1)
            cache.clear()
            assert cache.get("something") is None
            message = queue.get(timeout=5)
            assert message.payload == {"task": "still here"}
            message.ack()
        finally:
            queue.clear()
            queue.close()
