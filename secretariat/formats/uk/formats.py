"""Dates and numbers in Ukrainian, as the secretariat writes them: 2 грудня
2026, 14:00 (the month in the genitive, as Ukrainian writes a day), and
1 250 000,00 (a no-break space between thousands, a decimal comma: Django's
own Ukrainian formats)."""

DATE_FORMAT = "j E Y"  # 2 грудня 2026
TIME_FORMAT = "H:i"  # 14:00
DATETIME_FORMAT = "j E Y, H:i"  # 2 грудня 2026, 14:00
YEAR_MONTH_FORMAT = "F Y"  # Грудень 2026
MONTH_DAY_FORMAT = "j E"  # 2 грудня
SHORT_DATE_FORMAT = "d.m.Y"  # 02.12.2026
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# The ISO form first: date inputs (<input type="date">) show and send only
# 2026-12-02, whatever the language; typed Ukrainian dates are still read.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
]
