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

from common.text import fold

__all__ = ["document_number_key", "fold", "name_key"]


def name_key(*names: str) -> str:
    """Order-independent key of all name parts."""
    return " ".join(sorted(fold(" ".join(n for n in names if n)).split()))


def document_number_key(number: str) -> str:
    """Passport numbers are typed with and without spaces, dashes, lowercase."""
    return re.sub(r"[^0-9A-Z]", "", fold(number).upper())
