"""Moments, days and money written for people, the same in pages, messages and
notifications."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import pgettext_lazy


def when_text(moment: datetime | None) -> str:
    """A moment in the current time zone: 21 Nov 2026, 14:00 (in Ukrainian
    2 грудня 2026, 14:00: the active language's DATETIME_FORMAT, in
    secretariat/formats/)."""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "DATETIME_FORMAT")


def day_text(day: date | datetime | None) -> str:
    """A day: 21 Nov 2026 (a moment's day in the current time zone)."""
    if day is None:
        return ""
    if isinstance(day, datetime) and timezone.is_aware(day):
        day = timezone.localtime(day)
    return date_format(day, "DATE_FORMAT")


def grouped(value, places: int = 0) -> str:
    """A number in thousands as the active language writes it: 1,250,000.00 in
    English, 1 250 000,00 in Ukrainian (a no-break space)."""
    text = f"{value:,.{places}f}"
    point, thousands = get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR")
    if (point, thousands) == (".", ","):
        return text
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


def money(amount, currency="EUR") -> str:
    """An amount with its ISO 4217 code and the currency's decimal places:
    EUR 1,250,000.00, JPY 150,000. The one way money is written, in pages,
    the admin, messages, notifications and emails; ``amount`` may be a
    django-money ``Money``, which brings its currency."""
    from secretariat.kernel.money import currency_places

    if amount is None or amount == "":
        return ""
    if hasattr(amount, "amount") and hasattr(amount, "currency"):
        amount, currency = amount.amount, amount.currency
    code = str(getattr(currency, "code", currency) or "EUR")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return str(amount)
    places = currency_places(code)
    sign = "-" if value < 0 else ""
    return f"{sign}{code} {grouped(abs(value), places)}"


def eur(amount) -> str:
    """Money in euros: EUR 1,250,000.00."""
    return money(amount or 0, "EUR")


# Largest first; the units after the figure, in the active language.
_COMPACT_UNITS = (
    (Decimal("1e9"), pgettext_lazy("billions, after an amount", "bn")),
    (Decimal("1e6"), pgettext_lazy("millions, after an amount", "M")),
    (Decimal("1e3"), pgettext_lazy("thousands, after an amount", "k")),
)


def money_compact(amount, currency="EUR") -> str:
    """An amount at a glance, for a figure on a card: EUR 81.8 M, EUR 250 k,
    EUR 3 bn (to one decimal, half up; the full amount below a thousand). The
    exact amount belongs beside it (a title, the table underneath)."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return str(amount)
    code = str(getattr(currency, "code", currency) or "EUR")
    size = abs(value)
    if size < 1000:
        return money(value, code)
    index = next(i for i, (unit, _) in enumerate(_COMPACT_UNITS) if size >= unit)
    scaled = _scaled(size, _COMPACT_UNITS[index][0])
    if scaled >= 1000 and index > 0:
        index -= 1  # 999,960 is "1 M", not "1,000 k"
        scaled = _scaled(size, _COMPACT_UNITS[index][0])
    number = grouped(scaled, 1).removesuffix(get_format("DECIMAL_SEPARATOR") + "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{code} {number} {_COMPACT_UNITS[index][1]}"


def _scaled(size: Decimal, unit: Decimal) -> Decimal:
    return (size / unit).quantize(Decimal("0.1"), ROUND_HALF_UP)


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
