#!/usr/bin/env python
"""Serve the whole system in the foreground: the Django web server and a Celery
worker with beat. Ctrl-C (or SIGTERM) stops both cleanly."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_LOGINS = ROOT / "var" / "demo-logins.txt"


def child_environment(port, environ) -> dict:
    """The environment of the web server and the worker. Links in e-mails
    (SITE_URL) point at the port actually served, unless SITE_URL is set:
    `make run PORT=8101` must not send links to :8000."""
    return {
        **environ,
        "DJANGO_SETTINGS_MODULE": environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
        "SITE_URL": environ.get("SITE_URL") or f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    args = parser.parse_args()
    python = sys.executable
    env = child_environment(args.port, os.environ)
    children = [
        subprocess.Popen(
            [python, "-m", "celery", "-A", "config", "worker", "--beat", "--loglevel", "INFO",
             "--concurrency", "2", "--hostname", "casework@%h"],
            cwd=ROOT, env=env,
        ),
        subprocess.Popen(
            [python, "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload"],
            cwd=ROOT, env=env,
        ),
    ]
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    time.sleep(2)
    if DEMO_LOGINS.exists():
        print("\n" + DEMO_LOGINS.read_text(), flush=True)
    print(f"Serving on http://127.0.0.1:{args.port}/ with a Celery worker and beat. "
          "Press Ctrl-C to stop.", flush=True)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
    return 1 if failed and not stopping else 0


if __name__ == "__main__":
    sys.exit(main())
