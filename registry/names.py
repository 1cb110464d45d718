"""Folding names for search and duplicate detection.

People have one name, three names, names in other scripts; the registry keeps
what was typed and compares folded forms: accents removed (NFKD), case folded,
punctuation turned into spaces. The duplicate key also sorts the parts, so
"Diallo Aminata" and "Aminata DIALLO" match. Transliteration between scripts
and spelling variants (Mohamed/Mohammed) are deliberately not guessed at.
"""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-‐‑'’`.,/]+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(part for part in _SEPARATORS.split(stripped.casefold()) if part)


def name_key(*names: str) -> str:
    """Order-independent key of all name parts."""
    return " ".join(sorted(fold(" ".join(n for n in names if n)).split()))


def document_number_key(number: str) -> str:
    """Passport numbers are typed with and without spaces, dashes, lowercase."""
    return re.sub(r"[^0-9A-Z]", "", fold(number).upper())
