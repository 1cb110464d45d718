from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registry.models import Organisation

from ..models import PARTNER_KINDS
from . import selectors


class ReportFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False,
                                  empty_value=None)
    country = forms.ChoiceField(label=_("Country of return"), required=False)
    partner = forms.ModelChoiceField(
        label=_("Partner organisation"), required=False, empty_label=_("All partners"),
        queryset=Organisation.objects.filter(kind__in=PARTNER_KINDS).order_by("name"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [
            (year, str(year)) for year in selectors.years(user)]
        self.fields["country"].choices = [("", _("All countries"))] + list(countries)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filters(self) -> selectors.Filters:
        if not self.is_valid():
            return selectors.Filters()
        data = self.cleaned_data
        return selectors.Filters(year=data.get("year"), country=data.get("country") or "",
                                 partner=data["partner"].pk if data.get("partner") else None)
