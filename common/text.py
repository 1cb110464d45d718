"""Folding text for search and duplicate detection (see registry/names.py for
why names are folded this way). Here, below every app, because the admin's
search (common/admin.py) and the registry's name keys fold alike."""

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
