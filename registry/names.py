"""Folding names for search and duplicate detection.

People have one name, three names, names in other scripts; the registry keeps
what was typed and compares folded forms: accents removed (NFKD), case folded,
punctuation turned into spaces. The duplicate key also sorts the parts, so
"Diallo Aminata" and "Aminata DIALLO" match. Transliteration between scripts
and spelling variants (Mohamed/Mohammed) are deliberately not guessed at.

Hyphens separate parts ("Jean-Pierre" is "jean pierre"), but apostrophes join
them: West African and Arabic names are written with and without one
("N'Diaye", "Ndiaye", "M'Bow"), and a search for "ndiaye" must find both.
Letters of other scripts are kept; only their optional marks go, as accents
do: Arabic short vowels, and the hamza on an alef ("أحمد" and "احمد", both
commonly typed, fold alike).
"""

import re
import unicodedata

# Straight, typographic and modifier-letter apostrophes, the grave and the acute
# accent typed in their place. Removed before decomposing, because NFKD turns
# "´" into a space and a combining accent.
_APOSTROPHES = re.compile(r"['’‘ʼ`´]")
_SEPARATORS = re.compile(r"[\s\-‐‑–—.,/]+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text or ""))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(part for part in _SEPARATORS.split(stripped.casefold()) if part)


def name_key(*names: str) -> str:
    """Order-independent key of all name parts."""
    return " ".join(sorted(fold(" ".join(n for n in names if n)).split()))


def document_number_key(number: str) -> str:
    """Passport numbers are typed with and without spaces, dashes, lowercase."""
    return re.sub(r"[^0-9A-Z]", "", fold(number).upper())
