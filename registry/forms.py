from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Person

MSG_NAME_REQUIRED = _("Give at least one name: a given name or a family name.")
MSG_BIRTH_IN_FUTURE = _("The date of birth cannot be in the future.")


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "given_names", "family_name", "name_original_script", "birth_date",
            "birth_date_precision", "sex", "nationalities", "country_of_residence",
            "email", "phone", "preferred_language",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))

    def clean_birth_date(self):
        from django.utils import timezone

        born = self.cleaned_data.get("birth_date")
        if born and born > timezone.localdate():
            raise forms.ValidationError(MSG_BIRTH_IN_FUTURE)
        return born

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("given_names") or "").strip() and not (
            cleaned.get("family_name") or ""
        ).strip():
            self.add_error("given_names", MSG_NAME_REQUIRED)
        return cleaned


class ProfileForm(PersonForm):
    """What a person may change about themselves."""

    class Meta(PersonForm.Meta):
        fields = [
            "given_names", "family_name", "name_original_script", "birth_date",
            "birth_date_precision", "sex", "nationalities", "country_of_residence",
            "phone", "preferred_language",
        ]
