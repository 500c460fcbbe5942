"""Dates and times as the secretariat writes them, in every English the site
speaks (en and en-gb): 31 Mar 2026, 14:00. Django uses them wherever it writes
a date without being told how (the admin's lists and forms, ``{{ a_date }}``
in a template); ``secretariat.kernel.formatting`` writes them in pages,
messages and notifications. How dates are typed in is Django's default."""

DATE_FORMAT = "j M Y"  # 31 Mar 2026
TIME_FORMAT = "H:i"  # 14:00
DATETIME_FORMAT = "j M Y, H:i"  # 31 Mar 2026, 14:00
YEAR_MONTH_FORMAT = "F Y"  # March 2026
MONTH_DAY_FORMAT = "j F"  # 31 March
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
