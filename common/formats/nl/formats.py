"""Dutch (common/formats/__init__.py)."""

# Typed the same way in every language.
from common.formats.shared import (  # noqa: F401
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    FIRST_DAY_OF_WEEK,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "j F Y"  # 3 december 2026
SHORT_DATE_FORMAT = "j N Y"  # 3 dec 2026
DATETIME_FORMAT = r"j F Y \o\m H:i"  # 3 december 2026 om 14:30
SHORT_DATETIME_FORMAT = "j N Y, H:i"  # 3 dec 2026, 14:30
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
