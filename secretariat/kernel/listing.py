"""Lists done one way: filter, sort and cut into pages.

Every list page hands its queryset (already scoped to the user by a selector) to
``list_page``, with a django-filter ``FilterSet`` for its filters and a table of
the columns that may be sorted. The template shows the filter form, sortable
headers (``includes/sort_header.html``, with ``aria-sort``) and the shared
``includes/pagination.html``. The query params stay what they were: the filter
fields by name, ``sort`` (a column key, ``-`` first for descending) and ``page``.

The count and the page are two queries whatever the filters, so a list's query
budget does not grow with its rows.

A list may also declare a ``Table``: what its rows are called when counted
("1,234 requests"), the money columns the database totals over the filtered
rows (one aggregate, shown in the table's footer with their currency), and the
columns of its download. ``?export=csv`` or ``?export=xlsx`` on the page's own
address then answers with every row of the filtered view, read through the same
queryset as the page (``secretariat.kernel.exports``), so a download can never
hold a row the page would not show that person.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from secretariat.kernel import exports, policy, versions

PER_PAGE = 50

# A list's count and totals are kept this long at most, under a key made of their
# exact SQL (which carries the person's scope and filters) and the version of
# the table's rows (bumped by any save or delete of one, ``versions``): a whole
# table's COUNT(*) and sums cost more than the rest of the page at scale. A
# queryset ``update()`` sends no signal; its change shows within this time.
FIGURES_SECONDS = 60
_watched: set[str] = set()


def cached_figure(queryset, kind: str, compute):
    """``compute()``, read from the cache when the same SQL was answered for
    the same version of the table's rows."""
    model = queryset.model
    name = f"rows:{model._meta.label_lower}"
    if name not in _watched:
        versions.bump_on_change(name, model)
        _watched.add(name)
    version = versions.current(name)
    if version is None:  # the cache is out: count every time
        return compute()
    sql, params = queryset.query.sql_with_params()
    key = (
        "figure:"
        + hashlib.sha256(repr((kind, name, version, sql, params)).encode()).hexdigest()
    )
    found = versions.safe_get(key)
    if found is None:
        found = compute()
        versions.safe_set(key, found, FIGURES_SECONDS)
    return found


class CountedApart:
    """A queryset as ``Paginator`` (and DRF's page-number pagination) reads it:
    counted as it is, and its page read through ``page_hint``, a filter that
    changes no row but lets the planner walk an index in the page's order. The
    count does without it: a join that only helps a page would make the
    ``COUNT(*)`` read every row it joins."""

    def __init__(self, queryset, page_hint):
        self.queryset = queryset
        self.page_hint = page_hint

    @property
    def ordered(self) -> bool:
        return self.queryset.ordered

    def count(self) -> int:
        return cached_figure(self.queryset, "count", self.queryset.count)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        return self.page_hint(self.queryset)[key]


@dataclass(frozen=True)
class SortLink:
    """One sortable column: the ``sort`` value its header link sets (the reverse
    of the current order when it is the current column) and its ``aria-sort``."""

    value: str
    aria: str

    @property
    def arrow(self) -> str:
        return {"ascending": "▲", "descending": "▼"}.get(self.aria, "")


def sort_links(sort: str, keys) -> dict[str, SortLink]:
    current = sort.lstrip("-")
    descending = sort.startswith("-")
    return {
        key: SortLink(
            value=f"-{key}" if key == current and not descending else key,
            aria=("descending" if descending else "ascending")
            if key == current
            else "none",
        )
        for key in keys
    }


def chosen_sort(request, sorts: dict[str, str], default: str) -> str:
    sort = request.GET.get("sort", default)
    return sort if sort.lstrip("-") in sorts else default


def ordering(sort: str, sorts: dict[str, str], tiebreak) -> list[str]:
    field = sorts[sort.lstrip("-")]
    fields = field if isinstance(field, tuple | list) else (field,)
    prefix = "-" if sort.startswith("-") else ""
    return [*(f"{prefix}{f}" for f in fields), *tiebreak]


@dataclass(frozen=True)
class Total:
    """A money column summed by the database over the filtered rows: ``field``
    (a field's name, or an expression of fields) in the fixed ``currency``, or
    one sum per currency when each row says its own in ``currency_field``. The
    template finds it in ``totals[key]``, a list of ``Money``."""

    key: str
    field: object
    currency: str = ""
    currency_field: str = ""


@dataclass(frozen=True)
class Table:
    """What a list counts, totals and downloads. ``count`` is an
    ``ngettext_lazy`` of ``%(count)s`` keyed on ``"n"`` ("%(count)s request",
    "%(count)s requests"); ``name`` names the downloaded file, ``title`` its
    sheet. ``export_action``, if given, is the policy's action that decides who
    may download the list (whoever may see the page, without one)."""

    name: str
    title: str
    count: object
    columns: tuple[exports.Column, ...]
    totals: tuple[Total, ...] = ()
    export_action: str | None = None

    def may_export(self, user) -> bool:
        return self.export_action is None or policy.may(self.export_action, user)

    def count_text(self, n: int) -> str:
        return self.count % {"n": n, "count": number_format(n, force_grouping=True)}

    def download(self, fmt: str, rows):
        return exports.export_response(
            fmt,
            self.columns,
            rows.iterator(chunk_size=exports.CHUNK),
            filename=self.name,
            title=str(self.title),
        )


def totals_of(queryset, totals) -> dict[str, list[Money]]:
    """The ``Total``s of the filtered rows, computed by the database: one query
    for those of a fixed currency, one per total kept by currency (kept a
    minute, ``cached_figure``)."""
    if not totals:
        return {}
    kind = repr([(t.key, t.field, t.currency_field, t.currency) for t in totals])
    return cached_figure(queryset, kind, lambda: _totals_of(queryset, totals))


def _totals_of(queryset, totals) -> dict[str, list[Money]]:
    queryset = queryset.order_by()
    if queryset.query.distinct:
        # A row repeated by a join would be summed twice.
        queryset = queryset.model._default_manager.filter(pk__in=queryset.values("pk"))
    found = {}
    fixed = [total for total in totals if not total.currency_field]
    if fixed:
        sums = queryset.aggregate(
            **{f"total_{n}": Sum(total.field) for n, total in enumerate(fixed)}
        )
        for n, total in enumerate(fixed):
            found[total.key] = [
                Money(sums[f"total_{n}"] or Decimal("0"), total.currency)
            ]
    for total in totals:
        if total.currency_field:
            by_currency = (
                queryset.values(total.currency_field)
                .annotate(total=Sum(total.field))
                .order_by(total.currency_field)
            )
            found[total.key] = [
                Money(row["total"], row[total.currency_field]) for row in by_currency
            ]
    return found


def export_format(request) -> str | None:
    """The download the query string asks for (``export=csv`` or ``xlsx``)."""
    fmt = request.GET.get("export")
    return fmt if fmt in exports.FORMATS else None


def list_page(
    request,
    queryset,
    *,
    filterset_class=None,
    filterset_kwargs=None,
    sorts: dict[str, str] | None = None,
    default_sort: str = "",
    tiebreak=("-id",),
    per_page: int = PER_PAGE,
    page_hint=None,
    table: Table | None = None,
) -> dict:
    """The context every list template reads: ``page``, ``filters`` (a form),
    ``filtered`` (whether a filter narrows the list, for its empty state),
    ``sort`` (the header links) and ``sort_value``. ``page_hint``, if given,
    applies to the page's query only (see ``CountedApart``).

    With a ``table``, also ``count_text`` ("1,234 requests"), ``totals`` and
    ``table``; and when the query string asks for a download, only
    ``download``: the response the view returns instead of its page."""
    filters = None
    filtered = False
    if filterset_class is not None:
        filterset = filterset_class(
            request.GET or None,
            queryset=queryset,
            request=request,
            **(filterset_kwargs or {}),
        )
        queryset = filterset.qs
        filters = filterset.form
        filtered = filterset.is_bound and any(
            value not in (None, "", False, [])
            for value in filterset.form.cleaned_data.values()
        )
    context = {"filters": filters, "filtered": filtered}
    if sorts:
        sort = chosen_sort(request, sorts, default_sort)
        queryset = queryset.order_by(*ordering(sort, sorts, tiebreak))
        context["sort"] = sort_links(sort, sorts)
        context["sort_value"] = sort
    if table is not None and (fmt := export_format(request)):
        if table.export_action:
            policy.require(table.export_action, request.user)
        rows = queryset if page_hint is None else page_hint(queryset)
        context["download"] = table.download(fmt, rows)
        return context
    filtered_rows = queryset
    if page_hint is not None:
        queryset = CountedApart(queryset, page_hint)
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    context["page"] = page
    if table is not None:
        context["table"] = table
        context["may_export"] = table.may_export(request.user)
        context["count_text"] = table.count_text(page.paginator.count)
        context["totals"] = totals_of(filtered_rows, table.totals)
    return context


# ------------------------------------------------------- filters most lists share


class SearchFilter(django_filters.CharFilter):
    """A free-text box matching any of the given lookups (``field__lookup``)."""

    def __init__(self, *lookups, **kwargs):
        self.lookups = lookups
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        query = Q()
        for lookup in self.lookups:
            query |= Q(**{lookup: value})
        return qs.filter(query)


class TickFilter(django_filters.Filter):
    """A checkbox that narrows the list when ticked and does nothing otherwise
    (an unticked box is not "only the false ones")."""

    field_class = forms.BooleanField

    def __init__(self, *, lookup_value=True, **kwargs):
        self.lookup_value = lookup_value
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{self.field_name: self.lookup_value})


def status_filter(choices, *, label=None, empty=None, **kwargs):
    return django_filters.ChoiceFilter(
        label=label or _("Status"),
        choices=choices,
        empty_label=empty or _("Any status"),
        **kwargs,
    )
