"""Widgets for the filter bars of list pages.

Django renders a <select> through the template engine, one template per
<option>: the country filters (about 250 options each) cost more than the
whole rest of a list page. LeanSelect writes the same HTML in Python."""

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


class LeanSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value])
                  if v is not None}
        parts = [f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>']
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):  # an optgroup
                parts.append(f'<optgroup label="{escape(str(option_value))}">')
                parts.extend(self._option(v, text, chosen) for v, text in label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, label, chosen))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    @staticmethod
    def _option(value, label, chosen) -> str:
        value = "" if value is None else str(value)
        selected = " selected" if value in chosen else ""
        return f'<option value="{escape(value)}"{selected}>{escape(str(label))}</option>'


_country_choices: dict[str, list[tuple[str, str]]] = {}


def country_choices() -> list[tuple[str, str]]:
    """The countries as (code, name), sorted by name in the active language.
    django-countries translates and sorts its 250 names on every iteration;
    the list only changes with the language, so it is made once per language."""
    from django.utils.translation import get_language
    from django_countries import countries

    language = get_language() or ""
    if language not in _country_choices:
        _country_choices[language] = [(code, str(name)) for code, name in countries]
    return _country_choices[language]


_country_options: dict[str, list[tuple[str, str, str]]] = {}


class CountrySelect(LeanSelect):
    """A <select> of every country, for a filter whose choices are
    country_choices(): the 250 <option>s are written once per language and
    kept; a page only writes the chosen one again, marked selected. The first
    choice (the filter's "any country") comes from the field."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.translation import get_language

        language = get_language() or ""
        options = _country_options.get(language)
        if options is None:
            options = [(code, label, self._option(code, label, ()))
                       for code, label in country_choices()]
            _country_options[language] = options
        chosen = {"" if value is None else str(value)}
        empty_value, empty_label = next(iter(self.choices))
        parts = [f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>',
                 self._option(empty_value, empty_label, chosen)]
        parts.extend(self._option(code, label, chosen) if code in chosen else html
                     for code, label, html in options)
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


class SearchableCountrySelect(LeanSelect):
    """A country choice that can be searched by typing (static/js/country-search.js):
    the page gets a plain <select>, which is what works without JavaScript;
    the script puts a text box with suggestions in front of it. For fields
    whose choices are the countries (a form's country field), one per form."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-country-search": "", **(attrs or {})}, choices)

    def render(self, name, value, attrs=None, renderer=None):
        # In the language of the page being drawn.
        attrs = {"data-placeholder": _("Type to search"),
                 "data-remove-label": _("Remove"), **(attrs or {})}
        return super().render(name, value, attrs, renderer)


class SearchableCountrySelectMultiple(SearchableCountrySelect):
    """Several countries (nationalities): without JavaScript a <select
    multiple>; with it, a text box that adds each country picked and a list
    of those chosen, each with a button that removes it."""

    allow_multiple_selected = True

    def build_attrs(self, base_attrs, extra_attrs=None):
        return {**super().build_attrs(base_attrs, extra_attrs), "multiple": True}

    def value_from_datadict(self, data, files, name):
        return forms.SelectMultiple.value_from_datadict(self, data, files, name)

    def value_omitted_from_data(self, data, files, name):
        # An unselected <select multiple> sends nothing: never "omitted".
        return False
