import pytest
from django.core import mail

from registry.factories import PersonFactory
from scholarships import notifications
from scholarships.factories import RefereeFactory

pytestmark = pytest.mark.django_db


def test_plain_text_e_mails_keep_apostrophes_in_names():
    referee = RefereeFactory(
        name="Prof. Awa N'Diaye",
        application__applicant=PersonFactory(given_names="Mariama", family_name="N'Dour"))
    notifications.referee_invitation_send(referee_id=referee.pk)
    message = mail.outbox[-1]
    assert "N'Diaye" in message.body and "N'Dour" in message.subject
    assert "&#x27;" not in message.body + message.subject
