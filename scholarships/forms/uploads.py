"""Forms of the documents and referees steps and of the referee's upload page.
They validate what was sent; scholarships.services decides and writes."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from privatemedia.files import MSG_EMPTY, validate_document_upload

MSG_CHOOSE_FILE = _("Choose a file to upload.")
MSG_FILE_HELP = _("PDF, JPEG or PNG, at most %(limit)s. A photo of the document taken with a "
                  "phone is accepted if it is readable.")
MSG_REFEREE_EMAIL_INVALID = _("Enter a valid e-mail address, such as name@university.org.")
MSG_REFEREE_IS_APPLICANT = _("This is your own e-mail address: a referee must be someone else "
                             "who knows your work.")
MSG_REFEREE_ALREADY_NAMED = _("This person is already one of your referees.")
MSG_REFEREE_NAME_REQUIRED = _("Give the referee's name.")
MSG_LETTER_FILE_OR_TEXT = _("Upload your letter as a file or type it in the box: one of the "
                            "two is needed.")
MSG_LETTER_TOO_LONG = _("The letter can have at most %(limit_value)s characters (it has "
                        "%(show_value)s). Shorten it, or upload it as a file.")
# About ten pages: a letter longer than that is a document to upload.
LETTER_TEXT_MAX = 20000

# What the file pickers offer; the bytes are checked anyway.
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class _FileForm(forms.Form):
    """One file, checked by its content. `content_type` is what the bytes say."""

    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": MSG_CHOOSE_FILE, "empty": MSG_EMPTY,
                        "invalid": MSG_CHOOSE_FILE, "missing": MSG_CHOOSE_FILE},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content_type = ""
        self.fields["file"].help_text = MSG_FILE_HELP % {
            "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.content_type = validate_document_upload(upload)
        return upload


class DocumentUploadForm(_FileForm):
    """The upload of one document kind; the page shows one per required kind,
    each with its kind as prefix so the errors land beside the right input."""

    def __init__(self, *args, kind_label="", **kwargs):
        super().__init__(*args, **kwargs)
        if kind_label:
            self.fields["file"].label = kind_label


class LetterUploadForm(_FileForm):
    """The referee's letter: a file, or the letter typed in (LETTER_TEXT_MAX
    characters at most), or both; not neither."""

    text = forms.CharField(
        label=_("Or type your letter here"), required=False, max_length=LETTER_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("If you have no file to upload, write the letter in this box instead."),
        error_messages={"max_length": MSG_LETTER_TOO_LONG},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Your reference letter, as a file")
        self.fields["file"].required = False

    def clean_file(self):
        # Optional here: the typed text may stand in for it.
        if not self.cleaned_data.get("file"):
            return None
        return super().clean_file()

    def clean(self):
        cleaned = super().clean()
        if "file" in self.errors or "text" in self.errors:
            return cleaned
        if not cleaned.get("file") and not (cleaned.get("text") or "").strip():
            raise forms.ValidationError(MSG_LETTER_FILE_OR_TEXT, code="required")
        return cleaned


class RefereeForm(forms.Form):
    """A referee to name, or the one who replaces a referee who does not
    answer. `own_emails` are the applicant's addresses (nobody is their own
    referee); `other_emails` those of the other referees still named."""

    name = forms.CharField(label=_("Name"), max_length=200,
                           error_messages={"required": MSG_REFEREE_NAME_REQUIRED})
    email = forms.EmailField(
        label=_("E-mail"), max_length=254,
        error_messages={"invalid": MSG_REFEREE_EMAIL_INVALID,
                        "required": MSG_REFEREE_EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )
    institution = forms.CharField(
        label=_("Institution"), max_length=200, required=False,
        help_text=_("Where the referee works, e.g. the university or employer."),
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail"), choices=settings.LANGUAGES,
        help_text=_("The referee receives the invitation and the upload page in this "
                    "language."),
    )

    def __init__(self, *args, own_emails=(), other_emails=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.own_emails = {e.strip().lower() for e in own_emails if e}
        self.other_emails = {e.strip().lower() for e in other_emails if e}

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(MSG_REFEREE_NAME_REQUIRED, code="required")
        return name

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.lower() in self.own_emails:
            raise forms.ValidationError(MSG_REFEREE_IS_APPLICANT, code="self")
        if email.lower() in self.other_emails:
            raise forms.ValidationError(MSG_REFEREE_ALREADY_NAMED, code="duplicate")
        return email
