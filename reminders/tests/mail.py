"""A mail server for tests: refuses the next `failures` messages with a
transient error, as a server being restarted does, then accepts them (into
django.core.mail.outbox, as the locmem backend does)."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends import locmem


class FlakyServer(locmem.EmailBackend):
    failures = 0

    def send_messages(self, messages):
        if FlakyServer.failures > 0:
            FlakyServer.failures -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
