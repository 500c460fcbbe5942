"""Money rules shared by every workflow: accepted currencies, their decimal places,
and conversion to euros at a recorded rate."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.formatting import day_text
from secretariat.kernel.models import ExchangeRate

CENT = Decimal("0.01")


def currency_places(currency: str) -> int:
    """Decimal places of a currency's minor unit (EUR 2, JPY 0)."""
    return get_currency_precision(currency)


def currency_error(currency) -> str | None:
    """What is wrong with a currency code, or ``None``."""
    if currency not in settings.CURRENCIES:
        return _(
            "“%(currency)s” is not a currency the Coalition accepts (%(list)s)."
        ) % {
            "currency": currency,
            "list": ", ".join(settings.CURRENCIES),
        }
    return None


def money_errors(amount, currency: str) -> dict[str, str]:
    """What is wrong with an amount of money, by the field it concerns: an unknown
    currency is the ``currency``'s fault, everything else the ``amount``'s."""
    error = currency_error(currency)
    if error:
        return {"currency": error}
    error = money_error(amount, currency)
    return {"amount": error} if error else {}


def money_error(amount, currency: str) -> str | None:
    """What is wrong with an amount of money, or ``None``."""
    error = currency_error(currency)
    if error:
        return error
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return _("Enter an amount as a number.")
    if not amount.is_finite():
        return _("Enter an amount as a number.")
    if amount <= 0:
        return _("The amount must be greater than zero.")
    places = currency_places(currency)
    if -amount.as_tuple().exponent > places and amount != amount.quantize(
        Decimal(1).scaleb(-places)
    ):
        if places == 0:
            return _("%(currency)s amounts have no decimal places.") % {
                "currency": currency
            }
        return _("%(currency)s amounts have at most %(places)d decimal places.") % {
            "currency": currency,
            "places": places,
        }
    if amount >= Decimal("1e16"):
        return _("The amount is too large.")
    return None


def validate_money(amount, currency: str) -> Decimal:
    for field, error in money_errors(amount, currency).items():
        raise ApplicationError(error, field=field)
    return Decimal(amount)


@dataclass(frozen=True)
class EurConversion:
    eur_amount: Decimal
    rate: Decimal
    rate_date: date


RATE_TOLERANCE = Decimal("0.20")


def recorded_rate(currency: str, on_date: date) -> ExchangeRate:
    """The latest recorded rate on or before the date, refused when there is none
    or it is older than ``FX_RATE_MAX_AGE_DAYS``: every amount in a foreign
    currency rests on a rate a finance officer recorded."""
    recorded = (
        ExchangeRate.objects.filter(currency=currency, rate_date__lte=on_date)
        .order_by("-rate_date")
        .first()
    )
    if recorded is None:
        raise ApplicationError(
            _(
                "No EUR exchange rate for %(currency)s is recorded on or before "
                "%(date)s. Ask a finance officer to record it."
            )
            % {"currency": currency, "date": day_text(on_date)},
            field="fx_rate",
        )
    if (on_date - recorded.rate_date).days > settings.FX_RATE_MAX_AGE_DAYS:
        raise ApplicationError(
            _(
                "The latest EUR rate for %(currency)s is from %(rate_date)s, more "
                "than %(days)d days before %(date)s. Record a current rate."
            )
            % {
                "currency": currency,
                "rate_date": day_text(recorded.rate_date),
                "days": settings.FX_RATE_MAX_AGE_DAYS,
                "date": day_text(on_date),
            },
            field="fx_rate",
        )
    return recorded


MAX_EUR = Decimal("1e16")


def to_eur(
    amount: Decimal,
    currency: str,
    *,
    on_date: date | None = None,
    rate: Decimal | None = None,
) -> EurConversion:
    """Convert at a given rate, or at the latest recorded rate on or before the
    date. The rate is units of ``currency`` per euro.

    A given rate (the bank's, say) must lie within 20% of a recent recorded one,
    so that a typing slip cannot turn a pledge into a fortune.
    """
    on_date = on_date or timezone.localdate()
    if currency == "EUR":
        return EurConversion(amount.quantize(CENT), Decimal(1), on_date)
    recorded = recorded_rate(currency, on_date)
    if rate is None:
        rate, on_date = recorded.units_per_eur, recorded.rate_date
    else:
        rate = Decimal(rate)
        if rate <= 0:
            raise ApplicationError(
                _("The exchange rate must be positive."), field="fx_rate"
            )
        drift = abs(rate - recorded.units_per_eur) / recorded.units_per_eur
        if drift > RATE_TOLERANCE:
            raise ApplicationError(
                _(
                    "%(rate)s %(currency)s per EUR is more than 20%% away from "
                    "the recorded rate %(recorded)s of %(rate_date)s."
                )
                % {
                    "rate": rate,
                    "currency": currency,
                    "recorded": recorded.units_per_eur,
                    "rate_date": day_text(recorded.rate_date),
                },
                field="fx_rate",
            )
    eur = (amount / rate).quantize(CENT, rounding=ROUND_HALF_EVEN)
    if eur >= MAX_EUR:
        raise ApplicationError(_("The amount in EUR is too large."), field="amount")
    return EurConversion(eur, rate, on_date)
