"""Request ids and logs: every answer carries an X-Request-ID, every log line
written during the request carries the same id (text locally, one JSON object
per line in production), and a task queued by the request logs it too.
Error reporting (Sentry) stays off, and not even imported, without SENTRY_DSN."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
import uuid
from logging.config import DictConfigurator
from pathlib import Path

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django_guid import clear_guid, get_guid, set_guid

ROOT = Path(__file__).resolve().parent.parent
HEX32 = re.compile(r"^[0-9a-f]{32}$")

pytestmark = pytest.mark.django_db


def test_every_answer_carries_a_request_id_of_its_own(client):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")
    assert HEX32.match(first["X-Request-ID"])
    assert HEX32.match(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_an_id_nginx_sent_is_kept_and_anything_else_replaced(client):
    sent = uuid.uuid4().hex
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID=sent)["X-Request-ID"] == sent
    forged = client.get("/accounts/login/", HTTP_X_REQUEST_ID="x\nFAKE log line")
    assert HEX32.match(forged["X-Request-ID"])


@pytest.fixture
def console():
    """The root logger's console handler as the settings built it, writing to a buffer."""
    handler = next(h for h in logging.getLogger().handlers
                   if isinstance(h, logging.StreamHandler)
                   and any(type(f).__name__ == "CorrelationId" for f in h.filters))
    buffer = io.StringIO()
    old_stream, old_formatter = handler.setStream(buffer), handler.formatter
    yield handler, buffer
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)


def test_a_log_line_written_during_a_request_carries_its_id(client, console):
    handler, buffer = console
    response = client.get("/no-such-page/")  # django.request logs "Not Found"
    assert response.status_code == 404
    line = next(line for line in buffer.getvalue().splitlines() if "Not Found" in line)
    assert f"[{response['X-Request-ID']}]" in line


def test_the_json_format_is_one_object_per_line_with_the_request_id(client, console):
    handler, buffer = console
    handler.setFormatter(DictConfigurator({}).configure_formatter(
        dict(settings.LOGGING["formatters"]["json"])))
    response = client.get("/no-such-page/")
    records = [json.loads(line) for line in buffer.getvalue().splitlines()]
    record = next(r for r in records if r["message"].startswith("Not Found"))
    assert record["request_id"] == response["X-Request-ID"]
    assert record["level"] == "WARNING"
    assert record["logger"] == "django.request"
    assert "time" in record


def test_a_task_queued_during_a_request_carries_the_request_id():
    """ops/apps.py: the id goes into the message headers when a task is queued
    (a worker sets it again before running the task)."""
    set_guid("0" * 31 + "7")
    try:
        headers = {}
        before_task_publish.send(sender="ops.tasks.worker_heartbeat", headers=headers,
                                 body=(), exchange="", routing_key="celery")
        assert headers["request_id"] == "0" * 31 + "7"
    finally:
        clear_guid()
    assert get_guid() is None


# --- Sentry --------------------------------------------------------------------------

SENTRY_PROBE = textwrap.dedent("""
    import sys
    import django
    django.setup()
    print("imported" if "sentry_sdk" in sys.modules else "not imported")
""")


def settings_process(tmp_path, **environment):
    inherited = {k: v for k, v in os.environ.items()
                 if k not in ("SENTRY_DSN", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(
        [sys.executable, "-c", SENTRY_PROBE], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "config.settings.local",
             "VAR_DIR": str(tmp_path), **environment})


def test_without_a_dsn_sentry_is_neither_imported_nor_initialised(tmp_path):
    done = settings_process(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "not imported"


def test_with_a_dsn_sentry_starts_without_personal_data(tmp_path):
    """A stand-in sentry_sdk records what the settings ask of it."""
    fake = tmp_path / "fake"
    (fake / "sentry_sdk").mkdir(parents=True)
    (fake / "sentry_sdk" / "__init__.py").write_text(textwrap.dedent("""
        import json, os
        def init(**options):
            with open(os.environ["SENTRY_PROBE_FILE"], "w") as out:
                json.dump(options, out)
    """))
    probe = tmp_path / "init.json"
    done = settings_process(tmp_path, SENTRY_DSN="https://key@sentry.example.org/1",
                            SENTRY_PROBE_FILE=str(probe),
                            PYTHONPATH=os.pathsep.join([str(fake), str(ROOT)]))
    assert done.returncode == 0, done.stderr
    options = json.loads(probe.read_text())
    assert options["dsn"] == "https://key@sentry.example.org/1"
    assert options["send_default_pii"] is False
