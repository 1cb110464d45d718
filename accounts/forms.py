"""Forms of the account pages. They check what was typed; accounts.services
decides and writes."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.messages import MSG_BAD_EMAIL, MSG_BIRTH_IN_FUTURE, MSG_NAME_REQUIRED

MSG_PASSWORDS_DIFFER = _("The two passwords are not the same. Type the same password twice.")
MSG_BIRTH_REQUIRED = _("Give your date of birth.")
MSG_EMAIL_REQUIRED = _("Give the e-mail address where we can write to you.")
MSG_PASSWORD_REQUIRED = _("Choose a password.")
MSG_PRIVACY_REQUIRED = _(
    "Tick this box to create an account: we can only handle your application if you agree "
    "to the privacy notice."
)

# The username is the e-mail address, and a username holds at most 150 characters.
EMAIL_MAX_LENGTH = 150


def _language_choices():
    # Each language in its own name: someone who does not read the current one
    # still finds theirs.
    return [(code, translation.get_language_info(code)["name_local"])
            for code, _name in settings.LANGUAGES]


def _current_language() -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    current = (translation.get_language() or "").split("-")[0]
    return current if current in codes else settings.LANGUAGE_CODE


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=EMAIL_MAX_LENGTH,
        error_messages={"invalid": MSG_BAD_EMAIL, "required": MSG_EMAIL_REQUIRED},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none",
                                       "spellcheck": "false"}),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class SignupForm(EmailForm):
    given_names = forms.CharField(
        label=_("Given names"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name = forms.CharField(
        label=_("Family name"), max_length=150, required=False,
        help_text=_("Leave empty if you have a single name."),
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        error_messages={"required": MSG_BIRTH_REQUIRED},
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"},
                               format="%Y-%m-%d"),
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False,
        error_messages={"required": MSG_PASSWORD_REQUIRED},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False,
        error_messages={"required": MSG_PASSWORD_REQUIRED},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language of our messages to you"),
    )
    # The label names the notice's version; see __init__.
    privacy_consent = forms.BooleanField(
        error_messages={"required": MSG_PRIVACY_REQUIRED},
    )

    field_order = ["given_names", "family_name", "birth_date", "email", "password1",
                   "password2", "preferred_language", "privacy_consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = self.fields["preferred_language"]
        language.choices = _language_choices()
        language.initial = _current_language()
        self.fields["password1"].help_text = (
            password_validation.password_validators_help_text_html())
        consent = self.fields["privacy_consent"]
        consent.label = gettext(
            "I have read the privacy notice (version %(version)s) and agree that my data are "
            "processed to handle my scholarship application."
        ) % {"version": self.notice_version}
        consent.help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("privacy_notice"), gettext("Read the privacy notice (opens in a new tab)"),
        )

    @property
    def notice_version(self) -> str:
        """The version of the privacy notice the box refers to."""
        return settings.PRIVACY_NOTICE_VERSION

    def clean_given_names(self):
        return self.cleaned_data["given_names"].strip()

    def clean_family_name(self):
        return self.cleaned_data["family_name"].strip()

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if born > timezone.localdate():
            raise forms.ValidationError(MSG_BIRTH_IN_FUTURE)
        return born

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("given_names") and not cleaned.get("family_name") and not (
            self.has_error("given_names") or self.has_error("family_name")
        ):
            self.add_error("given_names", MSG_NAME_REQUIRED)
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", MSG_PASSWORDS_DIFFER)
        elif password1:
            # The validators compare the password with the name and the address
            # ("aminata1990" is refused for Aminata), so they see an unsaved user.
            user = get_user_model()(
                username=cleaned.get("email", ""), email=cleaned.get("email", ""),
                first_name=cleaned.get("given_names", ""),
                last_name=cleaned.get("family_name", ""),
            )
            try:
                password_validation.validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ResendForm(EmailForm):
    """Ask for a new confirmation link. `token` is the expired link, when the
    page was reached from one: it lets the new link carry the same details."""

    token = forms.CharField(required=False, widget=forms.HiddenInput)


MSG_INVALID_LOGIN = _(
    "This e-mail address or username and password do not match an account. Check them and "
    "try again: capital letters do not matter in an e-mail address, but they do in a password."
)


class LoginForm(AuthenticationForm):
    """Applicants log in with their e-mail address, stored in lower case; accept
    it however it is typed."""

    error_messages = {**AuthenticationForm.error_messages, "invalid_login": MSG_INVALID_LOGIN}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail or username")

    def clean_username(self):
        username = self.cleaned_data.get("username", "")
        return username.lower() if "@" in username else username
