from django.utils import translation

from listing.countries import country_column, country_name, country_names
from registry.factories import PersonFactory


def test_country_names_follow_the_language():
    with translation.override("en"):
        assert country_name("BE") == "Belgium"
    with translation.override("fr"):
        assert country_name("BE") == "Belgique"
    with translation.override("nl"):
        assert country_name("BE") == "België"


def test_a_country_object_an_unknown_code_and_no_country():
    with translation.override("en"):
        assert country_name(PersonFactory.build(country_of_residence="SN")
                            .country_of_residence) == "Senegal"
        assert country_name("XX") == "XX"
        assert country_name("") == ""
        assert country_name(None) == ""


def test_the_names_are_made_once_per_language():
    with translation.override("en"):
        assert country_names() is country_names()
        assert len(country_names()) >= 249


def test_the_admin_column_is_sorted_like_the_field_and_shows_the_name():
    column = country_column("country_of_residence", "country of residence")
    assert column.admin_order_field == "country_of_residence"
    assert column.short_description == "country of residence"
    with translation.override("en"):
        assert column(PersonFactory.build(country_of_residence="GN")) == "Guinea"
        assert column(PersonFactory.build(country_of_residence="")) is None
