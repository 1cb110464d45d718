"""The journeys in each language of the site (issue 12, "Done when").

A browser test asks for the `language` fixture (tests/conftest.py) and finds
what it clicks or reads by the text the code translates, in that language:
`texts = Texts(language)`, then `texts("Save and continue")` is the msgid as
the page must show it. A msgid missing from the catalogue makes the test fail,
because the page then shows English where the test expects French or Dutch."""

import os
from decimal import Decimal

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext, pgettext
from playwright.sync_api import Page, expect

LANGUAGES = ("en", "fr", "nl")


def journey_languages(other: str) -> tuple[str, ...]:
    """The languages a full journey runs in: English and `other`, the journeys
    alternating between French and Dutch to keep the browser tests within the
    CI budget (tests/test_browser_languages.py walks each role's main pages in
    the language its journey skips); every language with ALL_LANGUAGES=1."""
    return LANGUAGES if os.environ.get("ALL_LANGUAGES") else ("en", other)


class Texts:
    """The translations of msgids into one language, as the pages show them."""

    def __init__(self, language: str):
        self.language = language

    def __call__(self, msgid, **params) -> str:
        """A msgid, or a lazy translation (a MSG_ constant), in this language."""
        with translation.override(self.language):
            text = gettext(msgid) if isinstance(msgid, str) else str(msgid)
        return text % params if params else text

    def plural(self, singular: str, plural: str, count: int, **params) -> str:
        with translation.override(self.language):
            text = ngettext(singular, plural, count)
        return text % {"count": count, **params}

    def context(self, context: str, msgid: str) -> str:
        with translation.override(self.language):
            return pgettext(context, msgid)

    def label(self, choice) -> str:
        """A choice's label (a TextChoices member), in this language."""
        with translation.override(self.language):
            return str(choice.label)

    def amount(self, value: str, grouping: bool = False) -> str:
        """An amount as a template writes it: "1150.00", "1150,00"."""
        with translation.override(self.language):
            return number_format(Decimal(value), 2, force_grouping=grouping)

    def country(self, code: str) -> str:
        from django_countries import countries

        with translation.override(self.language):
            return str(countries.name(code))

    def day(self, value) -> str:
        from common import formats

        with translation.override(self.language):
            return formats.day(value)

    def translated(self, msgids) -> list[str]:
        """The msgids in this language; in French or Dutch each must differ from
        its English msgid (a missing translation shows English on the page)."""
        found = [self(msgid) for msgid in msgids]
        if self.language != "en":
            english = [Texts("en")(msgid) for msgid in msgids]
            missing = [msgid for msgid, text in zip(english, found, strict=True) if text == msgid]
            assert not missing, f"untranslated in {self.language}: {missing}"
        return found


def choose_language(page: Page, language: str) -> None:
    """Pick the language with the navbar's language menu, as a visitor does."""
    select = page.locator("nav select[name=language]").first
    if select.input_value() != language:
        with page.expect_navigation():
            select.select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)


def expect_no_untranslated(page: Page, texts: Texts, msgids, where: str = "body") -> None:
    """The page shows these msgids of its own in the user's language, and, in
    French or Dutch, none of them in English."""
    expect(page.locator("html")).to_have_attribute("lang", texts.language)
    region = page.locator(where).first
    english = [Texts("en")(msgid) for msgid in msgids]
    for msgid, text in zip(english, texts.translated(msgids), strict=True):
        expect(region).to_contain_text(text)
        if texts.language != "en" and msgid not in text:
            expect(region).not_to_contain_text(msgid)
