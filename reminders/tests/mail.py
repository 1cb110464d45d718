"""A mail server for tests: refuses the next `failures` messages with a
transient error, as a server being restarted does, then accepts them (into
django.core.mail.outbox, as the locmem backend does)."""

import os
import time
from smtplib import SMTPServerDisconnected

from django.core.mail.backends import filebased, locmem


class FlakyServer(locmem.EmailBackend):
    failures = 0

    def send_messages(self, messages):
        if FlakyServer.failures > 0:
            FlakyServer.failures -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class SlowServer(locmem.EmailBackend):
    """A mail server that takes `delay` seconds to accept each message."""

    delay = 0.0

    def send_messages(self, messages):
        time.sleep(SlowServer.delay)
        return super().send_messages(messages)


class SlowFileServer(filebased.EmailBackend):
    """The file backend behind a slow mail server: it waits
    TEST_EMAIL_DELAY_SECONDS before accepting each message. The worker tests
    kill a worker while it waits (tests/test_reminders_worker.py)."""

    def send_messages(self, messages):
        time.sleep(float(os.environ.get("TEST_EMAIL_DELAY_SECONDS", "0")))
        return super().send_messages(messages)
