import pytest
from django import forms
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from listing.templatetags.listing import filter_field
from listing.widgets import CountrySelect, LeanSelect, country_choices
from registry.factories import UserFactory


class Filters(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "Any"), ("a<b", "A & <B>"), ("c", "C")], widget=LeanSelect,
        required=False, help_text="Pick one.")
    grouped = forms.ChoiceField(
        choices=[("Group", [("x", "X"), ("y", "Y")])], widget=LeanSelect, required=False)
    country = forms.ChoiceField(
        choices=lambda: [("", "Any country"), *country_choices()], widget=CountrySelect,
        required=False)


def test_lean_select_writes_the_html_django_would_with_every_value_escaped():
    html = str(Filters({"state": "a<b"})["state"])
    assert '<select name="state" aria-describedby="id_state_helptext" id="id_state">' in html
    assert '<option value="a&lt;b" selected>A &amp; &lt;B&gt;</option>' in html
    assert '<option value="c">C</option>' in html
    assert "<B>" not in html


def test_lean_select_keeps_option_groups():
    html = str(Filters({"grouped": "y"})["grouped"])
    assert '<optgroup label="Group"><option value="x">X</option>' in html
    assert '<option value="y" selected>Y</option></optgroup>' in html


def test_country_select_marks_the_chosen_country_and_keeps_the_empty_choice():
    html = str(Filters({"country": "SN"})["country"])
    assert html.startswith('<select name="country" id="id_country"><option value="">Any country')
    assert '<option value="SN" selected>Senegal</option>' in html
    assert html.count(" selected") == 1
    assert html.count("<option") == len(country_choices()) + 1


def test_country_names_follow_the_language():
    with translation.override("fr"):
        html = str(Filters({"country": "BE"})["country"])
        assert '<option value="BE" selected>Belgique</option>' in html
    with translation.override("nl"):
        assert ("DE", "Duitsland") in country_choices()


def test_filter_field_shows_the_label_the_help_and_an_error_beside_the_field():
    form = Filters({"state": "nonsense"})
    assert not form.is_valid()
    html = filter_field(form["state"])
    assert '<label class="form-label" for="id_state">State</label>' in html
    assert 'class="form-select is-invalid"' in html
    assert 'aria-describedby="id_state_helptext id_state_error" aria-invalid="true"' in html
    assert '<div id="id_state_error" class="invalid-feedback d-block">Select a valid choice' in html
    assert '<div id="id_state_helptext" class="form-text">Pick one.</div>' in html


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="fr")
def test_a_bad_filter_value_keeps_the_other_filters_as_typed(client):
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    response = client.get(reverse("registry:person_list"), {"q": "diallo", "sex": "nonsense"},
                          HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert 'value="diallo"' in html
    assert "Sélectionnez un choix valide" in html


def test_table_rows_links_the_starred_columns_and_escapes_every_value():
    from listing.templatetags.listing import table_rows

    rows = [{"url": "/x/1/?a=1&b=2", "ref": "R-<1>", "name": "Aïssa \"Ba\"", "age": 31,
             "note": None},
            {"url": "/x/2/", "ref": "R-2", "name": "Kofi", "age": 0, "note": ""}]
    html = table_rows(rows, "ref* name age note")
    first, second = html.split("\n")
    assert first == ('<tr><td><a href="/x/1/?a=1&amp;b=2">R-&lt;1&gt;</a></td>'
                     "<td>Aïssa &quot;Ba&quot;</td><td>31</td><td>—</td></tr>")
    # 0 is a value, not an empty cell; "" and None print the placeholder.
    assert second == '<tr><td><a href="/x/2/">R-2</a></td><td>Kofi</td><td>0</td><td>—</td></tr>'
    assert table_rows([], "ref*") == ""
