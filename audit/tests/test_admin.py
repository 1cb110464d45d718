"""The read log in the admin (read only), and the history of users, teams,
partner desks, criteria and required documents."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import ReadEvent
from audit.services import record_read
from registry.factories import UserFactory
from reintegration.factories import TeamFactory
from scholarships.factories import CallFactory
from scholarships.models import Criterion

pytestmark = pytest.mark.django_db


def test_the_dpo_reads_the_log_in_the_admin_but_cannot_change_it(client):
    dpo = UserFactory(roles=[Role.DPO], is_staff=True)
    event = record_read(user=dpo, action=ReadEvent.Action.VIEW, model="registry.person",
                        object_id=1, person_id=1)
    client.force_login(dpo)
    assert client.get(reverse("admin:audit_readevent_changelist")).status_code == 200
    page = client.get(reverse("admin:audit_readevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(reverse("admin:audit_readevent_delete", args=[event.pk]),
                       {"post": "yes"}).status_code == 403
    assert ReadEvent.objects.filter(pk=event.pk).exists()


def test_history_pages_of_users_teams_and_criteria(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    team = TeamFactory()
    call = CallFactory()
    criterion = Criterion.objects.filter(call=call).first() or Criterion.objects.create(
        call=call, order=1, name="Relevance", weight=1, scale_max=5)
    for url in [
        reverse("admin:auth_user_history", args=[team.supervisor.pk]),
        reverse("admin:reintegration_team_history", args=[team.pk]),
        reverse("admin:scholarships_criterion_history", args=[criterion.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("admin:scholarships_call_change", args=[call.pk])).content.decode()
    assert reverse("admin:scholarships_criterion_history", args=[criterion.pk]) in page
