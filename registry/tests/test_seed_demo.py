from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from registry.management.commands.seed_demo import DEMO_USERS
from registry.models import (
    Consent,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    IdentityDocument,
    Organisation,
    Person,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_logins_elsewhere(settings, tmp_path):
    # The command writes the demo logins under VAR_DIR; keep the real one untouched.
    settings.VAR_DIR = tmp_path


def counts():
    return {
        "users": get_user_model().objects.count(),
        "persons": Person.objects.count(),
        "documents": IdentityDocument.objects.count(),
        "households": Household.objects.count(),
        "members": HouseholdMember.objects.count(),
        "consents": Consent.objects.count(),
        "organisations": Organisation.objects.count(),
        "duplicates": DuplicateCandidate.objects.count(),
    }


def seed():
    call_command("seed_demo", persons=20, stdout=StringIO())


def test_seeding_twice_adds_nothing_the_second_time():
    seed()
    first = counts()
    seed()
    assert counts() == first
    # 20 persons, the demo users' own records, household members and two duplicates.
    assert first["persons"] >= 20 + len(DEMO_USERS)
    assert first["users"] == len(DEMO_USERS) + 1  # and the superuser


def test_each_demo_user_is_in_its_role_group_and_has_a_person():
    seed()
    User = get_user_model()
    for username, (role, is_staff, *_rest) in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff == is_staff
        assert user.person.email == user.email
    assert User.objects.get(username="admin").is_superuser


def test_the_demo_registry_has_duplicates_to_review():
    seed()
    reasons = set(DuplicateCandidate.objects.filter(
        status=DuplicateCandidate.Status.OPEN).values_list("reason", flat=True))
    assert reasons == {DuplicateCandidate.Reason.NAME_AND_BIRTH,
                       DuplicateCandidate.Reason.DOCUMENT}


def test_demo_persons_have_their_name_keys():
    seed()
    assert not Person.objects.filter(name_key="").exists()
    assert not IdentityDocument.objects.filter(number_key="").exists()
