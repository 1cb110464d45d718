import copy

import pytest
from django.template import TemplateSyntaxError

from reminders import kinds, services

from .kinds import TEMPLATES, Escalation, FollowUp
from .mail import FlakyServer


@pytest.fixture
def test_kinds(settings):
    """Declare the two test kinds (and their templates) for one test."""
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    engine["OPTIONS"]["loaders"] = [
        ("django.template.loaders.locmem.Loader", TEMPLATES),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = [engine]
    kinds.register(FollowUp)
    kinds.register(Escalation)
    yield kinds.get(FollowUp.code), kinds.get(Escalation.code)
    kinds.unregister(FollowUp.code)
    kinds.unregister(Escalation.code)


@pytest.fixture
def flaky_server(settings):
    """The mail server behind the outbox refuses the next FlakyServer.failures messages."""
    settings.OUTBOX_DELIVERY_BACKEND = "reminders.tests.mail.FlakyServer"
    FlakyServer.failures = 0
    yield FlakyServer
    FlakyServer.failures = 0


BROKEN = "Invalid block tag on line 3: 'endblocktranslate'"


class BrokenTemplate:
    failures = 0


@pytest.fixture
def render_fails(monkeypatch):
    """The next BrokenTemplate.failures reminders do not render (a translator
    broke a tag): what now leaves a reminder failed, since the mail server is
    the outbox's business."""
    real = services.reminder_message

    def render(*args, **kwargs):
        if BrokenTemplate.failures > 0:
            BrokenTemplate.failures -= 1
            raise TemplateSyntaxError(BROKEN)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "reminder_message", render)
    BrokenTemplate.failures = 0
    yield BrokenTemplate
    BrokenTemplate.failures = 0
