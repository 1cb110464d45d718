"""English as written in Belgium and the EU (common/formats/__init__.py): day
before month, 24-hour clock."""

# Typed the same way in every language.
from common.formats.shared import (  # noqa: F401
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    FIRST_DAY_OF_WEEK,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "j F Y"  # 3 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 3 Dec 2026
DATETIME_FORMAT = "j F Y, H:i"  # 3 December 2026, 14:30
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 3 Dec 2026, 14:30
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
