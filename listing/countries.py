"""Country names for list pages, made once per language.

django-countries translates a name on every lookup, and a model field whose
choices are the 250 countries has Django flatten and normalise those choices
for every cell an admin changelist draws (`display_for_field` reads
`field.flatchoices`): at 100 rows, 25,000 choices per column per page. The
names only change with the language, so they are read once per language and
kept for the life of the process."""

from django.utils.translation import get_language

_names: dict[str, dict[str, str]] = {}


def country_names() -> dict[str, str]:
    """{code: name} in the active language."""
    language = get_language() or ""
    names = _names.get(language)
    if names is None:
        from .widgets import country_choices

        names = _names[language] = dict(country_choices())
    return names


def country_name(code) -> str:
    """The name of a country (a code or a django-countries Country) in the active
    language; the code itself when unknown, "" for none."""
    code = getattr(code, "code", code) or ""
    return country_names().get(str(code), str(code))


def country_column(field: str, description):
    """An admin list column showing `field` (a CountryField) by name, sorted
    like the field: a drop-in for the field's name in `list_display`."""
    from django.contrib import admin

    @admin.display(description=description, ordering=field)
    def column(obj):
        return country_name(getattr(obj, field)) or None  # None: the admin's empty value

    column.__name__ = f"{field}_name"
    return column
