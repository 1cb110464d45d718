"""Forms of the caseworker's workspace. They validate what was typed (dates in
range, amounts above zero, files by their content); the services decide and
write."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.validators import DateWindow
from listing.widgets import SearchableCountrySelect
from privatemedia.files import validate_document_upload
from registry.models import Consent, Organisation

from .models import PARTNER_KINDS, BudgetLine, Delivery, MonitoringVisit, Vulnerability
from .workflow import REASON_REQUIRED

MSG_NOT_IN_FUTURE = _("This date cannot be in the future.")
MSG_NOT_IN_PAST = _("This date cannot be in the past.")
MSG_AMOUNT_POSITIVE = _("Enter an amount greater than zero, in euros with at most two decimals.")
MSG_EVIDENCE_HELP = _("A PDF, JPEG or PNG of the receipt, invoice or signed delivery note, at "
                      "most %(limit)s. If the form comes back with an error, choose the file "
                      "again.")
MSG_ANSWER_REQUIRED = _("Choose an answer.")

MSG_DATE_TOO_EARLY = _("This date is too long ago: enter a date on or after %(earliest)s. Check "
                       "the year.")
MSG_DATE_TOO_LATE = _("This date is too far ahead: enter a date on or before %(latest)s. Check "
                      "the year.")

# How far from today a case's dates plausibly lie (common.validators): what
# happened is recorded within two years; a departure is planned within a
# year; a visit is due within two years of today.
YEARS_RECORDED_LATE = 2
YEARS_PLANNED_AHEAD = 1
YEARS_DUE_AHEAD = 2

MAX_EUROS = 10 ** 8 - 1  # what DecimalField(max_digits=10, decimal_places=2) holds


def _helper(label, *, action: str = "", form_id: str = "") -> FormHelper:
    """Crispy renders the <form> tag (with the CSRF token, and the multipart
    encoding a file field needs); `action` when the form posts elsewhere."""
    helper = FormHelper()
    if action:
        helper.form_action = action
    if form_id:
        helper.form_id = form_id
    helper.add_input(Submit("save", label))
    return helper


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _countries():
    return [("", "---------"), *countries]


def _partners():
    return Organisation.objects.filter(kind__in=PARTNER_KINDS, is_active=True).only(
        "id", "name", "acronym").order_by("name")


def _window(**bounds) -> DateWindow:
    return DateWindow(early_message=MSG_DATE_TOO_EARLY, late_message=MSG_DATE_TOO_LATE,
                      **bounds)


class _WindowDateField(forms.DateField):
    """A date input whose plausible window (counted from the day the form is
    made) is checked, said in the help text and offered by the date picker."""

    def __init__(self, *args, window: DateWindow, **kwargs):
        kwargs.setdefault("widget", _date_input())
        super().__init__(*args, **kwargs)
        self.window = window

    def __deepcopy__(self, memo):
        # Each form instance counts the window from today: its own bounds.
        result = super().__deepcopy__(memo)
        result.window.apply(result)
        return result


class PastDateField(_WindowDateField):
    """Today or before, and not more than YEARS_RECORDED_LATE years ago."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("window", _window(years_back=YEARS_RECORDED_LATE, days_ahead=0))
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError(MSG_NOT_IN_FUTURE, code="future")


class FutureDateField(_WindowDateField):
    """Today or after, and not more than YEARS_PLANNED_AHEAD years ahead."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("window", _window(days_back=0, years_ahead=YEARS_PLANNED_AHEAD))
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and value < timezone.localdate():
            raise forms.ValidationError(MSG_NOT_IN_PAST, code="past")


class EurosField(forms.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0.01)
        kwargs.setdefault("max_value", MAX_EUROS)
        kwargs.setdefault("error_messages", {
            "min_value": MSG_AMOUNT_POSITIVE, "invalid": MSG_AMOUNT_POSITIVE,
            "max_decimal_places": MSG_AMOUNT_POSITIVE,
        })
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"step": "0.01", "min": "0.01", "inputmode": "decimal"})


# --- cases ---------------------------------------------------------------------

class CaseDetailsForm(forms.Form):
    country_of_return = forms.ChoiceField(label=_("Country of return"), choices=_countries,
                                          widget=SearchableCountrySelect)
    region_of_return = forms.CharField(
        label=_("Region or town of return"), max_length=120, required=False)
    partner = forms.ModelChoiceField(
        label=_("Partner organisation"), queryset=Organisation.objects.none(), required=False,
        help_text=_("The organisation that delivers reintegration in the country of return."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = _partners()
        self.helper = _helper(_("Save"))


class CaseOpenForm(CaseDetailsForm):
    """Opening a case for a person found in the registry. `household` lists
    the registry household members who may return with them; `caseworkers`
    whom the case may be given to; `needs_consent` whether the person's
    consent must be recorded now."""

    caseworker = forms.ModelChoiceField(label=_("Caseworker"), queryset=None)
    members = forms.MultipleChoiceField(
        label=_("Household members who return too"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("From the person's household in the registry."))
    consent_method = forms.ChoiceField(
        label=_("Consent to a reintegration case"), required=False,
        choices=[("", "---------"), *Consent.Method.choices],
        help_text=_("The person has not consented yet: record how they gave their consent."))

    def __init__(self, *args, household=(), caseworkers=None, needs_consent=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = {str(member.pk): member for member in household}
        self.fields["members"].choices = [
            (key, f"{member.person.full_name} ({member.get_relation_display()}, "
                  f"{member.person.reference})") for key, member in self.household.items()]
        if not self.household:
            del self.fields["members"]
        self.fields["caseworker"].queryset = caseworkers
        self.fields["caseworker"].label_from_instance = (
            lambda user: user.get_full_name() or user.get_username())
        self.fields["consent_method"].required = needs_consent
        if not needs_consent:
            del self.fields["consent_method"]
        self.helper = _helper(_("Open the case"))

    def returning_members(self) -> list[tuple]:
        return [(self.household[key].person, self.household[key].relation)
                for key in self.cleaned_data.get("members", [])]


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = target in REASON_REQUIRED


class DepartureForm(forms.Form):
    planned_on = FutureDateField(label=_("Planned departure"))
    reason = forms.CharField(label=_("Note"), required=False, max_length=300,
                             help_text=_("Flight, escort, anything the history should keep."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Plan the departure"))


class ArrivalForm(forms.Form):
    """The order of the dates (no arrival before the planned departure) is
    the service's rule (services.cases._guard_arrival): its error is shown
    next to the field."""

    arrived_on = PastDateField(label=_("Arrived on"))
    reason = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record the arrival"))


class ReassignForm(forms.Form):
    caseworker = forms.ModelChoiceField(label=_("New caseworker"), queryset=None)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)

    def __init__(self, *args, caseworkers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers
        self.fields["caseworker"].label_from_instance = (
            lambda user: user.get_full_name() or user.get_username())
        self.helper = _helper(_("Reassign"))


class VulnerabilityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Vulnerability"), choices=Vulnerability.Kind.choices)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the vulnerability"))


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=10000)
    is_confidential = forms.BooleanField(
        label=_("Confidential"), required=False,
        help_text=_("Only the case's caseworker, their supervisor and the data protection "
                    "officer can read it."))

    def __init__(self, *args, submit_label=None, action="", form_id="", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit_label or _("Add the note"), action=action, form_id=form_id)


# --- plan and budget -------------------------------------------------------------------

class PlanForm(forms.Form):
    objectives = forms.CharField(
        label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
        help_text=_("What the returnee wants to achieve, agreed with them: a business, a job, "
                    "schooling for the children, housing."))

    def __init__(self, *args, action="", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the objectives"), action=action, form_id="plan-objectives")


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=BudgetLine.Category.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    amount = EurosField(label=_("Amount (EUR)"))

    def __init__(self, *args, submit_label=None, action="", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit_label or _("Add the line"), action=action,
                              form_id="budget-line")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)

    def __init__(self, *args, submit_label=None, action="", form_id="", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit_label or _("Save"), action=action, form_id=form_id)


class DeliveryForm(forms.Form):
    line = forms.ModelChoiceField(label=_("Budget line"), queryset=BudgetLine.objects.none())
    kind = forms.ChoiceField(label=_("How"), choices=Delivery.Kind.choices)
    supplier = forms.CharField(label=_("Supplier"), max_length=200, required=False,
                               help_text=_("Required when a supplier was paid."))
    amount = EurosField(label=_("Amount (EUR)"))
    delivered_on = PastDateField(label=_("Delivered on"))
    description = forms.CharField(label=_("What was provided"), max_length=300)
    evidence = forms.FileField(
        label=_("Evidence"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,"
                                                "image/jpeg,image/png"}))

    def __init__(self, *args, lines=(), action="", form_id="", **kwargs):
        super().__init__(*args, **kwargs)
        open_lines = [line for line in lines if line.remaining > 0]
        self.fields["line"].queryset = BudgetLine.objects.filter(
            pk__in=[line.pk for line in open_lines])
        labels = {line.pk: gettext("%(line)s — %(left)s EUR left") % {
            "line": line, "left": localize(line.remaining)} for line in open_lines}
        self.fields["line"].label_from_instance = lambda line: labels.get(line.pk, str(line))
        self.fields["evidence"].help_text = MSG_EVIDENCE_HELP % {
            "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        self.evidence_content_type = ""
        self.helper = _helper(_("Record the delivery"), action=action, form_id=form_id)

    def clean_evidence(self):
        evidence = self.cleaned_data.get("evidence")
        if isinstance(evidence, UploadedFile):
            self.evidence_content_type = validate_document_upload(evidence)
        return evidence

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Delivery.Kind.SUPPLIER and not cleaned.get("supplier"):
            from .services.plans import MSG_SUPPLIER_REQUIRED

            self.add_error("supplier", MSG_SUPPLIER_REQUIRED)
        return cleaned

    @property
    def file_must_be_chosen_again(self) -> bool:
        return self.is_bound and bool(self.errors) and bool(self.files.get("evidence"))


# --- monitoring ------------------------------------------------------------------------

class VisitForm(forms.Form):
    """A visit done, with one radio question per survey question of the
    version in use (`questions`, with their options prefetched)."""

    done_on = PastDateField(label=_("Visit done on"))
    mode = forms.ChoiceField(label=_("How"), choices=MonitoringVisit.Mode.choices,
                             widget=forms.RadioSelect)
    notes = forms.CharField(label=_("Observations"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    early_reason = forms.CharField(
        label=_("Reason for recording it early"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for a visit that took place more than %(days)s days before its due "
                    "date: say why it could not wait."))

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["early_reason"].help_text = self.fields["early_reason"].help_text % {
            "days": settings.REINTEGRATION_VISIT_WINDOW_DAYS}
        self.questions = list(questions)
        for question in self.questions:
            self.fields[self.field_name(question)] = forms.TypedChoiceField(
                label=gettext(question.text), coerce=int, widget=forms.RadioSelect,
                choices=[(option.pk, gettext(option.text)) for option in question.options.all()],
                error_messages={"required": MSG_ANSWER_REQUIRED},
            )
        self.helper = _helper(_("Record the visit"))

    @staticmethod
    def field_name(question) -> str:
        return f"q{question.pk}"

    def answers(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[self.field_name(q)] for q in self.questions}

    def survey_fields(self):
        """(dimension label, [bound fields]) in the order of the questions."""
        groups: dict[str, list] = {}
        for question in self.questions:
            groups.setdefault(question.get_dimension_display(), []).append(
                self[self.field_name(question)])
        return list(groups.items())


class VisitDateForm(forms.Form):
    due_on = _WindowDateField(label=_("Due on"), window=_window(
        years_back=YEARS_RECORDED_LATE, years_ahead=YEARS_DUE_AHEAD))

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit_label or _("Save the date"))

