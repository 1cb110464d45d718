import pytest

from .sink import Sink

OUTBOX = "outbox.backends.OutboxBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def outbox_backend(settings):
    """EMAIL_BACKEND is the outbox here (the other apps' tests keep locmem,
    config/settings/test.py); it delivers into django.core.mail.outbox."""
    settings.EMAIL_BACKEND = OUTBOX
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Casework <noreply@casework.example.org>"
    return settings


@pytest.fixture
def smtp_sink(outbox_backend):
    """A real SMTP server behind the outbox."""
    with Sink() as sink:
        outbox_backend.OUTBOX_DELIVERY_BACKEND = SMTP
        outbox_backend.EMAIL_HOST = "127.0.0.1"
        outbox_backend.EMAIL_PORT = sink.port
        outbox_backend.EMAIL_USE_TLS = outbox_backend.EMAIL_USE_SSL = False
        outbox_backend.EMAIL_HOST_USER = outbox_backend.EMAIL_HOST_PASSWORD = ""
        yield sink.handler
