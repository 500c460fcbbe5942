"""Figures and dates written for people: money as EUR 1,250,000.00 (on a card,
EUR 1.3 M), counts as 30,000, moments as 21 Nov 2026, 14:00 (in the person's
time zone), days as 21 Nov 2026."""

from django import template

from secretariat.kernel import formatting
from secretariat.reports.charts import format_count

register = template.Library()
register.filter("eur", formatting.eur)
register.filter("thousands", format_count)
register.filter("when", formatting.when_text)
register.filter("day", formatting.day_text)
register.filter("points", formatting.points)
register.filter("money_compact", formatting.money_compact)


@register.filter
def money(value, currency=None):
    """``{{ amount|money:"JPY" }}``, or a django-money ``Money`` in its own
    currency."""
    return formatting.money(value, currency or "EUR")
