"""The French and Dutch catalogs are complete: every string the code and the
templates mark for translation has a reviewed translation."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

REQUIRED_LANGUAGES = ("fr", "nl")


def locale_dir() -> Path:
    return Path(settings.BASE_DIR) / "locale"


def catalog_problems(path: Path) -> list[str]:
    """One line per entry that is fuzzy or not translated. The header
    (msgid "") is metadata, not an entry, and obsolete (#~) entries are no
    longer used by the code: neither is checked."""
    shown = path.relative_to(settings.BASE_DIR) if path.is_relative_to(settings.BASE_DIR) else path
    problems = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        if entry.fuzzy:
            problem = "fuzzy"
        elif not entry.translated():
            problem = "untranslated"
        else:
            continue
        text = entry.msgid if len(entry.msgid) <= 70 else entry.msgid[:67] + "..."
        context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
        problems.append(f"{shown}:{entry.linenum}: {problem}: {text!r}{context}")
    return problems


def test_french_and_dutch_catalogs_exist():
    missing = [
        f"locale/{language}/LC_MESSAGES/django.po" for language in REQUIRED_LANGUAGES
        if not (locale_dir() / language / "LC_MESSAGES" / "django.po").is_file()
    ]
    if missing:
        pytest.fail("Missing translation catalog(s); `make messages` creates them:\n  "
                    + "\n  ".join(missing), pytrace=False)


def test_every_catalog_entry_is_translated_and_not_fuzzy():
    problems = [line for path in sorted(locale_dir().glob("*/LC_MESSAGES/*.po"))
                for line in catalog_problems(path)]
    if problems:
        pytest.fail(f"{len(problems)} catalog entr{'y' if len(problems) == 1 else 'ies'} to "
                    "translate or review (Django ignores fuzzy translations):\n  "
                    + "\n  ".join(problems), pytrace=False)
