"""The admin's forms for setting up a call: they check what
services.calls will refuse (frozen fields without a reason, the number of
awards below those held, dates that would leave a submission outside the
call), so the error shows beside its field with everything typed kept; the
admin then saves through the services."""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Call

REASON_FIELD = "change_reason"
MSG_REASON_HELP = _("Reviews of this call are already scored. The number of awards, the "
                    "reviewers per application and the criteria (their weights, highest scores, "
                    "and which criteria there are) change only with a reason, kept in the "
                    "call's history. Changed weights or highest scores score the submitted "
                    "reviews again, and the ranking follows at once.")


class CallForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for the change"), required=False, help_text=MSG_REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    class Meta:
        model = Call
        # The admin gives the fields of its fieldsets (each language's column).
        fields = ["programme", "title", "slug", "academic_year", "summary", "description",
                  "award_conditions", "opens_at", "closes_at", "eligible_nationalities",
                  "max_age", "age_reference_date", "min_degree", "exclude_eu_residents",
                  "exclude_award_holders", "host_institutions", "reviewers_per_application",
                  "quota"]

    def _post_clean(self):
        # After the instance holds the typed values: compare them with the call
        # as stored (the instance may be an old version, when reverting).
        super()._post_clean()
        self.call_changes: dict = {}
        stored = Call.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        if stored is None:
            return
        self.call_changes = self._changes(stored)
        reason = self.cleaned_data.get(REASON_FIELD, "")
        for name, message in services.call_change_problems(
                stored, self.call_changes, reason).items():
            self.add_error(name if name in self.fields else None, message)

    def _changes(self, stored: Call) -> dict:
        changes = {}
        for name in list(self.cleaned_data):
            try:
                field = Call._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_many:
                new = list(self.cleaned_data[name])
                old = set(getattr(stored, name).values_list("pk", flat=True))
                if {item.pk for item in new} != old:
                    changes[name] = new
            elif getattr(self.instance, field.attname) != getattr(stored, field.attname):
                changes[name] = getattr(self.instance, field.name)
        return changes

    def field_values(self) -> dict:
        """The call's own columns as typed (for a new call)."""
        values = {}
        for name in self.cleaned_data:
            try:
                field = Call._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not field.many_to_many:
                values[name] = getattr(self.instance, field.name)
        return values

    def _save_m2m(self):
        # The host institutions are set by services.call_create / call_update.
        pass


class CriterionFormSet(BaseInlineFormSet):
    """The rubric: once reviews are scored, a change of weight, highest score
    or of which criteria there are needs the reason typed on the call's form
    (passed in as change_reason); a scored criterion is never removed."""

    def __init__(self, *args, change_reason: str = "", **kwargs):
        self.change_reason = (change_reason or "").strip()
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        call = self.instance
        if any(self.errors) or call is None or call.pk is None:
            return
        deleted = [form.instance.pk for form in self.deleted_forms if form.instance.pk]
        errors = []
        scored = services.scored_criteria(call) if deleted else set()
        for form in self.deleted_forms:
            if form.instance.pk in scored:
                errors.append(services.calls.MSG_CRITERION_SCORED % {"name": form.instance.name})
        if self.change_reason or not services.call_is_frozen(call):
            if errors:
                raise forms.ValidationError(errors)
            return
        reshaped = bool(deleted)
        for form in self.forms:
            if form in self.deleted_forms or not form.has_changed():
                continue
            if form.instance.pk is None:
                reshaped = True
                continue
            for name in services.FROZEN_CRITERION_FIELDS:
                if name in form.changed_data:
                    form.add_error(name, services.calls.MSG_FROZEN_FIELD)
                    reshaped = True
        if reshaped:
            errors.append(services.calls.MSG_FROZEN_CRITERIA)
        if errors:
            raise forms.ValidationError(errors)
