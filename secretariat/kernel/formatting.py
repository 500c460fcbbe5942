"""Moments, days and money written for people, the same in pages, messages and
notifications."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.formats import date_format


def when_text(moment: datetime | None) -> str:
    """A moment in the current time zone: 21 Nov 2026, 14:00."""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "j M Y, H:i")


def day_text(day: date | datetime | None) -> str:
    """A day: 21 Nov 2026 (a moment's day in the current time zone)."""
    if day is None:
        return ""
    if isinstance(day, datetime) and timezone.is_aware(day):
        day = timezone.localtime(day)
    return date_format(day, "j M Y")


def money(amount, currency="EUR") -> str:
    """An amount with its ISO 4217 code and the currency's decimal places:
    EUR 1,250,000.00, JPY 150,000."""
    from secretariat.kernel.money import currency_places

    if amount is None or amount == "":
        return ""
    code = str(getattr(currency, "code", currency) or "EUR")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return str(amount)
    places = currency_places(code)
    sign = "-" if value < 0 else ""
    return f"{sign}{code} {abs(value):,.{places}f}"


def eur(amount) -> str:
    """Money in euros: EUR 1,250,000.00."""
    return money(amount or 0, "EUR")


def points(value, places=1) -> str:
    """A score or weighted total: 66.7 (half up, as ``floatformat``), without
    the template filter's cost: a ranking shows hundreds."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return str(number.quantize(Decimal(1).scaleb(-int(places)), ROUND_HALF_UP))
