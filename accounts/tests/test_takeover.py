"""A sign-up never hands over someone already in the registry.

The attack this guards against: someone who knows a returnee's names and date
of birth (they are on many papers) signs up under them with an address of
their own. If the new login were tied to the returnee's registry record, it
would show the returnee's contact details, let the impostor change the phone
number the caseworker calls, and serve the passport scans. The sign-up must
create a new person instead, and leave the likely pair to an administrator.
"""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.roles import Role
from registry.factories import IdentityDocumentFactory, UserFactory
from registry.models import DuplicateCandidate, IdentityDocument, Person, Side
from reintegration.factories import PDF, CaseFactory, ReturneeFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

User = get_user_model()
# Names no factory pool holds, so random factory data cannot collide with them.
GIVEN, FAMILY = "Oumou", "Sangaré-Kourouma"
BORN = datetime.date(1991, 8, 23)
RETURNEE_EMAIL = "oumou.sk@example.net"
RETURNEE_PHONE = "+32470918273"
NEW_EMAIL = "o.sangare.new@example.org"
PASSWORD = "Baobab-river-2031"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm/[^/\s]+/)")


def make_returnee(*, birth_date=BORN, precision=Person.BirthDatePrecision.DAY):
    """A returnee with an open case, a phone, an e-mail address and a scanned
    passport added by the reintegration side; no login account."""
    returnee = ReturneeFactory(
        given_names=GIVEN, family_name=FAMILY, birth_date=birth_date,
        birth_date_precision=precision, email=RETURNEE_EMAIL, phone=RETURNEE_PHONE,
        user=None, passport=False,
    )
    case = CaseFactory(principal=returnee)
    passport = IdentityDocumentFactory(
        person=returnee, kind=IdentityDocument.Kind.PASSPORT, side=Side.REINTEGRATION,
        scan=ContentFile(PDF, name="passport.pdf"), scan_content_type="application/pdf",
    )
    return returnee, case, [passport]


def sign_up_and_confirm(client, django_capture_on_commit_callbacks, *, email=NEW_EMAIL):
    """The attacker's part: the sign-up form, then the link in the mailbox."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), {
            "given_names": GIVEN, "family_name": FAMILY, "birth_date": BORN.isoformat(),
            "email": email, "password1": PASSWORD, "password2": PASSWORD,
            "preferred_language": "en", "privacy_consent": "on",
        })
    assert response.status_code == 302, response.context and response.context["form"].errors
    [message] = mail.outbox
    path = CONFIRM_LINK.search(message.body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(path).status_code == 302
    return User.objects.get(username=email)


def assert_nothing_of_the_returnee_is_handed_over(client, user, returnee, case, documents):
    returnee.refresh_from_db()
    new = Person.objects.get(user=user)
    assert new.pk != returnee.pk
    assert returnee.user is None

    # The profile shows the new record only.
    html = client.get(reverse("accounts:profile")).content.decode()
    assert new.reference in html
    secrets = [returnee.reference, RETURNEE_PHONE, "+32 470 91 82 73", "0470 91 82 73"]
    if user.email != RETURNEE_EMAIL:  # else it is the login's own address, shown as such
        secrets.append(RETURNEE_EMAIL)
    for secret in secrets:
        assert secret not in html

    # Saving the profile changes the new record only.
    response = client.post(reverse("accounts:profile"), {
        "given_names": GIVEN, "family_name": FAMILY, "name_original_script": "",
        "birth_date": BORN.isoformat(), "birth_date_precision": "day",
        "sex": Person.Sex.FEMALE, "nationalities": ["GN"], "country_of_residence": "BE",
        "phone": "+32499000111", "preferred_language": "en",
    })
    assert response.status_code == 302, response.context["form"].errors
    new.refresh_from_db()
    returnee.refresh_from_db()
    assert str(new.phone) == "+32499000111"
    assert str(returnee.phone) == RETURNEE_PHONE

    # Walking the document ids gives nothing.
    for document in documents:
        url = reverse("registry:document_scan", args=[document.pk])
        assert client.get(url).status_code == 404
    # Nor does the case page.
    assert client.get(reverse("reintegration:case_detail", args=[case.pk])).status_code in (
        403, 404)

    # The pair is in front of an administrator.
    pair = DuplicateCandidate.objects.get(
        person_a_id=min(new.pk, returnee.pk), person_b_id=max(new.pk, returnee.pk))
    assert pair.status == DuplicateCandidate.Status.OPEN
    assert pair.reason == DuplicateCandidate.Reason.NAME_AND_BIRTH


def test_the_returnee_s_caseworker_does_see_the_scan_and_the_case(client):
    # The 404s below mean something: the same URLs work for those who may see them.
    returnee, case, [passport] = make_returnee()
    client.force_login(case.caseworker)
    assert client.get(reverse("registry:document_scan", args=[passport.pk])).status_code == 200
    assert client.get(reverse("reintegration:case_detail", args=[case.pk])).status_code == 200


def test_same_names_and_birth_date_with_a_new_address_get_a_new_person(
    client, django_capture_on_commit_callbacks
):
    returnee, case, documents = make_returnee()
    user = sign_up_and_confirm(client, django_capture_on_commit_callbacks)
    assert_nothing_of_the_returnee_is_handed_over(client, user, returnee, case, documents)


def test_a_returnee_born_in_a_known_year_only_is_not_handed_over(
    client, django_capture_on_commit_callbacks
):
    returnee, case, documents = make_returnee(
        birth_date=datetime.date(BORN.year, 1, 1), precision=Person.BirthDatePrecision.YEAR)
    user = sign_up_and_confirm(client, django_capture_on_commit_callbacks)
    assert_nothing_of_the_returnee_is_handed_over(client, user, returnee, case, documents)


def test_the_returnee_s_own_address_without_a_login_still_gets_a_new_person(
    client, django_capture_on_commit_callbacks
):
    # Controlling the mailbox does not prove who someone is: a family's or a
    # cyber café's address is shared, and an address can be taken over.
    returnee, case, documents = make_returnee()
    user = sign_up_and_confirm(client, django_capture_on_commit_callbacks,
                               email=RETURNEE_EMAIL)
    assert user.person.email == RETURNEE_EMAIL
    assert_nothing_of_the_returnee_is_handed_over(client, user, returnee, case, documents)


def test_an_address_with_an_active_account_gets_the_account_exists_mail_only(
    client, django_capture_on_commit_callbacks
):
    returnee, _case, _documents = make_returnee()
    owner = UserFactory(username=RETURNEE_EMAIL, email=RETURNEE_EMAIL, roles=[Role.APPLICANT])
    returnee.user = owner
    # The mail goes in the person's language; the factory draws one at random.
    returnee.preferred_language = "en"
    returnee.save(update_fields=["user", "preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), {
            "given_names": GIVEN, "family_name": FAMILY, "birth_date": BORN.isoformat(),
            "email": RETURNEE_EMAIL, "password1": PASSWORD, "password2": PASSWORD,
            "preferred_language": "en", "privacy_consent": "on",
        })
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "You already have an account"
    assert not CONFIRM_LINK.search(message.body)
    assert User.objects.filter(email__iexact=RETURNEE_EMAIL).count() == 1
    owner.refresh_from_db()
    assert owner.check_password("correct-horse-battery")
    assert Person.objects.filter(user__isnull=False).count() == 1
    assert "_auth_user_id" not in client.session
