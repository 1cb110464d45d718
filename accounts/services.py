"""Applicant accounts: signing up, confirming the e-mail address, and giving
the account a registry Person of its own.

The flow: account_signup creates an inactive user and e-mails a signed link;
account_confirm (the link) activates the user, creates a new Person for it,
records the consent given on the sign-up form and grants the applicant role.
Until then no Person exists: an address nobody confirms leaves only an
inactive login behind.

A sign-up is never tied to a Person already in the registry, however well the
name, date of birth or e-mail address agree: those are things an impostor can
know (a returnee's name and birth date are on many papers), and tying the
login would hand them the record, its contact details and its documents. The
registry's duplicate check (registry.services.duplicates_flag, run by
person_create) puts a likely pair in front of an administrator, who may merge
them after checking who is who.

Where the sign-up details wait for the confirmation: the names and the address
on the inactive User; the date of birth, the chosen language, the version of
the privacy notice agreed to and the page to return to inside the signed link
(django.core.signing: readable by whoever holds the link, which is the
address's owner, but not changeable).
"""

import datetime
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from . import hooks
from .roles import Role

logger = logging.getLogger(__name__)

SIGNUP_SALT = "accounts.signup"
# Used only when settings.SIGNUP_LINK_MAX_AGE_HOURS is not set.
DEFAULT_SIGNUP_LINK_MAX_AGE_HOURS = 48

MSG_LINK_INVALID = _(
    "This confirmation link is not valid. It may have been cut when it was copied, or a "
    "newer link was sent since. Ask for a new link below."
)
MSG_LINK_EXPIRED = _("This confirmation link has expired. Ask for a new link below.")
MSG_ALREADY_CONFIRMED = _(
    "This account is already confirmed and the link has been used. Log in with your e-mail "
    "address and password."
)


class SignupLinkError(Exception):
    """A confirmation link that cannot be used. `message` says why, in words
    for the person holding it; `token` is kept when its details can be sent
    again in a new link (an expired link)."""

    message = MSG_LINK_INVALID

    def __init__(self, token: str = ""):
        super().__init__(str(self.message))
        self.token = token


class SignupLinkInvalid(SignupLinkError):
    message = MSG_LINK_INVALID


class SignupLinkExpired(SignupLinkError):
    message = MSG_LINK_EXPIRED


class SignupAlreadyConfirmed(SignupLinkError):
    message = MSG_ALREADY_CONFIRMED


# What account_signup and account_signup_resend did. The pages say the same
# thing whatever happened (nobody learns which addresses have an account);
# the outcome is for tests and logs.
SENT_CONFIRMATION = "confirmation"
SENT_ACCOUNT_EXISTS = "account_exists"
SENT_RESTART = "restart"
SENT_NOTHING = "nothing"


@dataclass(frozen=True)
class Confirmation:
    user: object
    person: object  # always a new registry person
    next_url: str


def signup_link_max_age() -> datetime.timedelta:
    hours = getattr(settings, "SIGNUP_LINK_MAX_AGE_HOURS", DEFAULT_SIGNUP_LINK_MAX_AGE_HOURS)
    return datetime.timedelta(hours=hours)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def link_with_next(path: str, next_url: str, **params) -> str:
    query = {k: v for k, v in {**params, "next": next_url}.items() if v}
    return f"{path}?{urlencode(query)}" if query else path


def _language(code: str) -> str:
    codes = [c for c, _name in settings.LANGUAGES]
    return code if code in codes else settings.LANGUAGE_CODE


def _state_stamp(user) -> str:
    """Changes whenever the account does: a new sign-up over a pending one
    (new password), the activation, the first login. A link carries the stamp
    of its moment, so it works once and only the newest one works."""
    value = f"{user.pk}|{user.password}|{user.is_active}|{user.last_login}"
    return salted_hmac(SIGNUP_SALT + ".state", value).hexdigest()[:20]


def _is_pending(user) -> bool:
    """An account created by a sign-up and never confirmed. Anything else that
    is inactive (an account staff switched off, a staff account not yet in
    use) is never touched by the sign-up pages."""
    return (not user.is_active and user.last_login is None and not user.is_staff
            and not user.is_superuser and not user.groups.exists()
            and not type(user).objects.filter(pk=user.pk, person__isnull=False).exists())


def signup_token(user, *, birth_date: datetime.date, preferred_language: str,
                 notice_version: str, next_url: str = "") -> str:
    payload = {"u": user.pk, "s": _state_stamp(user), "b": birth_date.isoformat(),
               "l": preferred_language, "pv": notice_version}
    if next_url:
        payload["n"] = next_url
    return signing.dumps(payload, salt=SIGNUP_SALT, compress=True)


def _active_account(email: str):
    User = get_user_model()
    return (User.objects.filter(is_active=True)
            .filter(Q(username__iexact=email) | Q(email__iexact=email))
            .select_related("person").order_by("pk").first())


# --- e-mails ----------------------------------------------------------------------------

def _send_after_commit(*, to: str, language: str, template: str, context: dict) -> None:
    """Render now, in the recipient's language, and hand the e-mail to the
    outbox in the sign-up's transaction: it leaves only if the sign-up
    commits, and only the outbox row's id goes on the broker (not the body
    with its link)."""
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}.txt", context)
    subject = " ".join(subject.split())
    EmailMessage(subject, body, to=[to], headers={"X-Casework-Kind": f"accounts.{template}"}).send()


def _send_confirmation(user, *, birth_date, preferred_language, notice_version,
                       next_url) -> None:
    token = signup_token(user, birth_date=birth_date, preferred_language=preferred_language,
                         notice_version=notice_version, next_url=next_url)
    hours = int(signup_link_max_age().total_seconds() // 3600)
    _send_after_commit(
        to=user.email, language=preferred_language, template="signup_confirm",
        context={"name": user.get_full_name() or user.email, "hours": hours,
                 "link": _absolute(reverse("accounts:signup_confirm", args=[token]))},
    )


def _send_account_exists(user, *, language: str, next_url: str) -> None:
    person = getattr(user, "person", None)
    if person is not None and person.preferred_language:
        language = person.preferred_language
    reset = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    })
    _send_after_commit(
        to=user.email or user.username, language=language, template="account_exists",
        context={"name": person.full_name if person else user.get_full_name(),
                 "username": user.get_username(),
                 "login_link": _absolute(link_with_next(reverse("login"), next_url)),
                 "reset_link": _absolute(reset)},
    )


# --- signing up ---------------------------------------------------------------------------

@transaction.atomic
def account_signup(*, email: str, password: str, given_names: str, family_name: str,
                   birth_date: datetime.date, preferred_language: str,
                   notice_version: str, next_url: str = "") -> str:
    """Create an inactive account and e-mail the confirmation link. `next_url`
    must already be checked as safe by the caller (a path on this site).
    `notice_version` is the version of the privacy notice the person agreed
    to on the form; the link carries it, and the consent is recorded with it
    when the address is confirmed.

    An address that already has an active account gets an e-mail saying so,
    with a way to set a new password, and no second account is made. A new
    sign-up over one never confirmed replaces it: the latest password and
    details count, and earlier links stop working."""
    email = email.strip().lower()
    preferred_language = _language(preferred_language)
    existing = _active_account(email)
    if existing is not None:
        # Hash anyway: answering faster for a known address would tell it apart.
        make_password(password)
        _send_account_exists(existing, language=preferred_language, next_url=next_url)
        return SENT_ACCOUNT_EXISTS

    User = get_user_model()
    user = User.objects.select_for_update().filter(username=email).first()
    if user is not None and not _is_pending(user):
        logger.warning("Sign-up for %s refused: an inactive account that is not a pending "
                       "sign-up has this username.", user.pk)
        return SENT_NOTHING
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=email, email=email, is_active=False)
        except IntegrityError:
            # Two sign-ups for one address at the same moment: the other one won,
            # and its link is on the way to the same mailbox.
            return SENT_NOTHING
    user.email = email
    user.first_name = given_names.strip()
    user.last_name = family_name.strip()
    user.set_password(password)
    user.save()
    _send_confirmation(user, birth_date=birth_date, preferred_language=preferred_language,
                       notice_version=notice_version, next_url=next_url)
    return SENT_CONFIRMATION


def _read_token(token: str, *, max_age) -> dict:
    payload = signing.loads(token, salt=SIGNUP_SALT, max_age=max_age)
    # "pv", the privacy notice version agreed to: a link without it (sent
    # before consent was asked for) cannot record the consent, and is refused.
    if not isinstance(payload, dict) or not {"u", "s", "b", "l", "pv"} <= payload.keys():
        raise signing.BadSignature("incomplete sign-up link")
    return payload


@transaction.atomic
def account_signup_resend(*, email: str, token: str = "", language: str = "",
                          next_url: str = "") -> str:
    """A new confirmation link for an address. With the expired link it came
    from, the new link carries the same details; without one (link lost or
    damaged), the e-mail asks to fill in the sign-up form again, because the
    date of birth travelled only in the link."""
    email = email.strip().lower()
    language = _language(language)
    existing = _active_account(email)
    if existing is not None:
        _send_account_exists(existing, language=language, next_url=next_url)
        return SENT_ACCOUNT_EXISTS
    user = get_user_model().objects.select_for_update().filter(username=email).first()
    if user is None or not _is_pending(user):
        return SENT_NOTHING
    payload = None
    if token:
        try:
            payload = _read_token(token, max_age=None)
        except signing.BadSignature:
            payload = None
    if (payload and payload["u"] == user.pk
            and constant_time_compare(payload["s"], _state_stamp(user))):
        _send_confirmation(
            user, birth_date=datetime.date.fromisoformat(payload["b"]),
            preferred_language=_language(payload["l"]), notice_version=payload["pv"],
            next_url=payload.get("n", ""),
        )
        return SENT_CONFIRMATION
    signup = link_with_next(reverse("accounts:signup"), next_url, email=email)
    _send_after_commit(
        to=user.email, language=language, template="signup_restart",
        context={"name": user.get_full_name() or user.email, "link": _absolute(signup)},
    )
    return SENT_RESTART


# --- confirming -----------------------------------------------------------------------------

def _applicant_group() -> Group:
    group, _created = Group.objects.get_or_create(name=Role.APPLICANT)
    return group


@transaction.atomic
def _usable_link(token: str, *, lock: bool):
    """The pending user and payload of a confirmation link, or the
    SignupLinkError saying why it cannot be used."""
    try:
        payload = _read_token(token, max_age=signup_link_max_age())
    except signing.SignatureExpired:
        raise SignupLinkExpired(token) from None
    except signing.BadSignature:
        raise SignupLinkInvalid() from None

    users = get_user_model().objects
    user = (users.select_for_update() if lock else users).filter(pk=payload["u"]).first()
    if user is None:
        raise SignupLinkInvalid()
    if not constant_time_compare(payload["s"], _state_stamp(user)):
        # Used already (a double tap), or replaced by a newer sign-up.
        if user.is_active:
            raise SignupAlreadyConfirmed()
        raise SignupLinkInvalid()
    if not _is_pending(user):
        raise SignupLinkInvalid()
    return user, payload


def signup_link_check(*, token: str) -> None:
    """Raise the SignupLinkError of a link that cannot be used; change nothing."""
    _usable_link(token, lock=False)


@transaction.atomic
def account_confirm(*, token: str) -> Confirmation:
    """Activate the account of a confirmation link, give it a new registry
    person, record the consent given on the sign-up form and make it an
    applicant. Raises a SignupLinkError subclass when the link cannot be used.
    Logging in is the caller's part.

    Never links an existing person (see the module docstring): a likely match
    only lands in the duplicate queue (registry.services.person_create_for_account)."""
    user, payload = _usable_link(token, lock=True)

    born = datetime.date.fromisoformat(payload["b"])
    language = _language(payload["l"])

    user.is_active = True
    user.save(update_fields=["is_active"])
    user.groups.add(_applicant_group())

    person = hooks.persons().create_for_account(
        user=user, birth_date=born, language=language, notice_version=payload["pv"])
    return Confirmation(user=user, person=person, next_url=payload.get("n", ""))


def expired_link_details(token: str) -> tuple[str, str]:
    """The address a genuine but expired link was sent to and the page it was
    to return to, to fill in the form that asks for a new link. Empty strings
    for anything else."""
    try:
        payload = _read_token(token, max_age=None)
    except signing.BadSignature:
        return "", ""
    user = get_user_model().objects.filter(pk=payload["u"]).first()
    if user is None or not _is_pending(user):
        return "", ""
    return user.email, payload.get("n", "")
