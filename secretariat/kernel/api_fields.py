"""Serializer fields the API's workflows share: money as its currency writes it."""

from decimal import Decimal

from djmoney.money import Money
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_attribute

from secretariat.kernel.money import currency_places


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": r"^-?\d{0,16}(?:\.\d{1,2})?$",
        "description": "In the currency's minor unit: JPY 150000, EUR 1250.00.",
    }
)
class MoneyAmountField(serializers.Field):
    """An amount, read-only, with its currency's decimal places (JPY 0, EUR 2),
    as a string like DRF's decimals. ``source`` names a django-money ``Money``,
    or a decimal whose currency code ``currency_source`` names."""

    def __init__(self, *, currency_source: str | None = None, **kwargs):
        kwargs["read_only"] = True
        self.currency_source = currency_source
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        if value is None or isinstance(value, Money):
            return value
        currency = get_attribute(instance, self.currency_source.split("."))
        return Money(value, currency or "EUR")

    def to_representation(self, value: Money) -> str:
        places = currency_places(value.currency.code)
        return str(Decimal(value.amount).quantize(Decimal(1).scaleb(-places)))


class LookupSlugField(serializers.SlugRelatedField):
    """A slug lookup that refuses what no slug holds (a NUL character, which
    PostgreSQL cannot compare) as it refuses an unknown slug, not with a
    database error; multipart bodies reach it unchecked."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "object",
        "description": "Each action the caller may know of on this object: "
        "whether they may take it now and, if not, why.",
        "additionalProperties": {
            "type": "object",
            "properties": {
                "allowed": {"type": "boolean"},
                "reason": {"type": "string"},
            },
            "required": ["allowed", "reason"],
        },
    }
)
class AllowedActionsField(serializers.Field):
    """The policy's answer for the caller on each of ``names``
    (``secretariat.kernel.policy.allowed_actions``)."""

    def __init__(self, names, **kwargs):
        self.names = list(names)
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        from secretariat.kernel import policy

        request = self.context.get("request")
        if request is None:
            return {}
        return policy.allowed_actions(request.user, obj, self.names)


class ModelActionsField(AllowedActionsField):
    """The policy's answer for the caller on every action declared on the
    object's model."""

    def __init__(self, **kwargs):
        super().__init__([], **kwargs)

    def to_representation(self, obj):
        from secretariat.kernel import policy

        request = self.context.get("request")
        if request is None:
            return {}
        return policy.allowed_actions(request.user, obj)
