"""The production settings as an operator uses them: the deploy checks pass and
`collectstatic` (the first step of the README's production section) succeeds.

Both run `manage.py` in a fresh process with config.settings.production and a
real secret, as a deployment would; nothing here touches a database."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_manage(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
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
        "VAR_DIR": str(tmp_path),
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
