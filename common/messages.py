"""Error messages the forms of several apps share, so that the sign-up
(accounts) and the registry's person forms say the same thing in the same
words (one msgid, one translation)."""

from django.utils.translation import gettext_lazy as _

MSG_NAME_REQUIRED = _("Give at least one name: a given name or a family name.")
MSG_BIRTH_IN_FUTURE = _("The date of birth cannot be in the future.")
MSG_BAD_EMAIL = _("Enter a valid e-mail address, such as name@example.org.")
