"""The demo coalition's facts: who, what money, which companies.

From the source documents (``source`` below): the 20 members, Latvia and the
UK as co-leads (founded 14 February 2024), Japan invited in September 2025 and
considering, non-lethal only; Latvia's EUR 20 million for 2024 and the same
planned for 2025, its EUR 5 million in the international fund since July 2024;
the contracts of January 2025, EUR 54 million for 30,000 drones, of which two
Latvian companies deliver 12,000 worth EUR 17 million. Every other figure and
name is illustrative and marked so.
"""

import datetime as dt
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import make_password

from members.models import Earmark
from secretariat.kernel.roles import Role

DEMO_PASSWORD = "coalition-demo-2026"  # noqa: S105 - printed with the logins
# The demo's staff share one authenticator key (hex of "drone-coalition-demo"):
# add it to an authenticator app, or print the current code with
# `manage.py demo_code`. Never used outside the demo.
DEMO_TOTP_KEY = b"drone-coalition-demo".hex()
DEMO_DEVICE_NAME = "Demo authenticator"


def demo_password_hash() -> str:
    """The demo password, hashed once for every demo account: they share it
    (it is printed with the logins), and a slow hash per account would cost
    the loading seconds."""
    return _hashed(DEMO_PASSWORD, tuple(settings.PASSWORD_HASHERS))


@cache
def _hashed(password: str, hashers: tuple[str, ...]) -> str:
    return make_password(password)


FOUNDED = dt.date(2024, 2, 14)

MEMBERS = [
    ("LV", "Latvia", True), ("GB", "United Kingdom", True), ("AU", "Australia", False),
    ("BE", "Belgium", False), ("CZ", "Czech Republic", False), ("DK", "Denmark", False),
    ("FR", "France", False), ("EE", "Estonia", False), ("IT", "Italy", False),
    ("NZ", "New Zealand", False), ("CA", "Canada", False), ("LT", "Lithuania", False),
    ("LU", "Luxembourg", False), ("NL", "Netherlands", False), ("NO", "Norway", False),
    ("PL", "Poland", False), ("TR", "Turkey", False), ("UA", "Ukraine", False),
    ("DE", "Germany", False), ("SE", "Sweden", False),
]  # fmt: skip

# (username, first, last, email, roles, member state)
USERS = [
    ("admin", "Ada", "Admin", "admin@demo.example", [Role.ADMINISTRATOR], None),
    ("officer", "Anna", "Bērziņa", "officer@demo.example",
     [Role.SECRETARIAT_OFFICER], None),
    ("procurement", "Jānis", "Kalniņš", "procurement@demo.example",
     [Role.PROCUREMENT_OFFICER], None),
    ("finance", "Emily", "Clarke", "finance@demo.example",
     [Role.FINANCE_OFFICER], None),
    ("finance2", "Mārtiņš", "Ozols", "finance2@demo.example",
     [Role.FINANCE_OFFICER], None),
    # A payment is recorded by a finance officer who neither prepared nor
    # checked the request: the demo's third one.
    ("finance-pay", "Ingrid", "Berg", "finance-pay@demo.example",
     [Role.FINANCE_OFFICER], None),
    ("approver-lv", "Laura", "Liepa", "approver-lv@demo.example",
     [Role.CO_LEAD_APPROVER], "LV"),
    ("approver-uk", "James", "Walker", "approver-uk@demo.example",
     [Role.CO_LEAD_APPROVER], "GB"),
    ("evaluator", "Eva", "Kowalska", "evaluator@demo.example", [Role.EVALUATOR], None),
    ("evaluator2", "Lars", "Nilsson", "evaluator2@demo.example",
     [Role.EVALUATOR], None),
]  # fmt: skip
# (state, first, last, email)
LIAISONS = [
    ("JP", "Haruto", "Sato", "liaison-jp@demo.example"),
    ("LV", "Kristaps", "Eglītis", "liaison-lv@demo.example"),
]
# Ukraine's units and commands whose end users state requirements (the codes
# are illustrative): (code, name).
UNITS = [
    ("UA-47-OMBR", "47th Mechanized Brigade"),
    ("UA-USF", "Unmanned Systems Forces Command"),
]
# Ukraine's end users (illustrative): (username, first, last, email, units,
# language).
END_USERS = [
    ("enduser-ua", "Oksana", "Kovalenko", "enduser-ua@demo.example",
     ["UA-47-OMBR"], "uk"),
]  # fmt: skip

# The manufacturers. The first two are the two Latvian companies of the
# January 2025 contracts (source; their names here are illustrative); the
# others are illustrative. (name, state, registration number, IBAN, BIC,
# representative's user name, first name, last name)
COMPANIES = [
    ("SIA Baltic UAV (illustrative)", "LV", "40003000001",
     "LV48HABA0000435195001", "HABALV22", "maker", "Roberts", "Liepiņš"),
    ("SIA Daugava Drones (illustrative)", "LV", "40003000002",
     "LV62HABA0551234567890", "HABALV22", "maker2", "Ilze", "Kalna"),
    ("Skyline Aerosystems Ltd (illustrative)", "GB", "09876543",
     "GB29NWBK60161331926819", "NWBKGB2L", "maker3", "Oliver", "Hughes"),
    ("Wisła Dynamics sp. z o.o. (illustrative)", "PL", "0000123456",
     "PL61109010140000071219812874", "WBKPPLPP", "maker4", "Marta", "Nowak"),
]  # fmt: skip
# What every company declares its critical components are made of, by country.
ORIGINS = {"flight_controller": "LV", "motors": "PL", "cameras": "JP",
           "radios": "LV", "batteries": "DE"}  # fmt: skip
EXCLUDED_ORIGINS = ["RU", "BY", "IR", "KP", "CN"]

# Illustrative reference rates (units per EUR).
RATES = {
    "GBP": "0.85", "USD": "1.08", "JPY": "160", "NOK": "11.6", "SEK": "11.4",
    "DKK": "7.46", "PLN": "4.3", "CZK": "25", "CAD": "1.47", "AUD": "1.64",
    "NZD": "1.78", "TRY": "35", "UAH": "44", "CHF": "0.95",
}  # fmt: skip

U, NL_ONLY = Earmark.UNRESTRICTED, Earmark.NON_LETHAL

# Pledges of 2024 and 2025 and the money received against them, on their
# dates: (state, year, amount, currency, earmark, pledged on,
# [(received on, amount), ...], illustrative, note). Latvia's pledges are the
# source's; what Latvia paid in 2025 is illustrative.
PLEDGES = [
    ("LV", 2024, "20000000", "EUR", U, "2024-02-14", [("2024-07-01", "5000000")],
     False, "Latvia's support for 2024 (source); EUR 5 million paid into the "
     "international fund in July 2024 (source)."),
    ("GB", 2024, "10000000", "GBP", U, "2024-06-03", [("2024-07-15", "10000000")],
     True, ""),
    ("DK", 2024, "50000000", "DKK", U, "2024-06-10", [("2024-08-01", "50000000")],
     True, ""),
    ("NL", 2024, "10000000", "EUR", U, "2024-06-17", [("2024-08-20", "10000000")],
     True, ""),
    ("SE", 2024, "100000000", "SEK", NL_ONLY, "2024-06-24",
     [("2024-09-02", "100000000")], True, ""),
    ("NO", 2024, "100000000", "NOK", U, "2024-07-08", [("2024-09-10", "100000000")],
     True, ""),
    ("CA", 2024, "8000000", "CAD", U, "2024-07-22", [("2024-10-01", "8000000")],
     True, ""),
    ("DE", 2024, "15000000", "EUR", U, "2024-08-05", [("2024-10-15", "15000000")],
     True, ""),
    ("CZ", 2024, "100000000", "CZK", U, "2024-09-16", [("2024-11-05", "100000000")],
     True, ""),
    ("FR", 2024, "5000000", "EUR", U, "2024-10-01", [("2024-11-20", "5000000")],
     True, ""),
    ("BE", 2024, "3000000", "EUR", U, "2024-10-21", [("2024-12-02", "3000000")],
     True, ""),
    ("LV", 2025, "20000000", "EUR", U, "2025-01-06", [("2025-05-28", "5000000")],
     False, "Latvia plans the same support for 2025 (source)."),
    ("GB", 2025, "12000000", "GBP", U, "2025-01-08",
     [("2025-01-20", "6000000"), ("2025-07-14", "6000000")], True, ""),
    ("LT", 2025, "3000000", "EUR", U, "2025-01-13",
     [("2025-02-03", "1500000"), ("2025-12-03", "1500000")], True, ""),
    ("EE", 2025, "2000000", "EUR", U, "2025-02-10", [("2025-03-12", "2000000")],
     True, ""),
    ("NL", 2025, "10000000", "EUR", U, "2025-02-24", [("2025-04-08", "10000000")],
     True, ""),
    ("DK", 2025, "60000000", "DKK", U, "2025-03-03", [("2025-05-06", "60000000")],
     True, ""),
    ("SE", 2025, "120000000", "SEK", NL_ONLY, "2025-03-17",
     [("2025-06-10", "120000000")], True, ""),
    ("NO", 2025, "100000000", "NOK", U, "2025-04-07", [("2025-08-19", "100000000")],
     True, ""),
    ("DE", 2025, "20000000", "EUR", U, "2025-04-14",
     [("2025-09-09", "10000000"), ("2025-11-18", "10000000")], True, ""),
    ("CA", 2025, "8000000", "CAD", U, "2025-05-05", [("2025-10-07", "8000000")],
     True, ""),
]  # fmt: skip

# Illustrative money of the last twelve months, days before the demo loads:
# (state, amount, currency, pledged days ago, received days ago or None).
# States that pledged nothing in 2025, so that the year of the pledge (the
# year it is received) never meets a pledge above.
RECENT_PLEDGES = [
    ("IT", "8000000", "EUR", 330, 305),
    ("AU", "10000000", "AUD", 270, 245),
    ("FR", "6000000", "EUR", 215, 190),
    ("PL", "40000000", "PLN", 160, 135),
    ("NZ", "5000000", "NZD", 105, 80),
    ("LU", "3000000", "EUR", 65, 47),
    ("CZ", "150000000", "CZK", 35, 12),
    ("TR", "4000000", "EUR", 9, None),
]

# The smallest valid PDF: a placeholder for the demo's evidence documents.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
