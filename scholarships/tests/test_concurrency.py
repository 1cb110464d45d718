"""Two tabs or a double click submitting at the same moment, on PostgreSQL
with real connections (SQLite serialises whole transactions, which proves
nothing)."""

import threading

import pytest
from django.db import connection

from registry.factories import UserFactory
from scholarships import services
from scholarships.factories import CompleteApplicationFactory
from scholarships.models import Application, ApplicationTransition

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_submissions_submit_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks between connections")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    actor = UserFactory()
    application = CompleteApplicationFactory(applicant__user=actor)
    barrier = threading.Barrier(3)
    errors = []

    def submit():
        try:
            barrier.wait()
            services.application_submit(actor=actor, application=application)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ApplicationTransition.objects.filter(application=application).count() == 1
    assert Application.objects.get(pk=application.pk).reference.endswith("-00001")
