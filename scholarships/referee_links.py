"""A referee's private link: made for the invitation and the reminders, read
back when the referee opens it."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Referee

MSG_LETTER_ALREADY = _("A letter was already received through this link. Thank you.")
MSG_LINK_INVALID = _("This link is not valid. Use the link from the most recent e-mail.")
MSG_LINK_EXPIRED = _("This link has expired. Ask the applicant to invite you again.")
MSG_REFEREE_REPLACED = _("The applicant has named another referee; this link no longer works.")

REFEREE_SALT = "scholarships.referee-letter"


def referee_token(referee: Referee) -> str:
    return signing.dumps({"r": referee.pk}, salt=REFEREE_SALT, compress=True)


def referee_from_token(token: str) -> Referee:
    """The referee a link was made for, or ValidationError saying why not."""
    max_age = settings.REFEREE_LINK_MAX_AGE_DAYS * 86400
    try:
        data = signing.loads(token, salt=REFEREE_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ValidationError(MSG_LINK_EXPIRED, code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(MSG_LINK_INVALID, code="invalid") from exc
    referee = Referee.objects.select_related("application__call", "application__applicant").filter(
        pk=data.get("r")).first()
    if referee is None:
        raise ValidationError(MSG_LINK_INVALID, code="invalid")
    if referee.replaced_at:
        raise ValidationError(MSG_REFEREE_REPLACED, code="replaced")
    if referee.letter_received_at:
        raise ValidationError(MSG_LETTER_ALREADY, code="used")
    return referee
