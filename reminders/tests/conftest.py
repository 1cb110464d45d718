import copy

import pytest

from reminders import kinds

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
    """The mail server of the tests refuses the next FlakyServer.failures messages."""
    settings.EMAIL_BACKEND = "reminders.tests.mail.FlakyServer"
    FlakyServer.failures = 0
    yield FlakyServer
    FlakyServer.failures = 0
