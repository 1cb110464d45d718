from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Call, Programme
from . import selectors


class ReportFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Academic year"), coerce=int, required=False,
                                  empty_value=None)
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.all(),
                                       required=False, empty_label=_("All programmes"))
    call = forms.ModelChoiceField(label=_("Call"), required=False, empty_label=_("All calls"),
                                  queryset=Call.objects.order_by("-academic_year", "title"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [
            (year, str(year)) for year in selectors.years()]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        call, year = data.get("call"), data.get("year")
        if call and year and call.academic_year != year:
            self.add_error("call", _("This call is not of the academic year chosen."))
        return data

    def filters(self) -> selectors.Filters:
        if not self.is_valid():
            return selectors.Filters(year=None)
        data = self.cleaned_data
        return selectors.Filters(year=data.get("year"),
                                 call=data["call"].pk if data.get("call") else None,
                                 programme=data["programme"].pk if data.get("programme")
                                 else None)
