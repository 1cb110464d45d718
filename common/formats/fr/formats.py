"""French (common/formats/__init__.py)."""

DATE_FORMAT = "j F Y"  # 3 décembre 2026
SHORT_DATE_FORMAT = "j N Y"  # 3 déc. 2026
DATETIME_FORMAT = r"j F Y \à H:i"  # 3 décembre 2026 à 14:30
SHORT_DATETIME_FORMAT = "j N Y, H:i"  # 3 déc. 2026, 14:30
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"

# Day first, as typed in Belgium; ISO last, as <input type="date"> sends it.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 03/12/2026
    "%d/%m/%y",  # 03/12/26
    "%d-%m-%Y",  # 03-12-2026
    "%d.%m.%Y",  # 03.12.2026
    "%Y-%m-%d",  # 2026-12-03
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M"]
FIRST_DAY_OF_WEEK = 1  # Monday

