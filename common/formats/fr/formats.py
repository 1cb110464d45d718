"""French (common/formats/__init__.py)."""

# Typed the same way in every language.
from common.formats.shared import (  # noqa: F401
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    FIRST_DAY_OF_WEEK,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "j F Y"  # 3 décembre 2026
SHORT_DATE_FORMAT = "j N Y"  # 3 déc. 2026
DATETIME_FORMAT = r"j F Y \à H:i"  # 3 décembre 2026 à 14:30
SHORT_DATETIME_FORMAT = "j N Y, H:i"  # 3 déc. 2026, 14:30
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
