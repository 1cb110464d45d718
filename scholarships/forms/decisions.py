"""Forms of the review, the committee, the offers and the scholar follow-up.
They check what each field allows; the services decide and write. Each form
carries, where a decision is taken, the state the person saw (hidden), so a
page opened before someone else changed the application is refused."""

import datetime
from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.roles import Role
from listing.widgets import LeanSelect, SearchableCountrySelect

from ..models import ProgressReport, ReviewAssignment, ScholarFollowUp
from ..selectors import reviewer_label
from ..workflow import State

MSG_IN_FUTURE = _("The date cannot be in the future.")
MSG_TOO_OLD = _("The date cannot be more than ten years ago.")
MSG_ENDS_BEFORE_START = _("The scholarship must end after it starts.")
MSG_DEADLINE_PAST = _("The deadline must be after today.")
MSG_DEADLINE_AFTER_START = _("The deadline must be before the scholarship starts.")
MSG_CONFLICT_NOTE = _("Say in a few words what the conflict of interest is.")
MSG_YEAR_RANGE = _("Give the year the academic year starts, such as 2027.")


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


def _date(label, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"},
                                                               format="%Y-%m-%d"),
                           **kwargs)


def _past_date(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(MSG_IN_FUTURE, code="future")
    if value and value < timezone.localdate() - datetime.timedelta(days=3660):
        raise forms.ValidationError(MSG_TOO_OLD, code="too_old")
    return value


# --- moves --------------------------------------------------------------------------

class MoveForm(_Form):
    """A button of the staff page: the move, a reason, the state seen."""

    to = forms.ChoiceField(choices=State.choices, widget=forms.HiddenInput)
    seen = forms.ChoiceField(choices=State.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


# --- review ------------------------------------------------------------------------------

class ReviewerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        profile = user.reviewer_profile
        return reviewer_label(
            name=user.get_full_name() or user.get_username(), country=profile.country,
            institution=str(profile.institution) if profile.institution_id else "",
            expertise=profile.expertise)


class AssignReviewerForm(_Form):
    """The reviewers an administrator may ask, less those already asked for
    this application (an application has one assignment per reviewer: a
    cancelled or conflicted one stays on record and cannot be made again)."""

    # LeanSelect: the hundred-odd reviewers written in Python, not a template per <option>.
    reviewer = ReviewerChoiceField(label=_("Reviewer"), queryset=get_user_model().objects.none(),
                                   widget=LeanSelect)

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        reviewers = (
            get_user_model().objects.filter(reviewer_profile__is_active=True, is_active=True,
                                            groups__name=Role.REVIEWER)
            .select_related("reviewer_profile__institution").order_by("last_name", "username"))
        if application is not None:
            reviewers = reviewers.exclude(pk__in=ReviewAssignment.objects.filter(
                application=application).values("reviewer"))
        self.fields["reviewer"].queryset = reviewers


class DeclarationForm(_Form):
    CHOICES = [("no", _("I have no conflict of interest with this applicant")),
               ("yes", _("I have a conflict of interest"))]
    conflict = forms.ChoiceField(label=_("Conflict of interest"), choices=CHOICES,
                                 widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("If you have one, what is it?"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: you know the applicant personally, you are one of their "
                    "referees, or you work with their host institution."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("conflict") == "yes" and not (cleaned.get("note") or "").strip():
            self.add_error("note", MSG_CONFLICT_NOTE)
        return cleaned


CRITERION_COMMENT_MAX = 2000


class ReviewForm(_Form):
    """One score per criterion of the call's rubric, on its scale, each with an
    optional comment, and the review's comment."""

    comment = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the scores rest on: the committee reads it."),
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        fields = {}
        for criterion in self.criteria:
            help_parts = [str(_("From 0 to %(max)s; weight %(weight)s.") % {
                "max": criterion.scale_max, "weight": criterion.weight.normalize()})]
            if criterion.description:
                help_parts.insert(0, criterion.description)
            fields[f"criterion_{criterion.pk}"] = forms.IntegerField(
                label=criterion.name, min_value=0, max_value=criterion.scale_max,
                help_text=" ".join(help_parts),
                widget=forms.NumberInput(attrs={"min": 0, "max": criterion.scale_max}),
            )
            fields[f"criterion_{criterion.pk}_comment"] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.name},
                required=False, max_length=CRITERION_COMMENT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Optional: what this score rests on."),
            )
        comment = self.fields.pop("comment")
        self.fields.update(fields)
        self.fields["comment"] = comment

    @property
    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}

    @property
    def criterion_comments(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"criterion_{c.pk}_comment", "")
                for c in self.criteria}


# --- committee ---------------------------------------------------------------------------

class CommitteeForm(_Form):
    held_on = _date(_("Meeting date"), validators=[_past_date])
    members_present = forms.CharField(
        label=_("Members present"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One name per line."),
    )
    rationale = forms.CharField(
        label=_("Rationale of the decisions"), max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    override_reason = forms.CharField(
        label=_("Reason to exceed the quota or the yearly ceiling"), required=False,
        max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the selection gives more awards than are free. It is recorded "
                    "with the meeting and each decision beyond the limit."),
    )
    duplicate_reason = forms.CharField(
        label=_("Reason to proceed despite a possible duplicate"), required=False,
        max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when a likely duplicate of the applicant already holds an award of "
                    "this academic year. It is kept in the history of the application."),
    )


# --- offers --------------------------------------------------------------------------------

def _euros(label, *, positive=False):
    return forms.DecimalField(
        label=label, max_digits=9, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01") if positive else Decimal("0"))],
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


class OfferForm(_Form):
    monthly_allowance = _euros(_("Monthly allowance (EUR)"), positive=True)
    tuition = _euros(_("Tuition fees (EUR)"))
    travel = _euros(_("Travel (EUR)"))
    insurance = _euros(_("Insurance (EUR)"))
    starts_on = _date(_("Start of the scholarship"))
    ends_on = _date(_("End of the scholarship"))
    deadline = _date(_("Answer before (end of the day, Brussels time)"))
    override_reason = forms.CharField(
        label=_("Reason to exceed the quota or the yearly ceiling"), required=False,
        max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for a reserve candidate when no place is free."),
    )
    duplicate_reason = forms.CharField(
        label=_("Reason to proceed despite a possible duplicate"), required=False,
        max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when a likely duplicate of the applicant already holds an award of "
                    "this academic year. It is kept in the history of the application."),
    )
    seen = forms.ChoiceField(choices=State.choices, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        starts, ends, deadline = (cleaned.get("starts_on"), cleaned.get("ends_on"),
                                  cleaned.get("deadline"))
        if starts and ends and ends <= starts:
            self.add_error("ends_on", MSG_ENDS_BEFORE_START)
        if deadline and deadline <= timezone.localdate():
            self.add_error("deadline", MSG_DEADLINE_PAST)
        elif deadline and starts and deadline >= starts:
            self.add_error("deadline", MSG_DEADLINE_AFTER_START)
        return cleaned


class BulkOfferForm(_Form):
    """One package for every selected candidate of a call; each period comes
    from the candidate's study plan."""

    monthly_allowance = _euros(_("Monthly allowance (EUR)"), positive=True)
    tuition = _euros(_("Tuition fees (EUR)"))
    travel = _euros(_("Travel (EUR)"))
    insurance = _euros(_("Insurance (EUR)"))
    deadline = _date(_("Answer before (end of the day, Brussels time)"))

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.localdate():
            raise forms.ValidationError(MSG_DEADLINE_PAST, code="past")
        return deadline


class DeclineForm(_Form):
    reason = forms.CharField(
        label=_("Why do you decline? (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("This helps the scholarship office; you do not have to say."),
    )


class AcceptForm(_Form):
    """Accepting asks the applicant to confirm the package, the period and
    what the scholarship asks of them."""

    confirm = forms.BooleanField(
        label=_("I accept the scholarship with the package, the period and the conditions "
                "above."),
        error_messages={"required": _("Tick this box to accept the scholarship.")},
    )


# --- follow-up -------------------------------------------------------------------------------

class ArrivalForm(_Form):
    arrived_on = _date(_("Arrived on"), validators=[_past_date])


class EnrolmentForm(_Form):
    enrolment_confirmed_on = _date(_("Enrolment confirmed on"), validators=[_past_date])


class ProgressReportForm(_Form):
    academic_year = forms.IntegerField(
        label=_("Academic year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The year the academic year starts: 2027 for 2027-2028."),
        error_messages={"min_value": MSG_YEAR_RANGE, "max_value": MSG_YEAR_RANGE},
    )
    received_on = _date(_("Received on"), validators=[_past_date])
    assessment = forms.ChoiceField(label=_("Assessment"),
                                   choices=ProgressReport.Assessment.choices)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 2}))


class CompletionForm(_Form):
    completed_on = _date(_("Completed on"), validators=[_past_date])


class DiscontinuationForm(_Form):
    discontinued_on = _date(_("Discontinued on"), validators=[_past_date])
    reason = forms.CharField(label=_("Reason for discontinuation"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ResidenceForm(_Form):
    residence = forms.ChoiceField(label=_("The alumnus lives now"),
                                  choices=ScholarFollowUp.Residence.choices,
                                  widget=forms.RadioSelect)
    residence_country = forms.ChoiceField(
        label=_("Country, if elsewhere"), required=False,
        # Evaluated per request, so the names are sorted in the user's language.
        choices=lambda: [("", "---------"), *((c.code, c.name) for c in countries)],
        widget=SearchableCountrySelect,
    )
    residence_confirmed_on = _date(_("Last confirmed on"), validators=[_past_date])

