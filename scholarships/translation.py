"""Content that staff write in English, French and Dutch (django-modeltranslation):
each field below gets a column per language (title_en, title_fr, title_nl), the
admin shows the three, and reading `call.title` gives the reader's language,
or the English text where that translation is missing."""

from modeltranslation.settings import AVAILABLE_LANGUAGES, DEFAULT_LANGUAGE
from modeltranslation.translator import TranslationOptions, register
from modeltranslation.utils import build_localized_fieldname, get_language

from .models import Call, Programme


@register(Programme)
class ProgrammeTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)


@register(Call)
class CallTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "award_conditions")
    required_languages = {"en": ("title", "summary")}


# The history of a call keeps every language, so a change to the French title
# shows in it and reverting brings all three back.
@register(Call.history.model)
class HistoricalCallTranslation(TranslationOptions):
    fields = CallTranslation.fields


# Lists read calls through another model (an application's call) as bare
# values or with only() the columns shown: they fetch every language's column,
# so the reader's language (or English) is there without a query per row.

def in_every_language(path: str) -> tuple[str, ...]:
    """"call__title" -> itself and "call__title_en", "call__title_fr", "call__title_nl"."""
    return (path, *(build_localized_fieldname(path, code) for code in AVAILABLE_LANGUAGES))


def localized(row: dict, path: str) -> str:
    """The value of `path` in a values() row, in the active language or English."""
    return (row.get(build_localized_fieldname(path, get_language()))
            or row.get(build_localized_fieldname(path, DEFAULT_LANGUAGE)) or row[path])
