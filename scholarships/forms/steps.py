"""The forms of the application's steps.

Each form works in two modes. Strict ("Save and continue"): every answer the
step needs is there, and the step is marked complete. Lenient ("Save as
draft"): only what was typed is checked (a year is a number, a date is a
date), so an applicant can keep half a step and come back days later; the
step then does not count as complete.

Browser validation is off (the templates set novalidate): messages come from
here, beside each field and in the applicant's language."""

import datetime

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from common.validators import DateWindow, FixedDateWindow
from listing.widgets import SearchableCountrySelect
from registry.forms import MSG_BIRTH_TOO_EARLY, ProfileForm
from registry.models import Person

from ..models import Application, LanguageLevel
from ..steps import STEP_BY_SLUG

MOTIVATION_MIN = 300
MOTIVATION_MAX = 5000

MSG_REQUIRED = _("This answer is needed to complete the step.")
MSG_SEX_REQUIRED = _("Choose one of the answers.")
MSG_YEAR_IN_FUTURE = _("The year cannot be later than this year.")
MSG_START_NOT_AFTER_TODAY = _("The planned start must be after today.")
MSG_START_OUTSIDE_YEAR = _("This call is for the academic year %(year)s: the planned start must "
                           "be between %(earliest)s and %(latest)s.")
HELP_START_IN_YEAR = _("For the academic year %(year)s: between %(earliest)s and %(latest)s.")
MSG_APPLICANT_TOO_YOUNG = _("Applicants are at least %(age)s years old: enter a date of birth on "
                            "or before %(latest)s.")
MSG_EXPERIENCE_NEGATIVE = _("The years of experience cannot be negative.")
MSG_LANGUAGE_NEEDED = _("Give your level of English or of French: the programmes are taught "
                        "in one of them.")
MSG_MOTIVATION_HELP = _("Between %(min)s and %(max)s characters, about half a page to two "
                        "pages: why this programme, and what you will do with it at home.")
MSG_MOTIVATION_TOO_SHORT = _("Write at least %(min)s characters. You wrote %(count)s.")
MSG_MOTIVATION_TOO_LONG = _("Write at most %(max)s characters. You wrote %(count)s: shorten it "
                            "a little.")
MSG_GIVEN_NAMES_HELP = _("All your given names, as written in your passport.")
MSG_FAMILY_NAME_HELP = _("As written in your passport. Leave empty if you have a single name.")
MSG_NATIONALITIES_HELP = _("Choose every nationality you hold.")
# Applicants are adults or nearly: at least this old on the day they apply.
APPLICANT_MIN_AGE = 16
# The planned start of an academic year Y-(Y+1) (September to June): from
# the July before, for preparatory courses, to the June it ends.
START_MONTH_DAY, END_MONTH_DAY = (7, 1), (6, 30)

MSG_PERSONAL_HELP = _("These details are kept in your profile and are used for all your "
                      "applications.")


def _number(value: int) -> str:
    """5,000 in English, 5 000 in French, 5.000 in Dutch."""
    return number_format(value, force_grouping=True)


def _helper() -> FormHelper:
    # The template draws the <form> and its two buttons ("Save and continue",
    # "Save as draft"); crispy draws the fields.
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class _StepMixin:
    """Strict or lenient, see the module's docstring. `always_required` fields
    are needed even for a draft (the registry cannot keep a nameless person)."""

    always_required: tuple[str, ...] = ()
    required_when_strict: tuple[str, ...] = ()

    def _set_mode(self, strict: bool):
        self.strict = strict
        for name, field in self.fields.items():
            field.required = name in self.always_required or (
                strict and name in self.required_when_strict)
            field.error_messages["required"] = MSG_REQUIRED
        self.helper = _helper()


# years_ahead is negative: the latest date of birth is APPLICANT_MIN_AGE
# years before today.
APPLICANT_BIRTH_WINDOW = DateWindow(
    years_back=120, years_ahead=-APPLICANT_MIN_AGE, early_message=MSG_BIRTH_TOO_EARLY,
    late_message=MSG_APPLICANT_TOO_YOUNG, params={"age": APPLICANT_MIN_AGE})


def planned_start_window(call) -> FixedDateWindow:
    """The planned starts a call's academic year allows (START/END_MONTH_DAY)."""
    year = call.academic_year
    return FixedDateWindow(
        earliest=datetime.date(year, *START_MONTH_DAY),
        latest=datetime.date(year + 1, *END_MONTH_DAY),
        early_message=MSG_START_OUTSIDE_YEAR, late_message=MSG_START_OUTSIDE_YEAR,
        help_text=HELP_START_IN_YEAR, params={"year": call.academic_year_label})


class PersonalForm(_StepMixin, ProfileForm):
    """The applicant's own data, saved on their registry Person."""

    birth_window = APPLICANT_BIRTH_WINDOW
    # Selects without an empty choice: always sent.
    always_required = ("birth_date_precision", "preferred_language")
    required_when_strict = ("birth_date", "sex", "nationalities", "country_of_residence")

    def __init__(self, *args, strict: bool = True, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        # "Unknown" is what the registry records when nobody asked; an
        # applicant answers. An empty first choice keeps the browser from
        # silently showing (and saving) the first real answer.
        sex = self.fields["sex"]
        sex.choices = [("", "---------")] + [
            choice for choice in Person.Sex.choices if choice[0] != Person.Sex.UNKNOWN]
        if self.initial.get("sex") == Person.Sex.UNKNOWN:
            self.initial["sex"] = ""
        self._set_mode(strict)
        self.fields["sex"].error_messages["required"] = MSG_SEX_REQUIRED
        # The registry's help texts speak to staff about "the person".
        self.fields["given_names"].help_text = MSG_GIVEN_NAMES_HELP
        self.fields["family_name"].help_text = MSG_FAMILY_NAME_HELP
        self.fields["nationalities"].help_text = MSG_NATIONALITIES_HELP

    def clean_sex(self):
        sex = self.cleaned_data.get("sex")
        # A draft without an answer keeps what the registry had.
        return sex or Person.Sex.UNKNOWN


class _ApplicationStepForm(_StepMixin, forms.ModelForm):
    step_slug = ""

    def __init__(self, *args, strict: bool = True, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self._set_mode(strict)

    @property
    def values(self) -> dict:
        """Cleaned values of the step's fields, for the services."""
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class EducationForm(_ApplicationStepForm):
    step_slug = "education"
    required_when_strict = STEP_BY_SLUG["education"].fields

    class Meta:
        model = Application
        fields = list(STEP_BY_SLUG["education"].fields)
        widgets = {"degree_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
                   "degree_country": SearchableCountrySelect}

    def clean_degree_year(self):
        year = self.cleaned_data.get("degree_year")
        if year and year > timezone.localdate().year:
            raise forms.ValidationError(MSG_YEAR_IN_FUTURE)
        return year


class EmploymentForm(_ApplicationStepForm):
    step_slug = "employment"

    class Meta:
        model = Application
        fields = list(STEP_BY_SLUG["employment"].fields)
        error_messages = {"years_of_experience": {"min_value": MSG_EXPERIENCE_NEGATIVE}}
        widgets = {"years_of_experience": forms.NumberInput(attrs={"inputmode": "numeric"})}


class StudyPlanForm(_ApplicationStepForm):
    step_slug = "study-plan"
    required_when_strict = STEP_BY_SLUG["study-plan"].fields

    class Meta:
        model = Application
        fields = list(STEP_BY_SLUG["study-plan"].fields)
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "duration_months": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        host = self.fields["host_institution"]
        host.queryset = self.call.host_institutions.order_by("name") if self.call else (
            host.queryset.none())
        host.empty_label = _("Choose the host institution")
        # A call that names no host institution leaves the choice open.
        if host.required and not host.queryset.exists():
            host.required = False
        self.start_window = planned_start_window(self.call) if self.call else None
        if self.start_window:
            self.start_window.apply(self.fields["planned_start"])

    def clean_planned_start(self):
        # The call's year is checked by the field (start_window); after today
        # is checked here, so a date in the year but already past says so.
        start = self.cleaned_data.get("planned_start")
        if start and start <= timezone.localdate():
            raise forms.ValidationError(MSG_START_NOT_AFTER_TODAY)
        return start


class LanguagesForm(_ApplicationStepForm):
    step_slug = "languages"

    class Meta:
        model = Application
        fields = list(STEP_BY_SLUG["languages"].fields)

    def clean(self):
        cleaned = super().clean()
        spoken = [cleaned.get(name) for name in ("english_level", "french_level")]
        if self.strict and not any(level and level != LanguageLevel.NONE for level in spoken):
            self.add_error("english_level", MSG_LANGUAGE_NEEDED)
        return cleaned


class MotivationForm(_ApplicationStepForm):
    step_slug = "motivation"
    required_when_strict = ("motivation",)

    class Meta:
        model = Application
        fields = ["motivation"]
        widgets = {"motivation": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["motivation"].help_text = MSG_MOTIVATION_HELP % {
            "min": MOTIVATION_MIN, "max": _number(MOTIVATION_MAX)}

    def clean_motivation(self):
        # Checked here rather than with max_length: a maxlength attribute would
        # make the browser cut a long paste without a word.
        text = self.cleaned_data.get("motivation", "")
        if self.strict and text and len(text) < MOTIVATION_MIN:
            raise forms.ValidationError(
                MSG_MOTIVATION_TOO_SHORT % {"min": MOTIVATION_MIN, "count": len(text)})
        if self.strict and len(text) > MOTIVATION_MAX:
            raise forms.ValidationError(
                MSG_MOTIVATION_TOO_LONG % {"max": _number(MOTIVATION_MAX),
                                           "count": _number(len(text))})
        return text


STEP_FORMS = {
    "personal": PersonalForm,
    "education": EducationForm,
    "employment": EmploymentForm,
    "study-plan": StudyPlanForm,
    "languages": LanguagesForm,
    "motivation": MotivationForm,
}


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw? (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("This helps the scholarship office; you do not have to say."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
