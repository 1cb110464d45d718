"""`make run PORT=...` (bin/serve.py): what the web server and the worker are
started with."""

import importlib.util
from pathlib import Path

from django.conf import settings


def _serve():
    path = Path(settings.BASE_DIR) / "bin" / "serve.py"
    spec = importlib.util.spec_from_file_location("serve", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_links_in_e_mails_point_at_the_port_served():
    env = _serve().child_environment("8101", {"PATH": "/usr/bin"})
    assert env["SITE_URL"] == "http://127.0.0.1:8101"
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.local"


def test_a_site_url_set_by_the_user_is_kept():
    env = _serve().child_environment("8101", {"SITE_URL": "https://casework.example.org"})
    assert env["SITE_URL"] == "https://casework.example.org"
