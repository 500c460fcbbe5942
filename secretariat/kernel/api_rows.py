"""API lists read as rows: a page's columns by ``.values()``, written out by the
detail serializer's own fields.

A list of 50 requests built as model instances and written by a
``ModelSerializer`` built ~420 objects and walked every field's source through
them; the same columns read as values cost less than half. ``ValuesRows`` keeps
the answer the serializer's: each plain column is written by the serializer's
field for it (its decimals, dates, time zone and choices), in the serializer's
order, so the list cannot say a value differently from the detail (the tests
compare the two for the same rows). Columns that are not one value (money,
relations listed by code, nested rows, the policy's ``allowed_actions``) are
given by the list itself.

The policy still decides ``allowed_actions``, on the model: ``instance_from``
builds the model from the row's few columns the policy reads, every other field
deferred, so a policy that comes to read another field loads it (and a query
budget test says so) instead of reading a default.
"""

import functools

from django.db import DEFAULT_DB_ALIAS
from rest_framework.relations import PrimaryKeyRelatedField, SlugRelatedField


class ValuesRows:
    """``lookups`` maps each plain field of ``serializer_class`` to the
    ``.values()`` lookup that reads it; every other field is given per row to
    ``render``. Built once per serializer (``ValuesRows.of``): its fields read
    nothing of a request (a date-time field asks for the time zone as it
    writes)."""

    @classmethod
    def of(cls, serializer_class, lookups: dict[str, str]) -> "ValuesRows":
        return _values_rows(serializer_class, tuple(lookups.items()))

    def __init__(self, serializer_class, lookups: dict[str, str]):
        self.fields = fields = serializer_class().fields
        self.names = [name for name, field in fields.items() if not field.write_only]
        self.columns = [
            (name, lookups[name], fields[name], self._writes_id(fields[name]))
            for name in self.names
            if name in lookups
        ]

    @staticmethod
    def _writes_id(field) -> bool:
        # The lookup of a related object's key (or slug) reads what the field
        # writes of the object.
        if isinstance(field, SlugRelatedField):
            return True
        return isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None

    @property
    def lookups(self) -> list[str]:
        return sorted({lookup for _name, lookup, _field, _pk in self.columns})

    def render(self, row: dict, **given) -> dict:
        out = dict(given)
        for name, lookup, field, writes_id in self.columns:
            value = row[lookup]
            if value is None or writes_id:
                out[name] = value
            else:
                out[name] = field.to_representation(value)
        return {name: out[name] for name in self.names if name in out}


@functools.cache
def _values_rows(serializer_class, lookups: tuple) -> ValuesRows:
    return ValuesRows(serializer_class, dict(lookups))


def instance_from(model, row: dict, fields: dict[str, str], using=DEFAULT_DB_ALIAS):
    """``model`` as the database would give it with only ``fields`` loaded
    (attribute name: the row's lookup); the rest deferred."""
    # ``from_db`` takes the loaded values in the order of the model's fields.
    names = [f.attname for f in model._meta.concrete_fields if f.attname in fields]
    missing = set(fields) - set(names)
    if missing:
        raise ValueError(f"{model.__name__} has no fields {sorted(missing)}")
    return model.from_db(using, names, [row[fields[name]] for name in names])


def related_values(model, field_name: str, pks, column: str = "pk") -> dict:
    """For each of ``pks``, ``column`` of its related rows through the many-to-many
    ``field_name``, in the related model's own order (as a prefetch gives them):
    one query for a whole page."""
    field = model._meta.get_field(field_name)
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    order = []
    for name in field.related_model._meta.ordering:
        descending = name.startswith("-")
        order.append(f"{'-' if descending else ''}{target}__{name.lstrip('-')}")
    found = {pk: [] for pk in pks}
    read = f"{target}_id" if column == "pk" else f"{target}__{column}"
    for pk, value in (
        through.objects.filter(**{f"{source}_id__in": list(found)})
        .order_by(*order)
        .values_list(f"{source}_id", read)
    ):
        found[pk].append(value)
    return found
