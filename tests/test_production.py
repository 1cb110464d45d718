"""The production settings as an operator uses them: the deploy checks pass and
`collectstatic` (the first step of the README's production section) succeeds.

Both run `manage.py` in a fresh process with config.settings.production and a
real secret, as a deployment would; nothing here touches a database."""

import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def production_manage(tmp_path: Path, *arguments: str,
                      **environ_overrides: str) -> subprocess.CompletedProcess:
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is theirs, not a deployment's.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "casework.example.org",
        "DATABASE_URL": "postgres://casework@db.example.org:5432/casework",
        "REDIS_URL": "redis://redis.example.org:6379/0",
        "EMAIL_URL": "smtp+tls://casework:secret@smtp.example.org:587",
        "SITE_URL": "https://casework.example.org",
        "VAR_DIR": str(tmp_path),
        **environ_overrides,
    }
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=120)


def test_deploy_checks_pass_with_production_settings(tmp_path):
    done = production_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_collectstatic_with_the_production_storage(tmp_path):
    """The manifest storage follows every url() and sourceMappingURL in the CSS
    and JS; one that points at a file not shipped stops the deployment."""
    done = production_manage(tmp_path, "collectstatic", "--noinput", "-v", "0")
    assert done.returncode == 0, done.stdout + done.stderr
    static = tmp_path / "static"
    manifest = (static / "staticfiles.json").read_text()
    assert "vendor/bootstrap/bootstrap.min.css" in manifest
    assert list(static.glob("vendor/bootstrap/bootstrap.min.*.css.gz")), "compressed copy"


def test_production_pages_carry_the_content_security_policy(tmp_path):
    """Every response of a production server states the policy (django-csp),
    and one that answers a form is never stored. A request that needs neither a
    database nor collected static files: the language switcher's POST."""
    code = (
        "from django.test import Client\n"
        "response = Client().post('/i18n/setlang/', {'language': 'fr', 'next': '/'},"
        " secure=True, HTTP_HOST='casework.example.org')\n"
        "print('STATUS', response.status_code)\n"
        "print('CSP', response.get('Content-Security-Policy', ''))\n"
        "print('CACHE', response.get('Cache-Control', ''))\n"
    )
    done = production_manage(tmp_path, "shell", "-c", code)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert lines["STATUS"] == "302", done.stdout
    policy = lines["CSP"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                      "base-uri 'self'", "frame-ancestors 'none'", "form-action 'self'",
                      "img-src 'self' data:"):
        assert directive in policy, policy
    assert "unsafe-inline" not in policy
    assert "no-store" in lines["CACHE"]


def test_seed_demo_commands_refuse_to_run_with_production_settings(tmp_path):
    """Made-up persons never mix with real ones: each seeder stops with a clear
    message and writes nothing. (An empty SQLite file stands in for the
    production database: the seeders open their transaction before the check.)"""
    database = tmp_path / "production.sqlite3"
    for command in ("seed_demo", "seed_demo_scholarships", "seed_demo_reintegration",
                    "seed_bench"):
        done = production_manage(tmp_path, command, DATABASE_URL=f"sqlite:///{database}")
        assert done.returncode == 1, command + done.stdout + done.stderr
        assert "CommandError: Demo data is not allowed with these settings" in done.stderr, (
            command + done.stderr)
        assert "nothing was written" in done.stderr
    if database.exists():
        with sqlite3.connect(database) as connection:
            tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
        assert tables == []


REQUIRED = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
            "EMAIL_URL", "SITE_URL")


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without_each_required_variable(tmp_path, missing):
    """Not SQLite, the file broker, a per-process cache or console mail in
    silence: the start stops and says which variable is missing."""
    done = production_manage(tmp_path, "check", **{missing: ""})
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), done.stderr
    assert missing in last
    assert [name for name in REQUIRED if name in last] == [missing]


def test_one_message_names_every_missing_variable(tmp_path):
    done = production_manage(tmp_path, "check", **dict.fromkeys(REQUIRED, ""))
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last == ("django.core.exceptions.ImproperlyConfigured: Production settings need "
                    "these environment variables, which are not set: DJANGO_SECRET_KEY, "
                    "DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, EMAIL_URL, SITE_URL. "
                    "See docs/production.md.")


def test_production_logs_one_json_object_per_line_with_the_request_id(tmp_path):
    code = (
        "import logging\n"
        "from django_guid import set_guid\n"
        "set_guid('5' * 32)\n"
        "logging.getLogger('casework').warning('probe %s', 42)\n"
    )
    done = production_manage(tmp_path, "shell", "-c", code)
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads(next(line for line in done.stderr.splitlines() if "probe" in line))
    assert record["message"] == "probe 42"
    assert record["request_id"] == "5" * 32
    assert record["level"] == "WARNING"
