"""English as written in Belgium and the EU (common/formats/__init__.py): day
before month, 24-hour clock."""

DATE_FORMAT = "j F Y"  # 3 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 3 Dec 2026
DATETIME_FORMAT = "j F Y, H:i"  # 3 December 2026, 14:30
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 3 Dec 2026, 14:30
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

