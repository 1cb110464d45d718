"""What the three languages type alike (common/formats/<language>/formats.py
import it): day first, as typed in Belgium, ISO last, as <input type="date">
sends it; weeks start on Monday."""

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

