"""Figures written for people: money as EUR 1,250,000.00, counts as 30,000."""

from django import template

from secretariat.charts import format_count, format_eur

register = template.Library()
register.filter("eur", format_eur)
register.filter("thousands", format_count)
