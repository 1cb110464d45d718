"""/health/ for a load balancer: no login, "ok"/"failing" per check and nothing
else, 200 when every check passes and 503 when one fails."""

import json
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from ops.tasks import HEARTBEAT_KEY, worker_heartbeat

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture(autouse=True)
def no_worker_check(settings):
    """The test settings' broker is the file broker (or CI's Redis); each test
    says which checks it wants."""
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.HEALTH_WORKER_HEARTBEAT_SECONDS = 0


def health(client, name="health"):
    response = client.get(reverse(name))
    return response, json.loads(response.content)


def test_all_well_answers_200_without_login(client):
    response, body = health(client)
    assert response.status_code == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_a_dead_cache_answers_503_and_says_no_more_than_which_check(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": DEAD_REDIS}}
    response, body = health(client)
    assert response.status_code == 503
    assert body == {"status": "failing", "checks": {"database": "ok", "cache": "failing"}}
    assert b"127.0.0.1" not in response.content
    assert b"redis" not in response.content.lower()


def test_a_dead_redis_broker_answers_503(client, settings):
    settings.CELERY_BROKER_URL = DEAD_REDIS
    response, body = health(client)
    assert response.status_code == 503
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "failing"}


def test_the_worker_heartbeat_must_be_recent(client, settings):
    settings.HEALTH_WORKER_HEARTBEAT_SECONDS = 180

    response, body = health(client)  # no worker has ever written one
    assert response.status_code == 503
    assert body["checks"]["worker"] == "failing"

    worker_heartbeat.delay()  # what beat queues every minute (in-process here)
    response, body = health(client)
    assert response.status_code == 200
    assert body["checks"] == {"database": "ok", "cache": "ok", "worker": "ok"}

    cache.set(HEARTBEAT_KEY, time.time() - 181, timeout=None)  # the worker stopped
    response, body = health(client)
    assert response.status_code == 503
    assert body["checks"]["worker"] == "failing"


def test_the_web_only_endpoint_leaves_the_worker_out(client, settings):
    """/health/web/ is what takes a web server out of the load balancer: a
    stopped worker must not take every web server out with it."""
    settings.HEALTH_WORKER_HEARTBEAT_SECONDS = 180
    settings.CELERY_BROKER_URL = DEAD_REDIS
    response, body = health(client, "health_web")
    assert response.status_code == 200
    assert body["checks"] == {"database": "ok", "cache": "ok"}


def test_plain_http_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("health")).status_code == 200
    assert client.get(reverse("login")).status_code == 301
